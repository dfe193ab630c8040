"""What of allauth's pages a tenant does not offer (``/t/<slug>/accounts/...``).

allauth's URL map is included whole in ``web.tenant_urls`` (after this module), so its
``reverse()`` calls keep working; what we do not offer is answered with 404 by the patterns
here, which come first (first match wins): sign-up, e-mail
address management, login and re-authentication by mailed code, the password change and set
pages (people change their password through ``/api/v1/me/password``), phone numbers.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, path, re_path
from django.views.generic import RedirectView


def not_offered(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    """An allauth page Deskwerk does not offer."""
    raise Http404("not offered")


BLOCKED = [
    r"^signup/",
    r"^email/",
    r"^confirm-email/",
    r"^password/change/",
    r"^password/set/",
    r"^reauthenticate/code/",
    r"^login/code/",
    r"^phone/",
    r"^3rdparty/signup/",
]

urlpatterns: list[URLPattern | URLResolver] = [
    *(re_path(pattern, not_offered) for pattern in BLOCKED),
    # One sign-in page per tenant: allauth's own login URL leads there (query kept: ?next=).
    path("login/", RedirectView.as_view(pattern_name="web:login", query_string=True)),
]
