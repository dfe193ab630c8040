"""``deskwerk tenant create|list|suspend|activate`` — non-interactive, for automation."""

from __future__ import annotations

import secrets
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from deskwerk.accounts.models import Membership
from deskwerk.accounts.services import user_create
from deskwerk.core.errors import DomainError
from deskwerk.tenancy.context import tenant_context
from deskwerk.tenancy.models import Tenant
from deskwerk.tenancy.services import tenant_create, tenant_set_status


class Command(BaseCommand):
    help = "Create and manage tenants."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a tenant and its first administrator")
        create.add_argument("--slug", required=True)
        create.add_argument("--name", required=True)
        create.add_argument("--admin-email", required=True)
        create.add_argument("--admin-name", default="")
        create.add_argument("--timezone", default="Europe/Berlin")
        create.add_argument(
            "--admin-password",
            help="initial password; omitted: a random one is printed once",
        )
        sub.add_parser("list", help="list tenants")
        for name in ("suspend", "activate", "terminate"):
            p = sub.add_parser(name, help=f"{name} a tenant")
            p.add_argument("slug")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['action']}")(options)
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {exc.detail}") from exc

    def _create(self, options: dict[str, Any]) -> None:
        password = options["admin_password"] or secrets.token_urlsafe(12)
        with transaction.atomic():
            tenant = tenant_create(
                slug=options["slug"], name=options["name"], timezone=options["timezone"]
            )
            with tenant_context(tenant):
                admin = user_create(
                    tenant=tenant,
                    email=options["admin_email"],
                    full_name=options["admin_name"],
                    role=Membership.Role.ADMIN,
                    password=password,
                )
        self.stdout.write(f"tenant {tenant.slug} (id {tenant.pk}) created")
        self.stdout.write(f"admin {admin.email} (id {admin.pk})")
        if not options["admin_password"]:
            self.stdout.write(f"password {password}  (shown once)")

    def _list(self, options: dict[str, Any]) -> None:
        for tenant in Tenant.objects.order_by("slug"):
            self.stdout.write(f"{tenant.slug}\t{tenant.status}\t{tenant.name}")

    def _set(self, slug: str, status: str) -> None:
        tenant = Tenant.objects.filter(slug=slug).first()
        if tenant is None:
            raise CommandError(f"no tenant {slug!r}")
        tenant_set_status(tenant=tenant, status=status)
        self.stdout.write(f"tenant {slug} is {status}")

    def _suspend(self, options: dict[str, Any]) -> None:
        self._set(options["slug"], Tenant.Status.SUSPENDED)

    def _activate(self, options: dict[str, Any]) -> None:
        self._set(options["slug"], Tenant.Status.ACTIVE)

    def _terminate(self, options: dict[str, Any]) -> None:
        self._set(options["slug"], Tenant.Status.TERMINATED)
