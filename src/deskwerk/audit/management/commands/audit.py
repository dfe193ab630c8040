"""``deskwerk audit seal|verify|purge [--tenant SLUG]`` — the audit chain from the command line.

``verify`` exits with status 1 when it finds tampering (or a missing database guard), so it can
run from cron or CI and alert.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from deskwerk.audit.guard import guard_problems
from deskwerk.audit.selectors import audit_verify
from deskwerk.audit.services import audit_purge, audit_seal
from deskwerk.tenancy.models import Tenant


class Command(BaseCommand):
    help = "Seal, verify and purge the tamper-evident audit log."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        seal = sub.add_parser("seal", help="give unsealed events their place in the chain")
        verify = sub.add_parser("verify", help="check every chain; exit 1 on tampering")
        verify.add_argument(
            "--no-seal",
            action="store_true",
            help="do not seal first: read only (e.g. on a replica or a forensic copy)",
        )
        purge = sub.add_parser("purge", help="delete events past each tenant's retention")
        for p in (seal, verify, purge):
            p.add_argument("--tenant", metavar="SLUG", help="only this tenant")

    def handle(self, *args: Any, **options: Any) -> None:
        tenants = Tenant.objects.order_by("slug")
        if options["tenant"]:
            tenants = tenants.filter(slug=options["tenant"])
            if not tenants:
                raise CommandError(f"no tenant {options['tenant']!r}")
        getattr(self, f"_{options['action']}")(list(tenants), options)

    def _seal(self, tenants: list[Tenant], options: dict[str, Any]) -> None:
        for tenant in tenants:
            self.stdout.write(f"{tenant.slug}: sealed {audit_seal(tenant)}")

    def _purge(self, tenants: list[Tenant], options: dict[str, Any]) -> None:
        for tenant in tenants:
            self.stdout.write(f"{tenant.slug}: purged {audit_purge(tenant)}")

    def _verify(self, tenants: list[Tenant], options: dict[str, Any]) -> None:
        broken = 0
        for problem in guard_problems():
            broken += 1
            self.stderr.write(f"database guard: {problem}")
        for tenant in tenants:
            if not options["no_seal"]:
                audit_seal(tenant)
            result = audit_verify(tenant)
            span = f"seq {result.first_seq + 1}..{result.head_seq}"
            if result.ok:
                self.stdout.write(
                    f"{tenant.slug}: ok, {result.checked} events ({span}), "
                    f"{result.unsealed} unsealed, head {result.head_hash}"
                )
                continue
            broken += 1
            self.stderr.write(
                f"{tenant.slug}: TAMPERED, {len(result.findings)} findings "
                f"in {result.checked} events ({span})"
            )
            for finding in result.findings:
                self.stderr.write(f"  {finding}")
        if broken:
            raise CommandError(f"audit verification failed ({broken} problems)", returncode=1)
