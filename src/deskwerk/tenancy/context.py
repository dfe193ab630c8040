"""The tenant bound to the current request, task or command.

Tenant-owned querysets read it; without one they raise (fail-closed). A ``ContextVar`` keeps
threads and async tasks apart.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from deskwerk.tenancy.models import Tenant

_current: ContextVar[Tenant | None] = ContextVar("deskwerk_tenant", default=None)


class TenantNotBound(RuntimeError):
    """A tenant-owned table was queried while no tenant was bound."""


def current_tenant() -> Tenant:
    """The bound tenant, or raise: never silently "all tenants"."""
    tenant = _current.get()
    if tenant is None:
        raise TenantNotBound("no tenant is bound; use tenant_context() or the unscoped manager")
    return tenant


def current_tenant_or_none() -> Tenant | None:
    return _current.get()


def bind_tenant(tenant: Tenant | None) -> Token[Tenant | None]:
    """Bind a tenant; keep the returned token to restore the previous binding."""
    return _current.set(tenant)


def unbind_tenant(token: Token[Tenant | None]) -> None:
    _current.reset(token)


@contextmanager
def tenant_context(tenant: Tenant) -> Iterator[Tenant]:
    """Run a block with ``tenant`` bound, restoring the previous binding afterwards."""
    token = _current.set(tenant)
    try:
        yield tenant
    finally:
        _current.reset(token)
