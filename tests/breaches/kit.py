"""Breach fixtures shared with the API test kit: a notified breach concerning the tenant and a
recorded one not yet notified (for notify and close)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from deskwerk.accounts.models import User
from deskwerk.breaches.services import breach_create, breach_notify
from deskwerk.tenancy.models import Tenant

COMPLETE = {
    "nature": "An unauthorised read of the booking database through a leaked credential.",
    "data_subject_categories": "employees",
    "data_subjects_approx": 120,
    "record_categories": "names, e-mail addresses, bookings",
    "records_approx": 3400,
    "contact_point": "Datenschutzbeauftragte, dsb@deskwerk.test, +49 30 123456",
    "likely_consequences": "Phishing mails to the people concerned.",
    "measures": "Credential revoked, access logs secured, passwords reset.",
}


def record(staff: User, tenants: list[Tenant], *, hours_ago: float = 1, **fields: object):
    data = {
        "kind": "breach",
        "became_known_at": timezone.now() - dt.timedelta(hours=hours_ago),
        "tenant_ids": [t.pk for t in tenants],
        **fields,
    }
    return breach_create(actor=staff, data=data)


class BreachWorld:
    def __init__(self, tenant: Tenant, staff: User) -> None:
        self.notified = record(staff, [tenant], **COMPLETE)
        breach_notify(actor=staff, breach=self.notified)
        self.spare = record(staff, [tenant], nature="Still under investigation.")
        self.ids = {"breach": self.notified.pk, "spare_breach": self.spare.pk}
