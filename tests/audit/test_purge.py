"""Retention: old events go, set-based, and the chain verifies from its new anchor."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from deskwerk.accounts.models import User
from deskwerk.audit import services, tasks
from deskwerk.audit.models import AuditChain, AuditEvent
from deskwerk.audit.selectors import audit_verify
from deskwerk.audit.services import audit_purge, audit_record, audit_seal
from deskwerk.privacy.settings import privacy_settings_update
from deskwerk.tenancy.models import Tenant
from deskwerk.tenancy.services import tenant_create
from tests.audit.conftest import attacker, record
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

NOW = timezone.now()  # the real time: the database guard judges ages by its own clock


def ago(days: int) -> dt.datetime:
    return NOW - dt.timedelta(days=days)


@pytest.fixture
def history(time_machine) -> Tenant:
    """A tenant created 400 days ago, with 3 events then, 2 at 100 days, 1 today; sealed."""
    time_machine.move_to(ago(400), tick=False)
    company = tenant_create(slug="oldco", name="Old Co")  # itself one event
    record(company, 2, "ancient.event")
    time_machine.move_to(ago(100), tick=False)
    record(company, 2, "older.event")
    time_machine.move_to(NOW, tick=False)
    record(company, 1, "recent.event")
    audit_seal(company)
    return company


def actions(tenant: Tenant) -> list[str]:
    return list(
        AuditEvent.unscoped.filter(tenant=tenant).order_by("seq").values_list("action", flat=True)
    )


def test_events_past_retention_are_purged_and_the_chain_stays_green(history):
    assert audit_purge(history) == 3

    assert actions(history) == ["older.event", "older.event", "recent.event"]
    chain = AuditChain.unscoped.get(tenant=history)
    assert chain.anchor_seq == 3
    assert chain.purged_at is not None
    result = audit_verify(history)
    assert result.ok, result.findings
    assert result.checked == 3


def test_the_tenants_own_retention_applies(history):
    owner = make_user(history, "admin@old.test", "admin")
    privacy_settings_update(actor=owner, tenant=history, changes={"audit_retention_days": 60})

    assert audit_purge(history) == 5

    assert actions(history)[0] == "recent.event"
    assert audit_verify(history).ok


def test_purging_again_removes_nothing_more(history):
    audit_purge(history)

    assert audit_purge(history) == 0
    assert audit_verify(history).ok


def test_a_later_purge_continues_from_the_anchor(history):
    audit_purge(history)

    # 300 days on, the rows from 100 days ago are due too.
    assert audit_purge(history, now=NOW + dt.timedelta(days=300)) == 2

    assert actions(history) == ["recent.event"]
    assert audit_verify(history).ok


def test_purging_runs_in_batches(history, monkeypatch):
    monkeypatch.setattr(services, "PURGE_BATCH", 2)

    assert audit_purge(history) == 3
    assert audit_verify(history).ok


def test_purging_seals_first_and_keeps_new_unsealed_rows(history):
    audit_record(tenant=history, actor=None, action="fresh.event", object_type="x")

    audit_purge(history)

    assert AuditEvent.unscoped.filter(tenant=history, hash__isnull=True).count() == 0
    assert actions(history)[-1] == "fresh.event"


def test_tampering_after_a_purge_is_still_found(history):
    audit_purge(history)
    first = AuditEvent.unscoped.filter(tenant=history).order_by("seq").first()
    with attacker() as sql:
        sql.execute(f"DELETE FROM {AuditEvent._meta.db_table} WHERE id = %s", [first.pk])

    assert [(f.kind, f.seq) for f in audit_verify(history).findings] == [("missing", 4)]


def test_other_tenants_are_not_touched(history, tenant):
    record(tenant, 2)
    audit_seal(tenant)
    before = actions(tenant)

    audit_purge(history)

    assert actions(tenant) == before


def test_a_tenant_without_events_purges_nothing(tenant):
    assert audit_purge(tenant) == 0


def test_the_daily_job_and_the_command_purge_every_tenant(history, tenant, capsys):
    tasks.audit_purge_periodic()  # immediate mode in tests: runs at once

    assert actions(history)[0] == "older.event"
    call_command("audit", "purge", "--tenant", "oldco")
    assert "oldco: purged 0" in capsys.readouterr().out


def test_the_minute_job_seals_every_tenant(tenant, other_tenant):
    record(tenant, 2)
    record(other_tenant, 1)

    tasks.audit_seal_periodic()

    assert not AuditEvent.unscoped.filter(hash__isnull=True).exists()
    assert audit_verify(tenant).ok
    assert audit_verify(other_tenant).ok


def test_events_survive_the_deletion_of_the_people_they_mention(tenant, owner):
    person = make_user(tenant, "leaving@acme.test")
    audit_record(tenant=tenant, actor=person, action="thing.change", obj=person)
    audit_seal(tenant)

    User.unscoped.filter(pk=person.pk).delete()

    left = AuditEvent.unscoped.filter(tenant=tenant, actor_id=person.pk)
    assert list(left.values_list("action", flat=True)) == ["thing.change"]
    assert audit_verify(tenant).ok
