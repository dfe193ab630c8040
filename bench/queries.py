"""Benchmark 3: the availability request costs the same number of SQL queries at any size.

GET /api/v1/floors/{id}/availability for the floor of 50 and the floor of 500 resources,
in-process with Django's test client, counting every query with CaptureQueriesContext.
One request per floor runs first, so one-off writes (the token's "last used" stamp) do not
make the counts differ for the wrong reason.
"""

from __future__ import annotations

from collections.abc import Callable

from bench.report import Section


def run(dataset, *, log: Callable[[str], None]) -> Section:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from deskwerk.access.services import token_create
    from deskwerk.accounts.models import User
    from deskwerk.tenancy.context import tenant_context

    with tenant_context(dataset.tenant):
        viewer = User.objects.get(pk=dataset.viewer_id)
        secret = token_create(user=viewer, name="bench queries", scopes=["bookings:read"]).secret
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    start, end = dataset.windows()[0]
    window = {"starts_at": start.isoformat(), "ends_at": end.isoformat()}

    counted: dict[int, tuple[int, int, list[str]]] = {}
    for floor_id in (dataset.small_floor_id, dataset.big_floor_id):
        path = f"/api/v1/floors/{floor_id}/availability"
        client.get(path, window)  # warm-up
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path, window)
        if response.status_code != 200:
            raise RuntimeError(f"{path} answered {response.status_code}")
        size = len(response.json()["resources"])
        queries = [" ".join(q["sql"].split())[:160] for q in captured.captured_queries]
        counted[floor_id] = (size, len(queries), queries)
        log(f"floor of {size} resources: {len(queries)} queries")

    (small_size, small_n, small_q), (big_size, big_n, _) = (
        counted[dataset.small_floor_id],
        counted[dataset.big_floor_id],
    )
    lines = [
        "GET /api/v1/floors/{id}/availability (bearer token, in-process test client):",
        "",
        "| floor | resources in the answer | SQL queries |",
        "|---|---|---|",
        f"| small | {small_size} | {small_n} |",
        f"| large | {big_size} | {big_n} |",
        "",
        "<details><summary>the queries (floor of 50)</summary>",
        "",
        "```",
        *[f"{n + 1}. {sql}" for n, sql in enumerate(small_q)],
        "```",
        "",
        "</details>",
    ]
    section = Section(title="SQL queries of the availability request", lines=lines)
    section.target(
        f"equal query counts for {small_size} and {big_size} resources ({small_n} and {big_n})",
        small_n == big_n,
    )
    return section
