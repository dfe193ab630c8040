"""The service principal: who acts when a tenant service token calls the API.

A service token belongs to the tenant, not to a person. Handlers and services receive this
object where they would receive a ``User``; it carries the tenant, no person id (``pk`` is
None, so it never matches anyone's bookings), and exactly the permissions its scopes imply
(``deskwerk.access.roles.has_permission`` asks it instead of role grants).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from deskwerk.access.models import ApiToken


class ServicePrincipal:
    """Duck-types the parts of ``User`` that permission checks, scoping and audit read."""

    pk = None
    id = None
    is_authenticated = True
    is_anonymous = False
    is_active = True
    restricted_at = None
    email = ""

    def __init__(self, token: ApiToken, permissions: frozenset[str]) -> None:
        self.token = token
        self.tenant: Any = token.tenant
        self.tenant_id: int = token.tenant_id
        self.permissions = permissions
        self.full_name = f"service token {token.prefix} ({token.name})"

    def __str__(self) -> str:
        return self.full_name


def is_service(principal: object) -> bool:
    return isinstance(principal, ServicePrincipal)
