"""allauth's forms, every lookup narrowed to the tenant of the request (``ACCOUNT_FORMS``).

allauth finds accounts with ``filter_users_by_email``, which reads ``EmailAddress`` rows of
all users; the replacements here read ``accounts.User`` with the request's tenant instead.
"""

from __future__ import annotations

from typing import Any

from allauth.account.forms import (
    LoginForm,
    ResetPasswordForm,
    ResetPasswordKeyForm,
    UserTokenForm,
)
from allauth.account.utils import url_str_to_user_pk
from allauth.core import context as allauth_context
from django import forms
from django.core.validators import MaxLengthValidator
from django.http import HttpRequest

from deskwerk.accounts.adapter import request_tenant
from deskwerk.accounts.models import User
from deskwerk.accounts.passwords import MAX_LENGTH
from deskwerk.audit.services import audit_record


def _tenant() -> Any:
    return request_tenant(allauth_context.request)


class TenantLoginForm(LoginForm):
    """allauth's login form with the field named ``email`` (as the page always had it).

    Authentication goes through the adapter, which adds the tenant of the URL; the stages of
    allauth's login flow (MFA among them) follow unchanged.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: dict[str, forms.Field] = dict(vars(self)["fields"])
        email = fields.pop("login")
        email.label = "E-mail"
        email.validators.append(MaxLengthValidator(254))
        # Long passphrases are welcome, a megabyte of "password" to hash is not.
        fields["password"].validators.append(MaxLengthValidator(MAX_LENGTH))
        fields["password"].widget.attrs["maxlength"] = str(MAX_LENGTH)
        self.fields = {"email": email, **fields}

    def clean_email(self) -> str:
        return str(self.cleaned_data["email"]).strip()

    def clean(self) -> dict[str, Any]:
        if "email" in self.cleaned_data:
            self.cleaned_data["login"] = self.cleaned_data["email"]
        return super().clean()

    def login(self, request: HttpRequest, redirect_url: str | None = None) -> Any:
        response = super().login(request, redirect_url)
        # allauth sets the session's expiry ("remember me"); ours is the tenant's absolute
        # timeout (deskwerk.websessions), so drop allauth's again.
        request.session.set_expiry(None)
        return response


def reset_candidates(tenant: Any, email: str) -> list[User]:
    """Who a reset for ``email`` may reach: the active account of that address in ``tenant``
    that signs in with a password (an account without one — single sign-on — gets none)."""
    if tenant is None:
        return []
    users = User.unscoped.filter(tenant=tenant, email__iexact=email.strip(), is_active=True)
    return [u for u in users.select_related("tenant") if u.has_usable_password()]


class TenantResetPasswordForm(ResetPasswordForm):
    """Request a reset: the same answer whether or not the address has an account here."""

    email = forms.EmailField(max_length=254, label="E-mail")

    def clean_email(self) -> str:
        email = str(self.cleaned_data["email"]).strip().lower()
        self.users = reset_candidates(_tenant(), email)
        return email

    def save(self, request: HttpRequest, **kwargs: Any) -> str:
        email = super().save(request, **kwargs)
        for user in self.users:
            audit_record(
                tenant=user.tenant, actor=None, action="password.reset_requested", obj=user
            )
        return str(email)


class TenantUserTokenForm(UserTokenForm):
    """The account of a reset link, looked up in the tenant of the URL only."""

    def _get_user(self, uidb36: str) -> User | None:
        tenant = _tenant()
        if tenant is None:
            return None
        try:
            pk = url_str_to_user_pk(uidb36)
        except ValueError:
            return None
        return (
            User.unscoped.filter(tenant=tenant, pk=pk, is_active=True)
            .select_related("tenant")
            .first()
        )

    def clean(self) -> dict[str, Any]:
        try:
            return super().clean()
        except forms.ValidationError:
            tenant = _tenant()
            if tenant is not None:
                audit_record(
                    tenant=tenant,
                    actor=None,
                    action="password.reset_refused",
                    object_type="accounts.user",
                    object_id=self.reset_user.pk if self.reset_user is not None else "",
                )
            raise


class TenantResetPasswordKeyForm(ResetPasswordKeyForm):
    """The new password, under the tenant's policy; the reset ends every session."""

    def save(self) -> None:
        from deskwerk.accounts.passwords import password_reset_complete

        password_reset_complete(person=self.user, new=self.cleaned_data["password1"])


class InvitationAcceptForm(forms.Form):
    full_name = forms.CharField(max_length=200, required=False, label="Your name")
    password1 = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        max_length=MAX_LENGTH,
        strip=False,
        label="Password",
    )
    password2 = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        max_length=MAX_LENGTH,
        strip=False,
        label="Password (again)",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", "The two passwords differ.")
        return data
