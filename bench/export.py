"""Benchmark: the access export of a person with 10,000 bookings — under 2 s, streamed, peak
memory under 100 MB (issue 3, "Speed").

The person lives in a tenant of their own (``bench-export``), so the main data set is not
touched: 50 desks, 10,000 past bookings with notes (one per desk and day), the 10,000 audit
events those bookings would have written, contact details and a token. Built once with
``bulk_create`` and reused while complete (else a fresh person is made beside them).

Measured in-process on the bench database: the export generator consumed to the end (bytes
counted and dropped, as a streaming response hands them to the socket) — one warm-up, then
five timed runs (``time.perf_counter``; time to the first chunk and to the last); one more
run under ``tracemalloc`` for the peak of Python allocations, and the process's peak RSS
(``resource.getrusage``) before and after; finally the whole API request
(``GET /api/v1/privacy/requests/{id}/export`` through Django's test client, streamed, after
one warm-up request).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import resource
import statistics
import time
import tracemalloc
import zipfile
from collections.abc import Callable, Iterator

from bench.report import Section

TENANT_SLUG = "bench-export"
BOOKINGS = 10_000
DESKS = 50
RUNS = 5
TIME_TARGET_S = 2.0
MEMORY_TARGET_MB = 100.0


def _ensure_person(log: Callable[[str], None]):
    """The bench person: the newest complete one, or a new one.

    A person whose bookings were changed since (say, pseudonymised by a run of the daily job
    over the bench database) is left alone and a fresh one made beside them, on a floor of
    their own: audit rows cannot be deleted, so the tenant is never rebuilt.
    """
    from django.db import transaction

    from deskwerk.access.services import token_create
    from deskwerk.accounts.models import ContactDetails, Membership, User
    from deskwerk.accounts.services import user_create
    from deskwerk.audit.models import AuditEvent
    from deskwerk.bookings.models import Booking
    from deskwerk.spaces.models import Building, Floor, Location, Resource
    from deskwerk.tenancy.context import tenant_context
    from deskwerk.tenancy.models import Tenant
    from deskwerk.tenancy.services import tenant_create

    tenant = Tenant.objects.filter(slug=TENANT_SLUG).first()
    if tenant is None:
        tenant = tenant_create(slug=TENANT_SLUG, name="Export Bench GmbH")
    with tenant_context(tenant):
        admin = User.objects.filter(email="admin@bench-export.test").first() or user_create(
            tenant=tenant, email="admin@bench-export.test", role=Membership.Role.ADMIN
        )
        people = User.objects.filter(email__startswith="person-").order_by("-pk")
        for person in people:
            if Booking.objects.filter(booked_for=person).count() == BOOKINGS:
                log(f"export: reusing the bench person {person.email}")
                return tenant, admin, person
        number = people.count() + 1
        log(f"export: creating person {number} with {BOOKINGS:,} bookings")
        with transaction.atomic():
            person = user_create(
                tenant=tenant,
                email=f"person-{number}@bench-export.test",
                full_name=f"Erika Export {number}",
            )
            ContactDetails.objects.create(
                user=person, phone="+49 711 000000", mobile="+49 170 0000", org_unit="Bench"
            )
            token_create(user=person, name="laptop")
            location = Location.objects.first() or Location.objects.create(
                name="Export HQ", timezone="Europe/Berlin"
            )
            building = Building.objects.create(location=location, name=f"E{number}")
            floor = Floor.objects.create(building=building, name="1", level=1)
            desks = Resource.objects.bulk_create(
                [Resource(tenant=tenant, floor=floor, name=f"E{i:02d}") for i in range(DESKS)]
            )
            first_day = dt.datetime.now(dt.UTC).replace(
                hour=8, minute=0, second=0, microsecond=0
            ) - dt.timedelta(days=BOOKINGS // DESKS + 2)
            # One booking per desk and day, so a desk never has two at once (that this
            # synthetic person sits at 50 desks a day no rule checks for past bookings).
            bookings = Booking.objects.bulk_create(
                [
                    Booking(
                        tenant=tenant,
                        resource=desks[k % DESKS],
                        floor=floor,
                        booked_for=person,
                        booked_by=person,
                        starts_at=first_day + dt.timedelta(days=k // DESKS),
                        ends_at=first_day + dt.timedelta(days=k // DESKS, hours=9),
                        state=Booking.State.COMPLETED,
                        note=f"window seat please ({k})",
                    )
                    for k in range(BOOKINGS)
                ],
                batch_size=2000,
            )
            AuditEvent.unscoped.bulk_create(
                [
                    AuditEvent(
                        tenant=tenant,
                        actor_id=person.pk,
                        action="booking.create",
                        object_type="bookings.booking",
                        object_id=str(b.pk),
                        changed_fields=["booked_for", "ends_at", "note", "resource", "starts_at"],
                    )
                    for b in bookings
                ],
                batch_size=2000,
            )
    return tenant, admin, person


def _consume(chunks: Iterator[bytes]) -> tuple[float, float, int, int]:
    """(seconds to the first chunk, seconds to the end, bytes, chunks)."""
    started = time.perf_counter()
    first = None
    size = count = 0
    for chunk in chunks:
        if first is None:
            first = time.perf_counter() - started
        size += len(chunk)
        count += 1
    return first or 0.0, time.perf_counter() - started, size, count


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def run(dataset, *, log: Callable[[str], None]) -> Section:
    from django.db import connection
    from django.test import Client

    from deskwerk.access.services import token_create
    from deskwerk.privacy.requests.export import export_chunks
    from deskwerk.privacy.requests.services import request_create
    from deskwerk.tenancy.context import tenant_context

    tenant, admin, person = _ensure_person(log)

    log("export: warm-up")
    _consume(export_chunks(person))
    timings = []
    for n in range(RUNS):
        timings.append(_consume(export_chunks(person)))
        log(f"export: run {n + 1}: {timings[-1][1]:.2f} s")
    rss_before = _maxrss_mb()
    tracemalloc.start()
    traced = _consume(export_chunks(person))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_after = _maxrss_mb()
    peak_mb = peak / 1024 / 1024

    with tenant_context(tenant):
        request = request_create(actor=admin, tenant=tenant, subject=person, kind="access")
        secret = token_create(user=admin, name="bench export", scopes=["privacy:admin"]).secret
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    path = f"/api/v1/privacy/requests/{request.pk}/export"
    b"".join(client.get(path).streaming_content)  # warm-up: URL resolving, API set-up
    started = time.perf_counter()
    response = client.get(path)
    body = b"".join(response.streaming_content)
    http_seconds = time.perf_counter() - started
    archive = zipfile.ZipFile(io.BytesIO(body))
    booking_rows = sum(
        len(block["rows"])
        for block in json.loads(archive.read("data/j-booking.json"))["models"]
        if block["model"] == "bookings.Booking" and block["relation"] == "subject"
    )
    if response.status_code != 200 or booking_rows != BOOKINGS:
        raise RuntimeError(f"export answered {response.status_code} with {booking_rows} bookings")

    totals = [t[1] for t in timings]
    firsts = [t[0] for t in timings]
    median = statistics.median(totals)
    size_mb = timings[-1][2] / 1024 / 1024
    lines = [
        f"A person with {BOOKINGS:,} bookings (with notes) and {BOOKINGS:,} audit events, "
        f"contact details and a token; {connection.vendor}. The ZIP has "
        f"{len(archive.namelist())} files, {size_mb:.1f} MB compressed, handed out in "
        f"{timings[-1][3]:,} chunks.",
        "",
        "| what | value |",
        "|---|---|",
        f"| export generator, consumed to the end: median of {RUNS} (min, max) | "
        f"{median:.2f} s ({min(totals):.2f}, {max(totals):.2f}) |",
        f"| time to the first chunk (median) | {statistics.median(firsts) * 1000:.0f} ms |",
        f"| peak of Python allocations during one export (tracemalloc) | {peak_mb:.1f} MB |",
        f"| same run under tracemalloc (slower by its bookkeeping) | {traced[1]:.2f} s |",
        f"| process peak RSS before / after the traced run | {rss_before:.0f} / "
        f"{rss_after:.0f} MB |",
        f"| the whole API request in-process (token auth, audit, streamed ZIP) | "
        f"{http_seconds:.2f} s |",
    ]
    section = Section(title=f"Access export of a person with {BOOKINGS:,} bookings", lines=lines)
    section.target(
        f"under {TIME_TARGET_S:.0f} s ({median:.2f} s median; API request {http_seconds:.2f} s)",
        median < TIME_TARGET_S and http_seconds < TIME_TARGET_S,
    )
    section.target(
        f"peak memory under {MEMORY_TARGET_MB:.0f} MB ({peak_mb:.1f} MB traced)",
        peak_mb < MEMORY_TARGET_MB,
    )
    section.target(
        f"streamed ({timings[-1][3]:,} chunks, first after "
        f"{statistics.median(firsts) * 1000:.0f} ms)",
        timings[-1][3] > 10,
    )
    return section
