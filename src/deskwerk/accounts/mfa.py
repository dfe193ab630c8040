"""Two-factor authentication (Annex 1 I.3; OWASP ASVS 5.0 V6.5/V6.6) on top of allauth.mfa.

allauth does the factors (TOTP, WebAuthn/passkeys, recovery codes) and the login stage. Here
is what it does not do for us:

- ``TenantMFAAdapter``: factor secrets encrypted at rest with AES-256-GCM under ``DATA_KEYS``
  (the same keys as the session store), the tenant's name as issuer and relying-party name,
  the relying-party id from ``WEBAUTHN_RP_ID`` or the request's host.
- A TOTP code counts once across every worker process (allauth's own replay guard lives in
  the process-local cache): the last used time step is kept on the authenticator row.
- The tenant policy ``mfa.required_for`` (nobody / admins / everyone) and its enforcement:
  web pages send such a person to the set-up page, the session API answers 403 ``mfa_required``.
- Re-authentication before sensitive actions over the session API (403
  ``reauthentication_required``), using allauth's record of authentications in the session.
- Every factor added, removed, used or failed is audited (allauth's signals).
"""

from __future__ import annotations

import base64
import binascii
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from allauth.account import app_settings as account_settings
from allauth.account.internal.flows.login import get_authentication_records
from allauth.core import context
from allauth.core.internal.cryptokit import compare_user_code
from allauth.mfa import signals
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.base.forms import AuthenticateForm, ReauthenticateForm
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from deskwerk.access.roles import ADMIN_ROLES, active_roles
from deskwerk.accounts.models import User
from deskwerk.audit.services import audit_record
from deskwerk.core.errors import Forbidden, InvalidInput
from deskwerk.tenancy.models import Tenant
from deskwerk.websessions import crypto

log = logging.getLogger(__name__)

# --- secrets at rest ---------------------------------------------------------------------------

PREFIX = "dwk1"  # dwk1:<key id>:<base64url(nonce + ciphertext + tag)>
ASSOCIATED = b"deskwerk mfa secret v1"


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def encrypt_secret(text: str) -> str:
    """A factor secret (TOTP key, recovery-code seed) sealed under the newest data key."""
    kid, blob = crypto.encrypt(text.encode("utf-8"), ASSOCIATED)
    return f"{PREFIX}:{kid}:{_b64(blob)}"


def decrypt_secret(sealed: str) -> str | None:
    """The secret, or None if it is not ours, was tampered with or its key is gone."""
    prefix, _, rest = sealed.partition(":")
    kid, _, body = rest.partition(":")
    if prefix != PREFIX or not kid or not body:
        return None
    try:
        blob = _unb64(body)
    except (binascii.Error, ValueError):
        return None
    plain = crypto.decrypt(kid, blob, ASSOCIATED)
    return plain.decode("utf-8") if plain is not None else None


SEALED_FIELDS = {"totp": ("secret",), "recovery_codes": ("seed",)}


