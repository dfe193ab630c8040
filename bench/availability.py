"""Benchmark 1: availability of a 500-resource floor, our selector against hand-written SQL.

Both answer the same question on the same data: every resource of the floor with its
status (free / busy / mine / unavailable) for a window. "The best hand-written SQL" is taken
literally: three single-statement forms are timed — resources LEFT JOIN the overlapping
active bookings, grouped; the same with the bookings first range-scanned from the
(tenant, floor, starts_at) index in a materialised CTE, bounded below by the longest allowed
booking; and the plain join returning one row per (resource, booking), folded into statuses
in Python — and the fastest of them on this database is the reference. Everything is timed
the same way, through the same Django connection, rows fetched into Python, alternating
between contenders over 20 different working days after a warm-up. Before any timing, the
answers of the selector and of every SQL form are compared on every window.
"""

from __future__ import annotations

import cProfile
import datetime as dt
import io
import pstats
import statistics
import time
from collections.abc import Callable
from typing import Any

from bench.report import Section, ms, summary

WARMUP = 20
Window = tuple[dt.datetime, dt.datetime]

RESOURCE_COLUMNS = "r.id, r.name, r.kind, r.zone_id, r.pos_x, r.pos_y, r.capacity"
# The viewer's own overlapping booking wins, then anybody's, then whether it is bookable.
STATUS_COLUMNS = """
       CASE WHEN max(CASE WHEN b.booked_for_id = %s THEN 1 ELSE 0 END) = 1 THEN 'mine'
            WHEN count(b.id) > 0 THEN 'busy'
            WHEN r.bookable THEN 'free'
            ELSE 'unavailable' END AS status,
       max(CASE WHEN b.booked_for_id = %s THEN b.id END) AS booking_id"""
OVERLAPPING = """b.tenant_id = %s AND b.floor_id = %s AND b.state IN ({active})
       AND b.starts_at < %s AND b.starts_at > %s AND b.ends_at > %s"""
FLOOR = "r.tenant_id = %s AND r.floor_id = %s"

JOIN_GROUPED = f"""
SELECT {RESOURCE_COLUMNS},{STATUS_COLUMNS}
FROM spaces_resource r
LEFT JOIN bookings_booking b ON b.resource_id = r.id AND {OVERLAPPING}
WHERE {FLOOR}
GROUP BY r.id
ORDER BY r.name, r.id"""

CTE_GROUPED = f"""
WITH b AS MATERIALIZED (
  SELECT b.resource_id, b.booked_for_id, b.id FROM bookings_booking b WHERE {OVERLAPPING}
)
SELECT {RESOURCE_COLUMNS},{{amenities}}{STATUS_COLUMNS}
FROM spaces_resource r
LEFT JOIN b ON b.resource_id = r.id
WHERE {FLOOR}
GROUP BY r.id
ORDER BY r.name, r.id"""

JOIN_ROWS = f"""
SELECT {RESOURCE_COLUMNS}, r.bookable, b.booked_for_id, b.id
FROM spaces_resource r
LEFT JOIN bookings_booking b ON b.resource_id = r.id AND {OVERLAPPING}
WHERE {FLOOR}
ORDER BY r.name, r.id"""

# Each resource's amenity ids, for the variant that returns the selector's whole payload.
AMENITY_COLUMN = {
    "postgresql": " ARRAY(SELECT ra.amenity_id FROM spaces_resourceamenity ra "
    "WHERE ra.tenant_id = r.tenant_id AND ra.resource_id = r.id) AS amenity_ids,",
    "sqlite": " (SELECT group_concat(ra.amenity_id) FROM spaces_resourceamenity ra "
    "WHERE ra.tenant_id = r.tenant_id AND ra.resource_id = r.id) AS amenity_ids,",
}


