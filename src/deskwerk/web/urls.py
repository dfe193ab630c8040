"""Public pages outside any tenant: the front door and the health check."""

from django.urls import path

from deskwerk.web import language, offboarding_urls, views

app_name = "web"

urlpatterns = [
    path("", views.tenant_picker, name="tenant-picker"),
    path("health", views.health, name="health"),
    path("language/", language.set_language, name="language"),
    *offboarding_urls.public_urlpatterns,  # the archive download of a terminated tenant
]
