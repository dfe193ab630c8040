"""The tenant's colleague-finder mode, kept in ``Tenant.settings["people"]["finder_mode"]``.

Four modes (PRODUCT.md, people): everyone is shown, nobody is shown, each person decides with
"shown" as the default, each person decides with "hidden" as the default. The last is the
default of every tenant: data protection by default (GDPR Art. 25 (2)).
"""

from __future__ import annotations

from django.db import transaction

from deskwerk.accounts.models import User
from deskwerk.audit.services import audit_record
from deskwerk.core.errors import InvalidInput
from deskwerk.tenancy.models import Tenant

EVERYONE = "everyone"  # everyone is findable; no personal choice
NOBODY = "nobody"  # the finder is off
OPT_OUT = "opt_out"  # each decides; shown unless they hide themselves
OPT_IN = "opt_in"  # each decides; hidden unless they show themselves (the default)
FINDER_MODES = (EVERYONE, NOBODY, OPT_OUT, OPT_IN)
DEFAULT_FINDER_MODE = OPT_IN


def finder_mode(tenant: Tenant) -> str:
    """The tenant's mode; a missing or unknown stored value is the default."""
    people = (tenant.settings or {}).get("people", {})
    mode = people.get("finder_mode") if isinstance(people, dict) else None
    return mode if mode in FINDER_MODES else DEFAULT_FINDER_MODE


def finder_mode_allows_choice(mode: str) -> bool:
    """May each person decide for themselves in this mode?"""
    return mode in (OPT_OUT, OPT_IN)


def finder_mode_update(*, actor: User, tenant: Tenant, mode: str) -> str:
    """Set the mode (``privacy.settings``; 422 ``invalid_input`` for an unknown one), audited."""
    from deskwerk.access.roles import require_permission

    require_permission(actor, "privacy.settings")
    if mode not in FINDER_MODES:
        raise InvalidInput(f"finder_mode must be one of {', '.join(FINDER_MODES)}")
    with transaction.atomic():
        tenant = Tenant.objects.select_for_update().get(pk=tenant.pk)
        people = dict((tenant.settings or {}).get("people", {}) or {})
        people["finder_mode"] = mode
        tenant.settings = {**(tenant.settings or {}), "people": people}
        tenant.save(update_fields=["settings"])
        audit_record(
            tenant=tenant,
            actor=actor,
            action="tenant.finder_mode",
            obj=tenant,
            changed_fields=["finder_mode"],
        )
    return mode
