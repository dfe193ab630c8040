"""Password policy per tenant (Annex 1 I.3, OWASP ASVS 5.0 V6.2) and password changes.

Length and a list of common and breached passwords decide; there are no composition rules
and no forced rotation unless a tenant sets a maximum age. The list is bundled (Django's
20,000 common passwords plus ``data/extra-passwords.txt``): nothing is fetched at run time.
"""

from __future__ import annotations

import datetime as dt
import gzip
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import django.contrib.auth
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from deskwerk.accounts.breached import in_corpus
from deskwerk.accounts.models import User
from deskwerk.audit.services import audit_record
from deskwerk.core.errors import InvalidInput
from deskwerk.tenancy.models import Tenant
from deskwerk.tenancy.sections import section_read, section_update

# (default, minimum, maximum): minimum length in characters, maximum age in days (0: off).
BOUNDS: dict[str, tuple[int, int, int]] = {
    "min_length": (12, 8, 64),
    "max_age_days": (0, 0, 730),
}
# Long passphrases are always allowed (ASVS 6.2.9 asks for at least 64); the cap only keeps a
# megabyte of "password" from costing a megabyte of hashing.
MAX_LENGTH = 1024

DJANGO_LIST = Path(django.contrib.auth.__file__).parent / "common-passwords.txt.gz"
EXTRA_LIST = Path(__file__).parent / "data" / "extra-passwords.txt"


@dataclass(frozen=True)
class PasswordPolicy:
    min_length: int = BOUNDS["min_length"][0]
    max_age_days: int = BOUNDS["max_age_days"][0]


def password_policy(tenant: Tenant | None) -> PasswordPolicy:
    """The tenant's policy (the defaults without a tenant); values out of bounds fall back."""
    if tenant is None:
        return PasswordPolicy()
    return section_read(tenant, section="passwords", cls=PasswordPolicy, bounds=BOUNDS)


def password_policy_update(
    *, actor: User, tenant: Tenant, changes: dict[str, Any]
) -> PasswordPolicy:
    """Change the policy (``tenant.settings`` permission); bounded (422), audited."""
    return section_update(
        actor=actor,
        tenant=tenant,
        section="passwords",
        cls=PasswordPolicy,
        bounds=BOUNDS,
        changes=changes,
        permission="tenant.settings",
        action="tenant.password_policy",
    )


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The bundled list, lower-case, read once per process."""
    with gzip.open(DJANGO_LIST, "rt", encoding="utf-8") as f:
        words = {line.strip().lower() for line in f if line.strip()}
    for line in EXTRA_LIST.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            words.add(line.strip().lower())
    return frozenset(words)


def policy_problems(
    password: str, *, tenant: Tenant | None, user: User | None = None
) -> list[tuple[str, str]]:
    """What is wrong with ``password`` as (code, message) pairs; empty when it is acceptable."""
    policy = password_policy(tenant)
    problems: list[tuple[str, str]] = []
    if len(password) < policy.min_length:
        problems.append(
            ("password_too_short", f"the password needs at least {policy.min_length} characters")
        )
    if len(password) > MAX_LENGTH:
        problems.append(
            ("password_too_long", f"the password may have at most {MAX_LENGTH} characters")
        )
    lowered = password.strip().lower()
    if lowered in common_passwords():
        problems.append(
            (
                "password_too_common",
                "this password is too common (it is on a list of known passwords)",
            )
        )
    corpus = settings.BREACHED_PASSWORDS_FILE
    if corpus and not problems and in_corpus(password, Path(corpus)):
        problems.append(
            ("password_breached", "this password is known from a data breach: choose another")
        )
    context = set()
    if user is not None and user.email:
        context |= {user.email.lower(), user.email.lower().partition("@")[0]}
    if tenant is not None:
        context |= {tenant.slug.lower(), tenant.name.lower()}
    if lowered in context:
        problems.append(
            (
                "password_too_similar",
                "the password must not be your e-mail address or the organisation's name",
            )
        )
    return problems


class TenantPasswordValidator:
    """Django password validator (``AUTH_PASSWORD_VALIDATORS``): the policy of the tenant of
    the account being validated, so any front-end that calls ``validate_password`` gets it."""

    def validate(self, password: str, user: Any = None) -> None:
        tenant = getattr(user, "tenant", None) if user is not None else None
        problems = policy_problems(
            password, tenant=tenant, user=user if isinstance(user, User) else None
        )
        if problems:
            raise ValidationError([ValidationError(msg, code=code) for code, msg in problems])

    def get_help_text(self) -> str:
        return (
            f"At least the organisation's minimum length (default 12) and at most {MAX_LENGTH} "
            "characters; not a common or previously breached password. Any characters are allowed."
        )


def _check(person: User, new: str) -> None:
    problems = policy_problems(new, tenant=person.tenant, user=person)
    if problems:
        code, message = problems[0]
        raise InvalidInput(message, code=code, problems=[c for c, _ in problems])


def password_expired(user: User, *, now: dt.datetime | None = None) -> bool:
    """Whether the tenant's maximum age (if any) has passed since the password was set."""
    days = password_policy(user.tenant).max_age_days
    if not days:
        return False
    since = user.password_changed_at or user.date_joined
    return (now or timezone.now()) - since > dt.timedelta(days=days)


