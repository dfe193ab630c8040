"""``deskwerk mfa reencrypt`` — move second-factor secrets to the newest data key."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from deskwerk.accounts.mfa import mfa_reencrypt


class Command(BaseCommand):
    help = "Re-encrypt TOTP secrets and recovery-code seeds under the newest data key."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        reencrypt = sub.add_parser("reencrypt", help="re-encrypt every factor secret")
        reencrypt.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args: Any, **options: Any) -> None:
        moved, unreadable = mfa_reencrypt(batch_size=options.get("batch_size") or 500)
        self.stdout.write(f"re-encrypted {moved} second factors; {unreadable} secrets unreadable")
        if unreadable:
            self.stderr.write(
                "unreadable secrets open nothing; reset those people's factors "
                "(DELETE /api/v1/people/{id}/mfa) so they can set up new ones"
            )
