"""The operator console, included into the ``web`` namespace of ``tenant_urls``; it answers
only in the operator tenant, to operator staff (404 for everyone else)."""

from django.urls import path

from deskwerk.web import operator_views as v

urlpatterns = [
    path("operator/", v.console, name="operator"),
    path(
        "operator/tenants/<int:tenant_id>/status/<slug:status>/",
        v.tenant_status,
        name="operator-tenant-status",
    ),
    path("operator/subprocessors/", v.subprocessors, name="operator-subprocessors"),
    path(
        "operator/subprocessors/announce/",
        v.subprocessor_announce_view,
        name="operator-subprocessor-announce",
    ),
    path(
        "operator/subprocessors/activate-due/",
        v.subprocessors_activate_due_view,
        name="operator-subprocessors-activate-due",
    ),
    path(
        "operator/subprocessors/<int:subprocessor_id>/activate/",
        v.subprocessor_activate_view,
        name="operator-subprocessor-activate",
    ),
    path(
        "operator/subprocessors/<int:subprocessor_id>/withdraw/",
        v.subprocessor_withdraw_view,
        name="operator-subprocessor-withdraw",
    ),
    path(
        "operator/objections/<int:objection_id>/resolve/",
        v.objection_resolve_view,
        name="operator-objection-resolve",
    ),
    path("operator/notices/", v.notices, name="operator-notices"),
]
