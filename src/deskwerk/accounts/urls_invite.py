"""The invitation link: ``/t/<slug>/invite/<secret>/``."""

from django.urls import path

from deskwerk.accounts import views

app_name = "invite"

urlpatterns = [path("<str:token>/", views.invitation_accept_view, name="accept")]
