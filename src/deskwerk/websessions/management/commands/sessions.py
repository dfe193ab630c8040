"""``deskwerk sessions reencrypt|purge`` — key rotation and clean-up of server-side sessions."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from deskwerk.websessions.models import WebSession
from deskwerk.websessions.services import BATCH, sessions_purge, sessions_reencrypt


class Command(BaseCommand):
    help = "Re-encrypt sessions under the newest data key, or delete expired sessions."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        again = sub.add_parser(
            "reencrypt", help="re-encrypt every session under the newest key of DATA_KEYS"
        )
        again.add_argument("--batch-size", type=int, default=BATCH)
        sub.add_parser("purge", help="delete expired sessions now (also runs daily)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "reencrypt":
            moved, dropped = sessions_reencrypt(batch=max(1, options["batch_size"]))
            self.stdout.write(
                f"re-encrypted {moved} sessions; {dropped} no key decrypted were deleted; "
                f"{WebSession.objects.count()} sessions remain"
            )
        else:
            self.stdout.write(f"deleted {sessions_purge()} expired sessions")
