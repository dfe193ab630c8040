"""The compliance report (DPA § 15): every measure of Annex 1 with the system's live evidence.

Generated on request from the tenant's settings, the data map, the role grants, the audit log
and the processor registries — never stored, so it cannot go stale. ``collect`` reads all facts
in a fixed number of queries (whatever the tenant's size); the builders below only arrange them.
The result is plain data (dicts, lists, strings, datetimes): the API serialises it as JSON,
the web page renders it, ``pdf.py`` draws it.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from allauth.mfa.models import Authenticator
from django.apps import apps
from django.conf import settings
from django.db import connection
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from deskwerk.access.models import RoleGrant
from deskwerk.access.roles import ADMIN_ROLES, RoleReport, role_report
from deskwerk.accounts.lockout import LockoutSettings, lockout_settings
from deskwerk.accounts.mfa import SECOND_FACTORS, MfaPolicy, mfa_policy
from deskwerk.accounts.models import User
from deskwerk.accounts.passwords import PasswordPolicy, password_policy
from deskwerk.audit.models import AuditEvent
from deskwerk.audit.selectors import Verification, audit_verify
from deskwerk.compliance.measures import ANNEX_1, Measure
from deskwerk.core.regions import EEA, Service, services_in_use
from deskwerk.privacy.datamap import REGISTRY, Category
from deskwerk.privacy.models import DataSubjectRequest
from deskwerk.privacy.records import records
from deskwerk.privacy.settings import PrivacySettings, privacy_settings
from deskwerk.processor.models import Notice, Objection, Subprocessor, SubprocessorChange
from deskwerk.processor.selectors import NoticeRecipient, authorised_recipients
from deskwerk.tenancy.models import Tenant, TenantOwned
from deskwerk.websessions.timeouts import SessionTimeouts, session_timeouts

AUDIT_WINDOW = dt.timedelta(days=90)
OK, ATTENTION, INFO = "ok", "attention", "info"


@dataclass
class Facts:
    """Everything the report shows, read once."""

    tenant: Tenant
    now: dt.datetime
    passwords: PasswordPolicy
    lockout: LockoutSettings
    sessions: SessionTimeouts
    privacy: PrivacySettings
    mfa: MfaPolicy
    people: dict[str, int]
    roles: RoleReport
    audit_counts: list[tuple[str, int]]
    chain: Verification
    last_pseudonymisation: dict[str, Any] | None
    open_requests: list[dict[str, Any]]
    breaches: list[Any] | None  # None: the breach register is not installed
    subprocessors: list[Subprocessor]
    history: list[SubprocessorChange]
    objections: list[Objection]
    recipients: list[NoticeRecipient]
    notices: int
    regions: list[Service]
    rls: tuple[int, int] | None  # (tables with row-level security, tenant tables); None: SQLite
    extra: dict[str, Any] = field(default_factory=dict)


def _tenant_tables() -> list[str]:
    return sorted(
        m._meta.db_table
        for m in apps.get_models()
        if issubclass(m, TenantOwned) and not m._meta.proxy and m._meta.managed
    )


def _row_level_security() -> tuple[int, int] | None:
    """How many tenant tables have PostgreSQL row-level security switched on (one query)."""
    if connection.vendor != "postgresql":
        return None
    tables = _tenant_tables()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_class WHERE relkind = 'r' AND relrowsecurity "
            "AND relname = ANY(%s)",
            [tables],
        )
        (enabled,) = cursor.fetchone()
    return int(enabled), len(tables)


def _people(tenant: Tenant, now: dt.datetime) -> dict[str, int]:
    """Active people, administrators, and how many of each have a second factor (one query)."""
    factor = Authenticator.objects.filter(user__tenant=tenant, type__in=SECOND_FACTORS).values(
        "user_id"
    )
    admins = RoleGrant.unscoped.filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=now),
        tenant=tenant,
        role__in=ADMIN_ROLES,
        state=RoleGrant.State.ACTIVE,
    ).values("user_id")
    counts = User.unscoped.filter(tenant=tenant, is_active=True).aggregate(
        people=Count("pk"),
        with_factor=Count("pk", filter=Q(pk__in=factor)),
        admins=Count("pk", filter=Q(pk__in=admins)),
        admins_with_factor=Count("pk", filter=Q(pk__in=admins) & Q(pk__in=factor)),
    )
    return {k: int(v or 0) for k, v in counts.items()}


def _breaches(tenant: Tenant) -> list[Any] | None:
    try:
        from deskwerk.breaches.selectors import breaches_for_tenant
    except ImportError:  # the breach register is a separate app; the report works without it
        return None
    return list(breaches_for_tenant(tenant))


def collect(*, actor: User, now: dt.datetime | None = None) -> Facts:
    """Read every fact of the actor's tenant; the caller has checked the permission."""
    # Read afresh: the settings are the evidence, not what an older copy of the row says.
    tenant = Tenant.objects.get(pk=actor.tenant_id)
    now = now or timezone.now()
    events = AuditEvent.unscoped.filter(tenant=tenant)
    counts = (
        events.filter(at__gte=now - AUDIT_WINDOW)
        .values("action")
        .annotate(n=Count("pk"))
        .order_by("action")
    )
    last = (
        events.filter(action="privacy.pseudonymise").order_by("-at").values("at", "object_id")
    ).first()
    requests = list(
        DataSubjectRequest.unscoped.filter(tenant=tenant, status__in=DataSubjectRequest.OPEN)
        .order_by("due_at", "pk")
        .values("id", "kind", "source", "status", "received_at", "due_at")
    )
    for row in requests:
        row["overdue"] = row["due_at"] <= now
    return Facts(
        tenant=tenant,
        now=now,
        passwords=password_policy(tenant),
        lockout=lockout_settings(tenant),
        sessions=session_timeouts(tenant),
        privacy=privacy_settings(tenant),
        mfa=mfa_policy(tenant),
        people=_people(tenant, now),
        roles=role_report(actor=actor),
        audit_counts=[(row["action"], row["n"]) for row in counts],
        chain=audit_verify(tenant),
        last_pseudonymisation=last,
        open_requests=requests,
        breaches=_breaches(tenant),
        subprocessors=list(Subprocessor.objects.order_by("status", "name", "pk")),
        history=list(
            SubprocessorChange.objects.select_related("subprocessor").order_by("at", "pk")
        ),
        objections=list(
            Objection.unscoped.filter(tenant=tenant)
            .select_related("subprocessor")
            .order_by("created_at", "pk")
        ),
        recipients=authorised_recipients(tenant),
        notices=Notice.unscoped.filter(tenant=tenant).count(),
        regions=services_in_use(),
        rls=_row_level_security(),
    )


