"""``deskwerk sso reencrypt`` — move identity providers' client secrets to the newest data key."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from deskwerk.sso.services import secrets_reencrypt


class Command(BaseCommand):
    help = "Re-encrypt the client secrets of identity providers under the newest data key."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("reencrypt", help="re-encrypt every client secret under the newest key")

    def handle(self, *args: Any, **options: Any) -> None:
        moved, unreadable = secrets_reencrypt()
        self.stdout.write(f"re-encrypted {moved} client secrets; {unreadable} unreadable")
        if unreadable:
            self.stderr.write(
                "enter the unreadable secrets again (PATCH /api/v1/sso/providers/{id})"
            )
