"""Benchmark 2: booking creation through the HTTP API, against the server run as in production.

The server is ``deskwerk serve --workers N`` (gunicorn, sync workers) in a child process with
production settings (DESKWERK_ENV=production, DEBUG=false, a random SECRET_KEY, ALLOWED_HOSTS
127.0.0.1; only SECURE_SSL_REDIRECT is off, since there is no TLS on loopback). The same
server and worker settings serve every measurement:

1. the ceiling: GET /health (one ``SELECT 1``) from the same clients;
2. the load: each client is a different person with their own bearer token, POSTing 1-hour
   bookings of desks with an ``Idempotency-Key``; nine in ten go to a free slot of their
   own, one in ten to a slot all clients want (all but one of those must get 409);
3. the race: 20 clients released together by a barrier, all POSTing the same slot, 50 times;
4. the check: a SQL self-join over every resource touched finds no overlapping active
   bookings, every 201 is really stored, and no raced or contended slot has two bookings.

The load generator is plain Python: one thread and one ``http.client`` connection per
client, kept alive where the server allows it (gunicorn's sync workers close after each
response, so those clients reconnect, as real clients of such a server would).
"""

from __future__ import annotations

import base64
import datetime as dt
import http.client
import json
import os
import random
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.report import Section, ms, percentile

NOTE = "bench-http"
CONTENDED_EVERY = 10  # one request in ten wants a slot every client wants
HEALTH_SECONDS = 15.0
HEALTH_REQUESTS = 8000
BARRIER_SECONDS = 300  # a stuck client fails the run instead of hanging it

Log = Callable[[str], None]


@dataclass
class Outcome:
    status: int
    seconds: float
    booking_id: int | None = None
    contended: bool = False


@dataclass
class Plan:
    """Who books what: desks and times chosen so that only the intended slots collide."""

    tokens: list[str]
    load_desks: list[int]
    contended_desks: list[int]
    race_desks: list[int]
    warm_desks: list[int]
    day0: dt.datetime
    touched: set[int] = field(default_factory=set)
    race_ids: list[int] = field(default_factory=list)

    def load_request(self, client: int, k: int) -> tuple[dict[str, Any], bool]:
        if k % CONTENDED_EVERY == CONTENDED_EVERY - 1:
            slot = k // CONTENDED_EVERY
            desk = self.contended_desks[slot % len(self.contended_desks)]
            return self._body(desk, self.day0 + dt.timedelta(days=230, hours=slot)), True
        # Own slot: hour k, a desk no other client uses in that hour.
        desk = self.load_desks[(client + len(self.tokens) * k) % len(self.load_desks)]
        return self._body(desk, self.day0 + dt.timedelta(days=200, hours=k)), False

    def race_request(self, slot: int) -> dict[str, Any]:
        desk = self.race_desks[slot]
        return self._body(desk, self.day0 + dt.timedelta(days=260, hours=slot))

    def warm_request(self, client: int) -> dict[str, Any]:
        return self._body(self.warm_desks[client], self.day0 + dt.timedelta(days=280, hours=client))

    @staticmethod
    def _body(desk: int, start: dt.datetime) -> dict[str, Any]:
        return {
            "resource_id": desk,
            "starts_at": start.isoformat(),
            "ends_at": (start + dt.timedelta(hours=1)).isoformat(),
            "note": NOTE,
        }


class Client:
    """One HTTP client: a connection, a person's token, timing around each request."""

    def __init__(self, port: int, token: str | None = None) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def call(
        self, method: str, path: str, body: dict[str, Any] | None = None
    ) -> tuple[int, bytes, float]:
        headers = dict(self.headers)
        payload = None
        if body is not None:
            payload = json.dumps(body)
            headers["Content-Type"] = "application/json"
            # A retry after a dropped connection is safe: the server answers it once.
            headers["Idempotency-Key"] = uuid.uuid4().hex
        started = time.perf_counter()
        for attempt in range(3):
            try:
                self.conn.request(method, path, payload, headers)
                response = self.conn.getresponse()
                data = response.read()
                if response.will_close:
                    self.conn.close()
                return response.status, data, time.perf_counter() - started
            except (OSError, http.client.HTTPException):
                self.conn.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        self.conn.close()


