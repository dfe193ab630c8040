"""Seed the registry with the six subprocessors of Annex 2 of the agreement (as of 2025-01-01).

They were approved with the agreement itself, so they are active with no objection window.
"""

import datetime as dt

from django.db import migrations

LISTED_AT = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)

ANNEX_2 = [
    (
        "Hetzner Online GmbH",
        "Industriestraße 25, 91710 Gunzenhausen, Deutschland",
        "DE",
        "Serveranbieter für Hosting, Bereitstellung IaaS",
    ),
    (
        "RapidMail GmbH",
        "Wentzingerstr. 21, 79106 Freiburg im Breisgau, Deutschland",
        "DE",
        "SMTP-Anbieter: Versand aller Arten von E-Mails der Plattform; ausgenommen "
        "TKG-Dienstleistungen, insbesondere Senden, Übertragen und Empfangen des "
        "Kommunikationsinhalts",
    ),
    (
        "Mailjet SAS",
        "13-13 bis, rue de l'Aubrac, 75012 Paris, Frankreich",
        "FR",
        "SMTP-Anbieter: Versand aller Arten von E-Mails der Plattform; ausgenommen "
        "TKG-Dienstleistungen, insbesondere Senden, Übertragen und Empfangen des "
        "Kommunikationsinhalts",
    ),
    (
        "HubSpot Germany GmbH",
        "Am Postbahnhof 17, 10243 Berlin, Deutschland",
        "DE",
        "Softwareanbieter für Vertriebs-, Marketing- und Supportprozesse",
    ),
    (
        "Banauten GmbH",
        "Schlosserstr. 2, 70180 Stuttgart, Deutschland",
        "DE",
        "Service und Support, Vertrieb und Marketing",
    ),
    (
        "apicore engineering GmbH",
        "Lise-Meitner-Str. 51, 88046 Friedrichshafen, Deutschland",
        "DE",
        "Support sowie Betriebs- und Wartungsanbieter",
    ),
]


def seed(apps, schema_editor):
    Subprocessor = apps.get_model("processor", "Subprocessor")
    SubprocessorChange = apps.get_model("processor", "SubprocessorChange")
    for name, address, country, service in ANNEX_2:
        if Subprocessor.objects.filter(name=name).exists():
            continue
        sub = Subprocessor.objects.create(
            name=name,
            address=address,
            country=country,
            eu_eea=True,
            service=service,
            status="active",
            activated_at=LISTED_AT,
            created_at=LISTED_AT,
        )
        SubprocessorChange.objects.create(
            subprocessor=sub, action="listed", at=LISTED_AT, note="Annex 2 of the agreement"
        )


def unseed(apps, schema_editor):
    Subprocessor = apps.get_model("processor", "Subprocessor")
    SubprocessorChange = apps.get_model("processor", "SubprocessorChange")
    names = [row[0] for row in ANNEX_2]
    SubprocessorChange.objects.filter(subprocessor__name__in=names).delete()
    Subprocessor.objects.filter(name__in=names).delete()


class Migration(migrations.Migration):
    dependencies = [("processor", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