def mfa_reencrypt(*, batch_size: int = 500) -> tuple[int, int]:
    """Seal every factor secret under the newest data key (after a key is prepended to
    ``DATA_KEYS``, before the old one is dropped). Returns (moved, unreadable); unreadable
    secrets stay as they are (their owners need a reset: ``DELETE /people/{id}/mfa``)."""
    newest = crypto.newest_key_id()
    moved = unreadable = 0
    pks = list(
        Authenticator.objects.filter(type__in=list(SEALED_FIELDS))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for start in range(0, len(pks), batch_size):
        with transaction.atomic():
            # Locked: a code used meanwhile (last step, used-code marks) is not overwritten.
            rows = Authenticator.objects.select_for_update().filter(
                pk__in=pks[start : start + batch_size]
            )
            for auth in rows:
                data = dict(auth.data)
                changed = False
                for name in SEALED_FIELDS[auth.type]:
                    sealed = data.get(name)
                    if not isinstance(sealed, str) or sealed.split(":")[1:2] == [newest]:
                        continue
                    plain = decrypt_secret(sealed)
                    if plain is None:
                        unreadable += 1
                        continue
                    data[name] = encrypt_secret(plain)
                    changed = True
                if changed:
                    auth.data = data
                    auth.save(update_fields=["data"])
                    moved += 1
    return moved, unreadable


def _tenant_name() -> str:
    request = getattr(context, "request", None)
    tenant = getattr(request, "tenant", None)
    return tenant.name if tenant is not None else "Deskwerk"


class TenantMFAAdapter(DefaultMFAAdapter):
    """allauth's MFA adapter with encrypted secrets and the tenant as issuer."""

    def encrypt(self, text: str) -> str:
        return encrypt_secret(text)

    def decrypt(self, encrypted_text: str) -> str:
        plain = decrypt_secret(encrypted_text)
        if plain is None:
            # Fail closed without a 500: an unreadable secret (lost key, tampering, a value
            # stored in clear) becomes a random one that no code or recovery code matches.
            log.error("an MFA secret could not be decrypted (unknown key or tampered)")
            return base64.b32encode(secrets.token_bytes(20)).decode()
        return plain

    def get_totp_issuer(self) -> str:
        """Authenticator apps list the account under the organisation's name."""
        return _tenant_name()

    def get_public_key_credential_rp_entity(self) -> dict[str, str]:
        """The relying party: ``WEBAUTHN_RP_ID`` or the host the browser used (without port;
        Django has already checked it against ``ALLOWED_HOSTS``)."""
        rp_id = settings.WEBAUTHN_RP_ID or context.request.get_host().partition(":")[0]
        return {"id": rp_id, "name": _tenant_name()}


# --- a TOTP code counts once, across processes -------------------------------------------------


def _matching_step(secret: str, code: str) -> int | None:
    """The time step whose code ``code`` is (compared as allauth compares: spaces and dashes
    ignored, constant time), or None."""
    for counter in yield_hotp_counters_from_time():
        if compare_user_code(actual=code, expected=format_hotp_value(hotp_value(secret, counter))):
            return counter
    return None


def claim_totp_step(authenticator: Authenticator, code: str) -> bool:
    """Record the time step of a valid code; False if that step (or a later one) was used.

    allauth marks used codes in Django's cache, which is per process under gunicorn; the row
    lock makes the check hold for every worker.
    """
    with transaction.atomic():
        row = Authenticator.objects.select_for_update().get(pk=authenticator.pk)
        secret = decrypt_secret(row.data.get("secret", ""))
        step = _matching_step(secret, code) if secret else None
        if step is None:
            return False
        last = row.data.get("last_step")
        if isinstance(last, int) and step <= last:
            return False
        row.data = {**row.data, "last_step": step}
        row.save(update_fields=["data"])
        authenticator.data = row.data
    return True


class _OnceMixin:
    """allauth's code check, plus: each TOTP time step counts once, and wrong codes count
    towards the account's brute-force lockout like wrong passwords (``accounts.lockout``)."""

    authenticator: Authenticator
    user: Any

    def clean_code(self) -> str:
        from allauth.account.adapter import get_adapter as get_account_adapter
        from allauth.mfa.adapter import get_adapter

        from deskwerk.accounts.lockout import LockedOut, check_not_locked, record_failure

        user = self.user
        request = getattr(context, "request", None)
        ip = request.META.get("REMOTE_ADDR") if request is not None else None
        try:
            check_not_locked(tenant=user.tenant, email=user.email, ip=ip)
        except LockedOut:
            raise get_account_adapter().validation_error("too_many_login_attempts") from None
        refused: ValidationError | None = None
        with transaction.atomic():
            # The person's factors locked first: two requests with the same recovery code
            # cannot both read it as unused (allauth marks codes used on the row it read).
            list(Authenticator.objects.select_for_update().filter(user_id=user.pk).values("pk"))
            try:
                code: str = super().clean_code()  # type: ignore[misc]
                auth = self.authenticator
                if auth.type == Authenticator.Type.TOTP and not claim_totp_step(auth, code):
                    self._emit_authentication_failed(auth)  # type: ignore[attr-defined]
                    raise get_adapter().validation_error("incorrect_code")
            except ValidationError as exc:
                refused = exc  # caught inside: the failure's audit event is kept
        if refused is not None:
            record_failure(tenant=user.tenant, email=user.email, ip=ip, user=user)
            raise refused
        return code


class OnceAuthenticateForm(_OnceMixin, AuthenticateForm):
    """The login stage's code form (``MFA_FORMS["authenticate"]``)."""


class OnceReauthenticateForm(_OnceMixin, ReauthenticateForm):
    """The re-authentication code form (``MFA_FORMS["reauthenticate"]``)."""


# --- tenant policy -----------------------------------------------------------------------------

REQUIRED_FOR = ("nobody", "admins", "everyone")
SECOND_FACTORS = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)


@dataclass(frozen=True)
class MfaPolicy:
    required_for: str = "nobody"


