"""Benchmark: the floor plan page of a 500-resource floor (issue 5, "Speed").

``GET /t/bench/book/?floor=…&date=…`` signed in as the bench viewer (who has bookings on the
floor), in-process through Django's test client, so "server time" is everything Django does
for the request — middleware, session, tenant, the one availability statement, 500 markers
rendered — without a network. The framework's trivial endpoint (``GET /health``) is timed the
same way, alternating, as the yardstick. Also: SQL statements of the page for the floors of
50 and 500 resources (they must be equal), and the bytes a first visit transfers without the
plan image (the HTML plus every stylesheet and script the page links), uncompressed and
gzip-compressed.
"""

from __future__ import annotations

import gzip
import re
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from bench.report import Section, ms, summary

WARMUP = 10
RUNS = 60
TARGET_SECONDS = 0.100
TARGET_BYTES = 300 * 1024
ASSET = re.compile(r'(?:href|src)="(/static/[^"]+)"')


def _static_bytes(paths: list[str]) -> list[tuple[str, int, int]]:
    from django.contrib.staticfiles import finders

    out = []
    for path in paths:
        found = finders.find(path.removeprefix("/static/"))
        if found is None:
            raise RuntimeError(f"static file not found: {path}")
        data = Path(found).read_bytes()
        out.append((path, len(data), len(gzip.compress(data))))
    return out


def run(dataset, *, log: Callable[[str], None]) -> Section:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from deskwerk.accounts.models import User
    from deskwerk.tenancy.context import tenant_context

    with tenant_context(dataset.tenant):
        viewer = User.objects.get(pk=dataset.viewer_id)
    client = Client()
    client.force_login(viewer)
    day = dataset.window_days[0].isoformat()
    slug = dataset.tenant.slug

    def page(floor_id: int, view: str = "") -> str:
        return f"/t/{slug}/book/{view}?floor={floor_id}&date={day}"

    big, small = page(dataset.big_floor_id), page(dataset.small_floor_id)
    big_list = page(dataset.big_floor_id, "list/")

    first = client.get(big)
    if first.status_code != 200:
        raise RuntimeError(f"{big} answered {first.status_code}")
    html = first.content
    markers = html.count(b'class="res ')
    log(f"plan page: {markers} markers, {len(html):,} bytes")

    # SQL statements, 50 vs 500 resources (after one request each: one-off writes done).
    counted = {}
    for name, path in (("50", small), ("500", big)):
        client.get(path)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path)
        counted[name] = (
            response.content.count(b'class="res '),
            [" ".join(q["sql"].split())[:150] for q in captured.captured_queries],
        )
    log(f"queries: {len(counted['50'][1])} (50) vs {len(counted['500'][1])} (500)")

    # Server time, alternating with the trivial endpoint.
    contenders = {"plan": big, "list": big_list, "health": "/health"}
    times: dict[str, list[float]] = {name: [] for name in contenders}
    # CPU time of this process too: on a shared machine the wall clock also counts the time
    # other processes held the cores; CPU time is the request's own work (SQLite runs in it).
    cpu: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(WARMUP):
        for path in contenders.values():
            client.get(path)
    for _ in range(RUNS):
        for name, path in contenders.items():
            started, started_cpu = time.perf_counter(), time.process_time()
            response = client.get(path)
            times[name].append(time.perf_counter() - started)
            cpu[name].append(time.process_time() - started_cpu)
            if response.status_code != 200:
                raise RuntimeError(f"{path} answered {response.status_code}")
    medians = {name: statistics.median(values) for name, values in times.items()}
    log("server time: " + ", ".join(f"{n} {ms(v)}" for n, v in medians.items()))

    assets = _static_bytes(sorted(set(ASSET.findall(html.decode()))))
    page_gz = len(gzip.compress(html))
    total = len(html) + sum(size for _, size, _ in assets)
    total_gz = page_gz + sum(gz for _, _, gz in assets)
    list_html = client.get(big_list).content

    plan_stats = summary(times["plan"])
    list_stats = summary(times["list"])
    health_stats = summary(times["health"])
    ratio = medians["plan"] / medians["health"]
    lines = [
        f"`GET {big}` signed in as the bench viewer, in-process (Django test client), "
        f"{RUNS} timed requests each after {WARMUP} warm-up rounds, alternating with the "
        f"list view and `GET /health`. The page draws {markers} markers.",
        "",
        "| request | median | p95 | min |",
        "|---|---|---|---|",
        f"| floor plan page, 500 resources | {plan_stats[0]} | {plan_stats[1]} | {plan_stats[2]} |",
        f"| list view of the same floor | {list_stats[0]} | {list_stats[1]} | {list_stats[2]} |",
        f"| `GET /health` (the framework's trivial endpoint) | {health_stats[0]} | "
        f"{health_stats[1]} | {health_stats[2]} |",
        "",
        f"- CPU time of the process per request (median): plan page "
        f"{ms(statistics.median(cpu['plan']))}, list view {ms(statistics.median(cpu['list']))}, "
        f"`/health` {ms(statistics.median(cpu['health']))} — the wall clock above also holds "
        "the time other processes of this shared machine had the cores.",
        f"- Ratio plan page / trivial endpoint: **{ratio:.1f}×** "
        f"(list view: {medians['list'] / medians['health']:.1f}×).",
        f"- SQL statements of the plan page: {len(counted['50'][1])} for the floor of "
        f"{counted['50'][0]} resources, {len(counted['500'][1])} for {counted['500'][0]}.",
        f"- Bytes of a first visit without the plan image: {total:,} uncompressed "
        f"({total_gz:,} gzip-compressed); the HTML alone {len(html):,} ({page_gz:,} gzip), "
        f"the list view's HTML {len(list_html):,}.",
        "",
        "| transferred | bytes | gzip |",
        "|---|---|---|",
        f"| the page (HTML) | {len(html):,} | {page_gz:,} |",
        *[f"| `{path}` | {size:,} | {gz:,} |" for path, size, gz in assets],
        "",
        "<details><summary>the plan page's SQL (floor of 500)</summary>",
        "",
        "```",
        *[f"{n + 1}. {sql}" for n, sql in enumerate(counted["500"][1])],
        "```",
        "",
        "</details>",
    ]
    section = Section(title="Floor plan page of a 500-resource floor", lines=lines)
    section.target(
        f"server time median ≤ 100 ms ({ms(medians['plan'])})", medians["plan"] <= TARGET_SECONDS
    )
    section.target(
        f"equal SQL statements for 50 and 500 resources ({len(counted['50'][1])} and "
        f"{len(counted['500'][1])})",
        len(counted["50"][1]) == len(counted["500"][1]),
    )
    section.target(
        f"≤ 300 KB without the plan image ({total / 1024:.0f} KB)", total <= TARGET_BYTES
    )
    return section
