"""Processor fixtures shared with the API test kit: an operator tenant with staff, subprocessors
in each state an endpoint needs, an objection and authorised persons of the tenant."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from deskwerk.accounts.models import User
from deskwerk.processor.models import AuthorisedPerson, Objection, Subprocessor
from deskwerk.processor.services import (
    OBJECTION_WINDOW,
    operator_staff_create,
    operator_tenant_create,
)
from deskwerk.tenancy.models import Tenant
from tests.conftest import PASSWORD, Api, make_user


def make_operator() -> tuple[Tenant, User]:
    """The operator tenant and one staff member holding ``operator_admin``."""
    tenant = operator_tenant_create(slug="ops", name="Deskwerk Betrieb")
    staff = operator_staff_create(
        tenant=tenant, email="staff@ops.test", full_name="Olga Operator", password=PASSWORD
    )
    return tenant, staff


def planned(name: str, *, announced: dt.datetime | None = None) -> Subprocessor:
    """A planned subprocessor announced at ``announced`` (now), without sending notices."""
    at = announced or timezone.now()
    return Subprocessor.objects.create(
        name=name,
        address="Musterstraße 1, 10115 Berlin",
        country="DE",
        service="Testing",
        status=Subprocessor.Status.PLANNED,
        announced_at=at,
        objection_deadline=at + OBJECTION_WINDOW,
    )


class ProcessorWorld:
    def __init__(self, tenant: Tenant, owner: User) -> None:
        self.operator_tenant, self.staff = make_operator()
        # An account of the operator tenant without an operator role.
        self.plain = make_user(self.operator_tenant, "plain@ops.test")
        self.staff_api = Api(self.staff)
        self.plain_api = Api(self.plain)
        self.due = planned("Due GmbH", announced=timezone.now() - OBJECTION_WINDOW)
        self.open = planned("Open GmbH")
        self.contested = planned("Contested GmbH")
        self.objection = Objection.unscoped.create(
            tenant=tenant, subprocessor=self.contested, reason="not in our interest"
        )
        self.person = AuthorisedPerson.unscoped.create(
            tenant=tenant, first_name="Ina", last_name="Instruct", email="ina@acme.test"
        )
        self.spare_person = AuthorisedPerson.unscoped.create(
            tenant=tenant, first_name="Sven", last_name="Spare", email="sven@acme.test"
        )
        self.ids = {
            "tenant": tenant.pk,
            "subprocessor": self.due.pk,
            "spare_subprocessor": self.open.pk,
            "objection": self.objection.pk,
            "authorised_person": self.person.pk,
            "spare_authorised_person": self.spare_person.pk,
        }
