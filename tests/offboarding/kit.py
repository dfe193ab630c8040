"""A tenant with rich data to offboard, and an independent check that nothing of it is left."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

from allauth.mfa.models import Authenticator
from django.apps import apps
from django.core.files.base import ContentFile
from django.db import connection
from django.test import Client

from deskwerk.accounts.models import Membership, User
from deskwerk.accounts.services import user_create
from deskwerk.bookings.services import booking_create
from deskwerk.notify.services import send_mail_message
from deskwerk.processor.models import AuthorisedPerson, Objection, Subprocessor
from deskwerk.profiles.models import Profile
from deskwerk.tenancy.context import tenant_context
from deskwerk.tenancy.models import Tenant
from deskwerk.tenancy.services import tenant_create
from tests.conftest import PASSWORD, Api, Site, future

PHOTO = b"\x89PNG\r\n\x1a\n" + b"fake photo bytes " * 10
CERTIFICATE_MAIL = "offboarding_certificate"
PLAN_SVG = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="5" height="5"/></svg>'


def person(tenant: Tenant, email: str, name: str, role: str = Membership.Role.MEMBER) -> User:
    with tenant_context(tenant):
        return user_create(tenant=tenant, email=email, full_name=name, role=role, password=PASSWORD)


class Rich:
    """Spaces with a plan file, people, bookings, sessions, MFA, tokens, idempotency keys,
    usage rows, rate-limit counters, mails, an authorised person and an objection."""

    def __init__(self, slug: str, name: str, domain: str) -> None:
        self.tenant = tenant_create(slug=slug, name=name)
        t = self.tenant
        self.owner = person(t, f"erika.owner@{domain}", f"Erika Mustermann {slug}", "admin")
        self.member = person(t, f"zoltan.member@{domain}", f"Zoltan Quirinus {slug}")
        self.site = Site(t)
        with tenant_context(t):
            self.site.floor.plan_image.save("plan.svg", ContentFile(PLAN_SVG))
            self.bookings = [
                booking_create(
                    actor=self.member,
                    resource=self.site.desks[0],
                    starts_at=future(2, 9),
                    ends_at=future(2, 12),
                ),
                booking_create(
                    actor=self.owner,
                    resource=self.site.desks[1],
                    starts_at=future(3, 9),
                    ends_at=future(3, 12),
                ),
            ]
            AuthorisedPerson.unscoped.create(
                tenant=t,
                first_name="Ina",
                last_name=f"Instruct {slug}",
                email=f"ina.instruct@{domain}",
            )
            sub = Subprocessor.objects.create(
                name=f"Planned {len(domain)}-{domain[:1]}",
                address="Weg 1, Berlin",
                country="DE",
                service="x",
            )
            Objection.unscoped.create(tenant=t, subprocessor=sub, reason="We object.")
        with tenant_context(t):
            profile = Profile.objects.create(user=self.member)
            profile.photo.save(f"{slug}.png", ContentFile(PHOTO))
        Authenticator.objects.create(
            user=self.member, type=Authenticator.Type.RECOVERY_CODES, data={"seed": "x"}
        )
        Client().force_login(self.member)  # a session
        api = Api(self.owner)  # a token; its requests leave usage rows and rate-limit counters
        api.get("/me")
        api.post(
            "/bookings",
            {
                "resource_id": self.site.desks[2].pk,
                "starts_at": future(4, 9).isoformat(),
                "ends_at": future(4, 11).isoformat(),
            },
            **{"Idempotency-Key": f"key-{slug}"},
        )
        with tenant_context(t):
            send_mail_message(
                tenant=t, to=[self.member], template="test_message", context={}, language="en"
            )

    @property
    def markers(self) -> list[str]:
        return [
            self.tenant.slug,
            self.tenant.name,
            self.owner.email,
            self.member.email,
            self.owner.full_name,
            self.member.full_name,
        ]


def counts(tenant: Tenant) -> dict[str, int]:
    """Rows of ``tenant`` per model that has a tenant column."""
    found = {}
    for model in apps.get_models():
        if any(f.attname == "tenant_id" for f in model._meta.concrete_fields):
            found[model._meta.label] = model._base_manager.filter(tenant_id=tenant.pk).count()
    return found


def remains(tenant_id: int, markers: list[str], roots: list[Path]) -> list[str]:
    """Independent of the product's scan: every table and column, read whole, and every file."""
    low = [m.lower() for m in markers]
    found = []
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            if table.startswith("offboarding_"):
                continue
            columns = [
                c.name for c in connection.introspection.get_table_description(cursor, table)
            ]
            cursor.execute(f"SELECT * FROM {qn(table)}")
            for row in cursor.fetchall():
                if dict(zip(columns, row, strict=True)).get("template") == CERTIFICATE_MAIL:
                    continue  # the operator's log of the certificate it sent: documentation
                for name, value in zip(columns, row, strict=True):
                    if name == "tenant_id" and value == tenant_id:
                        found.append(f"{table}.tenant_id")
                    if value is None or isinstance(value, bytes | memoryview | int | float):
                        continue
                    text = (
                        json.dumps(value, default=str)
                        if isinstance(value, dict | list)
                        else str(value)
                    ).lower()
                    found += [f"{table}.{name}: {m}" for m in low if m in text]
    for root in roots:
        for folder, _, names in os.walk(root):
            for name in names:
                data = (Path(folder) / name).read_bytes().lower()
                found += [f"{folder}/{name}: {m}" for m in low if m.encode() in data]
    return found


def offboarding_world(keeper: Tenant) -> dict[str, int]:
    """For the API test kit: a finished offboarding (certificate available) and one ready for
    early deletion (receipt confirmed) of a small terminated tenant."""
    from django.utils import timezone

    from deskwerk.offboarding.models import Offboarding

    now = timezone.now()
    done = Offboarding.unscoped.create(
        tenant=keeper,
        customer_id=10**9,
        customer_name="Vergangen GmbH",
        customer_slug="vergangen",
        contract_end=now,
        status=Offboarding.Status.DELETED,
        deleted_at=now,
        keep_until=now + dt.timedelta(days=1095),
        scan={"ok": True, "tables": 1, "columns": 1, "rows": 1, "files": 0},
        report={"rows": {"bookings.Booking": 1}, "rows_total": 1},
    )
    spare = tenant_create(slug="spare-customer", name="Spare Customer KG")
    Tenant.objects.filter(pk=spare.pk).update(status=Tenant.Status.TERMINATED)
    ready = Offboarding.unscoped.create(
        tenant=keeper,
        customer_id=spare.pk,
        customer_name=spare.name,
        customer_slug=spare.slug,
        contract_end=now,
        status=Offboarding.Status.READY,
        export_ready_at=now,
        export_until=now + dt.timedelta(days=30),
        receipt_confirmed_at=now,
    )
    return {"offboarding": done.pk, "spare_offboarding": ready.pk}