def run(dataset, *, iterations: int, log: Callable[[str], None]) -> Section:
    from django.conf import settings
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from deskwerk.accounts.models import User
    from deskwerk.bookings.models import Booking
    from deskwerk.bookings.selectors import availability
    from deskwerk.tenancy.context import tenant_context

    tenant = dataset.tenant
    windows = dataset.windows()
    floor_id = dataset.big_floor_id
    max_hours = dt.timedelta(hours=settings.BOOKING_MAX_HOURS)
    active = ", ".join(f"'{state}'" for state in Booking.ACTIVE_STATES)

    with tenant_context(tenant):
        viewer = User.objects.get(pk=dataset.viewer_id)
        v = viewer.pk

        def overlapping(window: Window) -> list[Any]:
            start, end = window
            return [tenant.pk, floor_id, end, start - max_hours, start]

        def fetch(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
            with connection.cursor() as cursor:
                cursor.execute(sql.format(active=active), params)
                return cursor.fetchall()

        def join_grouped(window: Window) -> Any:
            return fetch(JOIN_GROUPED, [v, v, *overlapping(window), tenant.pk, floor_id])

        def cte_grouped(window: Window, amenities: str = "") -> Any:
            sql = CTE_GROUPED.replace("{amenities}", amenities)
            return fetch(sql, [*overlapping(window), v, v, tenant.pk, floor_id])

        def cte_grouped_amenities(window: Window) -> Any:
            return cte_grouped(window, AMENITY_COLUMN[connection.vendor])

        def join_rows(window: Window) -> Any:
            rows = fetch(JOIN_ROWS, [*overlapping(window), tenant.pk, floor_id])
            return _fold(rows, v)

        def selector(window: Window) -> Any:
            """Statuses only: the same question the status-only SQL forms answer."""
            return availability(
                viewer=viewer,
                floor_id=floor_id,
                starts_at=window[0],
                ends_at=window[1],
                amenities=False,
            )

        def selector_full(window: Window) -> Any:
            """With amenity ids: the payload of the availability endpoint."""
            return availability(
                viewer=viewer, floor_id=floor_id, starts_at=window[0], ends_at=window[1]
            )

        sql_forms: dict[str, Callable[[Window], Any]] = {
            "join, grouped": join_grouped,
            "floor-index CTE, grouped": cte_grouped,
            "join rows, folded in Python": join_rows,
        }
        log("checking that the selector and every SQL form agree on every window")
        counts = _compare(windows, selector, sql_forms)

        contenders = {
            "selector": selector,
            **sql_forms,
            "selector_full": selector_full,
            "amenities": cte_grouped_amenities,
        }
        log(f"timing the selector and {len(contenders) - 1} SQL forms, {iterations} calls each")
        times = _time_interleaved(contenders, windows, iterations)

        with CaptureQueriesContext(connection) as captured:
            selector(windows[0])
        selector_sql = [q["sql"] for q in captured.captured_queries]
        raw_times = _time_raw(selector_sql, iterations)
        medians = {name: statistics.median(values) for name, values in times.items()}
        best = min(sql_forms, key=lambda name: medians[name])
        first = overlapping(windows[0])
        statement = {
            "join, grouped": (JOIN_GROUPED, [v, v, *first, tenant.pk, floor_id]),
            "floor-index CTE, grouped": (
                CTE_GROUPED.replace("{amenities}", ""),
                [*first, v, v, tenant.pk, floor_id],
            ),
            "join rows, folded in Python": (JOIN_ROWS, [*first, tenant.pk, floor_id]),
        }[best]
        plans = _plans(selector_sql, (best, statement[0].format(active=active), statement[1]))
        profile = _profile(selector, windows)

    api_times = _time_api(dataset, viewer, windows, iterations, log)

    ratio = medians["selector"] / medians[best]
    overhead = medians["selector"] - statistics.median(raw_times)
    rows = [
        ("our selector `availability(…, amenities=False)`: statuses", times["selector"]),
        (
            "our selector `availability(…)` with amenity ids (the API's payload)",
            times["selector_full"],
        ),
    ]
    rows += [
        (
            f"hand-written SQL: {name}"
            + (" — **the best, the reference**" if name == best else ""),
            times[name],
        )
        for name in sql_forms
    ]
    rows += [
        (
            "hand-written SQL: floor-index CTE + amenity ids (the selector's whole payload)",
            times["amenities"],
        ),
        (
            f"the selector's own {len(selector_sql)} queries, as raw SQL through the same cursor",
            raw_times,
        ),
        ("the whole API request in-process (Django test client: auth, selector, JSON)", api_times),
    ]
    n = len(windows)
    lines = [
        f"Floor of {counts['resources'] // n} resources, windows 08:00-18:00 UTC on {n} future "
        f"days (per window on average {counts['busy'] / n:.0f} busy, {counts['mine'] / n:.1f} "
        f"mine, {counts['unavailable'] / n:.0f} unavailable); {iterations} timed calls each "
        f"after {WARMUP} warm-up calls, alternating. The selector and every SQL form gave "
        "identical answers on every window.",
        "",
        "| what | median | p95 | min |",
        "|---|---|---|---|",
        *[f"| {name} | {' | '.join(summary(values))} |" for name, values in rows],
        "",
        f"- **Ratio selector / best hand-written SQL: {ratio:.2f}x** "
        f"(with amenity ids, against the SQL returning them too: "
        f"{medians['selector_full'] / medians['amenities']:.2f}x).",
        f"- Of the selector's {ms(medians['selector'])}, its {len(selector_sql)} queries take "
        f"{ms(statistics.median(raw_times))} as raw SQL; the other {ms(overhead)} are Python "
        f"(cursor, {counts['resources'] // n} result rows).",
        "",
        "<details><summary>query plans (first window)</summary>",
        "",
        "```",
        *plans,
        "```",
        "",
        "</details>",
        "",
        "<details><summary>the selector under cProfile (50 calls, top 15 by own time)</summary>",
        "",
        "```",
        *profile,
        "```",
        "",
        "</details>",
    ]
    section = Section(title="Availability of a 500-resource floor", lines=lines)
    section.target(
        f"selector ≤ 1.5x the best hand-written SQL (measured {ratio:.2f}x)", ratio <= 1.5
    )
    full_ratio = medians["selector_full"] / medians["amenities"]
    section.target(
        f"selector with amenity ids ≤ 1.5x the SQL returning them too (measured {full_ratio:.2f}x)",
        full_ratio <= 1.5,
    )
    section.target(
        f"selector ≤ 10 ms for 500 resources (measured {ms(medians['selector_full'])} with "
        "amenity ids)",
        medians["selector_full"] <= 0.010,
    )
    return section


def _fold(rows: list[tuple[Any, ...]], viewer_id: int) -> list[tuple[Any, ...]]:
    """One (resource columns…, status, booking id) row per resource, as the grouped forms."""
    out: dict[int, list[Any]] = {}
    for *columns, bookable, booked_for_id, booking_id in rows:
        row = out.get(columns[0])
        if row is None:
            status = ("free" if bookable else "unavailable") if booking_id is None else "busy"
            row = out[columns[0]] = [*columns, status, None]
        elif booking_id is not None and row[-2] != "mine":
            row[-2] = "busy"
        if booking_id is not None and booked_for_id == viewer_id:
            row[-2], row[-1] = "mine", booking_id
    return [tuple(row) for row in out.values()]


def _status_map(result: Any) -> dict[int, tuple[str, bool]]:
    if result and isinstance(result[0], tuple):
        return {row[0]: (row[-2], row[-1] is not None) for row in result}
    return {item.resource.pk: (item.status.value, item.booking_id is not None) for item in result}


def _compare(
    windows: list[Window],
    selector: Callable[[Window], Any],
    sql_forms: dict[str, Callable[[Window], Any]],
) -> dict[str, int]:
    counts = {"resources": 0, "free": 0, "busy": 0, "mine": 0, "unavailable": 0}
    for window in windows:
        ours = _status_map(selector(window))
        for name, form in sql_forms.items():
            theirs = _status_map(form(window))
            if ours != theirs:
                diff = [
                    (k, ours.get(k), theirs.get(k))
                    for k in ours.keys() | theirs.keys()
                    if ours.get(k) != theirs.get(k)
                ]
                raise AssertionError(
                    f"selector and SQL ({name}) disagree on {window[0]:%Y-%m-%d}: {diff[:5]}"
                )
        counts["resources"] += len(ours)
        for status, _ in ours.values():
            counts[status] += 1
    return counts


def _time_interleaved(
    contenders: dict[str, Callable[[Window], Any]], windows: list[Window], iterations: int
) -> dict[str, list[float]]:
    """Time each contender on the same windows, taking turns so load spikes hit all alike."""
    names = list(contenders)
    times: dict[str, list[float]] = {name: [] for name in names}
    for i in range(WARMUP + iterations):
        window = windows[i % len(windows)]
        order = names if i % 2 == 0 else names[::-1]
        for name in order:
            started = time.perf_counter()
            contenders[name](window)
            elapsed = time.perf_counter() - started
            if i >= WARMUP:
                times[name].append(elapsed)
    return times


def _time_raw(statements: list[str], iterations: int) -> list[float]:
    """The selector's captured statements (values inlined) run back to back as raw SQL."""
    from django.db import connection

    times = []
    with connection.cursor() as cursor:
        for i in range(WARMUP + iterations):
            started = time.perf_counter()
            for sql in statements:
                cursor.execute(sql)
                cursor.fetchall()
            if i >= WARMUP:
                times.append(time.perf_counter() - started)
    return times


def _plans(selector_sql: list[str], hand: tuple[str, str, list[Any]]) -> list[str]:
    """EXPLAIN (ANALYZE on PostgreSQL) of each selector query and of the reference SQL."""
    from django.db import connection

    out: list[str] = []
    statements: list[tuple[str, str, list[Any] | None]] = [
        (f"selector query {n + 1}", sql, None) for n, sql in enumerate(selector_sql)
    ]
    statements.append((f"the reference, hand-written SQL ({hand[0]})", hand[1], hand[2]))
    with connection.cursor() as cursor:
        for label, sql, params in statements:
            out.append(f"-- {label}: {' '.join(sql.split())[:400]}")
            if connection.vendor == "postgresql":
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql, params)
            else:
                cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
            out += [str(row[-1]) for row in cursor.fetchall()]
            out.append("")
    return out


