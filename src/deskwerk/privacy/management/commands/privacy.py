"""``deskwerk privacy map|records`` — the data map and the records of processing."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from deskwerk.privacy.datamap import undeclared
from deskwerk.privacy.records import map_as_rows, records, records_html
from deskwerk.tenancy.models import Tenant


class Command(BaseCommand):
    help = "Print the data map or the records of processing (Art. 30 (2))."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        show = sub.add_parser("map", help="every field with its classification")
        show.add_argument("--format", choices=["text", "json"], default="text")
        show.add_argument("--personal", action="store_true", help="personal fields only")
        rec = sub.add_parser("records", help="records of processing activities")
        rec.add_argument("--format", choices=["html", "json"], default="html")
        rec.add_argument("--tenant", help="one controller (slug); default: all")

    def handle(self, *args: Any, **options: Any) -> None:
        missing = undeclared()
        if missing:
            raise CommandError(f"unclassified fields: {', '.join(missing)}")
        if options["action"] == "map":
            rows = [r for r in map_as_rows() if r["personal"] or not options["personal"]]
            if options["format"] == "json":
                self.stdout.write(json.dumps(rows, indent=2, ensure_ascii=False))
                return
            for r in rows:
                if r["personal"]:
                    self.stdout.write(
                        f"{r['model']}.{r['field']}\t{r['letter']} {r['category']}\t"
                        f"{r['subject']}\terase: {r['on_erasure']}\t"
                        f"pseudonymise: {r['on_pseudonymise']}\t{r['purpose']}"
                    )
                else:
                    self.stdout.write(f"{r['model']}.{r['field']}\t-\t{r['reason']}")
            return
        tenant = None
        if options["tenant"]:
            tenant = Tenant.objects.filter(slug=options["tenant"]).first()
            if tenant is None:
                raise CommandError(f"no tenant {options['tenant']!r}")
        if options["format"] == "json":
            self.stdout.write(json.dumps(records(tenant), indent=2, ensure_ascii=False))
        else:
            self.stdout.write(records_html(tenant))
