"""The invitation page: choose a password, and the account exists (no open sign-up)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from deskwerk.accounts.forms import InvitationAcceptForm
from deskwerk.accounts.invitations import InvitationRefused, invitation_accept, invitation_for_token
from deskwerk.core.errors import InvalidInput

REFUSED = {
    "unknown": "This invitation link is not known here.",
    "accepted": "This invitation was already used. Sign in with the password you chose.",
    "expired": "This invitation has expired. Ask your administrator for a new one.",
    "revoked": "This invitation was withdrawn. Ask your administrator if this is a mistake.",
}


def _no_referrer(response: HttpResponse) -> HttpResponse:
    # The secret is in the path: never hand it on to another site.
    response["Referrer-Policy"] = "no-referrer"
    return response


@never_cache
@sensitive_post_parameters("password1", "password2")
@require_http_methods(["GET", "POST"])
def invitation_accept_view(request: HttpRequest, token: str) -> HttpResponse:
    tenant = request.tenant  # type: ignore[attr-defined]
    context: dict[str, object] = {"tenant": tenant}
    try:
        invitation = invitation_for_token(tenant=tenant, token=token)
    except InvitationRefused as exc:
        context["refusal"] = REFUSED[exc.reason]
        status = 404 if exc.reason == "unknown" else 410
        return _no_referrer(render(request, "accounts/invite_refused.html", context, status=status))
    form = InvitationAcceptForm(request.POST or None, initial={"full_name": invitation.full_name})
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                user = invitation_accept(
                    tenant=tenant,
                    token=token,
                    password=form.cleaned_data["password1"],
                    full_name=form.cleaned_data["full_name"],
                )
            except InvitationRefused as exc:
                context["refusal"] = REFUSED[exc.reason]
                return _no_referrer(
                    render(request, "accounts/invite_refused.html", context, status=410)
                )
            except InvalidInput as exc:
                form.add_error("password1", exc.detail)
            else:
                context["email"] = user.email
                return _no_referrer(render(request, "accounts/invite_done.html", context))
    context |= {"form": form, "invitation": invitation}
    return _no_referrer(render(request, "accounts/invite_accept.html", context, status=status))
