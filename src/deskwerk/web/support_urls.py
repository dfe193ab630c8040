"""Support access and the instruction register (DPA § 7), included into the ``web`` namespace
of ``tenant_urls``: the tenant's pages under ``compliance/``, the operator's under
``operator/`` (served in the operator tenant's web, 404 for everyone else)."""

from django.urls import path

from deskwerk.web import support_views as v

urlpatterns = [
    path("compliance/support/", v.support_grants, name="support-grants"),
    path(
        "compliance/support/<int:grant_id>/revoke/",
        v.support_grant_revoke,
        name="support-grant-revoke",
    ),
    path("compliance/instructions/", v.instructions, name="instructions"),
    path(
        "compliance/instructions/<int:instruction_id>/confirm/",
        v.instruction_confirm,
        name="instruction-confirm",
    ),
    path(
        "compliance/instructions/<int:instruction_id>/amend/",
        v.instruction_amend,
        name="instruction-amend",
    ),
    path(
        "compliance/instructions/<int:instruction_id>/withdraw/",
        v.instruction_withdraw,
        name="instruction-withdraw",
    ),
    path("operator/support/", v.operator_support, name="operator-support"),
    path("operator/instructions/", v.operator_instructions, name="operator-instructions"),
    path(
        "operator/instructions/<int:instruction_id>/flag/",
        v.operator_instruction_flag,
        name="operator-instruction-flag",
    ),
]
