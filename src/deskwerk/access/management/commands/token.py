"""``deskwerk token create|list|revoke`` — personal API tokens, printed once."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from deskwerk.access.models import ApiToken
from deskwerk.access.services import DEFAULT_SCOPES, SCOPES, token_create
from deskwerk.accounts.models import User
from deskwerk.core.errors import DomainError
from deskwerk.tenancy.context import tenant_context
from deskwerk.tenancy.models import Tenant


class Command(BaseCommand):
    help = "Create, list and revoke personal API tokens."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="issue a token; the secret is printed once")
        create.add_argument("--tenant", required=True, help="tenant slug")
        create.add_argument("--email", required=True)
        create.add_argument("--name", default="cli")
        create.add_argument(
            "--scope",
            action="append",
            choices=sorted(SCOPES),
            help=f"repeatable; default: {' '.join(DEFAULT_SCOPES)}",
        )
        create.add_argument("--days", type=int, default=None, help="expire after N days")
        listing = sub.add_parser("list", help="list a tenant's tokens (never the secrets)")
        listing.add_argument("--tenant", required=True)
        revoke = sub.add_parser("revoke", help="revoke a token by its prefix")
        revoke.add_argument("--tenant", required=True)
        revoke.add_argument("prefix")

    def handle(self, *args: Any, **options: Any) -> None:
        tenant = Tenant.objects.filter(slug=options["tenant"]).first()
        if tenant is None:
            raise CommandError(f"no tenant {options['tenant']!r}")
        with tenant_context(tenant):
            try:
                getattr(self, f"_{options['action']}")(tenant, options)
            except DomainError as exc:
                raise CommandError(f"{exc.code}: {exc.detail}") from exc

    def _create(self, tenant: Tenant, options: dict[str, Any]) -> None:
        user = User.objects.filter(email__iexact=options["email"]).first()
        if user is None:
            raise CommandError(f"no person {options['email']!r} in tenant {tenant.slug}")
        days = options["days"]
        if days is not None and not 1 <= days <= settings.API_TOKEN_MAX_DAYS:
            raise CommandError(f"--days must be between 1 and {settings.API_TOKEN_MAX_DAYS}")
        issued = token_create(
            user=user,
            name=options["name"],
            scopes=options["scope"],
            expires_at=timezone.now() + dt.timedelta(days=days) if days else None,
        )
        self.stdout.write(issued.secret)

    def _list(self, tenant: Tenant, options: dict[str, Any]) -> None:
        for token in ApiToken.objects.select_related("user").order_by("id"):
            state = "revoked" if token.revoked_at else "active"
            self.stdout.write(
                f"{token.prefix}\t{token.user.email if token.user else '(service)'}"
                f"\t{' '.join(token.scopes)}\t{state}"
            )

    def _revoke(self, tenant: Tenant, options: dict[str, Any]) -> None:
        count = ApiToken.objects.filter(prefix=options["prefix"], revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        if not count:
            raise CommandError("no active token with that prefix")
        self.stdout.write(f"revoked {count}")