# --- formatting --------------------------------------------------------------------------------


def _zone(tenant: Tenant) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(tenant.default_timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def when(value: dt.datetime | None, tenant: Tenant) -> str:
    """A time in the tenant's zone, e.g. "2026-01-31 14:05 CET"; "—" for none."""
    if value is None:
        return "—"
    return value.astimezone(_zone(tenant)).strftime("%Y-%m-%d %H:%M %Z")


def item(label: str, value: object, status: str = INFO) -> dict[str, str]:
    return {"label": label, "value": str(value), "status": status}


def _yes(flag: bool) -> str:
    return _("yes") if flag else _("no")


# --- evidence per measure ----------------------------------------------------------------------

Evidence = Callable[[Facts], list[dict[str, str]]]


def _hosting(f: Facts) -> list[dict[str, str]]:
    region = next((s.region for s in f.regions if s.setting == "HOSTING_REGION"), "")
    return [
        item(
            _("Hosting region (HOSTING_REGION)"),
            region or _("not declared"),
            OK if region in EEA else ATTENTION,
        )
    ]


def _passwords(f: Facts) -> list[dict[str, str]]:
    hasher = settings.PASSWORD_HASHERS[0].rsplit(".", 1)[-1]
    return [
        item(_("Minimum password length"), f.passwords.min_length, OK),
        item(
            _("Maximum password age"),
            ngettext("%(n)d day", "%(n)d days", f.passwords.max_age_days)
            % {"n": f.passwords.max_age_days}
            if f.passwords.max_age_days
            else _("no forced renewal (NIST SP 800-63B)"),
        ),
        item(_("Password hashing"), hasher, OK),
        item(_("Accounts per person and tenant"), _("personal; no shared accounts"), OK),
    ]


def _lockout(f: Facts) -> list[dict[str, str]]:
    lock = f.lockout
    return [
        item(
            _("Lockout"),
            _(
                "after %(failures)d failed attempts within %(window)d minutes, "
                "for %(minutes)d minutes"
            )
            % {
                "failures": lock.max_failures,
                "window": lock.window_minutes,
                "minutes": lock.lockout_minutes,
            },
            OK,
        ),
    ]


def _sessions(f: Facts) -> list[dict[str, str]]:
    return [
        item(
            _("Idle timeout"),
            ngettext("%(n)d minute", "%(n)d minutes", f.sessions.idle_minutes)
            % {"n": f.sessions.idle_minutes},
            OK,
        ),
        item(
            _("Absolute session lifetime"),
            ngettext("%(n)d hour", "%(n)d hours", f.sessions.absolute_hours)
            % {"n": f.sessions.absolute_hours},
            OK,
        ),
    ]


def _roles(f: Facts) -> list[dict[str, str]]:
    grants = f.roles.grants
    pending = sum(1 for g in grants if g.state == RoleGrant.State.PENDING)
    approved = sum(1 for g in grants if g.approved_by_id is not None)
    rows = [
        item(
            _("People with administrative roles"),
            _("%(admins)d (limit %(limit)d)")
            % {"admins": f.roles.admins, "limit": f.roles.max_admins},
            ATTENTION if f.roles.admins > f.roles.max_admins else OK,
        ),
        item(_("Role grants documented (all time)"), len(grants), OK),
        item(_("Grants approved by a second person"), approved),
        item(_("Grants awaiting approval"), pending),
    ]
    rows += [item(_("Warning"), w, ATTENTION) for w in f.roles.warnings]
    return rows


def _password_policy(f: Facts) -> list[dict[str, str]]:
    return [
        item(_("Minimum password length"), f.passwords.min_length, OK),
        item(_("Common passwords"), _("refused (bundled list)"), OK),
        item(
            _("Breached passwords"),
            _("refused (offline corpus of breached passwords)")
            if settings.BREACHED_PASSWORDS_FILE
            else _("not checked: no corpus configured (BREACHED_PASSWORDS_FILE)"),
            OK if settings.BREACHED_PASSWORDS_FILE else INFO,
        ),
        item(
            _("Maximum password age"),
            ngettext("%(n)d day", "%(n)d days", f.passwords.max_age_days)
            % {"n": f.passwords.max_age_days}
            if f.passwords.max_age_days
            else _("no forced renewal (NIST SP 800-63B)"),
        ),
    ]


def _mfa(f: Facts) -> list[dict[str, str]]:
    p = f.people
    required = f.mfa.required_for
    labels = {
        "nobody": _("nobody (optional for everyone)"),
        "admins": _("administrators"),
        "everyone": _("everyone"),
    }
    rows = [
        item(
            _("Second factor required for"),
            labels[required],
            ATTENTION if required == "nobody" else OK,
        ),
        item(
            _("Administrators with a second factor"),
            _("%(n)d of %(total)d") % {"n": p["admins_with_factor"], "total": p["admins"]},
            OK if p["admins_with_factor"] == p["admins"] else ATTENTION,
        ),
        item(
            _("People with a second factor"),
            _("%(n)d of %(total)d") % {"n": p["with_factor"], "total": p["people"]},
            OK if required != "everyone" or p["with_factor"] == p["people"] else ATTENTION,
        ),
        item(
            _("Factors offered"), _("authenticator app (TOTP), passkeys (WebAuthn), recovery codes")
        ),
    ]
    return rows


def _tls(f: Facts) -> list[dict[str, str]]:
    production = bool(settings.PRODUCTION)
    hsts = int(getattr(settings, "SECURE_HSTS_SECONDS", 0) or 0)
    redirect = bool(getattr(settings, "SECURE_SSL_REDIRECT", False))
    secure = bool(settings.SESSION_COOKIE_SECURE and settings.CSRF_COOKIE_SECURE)
    rows = [
        item(
            _("HTTPS enforced (redirect)"),
            _yes(redirect),
            OK if redirect else (ATTENTION if production else INFO),
        ),
        item(
            _("HSTS"),
            _("%(n)d seconds") % {"n": hsts} if hsts else _("off"),
            OK if hsts else (ATTENTION if production else INFO),
        ),
        item(
            _("Secure cookies"),
            _yes(secure),
            OK if secure else (ATTENTION if production else INFO),
        ),
    ]
    if settings.EMAIL_TRANSPORT == "smtp":
        tls = settings.EMAIL_USE_TLS or settings.EMAIL_USE_SSL
        rows.append(
            item(
                _("E-mail to the SMTP relay"),
                (_("STARTTLS") if settings.EMAIL_USE_TLS else _("TLS"))
                if tls
                else _("unencrypted"),
                OK if tls else ATTENTION,
            )
        )
    else:
        rows.append(item(_("E-mail"), _("kept in a local outbox (no SMTP relay configured)")))
    if not production:
        rows.append(
            item(
                _("Environment"),
                _("not production: TLS settings apply in production only"),
                ATTENTION,
            )
        )
    return rows


def _pseudonymisation(f: Facts) -> list[dict[str, str]]:
    last = f.last_pseudonymisation
    return [
        item(
            _("Bookings and usage data pseudonymised after"),
            ngettext("%(n)d day", "%(n)d days", f.privacy.pseudonymise_after_days)
            % {"n": f.privacy.pseudonymise_after_days},
            OK,
        ),
        item(
            _("Last pseudonymisation run"),
            _("%(when)s (%(rows)s rows)")
            % {"when": when(last["at"], f.tenant), "rows": last["object_id"]}
            if last
            else _("not run yet"),
            OK if last else ATTENTION,
        ),
    ]


def _erasure(f: Facts) -> list[dict[str, str]]:
    personal = sum(len(m.personal) for m in REGISTRY.values())
    return [
        item(
            _("Personal fields with a declared erasure rule"),
            _("%(n)d of %(n)d (data map; a test fails on any undeclared field)") % {"n": personal},
            OK,
        ),
        item(_("Who executes erasure requests"), _("the tenant's privacy officers and owners")),
    ]


def _tenancy(f: Facts) -> list[dict[str, str]]:
    rows = [
        item(
            _("Fail-closed tenant scoping"),
            _(
                "%(n)d tenant-owned tables; a query without a bound tenant raises an error "
                "instead of returning rows"
            )
            % {"n": len(_tenant_tables())},
            OK,
        ),
    ]
    rows.append(_rls_item(f))
    return rows


def _rls_item(f: Facts) -> dict[str, str]:
    if f.rls is None:
        return item(
            _("Row-level security in the database"),
            _("not available (SQLite); the application's scoping applies"),
        )
    enabled, total = f.rls
    return item(
        _("Row-level security in the database"),
        _("on for %(n)d of %(total)d tenant tables") % {"n": enabled, "total": total},
        OK if enabled == total else INFO,
    )


def _environment(f: Facts) -> list[dict[str, str]]:
    env = settings.DESKWERK_ENV
    return [
        item(
            _("This installation runs as"),
            env,
            OK if env == "production" else INFO,
        ),
        item(
            _("Test and demo data"),
            _("generated by a separate command (deskwerk demo), never copied from production"),
        ),
    ]


def _database(f: Facts) -> list[dict[str, str]]:
    return [item(_("Database"), connection.vendor), _rls_item(f)]


def _purposes(f: Facts) -> list[dict[str, str]]:
    personal = sum(len(m.personal) for m in REGISTRY.values())
    return [
        item(
            _("Personal fields with a declared purpose and retention"),
            _("%(n)d fields in %(models)d tables")
            % {
                "n": personal,
                "models": sum(1 for m in REGISTRY.values() if m.personal),
            },
            OK,
        )
    ]


def _test_data(f: Facts) -> list[dict[str, str]]:
    return [
        item(
            _("Test data"),
            _("invented people and bookings from the demo generator (deskwerk demo)"),
            OK,
        )
    ]


def _contact_apart(f: Facts) -> list[dict[str, str]]:
    tables = sorted(
        label
        for label, m in REGISTRY.items()
        if any(rule.category == Category.CONTACT for rule in m.personal.values())
    )
    return [item(_("Tables holding contact data"), ", ".join(tables) or "—", OK)]


def _analytics(f: Facts) -> list[dict[str, str]]:
    return [
        item(
            _("Usage data kept for"),
            ngettext("%(n)d day", "%(n)d days", f.privacy.usage_retention_days)
            % {"n": f.privacy.usage_retention_days},
            OK,
        ),
        item(_("Statistics"), _("computed from pseudonymised rows only")),
    ]


def _hashing(f: Facts) -> list[dict[str, str]]:
    hasher = settings.PASSWORD_HASHERS[0].rsplit(".", 1)[-1]
    return [
        item(_("Password hashing"), hasher, OK),
        item(_("API tokens"), _("stored only as SHA-256 hashes"), OK),
    ]


def _data_keys(f: Facts) -> list[dict[str, str]]:
    from deskwerk.websessions.keys import decode_key, key_id

    keys = list(settings.DATA_KEYS)
    newest = key_id(decode_key(keys[0])) if keys else ""
    return [
        item(
            _("Data keys configured"),
            ngettext("%(n)d key", "%(n)d keys", len(keys)) % {"n": len(keys)},
            OK if keys else ATTENTION,
        ),
        item(_("Key in use (fingerprint)"), newest or "—"),
        item(
            _("Encrypted with it"),
            _("session data and second-factor secrets (AES-256-GCM); older keys only decrypt"),
            OK,
        ),
    ]


def _audit_log(f: Facts) -> list[dict[str, str]]:
    total = sum(n for _a, n in f.audit_counts)
    return [
        item(
            _("Audit log kept for"),
            ngettext("%(n)d day", "%(n)d days", f.privacy.audit_retention_days)
            % {"n": f.privacy.audit_retention_days},
            OK,
        ),
        item(_("Events in the last 90 days"), total),
        _chain_item(f),
    ]


def _chain_item(f: Facts) -> dict[str, str]:
    chain = f.chain
    if chain.ok:
        return item(
            _("Hash chain verification"),
            _("intact: %(n)d sealed events checked, %(u)d waiting to be sealed")
            % {"n": chain.checked, "u": chain.unsealed},
            OK,
        )
    return item(
        _("Hash chain verification"),
        ngettext("%(n)d finding", "%(n)d findings", len(chain.findings))
        % {"n": len(chain.findings)},
        ATTENTION,
    )


def _actors(f: Facts) -> list[dict[str, str]]:
    return [
        item(
            _("Each audit event names"),
            _("the acting person's account, a service token or the system"),
            OK,
        ),
        item(_("Accounts"), _("one per person; no shared accounts"), OK),
    ]


def _backups(f: Facts) -> list[dict[str, str]]:
    target = getattr(settings, "BACKUP_TARGET", "")
    region = settings.DATA_REGIONS.get("BACKUP_REGION", "")
    if not target and not region:
        return [item(_("Backups"), _("no backups configured yet in this installation"), ATTENTION)]
    return [
        item(
            _("Backup target region"),
            region or _("not declared"),
            OK if region in EEA else ATTENTION,
        )
    ]


def _restore_test(f: Facts) -> list[dict[str, str]]:
    return [
        item(
            _("Last successful restore test"),
            _("none recorded: no backups are configured yet, so no restore test has run"),
            ATTENTION,
        )
    ]


def _agreement(f: Facts) -> list[dict[str, str]]:
    active = sum(1 for s in f.subprocessors if s.status == Subprocessor.Status.ACTIVE)
    planned = sum(1 for s in f.subprocessors if s.status == Subprocessor.Status.PLANNED)
    return [
        item(_("Subprocessors engaged"), active, OK),
        item(_("Subprocessors announced, not yet engaged"), planned),
        item(
            _("Subprocessors outside the EU/EEA"),
            sum(1 for s in f.subprocessors if not s.eu_eea and s.status != "withdrawn"),
        ),
    ]


def _placeholder(value: str) -> bool:
    return not value or value.startswith("(set ")


def _dpo(f: Facts) -> list[dict[str, str]]:
    dpo = settings.OPERATOR_DPO
    return [
        item(
            _("Operator's data protection officer"),
            _("not configured (OPERATOR_DPO)") if _placeholder(dpo) else dpo,
            ATTENTION if _placeholder(dpo) else OK,
        )
    ]


def _defaults(f: Facts) -> list[dict[str, str]]:
    default = PrivacySettings()
    rows = []
    for name, label in (
        ("pseudonymise_after_days", _("Pseudonymisation deadline")),
        ("usage_retention_days", _("Usage data retention")),
        ("audit_retention_days", _("Audit log retention")),
    ):
        value, base = getattr(f.privacy, name), getattr(default, name)
        rows.append(
            item(
                label,
                _("%(value)d days (default %(default)d)") % {"value": value, "default": base},
                OK if value <= base else INFO,
            )
        )
    return rows


def _tooling(f: Facts) -> list[dict[str, str]]:
    return [
        item(_("Data map"), _("every field of every model classified in code"), OK),
        item(_("This report"), _("generated live from the system's state"), OK),
    ]


def _instructions(f: Facts) -> list[dict[str, str]]:
    named = [r for r in f.recipients if r.named]
    return [
        item(
            _("Persons authorised to give instructions"),
            ngettext("%(n)d named", "%(n)d named", len(named)) % {"n": len(named)}
            if named
            else _("none named: the system administrators are authorised (DPA § 6 (4))"),
            OK if named else INFO,
        ),
        item(_("Notices of the operator kept in the app"), f.notices),
    ]


def _contacts(f: Facts) -> list[dict[str, str]]:
    return [
        item(_("Operator"), settings.OPERATOR_NAME),
        item(
            _("Recipients of the operator's notices"),
            len(f.recipients),
            OK if f.recipients else ATTENTION,
        ),
    ]


def _breaches_evidence(f: Facts) -> list[dict[str, str]]:
    if f.breaches is None:
        return [item(_("Breach register"), _("not installed"), ATTENTION)]
    open_ = [b for b in f.breaches if b.status != "closed"]
    late = [
        b
        for b in f.breaches
        if (b.notified_at is None and f.now > b.deadline)
        or (b.notified_at is not None and b.notified_at > b.deadline)
    ]
    return [
        item(_("Breaches concerning this tenant"), len(f.breaches)),
        item(_("Not closed"), len(open_), ATTENTION if open_ else OK),
        item(_("Notified after the 24-hour deadline"), len(late), ATTENTION if late else OK),
    ]


EVIDENCE: dict[str, Evidence] = {
    "hosting": _hosting,
    "passwords": _passwords,
    "lockout": _lockout,
    "sessions": _sessions,
    "roles": _roles,
    "password_policy": _password_policy,
    "mfa": _mfa,
    "tls": _tls,
    "pseudonymisation": _pseudonymisation,
    "erasure": _erasure,
    "tenancy": _tenancy,
    "environment": _environment,
    "database": _database,
    "purposes": _purposes,
    "test_data": _test_data,
    "contact_apart": _contact_apart,
    "analytics": _analytics,
    "hashing": _hashing,
    "data_keys": _data_keys,
    "audit_log": _audit_log,
    "actors": _actors,
    "backups": _backups,
    "restore_test": _restore_test,
    "agreement": _agreement,
    "dpo": _dpo,
    "defaults": _defaults,
    "tooling": _tooling,
    "instructions": _instructions,
    "contacts": _contacts,
    "breaches": _breaches_evidence,
}


# --- the report --------------------------------------------------------------------------------


def _measure(m: Measure, f: Facts) -> dict[str, Any]:
    if m.evidence is None:
        return {
            "title": str(m.title),
            "checked": False,
            "evidence": [],
            "note": _("organisational measure — documented, not checked by the system"),
        }
    return {"title": str(m.title), "checked": True, "evidence": EVIDENCE[m.evidence](f), "note": ""}


def _grant(g: RoleGrant) -> dict[str, Any]:
    def name(user: User | None) -> str:
        return (user.full_name or user.email) if user is not None else ""

    return {
        "person": name(g.user),
        "person_id": g.user_id,
        "role": g.role,
        "state": g.state,
        "created_at": g.created_at,
        "activated_at": g.activated_at,
        "expires_at": g.expires_at,
        "revoked_at": g.revoked_at,
        "granted_by": name(g.granted_by) or _("the system"),
        "approved_by": name(g.approved_by),
    }


def build(f: Facts) -> dict[str, Any]:
    """The report as data, in the active language."""
    sections: list[dict[str, Any]] = [
        {
            "ref": s.ref,
            "title": str(s.title),
            "measures": [_measure(m, f) for m in s.measures],
        }
        for s in ANNEX_1
    ]
    measures: list[dict[str, Any]] = [m for s in sections for m in s["measures"]]
    attention = sum(1 for m in measures for e in m["evidence"] if e["status"] == ATTENTION)
    recs = records(f.tenant)
    return {
        "title": _("Compliance report"),
        "tenant": {"name": f.tenant.name, "slug": f.tenant.slug, "status": f.tenant.status},
        "generated_at": f.now,
        "generated_at_text": when(f.now, f.tenant),
        "processor": {
            "name": settings.OPERATOR_NAME,
            "contact": settings.OPERATOR_CONTACT,
            "data_protection_officer": settings.OPERATOR_DPO,
        },
        "summary": {
            "measures": len(measures),
            "checked": sum(1 for m in measures if m["checked"]),
            "organisational": sum(1 for m in measures if not m["checked"]),
            "attention": attention,
        },
        "sections": sections,
        "data_location": [
            {
                "service": s.name,
                "setting": s.setting,
                "region": s.region,
                "eu_eea": s.region in EEA,
            }
            for s in f.regions
        ],
        "subprocessors": {
            "current": [
                {
                    "id": s.pk,
                    "name": s.name,
                    "address": s.address,
                    "country": s.country,
                    "eu_eea": s.eu_eea,
                    "service": s.service,
                    "status": s.status,
                    "announced_at": s.announced_at,
                    "objection_deadline": s.objection_deadline,
                    "activated_at": s.activated_at,
                }
                for s in f.subprocessors
                if s.status != Subprocessor.Status.WITHDRAWN
            ],
            "history": [
                {
                    "subprocessor": c.subprocessor.name,
                    "action": c.action,
                    "at": c.at,
                    "note": c.note,
                }
                for c in f.history
            ],
            "objections": [
                {
                    "subprocessor": o.subprocessor.name,
                    "reason": o.reason,
                    "created_at": o.created_at,
                    "resolved_at": o.resolved_at,
                    "resolution": o.resolution,
                }
                for o in f.objections
            ],
        },
        "authorised_recipients": [
            {"name": r.name, "email": r.email, "named": r.named} for r in f.recipients
        ],
        "records": {
            "categories": [
                {
                    "letter": c["letter"],
                    "title": c["title"],
                    "subjects": c["subjects"],
                    "fields": [x["field"] for x in c["fields"]],
                }
                for c in recs["categories"]
            ],
            "third_country_transfers": recs["third_country_transfers"],
        },
        "roles": {
            "admins": f.roles.admins,
            "max_admins": f.roles.max_admins,
            "warnings": f.roles.warnings,
            "grants": [_grant(g) for g in f.roles.grants],
        },
        "audit": {
            "since": f.now - AUDIT_WINDOW,
            "counts": [{"action": a, "count": n} for a, n in f.audit_counts],
            "total": sum(n for _a, n in f.audit_counts),
            "chain": {
                "ok": f.chain.ok,
                "checked": f.chain.checked,
                "unsealed": f.chain.unsealed,
                "findings": [str(x) for x in f.chain.findings],
            },
        },
        "requests": {
            "open": f.open_requests,
            "overdue": sum(1 for r in f.open_requests if r["overdue"]),
        },
        "breaches": None
        if f.breaches is None
        else [
            {
                "id": b.id,
                "kind": b.kind,
                "became_known_at": b.became_known_at,
                "deadline": b.deadline,
                "status": b.status,
                "notified_at": b.notified_at,
                "phases": b.phases,
                "missing": list(b.missing),
            }
            for b in f.breaches
        ],
    }
