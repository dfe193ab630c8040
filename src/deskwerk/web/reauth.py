"""The API's re-authentication rule for pages (decision 0020)."""

from __future__ import annotations

from allauth.account.adapter import get_adapter as get_account_adapter
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from deskwerk.accounts.mfa import recently_authenticated


def confirm_first(request: HttpRequest, back: str, message: str = "") -> HttpResponse | None:
    """None when the session signed in or re-authenticated in the last ten minutes; else a
    redirect to confirm it is them (password or second factor), then back to ``back``.

    allauth could replay the posted form itself, but its replay resolves the full path and so
    misses the tenant's URLs; coming back to the page is as safe and plain (decision 0029).
    """
    if recently_authenticated(request):
        return None
    methods = get_account_adapter().get_reauthentication_methods(request.user)
    if not methods:  # no password and no factor (single sign-on only): sign in again
        messages.info(request, _("Sign in again to do this."))
        return redirect(f"{reverse('web:login')}?{urlencode({'next': back})}")
    messages.info(
        request,
        message or _("Please confirm it is you first; then check the form and send it again."),
    )
    return redirect(f"{methods[0]['url']}?{urlencode({'next': back})}")