def run(
    dataset,
    *,
    database_url: str,
    var_dir: Path,
    workers: int,
    clients: int,
    max_requests: int,
    max_seconds: float,
    race_clients: int,
    race_slots: int,
    log: Log,
) -> Section:
    from django.db import connections

    from bench.data import count_overlaps

    plan = _prepare(dataset, people=max(clients, race_clients), race_slots=race_slots, log=log)
    per_client = -(-max_requests // clients)
    connections.close_all()  # nothing of ours holds the database while the server runs
    with _server(database_url=database_url, var_dir=var_dir, workers=workers, log=log) as port:
        log("warming up")
        warm = _warm_up(port, plan, clients)
        log(f"ceiling: GET /health, {clients} clients")
        health_before = _health(port, clients)
        log(
            f"load: {clients} clients, up to {per_client * clients} POST /bookings, {max_seconds:.0f} s"
        )
        load, load_seconds = _load(port, plan, clients, per_client, max_seconds)
        log(f"race: {race_clients} clients x {race_slots} slots")
        race = _race(port, plan, race_clients, race_slots)
        log("ceiling again")
        health_after = _health(port, clients)

    log("checking the database")
    overlaps = count_overlaps(tenant_id=dataset.tenant_id, resource_ids=sorted(plan.touched))
    checks = _check(dataset, plan, warm, load)
    log("the same requests in-process, one at a time, for where the time goes")
    inproc = _in_process(dataset, plan)

    health_rps, health_lat = max(health_before, health_after, key=lambda h: h[0])
    n_load = len(load)
    created = sum(1 for o in load if o.status == 201)
    conflicts = sum(1 for o in load if o.status == 409)
    errors = n_load - created - conflicts
    contended_attempts = sum(1 for o in load if o.contended)
    contended_won = sum(1 for o in load if o.contended and o.status == 201)
    bookings_per_s = created / load_seconds
    requests_per_s = n_load / load_seconds
    latencies = [o.seconds for o in load]
    p50, p95 = statistics.median(latencies), percentile(latencies, 95)
    share = bookings_per_s / health_rps
    race_multi = checks["race_slots_multi"]
    race_wins = [sum(1 for status in statuses if status == 201) for statuses in race]
    race_errors = sum(1 for statuses in race for s in statuses if s not in (201, 409))

    lines = [
        f"Server: `deskwerk serve --workers {workers}` (gunicorn, sync workers, 1 thread each), "
        "DESKWERK_ENV=production, DEBUG=false, SECURE_SSL_REDIRECT=false (no TLS on "
        f"loopback); load generator on the same machine: {clients} Python threads, one "
        "http.client connection each (reconnecting, as sync workers close after each response).",
        "",
        "| measurement | requests | throughput | p50 | p95 |",
        "|---|---|---|---|---|",
        f"| ceiling: GET /health, {clients} clients (best of before/after the load: "
        f"{health_before[0]:.0f} and {health_after[0]:.0f}/s) | "
        f"{health_lat[2]} | {health_rps:.0f} req/s | {ms(health_lat[0])} | {ms(health_lat[1])} |",
        f"| POST /api/v1/bookings, {clients} clients, each a different person | {n_load} "
        f"in {load_seconds:.1f} s | **{bookings_per_s:.0f} bookings/s** "
        f"({requests_per_s:.0f} req/s) | {ms(p50)} | {ms(p95)} |",
        "",
        f"- Answers: {created} created (201), {conflicts} conflicts (409), {errors} other; "
        f"{contended_attempts} requests wanted one of the shared slots and "
        f"{contended_won} of them won ({checks['contended_slots']} shared slots, "
        f"{checks['contended_slots_multi']} with more than one active booking).",
        f"- Bookings/s as a share of the ceiling: **{share:.0%}**.",
        f"- Race: {race_clients} clients released together by a barrier for the same slot, "
        f"{race_slots} times: winners per slot {min(race_wins)}-{max(race_wins)}, "
        f"{race_errors} answers other than 201/409; "
        f"**{race_multi} slots with more than one active booking** (SQL).",
        f"- Overlap check (SQL self-join over all {len(plan.touched)} resources touched): "
        f"**{overlaps} overlapping pairs of active bookings**; "
        f"{checks['stored']} of {checks['created']} answers 201 found stored and active, "
        f"{checks['extra']} active bench bookings without a 201.",
        f"- Where the time goes — the same requests in-process (Django test client, one at a "
        f"time, no HTTP): GET /health {ms(inproc['health'])}, POST /api/v1/bookings "
        f"{ms(inproc['booking'])} with {len(inproc['statements'])} SQL statements, i.e. "
        f"{inproc['booking'] / inproc['health']:.0f}x the trivial request before any HTTP or "
        "concurrency cost.",
        "",
        "<details><summary>the SQL statements of one booking POST</summary>",
        "",
        "```",
        *[f"{n + 1}. {sql}" for n, sql in enumerate(inproc["statements"])],
        "```",
        "",
        "</details>",
    ]
    section = Section(
        title=f"Booking creation over HTTP ({clients} clients) and the race", lines=lines
    )
    section.target(f"≥ 100 bookings/s (measured {bookings_per_s:.0f})", bookings_per_s >= 100)
    section.target(f"≥ 30 % of the ceiling (measured {share:.0%})", share >= 0.30)
    section.target(f"p50 ≤ 80 ms (measured {ms(p50)})", p50 <= 0.080)
    section.target(
        "zero overlaps, every 201 stored, no slot booked twice",
        overlaps == 0
        and race_multi == 0
        and checks["contended_slots_multi"] == 0
        and checks["stored"] == checks["created"]
        and checks["extra"] == 0,
    )
    section.target("no answers other than 201/409", errors == 0 and race_errors == 0)
    return section


def _prepare(dataset, *, people: int, race_slots: int, log: Log) -> Plan:
    """Bench people with fresh tokens, desks to book, and no bookings left from earlier runs."""
    from deskwerk.access.services import token_create
    from deskwerk.accounts.models import User
    from deskwerk.accounts.services import user_create
    from deskwerk.api.models import IdempotencyKey
    from deskwerk.bookings.models import Booking
    from deskwerk.spaces.models import Resource
    from deskwerk.tenancy.context import tenant_context

    tenant = dataset.tenant
    with tenant_context(tenant):
        persons = []
        for n in range(people):
            email = f"client-{n:02d}@bench.example"
            person = User.objects.filter(email=email).first() or user_create(
                tenant=tenant, email=email, full_name=f"Bench client {n}"
            )
            persons.append(person)
        removed, _ = Booking.objects.filter(note=NOTE).delete()
        IdempotencyKey.objects.filter(user__in=persons).delete()
        log(f"removed {removed} bookings of earlier runs; issuing {people} tokens")
        tokens = [
            token_create(
                user=p, name="bench http", scopes=["bookings:read", "bookings:write"]
            ).secret
            for p in persons
        ]
        desks = list(
            Resource.objects.filter(kind=Resource.Kind.DESK, bookable=True)
            .order_by("id")
            .values_list("id", flat=True)
        )
    rng = random.Random(8)
    rng.shuffle(desks)
    n_load, n_contended = 200, 40
    needed = n_load + n_contended + race_slots + people
    if len(desks) < needed:
        raise RuntimeError(f"the bench tenant has {len(desks)} bookable desks, {needed} needed")
    today = dt.datetime.now(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    plan = Plan(
        tokens=tokens,
        load_desks=desks[:n_load],
        contended_desks=desks[n_load : n_load + n_contended],
        race_desks=desks[n_load + n_contended : n_load + n_contended + race_slots],
        warm_desks=desks[n_load + n_contended + race_slots : needed],
        day0=today,
    )
    plan.touched = set(desks[:needed])
    return plan


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _deskwerk_command() -> list[str]:
    script = Path(sys.executable).with_name("deskwerk")
    return [str(script)] if script.exists() else [sys.executable, "-m", "deskwerk.cli"]


@contextmanager
def _server(*, database_url: str, var_dir: Path, workers: int, log: Log) -> Iterator[int]:
    """gunicorn with production settings, in its own process group; always stopped."""
    env = dict(os.environ)
    env.update(
        {
            "DESKWERK_ENV": "production",
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(48)[:50],
            "DATA_KEYS": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
            # No mail is sent by bookings; the outbox keeps production's start-up checks quiet.
            "EMAIL_TRANSPORT": "outbox",
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "false",
            "DATABASE_URL": database_url,
            "DESKWERK_VAR_DIR": str(var_dir),
            "LOG_LEVEL": "WARNING",
        }
    )
    env.pop("ACCESS_LOG", None)
    if not (var_dir / "static" / "staticfiles.json").exists():
        log("collectstatic (production static files, once)")
        subprocess.run(
            [*_deskwerk_command(), "collectstatic", "--noinput", "-v0"], env=env, check=True
        )
    port = _free_port()
    log_path = var_dir / "bench-server.log"
    with log_path.open("w", encoding="utf-8") as log_file:
        proc = subprocess.Popen(
            [
                *_deskwerk_command(),
                "serve",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(workers),
            ],
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_ready(port, proc, log_path)
        log(f"server up on 127.0.0.1:{port} (pid {proc.pid}, {workers} workers)")
        yield port
    finally:
        _stop(proc)
        tail = log_path.read_text(encoding="utf-8", errors="replace").strip().splitlines()
        problems = [line for line in tail if "Traceback" in line or " ERROR " in line]
        if problems:
            log(f"server log {log_path} has {len(problems)} error lines, e.g. {problems[0]}")


def _wait_ready(port: int, proc: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                f"the server exited with {proc.returncode}:\n"
                + log_path.read_text(encoding="utf-8", errors="replace")[-3000:]
            )
        try:
            status, _, _ = Client(port).call("GET", "/health")
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the server did not answer /health within 60 s")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the gunicorn master we started; SIGKILL its process group if it lingers."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


def _in_threads(n: int, work: Callable[[int, threading.Barrier], Any]) -> tuple[list[Any], float]:
    """Run ``work(i, barrier)`` in n threads started together; (results, wall seconds)."""
    barrier = threading.Barrier(n + 1, timeout=BARRIER_SECONDS)
    results: list[Any] = [None] * n
    failures: list[BaseException] = []

    def target(i: int) -> None:
        try:
            results[i] = work(i, barrier)
        except BaseException as exc:
            failures.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=target, args=(i,), daemon=True) for i in range(n)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if failures:
        raise failures[0]
    return results, elapsed


def _warm_up(port: int, plan: Plan, clients: int) -> list[Outcome]:
    def work(i: int, barrier: threading.Barrier) -> list[Outcome]:
        client = Client(port, plan.tokens[i])
        barrier.wait()
        for _ in range(20):
            client.call("GET", "/health")
        for _ in range(5):
            client.call("GET", "/api/v1/me")
        status, data, seconds = client.call("POST", "/api/v1/bookings", plan.warm_request(i))
        client.close()
        return [Outcome(status, seconds, _booking_id(status, data))]

    results, _ = _in_threads(clients, work)
    return [o for outcomes in results for o in outcomes]


def _health(port: int, clients: int) -> tuple[float, tuple[float, float, int]]:
    """(requests/s, (p50, p95, requests)) of GET /health."""
    per_client = HEALTH_REQUESTS // clients

    def work(i: int, barrier: threading.Barrier) -> list[float]:
        client = Client(port)
        barrier.wait()
        deadline = time.perf_counter() + HEALTH_SECONDS
        times = []
        for _ in range(per_client):
            status, _, seconds = client.call("GET", "/health")
            if status != 200:
                raise RuntimeError(f"/health answered {status}")
            times.append(seconds)
            if time.perf_counter() > deadline:
                break
        client.close()
        return times

    results, elapsed = _in_threads(clients, work)
    times = [t for ts in results for t in ts]
    return len(times) / elapsed, (statistics.median(times), percentile(times, 95), len(times))


def _load(
    port: int, plan: Plan, clients: int, per_client: int, max_seconds: float
) -> tuple[list[Outcome], float]:
    def work(i: int, barrier: threading.Barrier) -> list[Outcome]:
        client = Client(port, plan.tokens[i])
        barrier.wait()
        deadline = time.perf_counter() + max_seconds
        outcomes = []
        for k in range(per_client):
            body, contended = plan.load_request(i, k)
            status, data, seconds = client.call("POST", "/api/v1/bookings", body)
            outcomes.append(Outcome(status, seconds, _booking_id(status, data), contended))
            if time.perf_counter() > deadline:
                break
        client.close()
        return outcomes

    results, elapsed = _in_threads(clients, work)
    return [o for outcomes in results for o in outcomes], elapsed


def _race(port: int, plan: Plan, clients: int, slots: int) -> list[list[int]]:
    """Per slot, the statuses the racing clients got."""
    slot_barrier = threading.Barrier(clients, timeout=BARRIER_SECONDS)
    statuses: list[list[int]] = [[] for _ in range(slots)]
    ids: list[list[int | None]] = [[] for _ in range(slots)]
    lock = threading.Lock()

    def work(i: int, barrier: threading.Barrier) -> None:
        client = Client(port, plan.tokens[i])
        barrier.wait()
        for slot in range(slots):
            body = plan.race_request(slot)
            slot_barrier.wait()
            status, data, _ = client.call("POST", "/api/v1/bookings", body)
            with lock:
                statuses[slot].append(status)
                ids[slot].append(_booking_id(status, data))
        client.close()

    _in_threads(clients, work)
    plan.race_ids = [i for slot_ids in ids for i in slot_ids if i is not None]
    return statuses


def _in_process(dataset, plan: Plan, n: int = 100) -> dict[str, Any]:
    """Median in-process latency of GET /health and of a booking POST; one POST's SQL."""
    from django.db import connection
    from django.test import Client as DjangoClient
    from django.test.utils import CaptureQueriesContext

    from deskwerk.bookings.models import Booking
    from deskwerk.tenancy.context import tenant_context

    client = DjangoClient(HTTP_AUTHORIZATION=f"Bearer {plan.tokens[0]}")
    desk = plan.warm_desks[0]

    def post(k: int) -> None:
        body = plan._body(desk, plan.day0 + dt.timedelta(days=290, hours=k))
        body["note"] = NOTE + "-inprocess"
        response = client.post(
            "/api/v1/bookings",
            json.dumps(body),
            content_type="application/json",
            headers={"Idempotency-Key": uuid.uuid4().hex},
        )
        if response.status_code != 201:
            raise RuntimeError(f"in-process booking answered {response.status_code}")

    def timed(fn: Callable[[int], Any]) -> float:
        for k in range(10):
            fn(k)
        times = []
        for k in range(10, 10 + n):
            started = time.perf_counter()
            fn(k)
            times.append(time.perf_counter() - started)
        return statistics.median(times)

    try:
        health = timed(lambda _k: client.get("/health"))
        booking = timed(post)
        with CaptureQueriesContext(connection) as captured:
            post(10 + n)
    finally:
        with tenant_context(dataset.tenant):
            Booking.objects.filter(note=NOTE + "-inprocess").delete()
    statements = [" ".join(q["sql"].split())[:140] for q in captured.captured_queries]
    return {"health": health, "booking": booking, "statements": statements}


def _booking_id(status: int, data: bytes) -> int | None:
    if status != 201:
        return None
    return int(json.loads(data)["id"])


def _check(dataset, plan: Plan, warm: list[Outcome], load: list[Outcome]) -> dict[str, int]:
    """What the database says: stored successes, slots with more than one active booking."""
    from django.db.models import Count

    from deskwerk.bookings.models import Booking
    from deskwerk.tenancy.context import tenant_context

    created_ids = {o.booking_id for o in [*warm, *load] if o.booking_id is not None}
    created_ids |= set(plan.race_ids)
    with tenant_context(dataset.tenant):
        active = Booking.objects.filter(note=NOTE, state__in=Booking.ACTIVE_STATES)
        stored_ids = set(active.values_list("id", flat=True))

        def multi(desks: list[int]) -> tuple[int, int]:
            slots = (
                active.filter(resource_id__in=desks)
                .values("resource_id", "starts_at")
                .annotate(n=Count("id"))
                .order_by()
            )
            rows = list(slots)
            return len(rows), sum(1 for row in rows if row["n"] > 1)

        contended_slots, contended_multi = multi(plan.contended_desks)
        _, race_multi = multi(plan.race_desks)
    return {
        "created": len(created_ids),
        "stored": len(created_ids & stored_ids),
        "extra": len(stored_ids - created_ids),
        "contended_slots": contended_slots,
        "contended_slots_multi": contended_multi,
        "race_slots_multi": race_multi,
    }
