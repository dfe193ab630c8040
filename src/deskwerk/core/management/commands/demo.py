"""``deskwerk demo`` — migrate, seed the demo tenant (once), print the logins, serve with gunicorn."""

from __future__ import annotations

import os
import sys
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections

from deskwerk.access.services import token_create
from deskwerk.accounts.models import User
from deskwerk.core.management.commands.serve import run_gunicorn
from deskwerk.core.management.commands.worker import spawn_worker, stop_worker
from deskwerk.demo.seed import (
    FULL,
    SMALL,
    DemoError,
    DemoResult,
    seed_demo,
)
from deskwerk.tenancy.context import tenant_context


class Command(BaseCommand):
    help = "Seed the demo tenant (idempotently) and serve Deskwerk with gunicorn."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bind", default=os.environ.get("BIND", "127.0.0.1:8000"))
        # Fewer processes than `serve`: a demo runs on a laptop next to other things.
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_WORKERS", "2")))
        parser.add_argument("--threads", type=int, default=int(os.environ.get("WEB_THREADS", "4")))
        parser.add_argument("--no-serve", action="store_true", help="seed and print, then exit")
        parser.add_argument(
            "--reset", action="store_true", help="delete the demo tenant and seed it afresh"
        )
        parser.add_argument(
            "--token",
            action="store_true",
            help="issue an API token for the demo administrator (printed once)",
        )
        parser.add_argument(
            "--small", action="store_true", help="a much smaller demo (for tests and trials)"
        )
        parser.add_argument("--skip-migrate", action="store_true", help="do not run migrate first")
        parser.add_argument(
            "--no-worker", action="store_true", help="do not run the background worker alongside"
        )

    def _progress(self, stage: str, done: int, total: int) -> None:
        self.stderr.write(f"{stage}… {done}/{total}")
        self.stderr.flush()

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["skip_migrate"]:
            self.stderr.write("preparing the database…")
            call_command("migrate", interactive=False, verbosity=0)
        try:
            result = seed_demo(
                scale=SMALL if options["small"] else FULL,
                progress=self._progress,
                reset=options["reset"],
            )
        except DemoError as exc:
            raise CommandError(str(exc)) from exc
        self._report(result, options)
        if options["no_serve"]:
            return
        # Forked workers must not share the seeding connection.
        connections.close_all()
        sys.stdout.flush()
        # Background and periodic jobs run beside the server, as they would in production.
        worker = None if options["no_worker"] else self._start_worker()
        try:
            run_gunicorn(
                bind=options["bind"], workers=options["workers"], threads=options["threads"]
            )
        finally:
            stop_worker(worker)

    def _start_worker(self) -> Any:
        from deskwerk.privacy.tasks import privacy_now

        worker = spawn_worker()
        if worker is not None:
            privacy_now()  # queued: the worker pseudonymises the demo's older history now
            self.stderr.write(f"background worker started (pid {worker.pid}); privacy jobs queued")
        return worker

    def _report(self, result: DemoResult, options: dict[str, Any]) -> None:
        tenant = result.tenant
        what = "created" if result.created else "reused"
        extra = (
            f", {result.bookings_added} new bookings"
            if not result.created and result.bookings_added
            else ""
        )
        self.stdout.write(
            f"Demo tenant {tenant.name} ({tenant.slug}) {what} in {result.seconds:.1f} s{extra}."
        )
        if not tenant.is_active:
            self.stderr.write(
                f"warning: the demo tenant is {tenant.status}; its logins will be refused "
                f"(deskwerk tenant activate {tenant.slug}, or deskwerk demo --reset)"
            )
        host, _, port = options["bind"].rpartition(":")
        if host in ("0.0.0.0", "", "[::]"):  # noqa: S104 - only to print a browsable address
            host = "127.0.0.1"
        base = f"http://{host}:{port}" if port.isdigit() else "http://127.0.0.1:8000"
        self.stdout.write("")
        self.stdout.write(f"  Open        {base}/t/{tenant.slug}/")
        self.stdout.write(f"  Admin       {result.admin_email}")
        self.stdout.write(f"  Employee    {result.employee_email}")
        self.stdout.write(f"  Password    {result.password}  (all demo accounts)")
        self.stdout.write("")
        if options["token"]:
            with tenant_context(tenant):
                admin = User.objects.get(email=result.admin_email)
                secret = token_create(user=admin, name="demo").secret
            self.stdout.write(f"  API token   {secret}  (for {admin.email}; shown once)")
            self.stdout.write("  Try the API:")
            self.stdout.write(f"    curl -H 'Authorization: Bearer {secret}' {base}/api/v1/me")
        else:
            self.stdout.write("  Try the API:")
            self.stdout.write(
                f"    TOKEN=$(deskwerk token create --tenant {tenant.slug} --email {result.admin_email})"
            )
            self.stdout.write(f'    curl -H "Authorization: Bearer $TOKEN" {base}/api/v1/floors')
        self.stdout.write(f"  API docs    {base}/api/v1/docs")
        self.stdout.write("")