def mfa_policy(tenant: Tenant | None) -> MfaPolicy:
    """The tenant's policy; a missing or unknown stored value is the default ("nobody")."""
    stored = ((tenant.settings or {}) if tenant is not None else {}).get("mfa", {})
    value = stored.get("required_for") if isinstance(stored, dict) else None
    return MfaPolicy(required_for=value if value in REQUIRED_FOR else "nobody")


def mfa_policy_update(*, actor: User, tenant: Tenant, required_for: Any) -> MfaPolicy:
    """Change who must use a second factor (``tenant.settings``: owners); 422
    ``setting_out_of_bounds`` for anything but the three values; audited."""
    from deskwerk.access.roles import require_permission

    require_permission(actor, "tenant.settings")
    if required_for not in REQUIRED_FOR:
        raise InvalidInput(
            f"required_for must be one of: {', '.join(REQUIRED_FOR)}",
            code="setting_out_of_bounds",
            setting="required_for",
        )
    with transaction.atomic():
        locked = Tenant.objects.select_for_update().get(pk=tenant.pk)
        section = dict((locked.settings or {}).get("mfa") or {})
        section["required_for"] = required_for
        locked.settings = {**(locked.settings or {}), "mfa": section}
        locked.save(update_fields=["settings"])
        audit_record(
            tenant=locked,
            actor=actor,
            action="tenant.mfa_policy",
            obj=locked,
            changed_fields=["required_for"],
        )
    tenant.settings = locked.settings
    return MfaPolicy(required_for=required_for)


def has_second_factor(user: AbstractBaseUser) -> bool:
    return Authenticator.objects.filter(user_id=user.pk, type__in=SECOND_FACTORS).exists()


def policy_applies(user: User) -> bool:
    """Whether the tenant's policy asks this person for a second factor."""
    required_for = mfa_policy(user.tenant).required_for
    if required_for == "everyone":
        return True
    if required_for == "admins":
        return not ADMIN_ROLES.isdisjoint(active_roles(user))
    return False


def mfa_setup_required(user: Any) -> bool:
    """Signed in, asked for a second factor by the policy, and none set up yet."""
    if not isinstance(user, User) or not user.is_authenticated:
        return False
    return policy_applies(user) and not has_second_factor(user)


def mfa_reset(*, actor: User, person: User) -> int:
    """An administrator (``people.manage``) removes every factor of a person who lost theirs
    (ASVS 6.4.4/6.5.6): the person's sessions end, the next sign-in is by password, and the
    policy then asks for a new factor. Proving who asked is the administrator's duty, outside
    the app. Audited (``mfa.reset``); the person is told by e-mail. Returns the number of
    factors removed."""
    from deskwerk.access.roles import require_permission
    from deskwerk.tenancy.services import assert_same_tenant
    from deskwerk.websessions.services import person_sessions_end

    require_permission(actor, "people.manage")
    assert_same_tenant(actor.tenant, person)
    with transaction.atomic():
        count, _ = Authenticator.objects.filter(user_id=person.pk).delete()
        audit_record(
            tenant=person.tenant,
            actor=actor,
            action="mfa.reset",
            obj=person,
            changed_fields=["authenticators"],
        )
        person_sessions_end(actor=None, person=person)
        if count:
            _tell(person, "reset")
    return count


# Paths (after ``/t/<slug>``) a person who must set up a factor may still reach.
SETUP_PATHS = (
    "/accounts/2fa/",
    "/accounts/reauthenticate/",
    "/accounts/logout/",
    "/logout/",
    "/language/",
)


class MfaRequiredMiddleware:
    """Tenant web pages: until a required second factor exists, only the set-up pages."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if getattr(request, "tenant", None) is not None:
            required = mfa_setup_required(getattr(request, "user", None))
            request.mfa_setup_required = required  # type: ignore[attr-defined]
            if required and not request.path_info.startswith(SETUP_PATHS):
                # The tenant urlconf is set on the request; Django activates it for the view.
                urlconf = getattr(request, "urlconf", None)
                return redirect(reverse("mfa_index", urlconf=urlconf))
        return self.get_response(request)


def refuse_if_mfa_setup_required(request: HttpRequest, user: User) -> None:
    """Session API: 403 ``mfa_required`` until the person has a second factor."""
    if mfa_setup_required(user):
        raise Forbidden(
            "your organisation requires two-factor authentication: set it up in the web app",
            code="mfa_required",
        )


# --- re-authentication -------------------------------------------------------------------------

REAUTH_METHODS = ("password", "mfa", "socialaccount", "code")


def last_authenticated_at(request: HttpRequest) -> float | None:
    """When this session last proved who it is: a sign-in or a re-authentication (allauth's
    record), as a Unix time; None when there is no record."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not hasattr(request, "session"):
        return None
    records = get_authentication_records(request, user)
    times = [r["at"] for r in records if r.get("method") in REAUTH_METHODS and "at" in r]
    return max(times) if times else None


