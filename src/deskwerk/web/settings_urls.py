"""The organisation's settings pages, included into the ``web`` namespace of ``tenant_urls``
(names ``web:admin-settings…``, ``web:admin-sso…``), all under ``admin/settings/``."""

from django.urls import path

from deskwerk.web import settings_views as v

urlpatterns = [
    path("admin/settings/", v.settings_index, name="admin-settings"),
    path("admin/settings/sso/new/", v.provider_new, name="admin-sso-new"),
    path("admin/settings/sso/<int:provider_id>/", v.provider_edit, name="admin-sso"),
    path(
        "admin/settings/sso/<int:provider_id>/enabled/",
        v.provider_enable,
        name="admin-sso-enable",
    ),
    path(
        "admin/settings/sso/<int:provider_id>/delete/",
        v.provider_delete,
        name="admin-sso-delete",
    ),
    # Last: the section names are words, the provider paths above are more specific.
    path("admin/settings/<slug:section>/", v.settings_save, name="admin-settings-save"),
]