def password_set(
    *,
    actor: User | None,
    person: User,
    new: str,
    keep_session: int | None = None,
    action: str | None = None,
) -> User:
    """Validate, hash and store a new password; end the person's other sessions; audit.

    ``keep_session`` is the public id of the session the change came from (it stays signed
    in); every other session of the person ends. ``actor`` None: the system.
    """
    from deskwerk.websessions.services import person_sessions_end

    _check(person, new)
    with transaction.atomic():
        person = User.unscoped.select_for_update().select_related("tenant").get(pk=person.pk)
        person.set_password(new)
        person.password_changed_at = timezone.now()
        person.save(update_fields=["password", "password_changed_at"])
        audit_record(
            tenant=person.tenant,
            actor=actor,
            action=action
            or ("password.set" if actor is None or actor.pk != person.pk else "password.change"),
            obj=person,
            changed_fields=["password", "password_changed_at"],
        )
        person_sessions_end(actor=None, person=person, keep=keep_session)
    return person


def password_change(*, actor: User, old: str, new: str, keep_session: int | None = None) -> User:
    """A person changes their own password: the old one proves it is them (422
    ``password_wrong``, counted as a failed sign-in; while locked: 429 ``account_locked``)."""
    from deskwerk.accounts.lockout import LockedOut, check_not_locked, record_failure, reset

    try:
        check_not_locked(tenant=actor.tenant, email=actor.email, ip=None)
    except LockedOut as exc:
        raise exc.as_error() from None
    if not actor.check_password(old):
        with transaction.atomic():
            audit_record(
                tenant=actor.tenant, actor=actor, action="password.change_refused", obj=actor
            )
            record_failure(tenant=actor.tenant, email=actor.email, ip=None, user=actor)
        raise InvalidInput("the current password is wrong", code="password_wrong")
    reset(tenant=actor.tenant, email=actor.email)
    return password_set(actor=actor, person=actor, new=new, keep_session=keep_session)


def password_reset_complete(*, person: User, new: str) -> User:
    """The end of a reset by e-mailed link: the new password (policy checked), every session
    of the person ended, the event audited and the person told. Nobody is signed in by it:
    the next sign-in asks for the password and every second factor again."""
    from deskwerk.accounts.invitations import tenant_language
    from deskwerk.notify.services import send_mail_message

    with transaction.atomic():
        person = password_set(actor=None, person=person, new=new, action="password.reset")
        send_mail_message(
            tenant=person.tenant,
            to=[person],
            template="password_changed",
            context={"name": person.full_name},
            language=tenant_language(person.tenant),
        )
    return person
