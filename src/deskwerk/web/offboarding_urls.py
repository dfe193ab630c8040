"""Offboarding pages. ``urlpatterns``: the operator console, included into the tenant pages
(``tenant_urls``); ``public_urlpatterns``: the token download page outside any tenant
(``web/urls.py``). Both in the ``web`` namespace."""

from django.urls import path

from deskwerk.web import offboarding_views as views

urlpatterns = [
    path("operator/offboarding/", views.offboarding_list, name="operator-offboarding"),
    path(
        "operator/offboarding/<int:pk>/",
        views.offboarding_detail,
        name="operator-offboarding-detail",
    ),
    path(
        "operator/offboarding/<int:pk>/delete/",
        views.offboarding_delete_view,
        name="operator-offboarding-delete",
    ),
    path(
        "operator/offboarding/<int:pk>/certificate/",
        views.offboarding_certificate,
        name="operator-offboarding-certificate",
    ),
]

public_urlpatterns = [
    path("offboarding/<str:token>/", views.download_page, name="offboarding-download"),
    path("offboarding/<str:token>/archive/", views.download_archive, name="offboarding-archive"),
    path("offboarding/<str:token>/confirm/", views.download_confirm, name="offboarding-confirm"),
]
