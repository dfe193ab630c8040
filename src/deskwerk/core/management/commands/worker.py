"""``deskwerk worker`` — the Huey consumer that runs background and periodic jobs."""

from __future__ import annotations

import signal
import subprocess
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


def spawn_worker() -> subprocess.Popen[bytes] | None:
    """Start ``deskwerk worker`` as a child process (the demo runs one beside its server).

    None when jobs run inline (``HUEY_BACKEND=immediate``): there is no queue to consume.
    """
    if settings.HUEY.get("immediate"):
        return None
    return subprocess.Popen([sys.executable, "-m", "deskwerk.cli", "worker"])


def stop_worker(process: subprocess.Popen[bytes] | None, *, timeout: float = 10.0) -> None:
    """SIGINT first (Huey finishes running tasks), then kill after ``timeout`` seconds."""
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class Command(BaseCommand):
    help = "Run background and periodic jobs (Huey consumer)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--workers", type=int, default=None, help="worker threads")

    def handle(self, *args: Any, **options: Any) -> None:
        extra = ["--workers", str(options["workers"])] if options["workers"] else []
        call_command("run_huey", *extra)
