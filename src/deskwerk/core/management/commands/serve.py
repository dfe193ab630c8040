"""``deskwerk serve`` — gunicorn, the same application server as in production."""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandParser


def run_gunicorn(*, bind: str, workers: int, threads: int) -> None:
    """Run gunicorn in this process with our WSGI application."""
    from gunicorn.app.base import BaseApplication

    class _App(BaseApplication):
        def load_config(self) -> None:
            settings = {
                "bind": bind,
                "workers": workers,
                "threads": threads,
                "worker_class": "gthread" if threads > 1 else "sync",
                "accesslog": os.environ.get("ACCESS_LOG") or None,
                "timeout": 30,
                # No shared control socket: several servers (demo, benchmarks) may run at once.
                "control_socket_disable": True,
                "graceful_timeout": 10,
            }
            for key, value in settings.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            from deskwerk.wsgi import application

            return application

    _App().run()


class Command(BaseCommand):
    help = "Serve Deskwerk with gunicorn."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bind", default=os.environ.get("BIND", "127.0.0.1:8000"))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_WORKERS", "4")))
        parser.add_argument("--threads", type=int, default=int(os.environ.get("WEB_THREADS", "1")))

    def handle(self, *args: Any, **options: Any) -> None:
        run_gunicorn(bind=options["bind"], workers=options["workers"], threads=options["threads"])
