"""The REST API at /api/v1: assembly, authentication, error format and ``me``."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import NinjaAPI, Schema

from deskwerk.access.api_roles import router as roles_router
from deskwerk.access.api_tokens import router as tokens_router
from deskwerk.accounts.api import router as people_router
from deskwerk.accounts.api_invitations import router as invitations_router
from deskwerk.accounts.api_mfa import router as mfa_router
from deskwerk.accounts.api_passwords import router as passwords_router
from deskwerk.api import errors
from deskwerk.api.auth import AUTH, actor
from deskwerk.api.schemas import ERRORS
from deskwerk.audit.api import router as audit_router
from deskwerk.bookings.api import router as bookings_router
from deskwerk.breaches.api import operator_router as breaches_operator_router
from deskwerk.breaches.api import router as breaches_router
from deskwerk.compliance.api import router as compliance_router
from deskwerk.notify.api import router as outbox_router
from deskwerk.offboarding.api import router as offboarding_router
from deskwerk.privacy.records_api import router as privacy_records_router
from deskwerk.privacy.requests.api import router as privacy_requests_router
from deskwerk.privacy.settings_api import router as privacy_settings_router
from deskwerk.processor.api import operator_router
from deskwerk.processor.api import router as processor_router
from deskwerk.profiles.api import router as profiles_router
from deskwerk.spaces.api import router as spaces_router
from deskwerk.sso.api import router as sso_router
from deskwerk.support.api import operator_router as support_operator_router
from deskwerk.support.api import router as support_router
from deskwerk.websessions.api import router as sessions_router

api = NinjaAPI(
    title="Deskwerk API",
    version="1",
    description=(
        "Workplace booking. Authenticate with `Authorization: Bearer <token>` "
        "(create one with `deskwerk token create`) or a signed-in session plus CSRF token. "
        "Errors are RFC 9457 `application/problem+json` documents whose `code` is stable. "
        "Lists are cursor-paginated: pass `next_cursor` back as `cursor`."
    ),
    auth=AUTH,
    urls_namespace="api-v1",
    openapi_extra={"info": {"license": {"name": "AGPL-3.0-or-later"}}},
)
errors.install(api)


class TenantOut(Schema):
    id: int
    slug: str
    name: str
    timezone: str


class MeOut(Schema):
    id: int
    email: str
    full_name: str
    role: str
    tenant: TenantOut
    scopes: list[str] | None  # None: a session, limited only by the role


@api.get(
    "/me",
    response={200: MeOut, **ERRORS},
    tags=["me"],
    operation_id="me",
    summary="Who the caller is, in which tenant, with which scopes",
)
def me(request: HttpRequest) -> Any:
    user = actor(request)
    token = getattr(request, "api_token", None)
    return {
        "id": user.pk,
        "email": user.email,
        "full_name": user.full_name,
        "role": user.membership.role,
        "tenant": {
            "id": user.tenant.pk,
            "slug": user.tenant.slug,
            "name": user.tenant.name,
            "timezone": user.tenant.default_timezone,
        },
        "scopes": token.scopes if token is not None else None,
    }


api.add_router("", spaces_router)
api.add_router("", bookings_router)
api.add_router("", privacy_records_router)
api.add_router("", privacy_settings_router)
api.add_router("", privacy_requests_router)
api.add_router("", invitations_router)
# Before people_router: its /people/{person_id} would swallow /people/finder.
api.add_router("", profiles_router)
api.add_router("", people_router)
api.add_router("", audit_router)
api.add_router("", outbox_router)
api.add_router("", sessions_router)
api.add_router("", roles_router)
api.add_router("", passwords_router)
api.add_router("", mfa_router)
api.add_router("", tokens_router)
api.add_router("", processor_router)
api.add_router("", operator_router)
api.add_router("", offboarding_router)
api.add_router("", breaches_router)
api.add_router("", breaches_operator_router)
api.add_router("", sso_router)
api.add_router("", support_router)
api.add_router("", support_operator_router)
api.add_router("", compliance_router)
