from django.urls import path

from deskwerk.web import views

app_name = "web"

urlpatterns = [
    path("", views.tenant_picker, name="tenant-picker"),
    path("health", views.health, name="health"),
    path("t/<slug:tenant_slug>/", views.home, name="home"),
    path("t/<slug:tenant_slug>/login/", views.login_view, name="login"),
    path("t/<slug:tenant_slug>/logout/", views.logout_view, name="logout"),
]
