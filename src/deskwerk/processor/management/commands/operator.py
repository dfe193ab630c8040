"""``deskwerk operator init|activate-due`` — the operator tenant, its first staff account, and
activating subprocessors whose objection window is over."""

from __future__ import annotations

import secrets
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from deskwerk.core.errors import DomainError
from deskwerk.processor.services import (
    operator_staff_create,
    operator_tenant_create,
    subprocessors_activate_due,
)


class Command(BaseCommand):
    help = "Create the operator tenant and its first staff account; activate due subprocessors."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        init = sub.add_parser("init", help="create the operator tenant and its first staff account")
        init.add_argument("--slug", default="ops")
        init.add_argument("--name", required=True)
        init.add_argument("--email", required=True)
        init.add_argument("--full-name", default="")
        init.add_argument("--timezone", default="Europe/Berlin")
        init.add_argument(
            "--password", help="initial password; omitted: a random one, printed once"
        )
        sub.add_parser("activate-due", help="activate subprocessors whose objection window is over")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "init":
                self._init(options)
            else:
                for sub in subprocessors_activate_due():
                    self.stdout.write(f"activated {sub.name} (id {sub.pk})")
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {exc.detail}") from exc

    def _init(self, options: dict[str, Any]) -> None:
        password = options["password"] or secrets.token_urlsafe(12)
        with transaction.atomic():
            tenant = operator_tenant_create(
                slug=options["slug"], name=options["name"], timezone_name=options["timezone"]
            )
            staff = operator_staff_create(
                tenant=tenant,
                email=options["email"],
                full_name=options["full_name"],
                password=password,
            )
        self.stdout.write(f"operator tenant {tenant.slug} (id {tenant.pk}) created")
        self.stdout.write(f"operator staff {staff.email} (id {staff.pk})")
        if not options["password"]:
            self.stdout.write(f"password {password}  (shown once)")