def recently_authenticated(request: HttpRequest) -> bool:
    at = last_authenticated_at(request)
    return at is not None and time.time() - at < account_settings.REAUTHENTICATION_TIMEOUT


def require_recent_authentication(request: HttpRequest) -> None:
    """Before a sensitive action over the API (exports, granting roles).

    A session must have signed in or re-authenticated within
    ``ACCOUNT_REAUTHENTICATION_TIMEOUT`` (403 ``reauthentication_required``; re-authenticate
    with ``POST /api/v1/me/reauthenticate``). A token is a credential of its own and is not
    asked: the handler's admin scope is the explicit grant (decision 0020).
    """
    if getattr(request, "api_token", None) is not None:
        return
    if not recently_authenticated(request):
        raise Forbidden(
            "confirm it is you first: re-authenticate with your password or second factor",
            code="reauthentication_required",
        )


# --- audit -------------------------------------------------------------------------------------


def _audit(user: Any, action: str, authenticator: Authenticator | None, **_: Any) -> None:
    if not isinstance(user, User):
        return
    audit_record(
        tenant=user.tenant,
        actor=user,
        action=action,
        object_type="mfa.authenticator",
        object_id=authenticator.pk if authenticator is not None and authenticator.pk else "",
        changed_fields=[str(authenticator.type)] if authenticator is not None else [],
    )


def _tell(user: Any, change: str, kind: str = "") -> None:
    """Tell the person that their second factors changed (ASVS 6.3.7): a stranger who added
    their own key, or removed the owner's, does not go unnoticed."""
    from deskwerk.accounts.invitations import tenant_language
    from deskwerk.notify.services import send_mail_message

    if not isinstance(user, User) or not user.email:
        return
    send_mail_message(
        tenant=user.tenant,
        to=[user],
        template="second_factor_changed",
        context={"name": user.full_name, "change": change, "kind": kind},
        language=tenant_language(user.tenant),
    )


def _end_other_sessions(request: HttpRequest | None, user: Any) -> None:
    """After a factor is added or removed, every other session of the person ends (ASVS
    7.4.3): a thief's session does not outlive the owner's new protection."""
    from deskwerk.websessions.services import person_sessions_end
    from deskwerk.websessions.store import SessionStore

    if not isinstance(user, User):
        return
    session = getattr(request, "session", None)
    keep = session.public_id if isinstance(session, SessionStore) else None
    person_sessions_end(actor=None, person=user, keep=keep)


@receiver(signals.authenticator_added)
def _added(
    sender: Any, user: Any, authenticator: Authenticator, request: Any = None, **kwargs: Any
) -> None:
    _audit(user, "mfa.activated", authenticator)
    if authenticator.type != Authenticator.Type.RECOVERY_CODES:
        _end_other_sessions(request, user)
        _tell(user, "added", str(authenticator.type))


@receiver(signals.authenticator_removed)
def _removed(
    sender: Any, user: Any, authenticator: Authenticator, request: Any = None, **kwargs: Any
) -> None:
    _audit(user, "mfa.deactivated", authenticator)
    if authenticator.type != Authenticator.Type.RECOVERY_CODES:
        _end_other_sessions(request, user)
        _tell(user, "removed", str(authenticator.type))


@receiver(signals.authenticator_reset)
def _reset(sender: Any, user: Any, authenticator: Authenticator, **kwargs: Any) -> None:
    _audit(user, "mfa.recovery_codes_regenerated", authenticator)
    _tell(user, "recovery_codes")


@receiver(signals.authenticator_used)
def _used(sender: Any, user: Any, authenticator: Authenticator, **kwargs: Any) -> None:
    if authenticator.type == Authenticator.Type.RECOVERY_CODES:
        _audit(user, "mfa.recovery_code_used", authenticator)
    else:
        _audit(user, "mfa.used", authenticator)


@receiver(signals.authentication_failed)
def _failed(sender: Any, user: Any, authenticator: Authenticator, **kwargs: Any) -> None:
    _audit(user, "mfa.failed", authenticator)
