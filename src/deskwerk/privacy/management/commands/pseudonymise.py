"""``deskwerk pseudonymise [--tenant SLUG]`` — pseudonymise what is due now, with progress.

The same work the daily job does; for a first run on a large database, or after an admin
shortened the deadline and does not want to wait for the night.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser, OutputWrapper

from deskwerk.privacy.pseudonymise import pseudonymise_tenant
from deskwerk.tenancy.models import Tenant


class ProgressBar:
    """A one-line bar on a terminal; plain lines (at most one per second) otherwise."""

    WIDTH = 30

    def __init__(self, stream: OutputWrapper, *, tty: bool) -> None:
        self.stream = stream
        self.tty = tty
        self.label = ""
        self.last = 0.0

    def __call__(self, label: str, done: int, total: int) -> None:
        fraction = done / total if total else 1.0
        text = f"{label}: {done:,}/{total:,} ({fraction:.0%})"
        if self.tty:
            filled = round(self.WIDTH * fraction)
            bar = "#" * filled + "." * (self.WIDTH - filled)
            end = "\n" if done >= total else ""
            self.stream.write(f"\r[{bar}] {text}{end}", ending="")
            self.stream.flush()
            return
        now = time.monotonic()
        if done in (0, total) or now - self.last >= 1.0:
            self.stream.write(text)
            self.stream.flush()
            self.last = now


class Command(BaseCommand):
    help = "Pseudonymise past bookings and usage data whose deadline has passed."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tenant", help="only this tenant (slug); default: every tenant")
        parser.add_argument(
            "--batch-size", type=int, default=None, help="rows per transaction (default: by DB)"
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress output")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["tenant"]:
            tenants = list(Tenant.objects.filter(slug=options["tenant"]))
            if not tenants:
                raise CommandError(f"no tenant {options['tenant']!r}")
        else:
            tenants = list(Tenant.objects.order_by("pk"))
        if options["batch_size"] is not None and options["batch_size"] < 1:
            raise CommandError("--batch-size must be positive")
        tty = self.stderr.isatty()
        bar = None if options["no_progress"] else ProgressBar(self.stderr, tty=tty)
        total = 0
        for tenant in tenants:
            started = time.monotonic()
            result = pseudonymise_tenant(tenant, batch_size=options["batch_size"], progress=bar)
            total += result.total
            counts = ", ".join(f"{label} {n:,}" for label, n in result.counts.items())
            self.stdout.write(
                f"{tenant.slug}: {result.total:,} rows pseudonymised ({counts}); deadline "
                f"{result.cutoff:%Y-%m-%d %H:%M} UTC; {time.monotonic() - started:.1f} s"
            )
        self.stdout.write(f"{total:,} rows pseudonymised in {len(tenants)} tenant(s).")
