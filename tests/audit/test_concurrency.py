"""Writers and sealers racing: every event ends up in the chain once, and the chain verifies.

Writers never wait for sealers (they share no lock); two sealers of one tenant are serialised
on its chain row. Each thread has its own connection, so the database is what is under test.
"""

from __future__ import annotations

import threading
import time
import traceback

import pytest
from django.db import connections, transaction

from deskwerk.audit.models import AuditChain, AuditEvent
from deskwerk.audit.selectors import audit_verify
from deskwerk.audit.services import audit_erase_tenant, audit_record, audit_seal
from deskwerk.tenancy.services import tenant_create

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

WRITERS, EVENTS, SEALERS = 4, 25, 2


def test_racing_writers_and_sealers_build_one_intact_chain():
    tenant = tenant_create(slug="race", name="Race")
    errors: list[str] = []
    writing = threading.Event()
    barrier = threading.Barrier(WRITERS + SEALERS, timeout=30)

    def write(i: int) -> None:
        barrier.wait()
        for n in range(EVENTS):
            with transaction.atomic():
                audit_record(
                    tenant=tenant, actor=None, action="race.write", object_type="x", object_id=n
                )

    def seal(_: int) -> None:
        barrier.wait()
        while writing.is_set():
            audit_seal(tenant, batch=7)
            time.sleep(0.002)  # a real sealer runs once a minute; SQLite writers need turns

    def run(work, i: int) -> None:  # type: ignore[no-untyped-def]
        try:
            work(i)
        except BaseException:
            errors.append(traceback.format_exc())
        finally:
            connections.close_all()  # this thread's connections only

    writing.set()
    writers = [threading.Thread(target=run, args=(write, i)) for i in range(WRITERS)]
    sealers = [threading.Thread(target=run, args=(seal, i)) for i in range(SEALERS)]
    try:
        for thread in writers + sealers:
            thread.start()
        for thread in writers:
            thread.join(timeout=60)
        writing.clear()
        for thread in sealers:
            thread.join(timeout=60)
        assert not errors, errors[0]
        audit_seal(tenant)

        seqs = sorted(AuditEvent.unscoped.filter(tenant=tenant).values_list("seq", flat=True))
        assert seqs == list(range(1, WRITERS * EVENTS + 2))  # and the tenant's creation
        assert AuditChain.unscoped.get(tenant=tenant).head_seq == len(seqs)
        assert audit_verify(tenant).ok
    finally:
        # Sealed rows refuse the test runner's DELETE on SQLite: take them out the legal way.
        audit_erase_tenant(tenant)
