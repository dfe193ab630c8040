"""Minimal web front: sign-in per tenant and a home page with one's bookings."""

from __future__ import annotations

from typing import Any

from allauth.account.views import LoginView, LogoutView
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import ensure_csrf_cookie

from deskwerk.web.forms import TenantPickForm

# Reasons the backend leaves on the request (a lockout covers unknown e-mails too: no oracle).
REFUSALS = {
    "locked_out": _("Too many failed attempts: sign-in is locked for a while. Try again later."),
    "password_expired": _(
        "Your password has expired under your organisation's policy. "
        'Choose a new one with "Forgot your password?" below.'
    ),
}


def tenant_picker(request: HttpRequest) -> HttpResponse:
    """The front door: name your organisation. Tenants are never listed publicly."""
    form = TenantPickForm(request.GET or None)
    if form.is_valid():
        return redirect(f"/t/{form.cleaned_data['organisation']}/login/")
    return render(request, "web/picker.html", {"form": form})


@method_decorator(ensure_csrf_cookie, name="dispatch")
class TenantLoginView(LoginView):
    """allauth's login flow (its stages, MFA among them) on the tenant's sign-in page.

    The form authenticates through ``TenantAccountAdapter``, i.e. with the tenant of the URL.
    A refusal answers 401 and says why when the backend left a reason (lockout, expiry).
    The page always sets the CSRF cookie, even when it redirects someone already signed in.
    """

    template_name = "web/login.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["tenant"] = self.request.tenant
        context.setdefault("error", "")
        return context

    def form_invalid(self, form: Any) -> HttpResponse:
        refusal = getattr(self.request, "auth_refusal", "")
        error = REFUSALS.get(refusal, _("E-mail or password is wrong."))
        response = self.render_to_response(self.get_context_data(form=form, error=error))
        response.status_code = 401
        return response


login_view = TenantLoginView.as_view()
# allauth's logout: POST signs out (audited), GET asks first; then the tenant's sign-in page.
logout_view = LogoutView.as_view()


def health(request: HttpRequest) -> JsonResponse:
    """Liveness and database reachability for load balancers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