def _profile(selector: Callable[[Window], Any], windows: list[Window]) -> list[str]:
    profiler = cProfile.Profile()
    profiler.enable()
    for i in range(50):
        selector(windows[i % len(windows)])
    profiler.disable()
    buffer = io.StringIO()
    stats = pstats.Stats(profiler, stream=buffer)
    stats.strip_dirs().sort_stats("tottime").print_stats(15)
    lines = [line.rstrip() for line in buffer.getvalue().splitlines() if line.strip()]
    start = next((n for n, line in enumerate(lines) if "ncalls" in line), 0)
    calls = [line.strip() for line in lines[:start] if "function calls" in line]
    return calls + lines[start:]


def _time_api(dataset, viewer, windows, iterations: int, log: Callable[[str], None]) -> list[float]:
    """The whole GET /api/v1/floors/{id}/availability in-process: auth, selector, JSON."""
    from django.test import Client

    from deskwerk.access.services import token_create
    from deskwerk.tenancy.context import tenant_context

    with tenant_context(dataset.tenant):
        issued = token_create(user=viewer, name="bench availability", scopes=["bookings:read"])
    client = Client(HTTP_AUTHORIZATION=f"Bearer {issued.secret}")
    path = f"/api/v1/floors/{dataset.big_floor_id}/availability"
    log(f"timing the API request in-process, {iterations} calls")
    times = []
    for i in range(WARMUP + iterations):
        start, end = windows[i % len(windows)]
        started = time.perf_counter()
        response = client.get(path, {"starts_at": start.isoformat(), "ends_at": end.isoformat()})
        elapsed = time.perf_counter() - started
        if response.status_code != 200:
            raise RuntimeError(
                f"availability API answered {response.status_code}: {response.content[:300]!r}"
            )
        if i >= WARMUP:
            times.append(elapsed)
    return times
