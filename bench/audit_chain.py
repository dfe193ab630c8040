"""Audit chain costs: seal, verify, export and purge N rows; audit writes while sealing runs.

Standalone (not part of ``python -m bench``)::

    .venv/bin/python -m bench.audit_chain --db postgres --rows 100000
    .venv/bin/python -m bench.audit_chain --db sqlite --rows 100000

Uses its own database (PostgreSQL ``deskwerk_bench_audit``, or ``audit.sqlite3`` in the var dir),
rebuilt on every run. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _setup(db: str, pg_url: str, var_dir: Path) -> None:
    var_dir.mkdir(parents=True, exist_ok=True)
    os.environ["DESKWERK_VAR_DIR"] = str(var_dir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "deskwerk.settings"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    if db == "postgres":
        import psycopg

        base, name = pg_url.rsplit("/", 1)
        with psycopg.connect(base + "/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        os.environ["DATABASE_URL"] = pg_url
    else:
        path = var_dir / "audit.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _fill(tenant_id: int, rows: int) -> None:
    """``rows`` unsealed events over the last 400 days, in time order, by one statement."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The tenant's creation event would come first in the chain though newest, and so
            # hold up the purge: gone, around the guard (the bench runs as superuser).
            cursor.execute("SET session_replication_role = replica")
            cursor.execute("DELETE FROM audit_auditevent WHERE tenant_id = %s", [tenant_id])
            cursor.execute("SET session_replication_role = DEFAULT")
            cursor.execute(
                "INSERT INTO audit_auditevent (tenant_id, at, actor_id, action, object_type,"
                " object_id, changed_fields, request_id, ip)"
                " SELECT %s, now() - interval '400 days' + g * (interval '400 days' / %s),"
                " g %% 2000 + 1, 'booking.create', 'bookings.booking', g::text,"
                " '[\"ends_at\", \"starts_at\"]'::jsonb, md5(g::text), '203.0.113.0'"
                " FROM generate_series(1, %s) g",
                [tenant_id, rows, rows],
            )
            cursor.execute("ANALYZE audit_auditevent")
        else:
            cursor.execute("DELETE FROM audit_auditevent WHERE tenant_id = %s", [tenant_id])
            cursor.execute(
                "WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < %s)"
                " INSERT INTO audit_auditevent (tenant_id, at, actor_id, action, object_type,"
                " object_id, changed_fields, request_id, ip)"
                " SELECT %s, strftime('%%Y-%%m-%%d %%H:%%M:%%f', 'now', '-400 days',"
                " printf('+%%d seconds', n * 34560000 / %s)), n %% 2000 + 1, 'booking.create',"
                " 'bookings.booking', n, '[\"ends_at\", \"starts_at\"]', hex(randomblob(16)),"
                " '203.0.113.0' FROM g",
                [rows, tenant_id, rows],
            )


def _timed(fn):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def _write_rate(tenant, seconds: float, threads: int, sealing: bool) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """audit_record calls per second from ``threads`` writers (each its own transaction),
    optionally while another thread seals in a loop; and the p95 latency in ms."""
    from django.db import close_old_connections, connection, transaction

    from deskwerk.audit.services import audit_record, audit_seal

    stop = time.perf_counter() + seconds
    latencies: list[float] = []
    lock = threading.Lock()

    def writer() -> None:
        mine = []
        while time.perf_counter() < stop:
            t0 = time.perf_counter()
            with transaction.atomic():
                audit_record(tenant=tenant, actor=None, action="bench.write", object_type="x")
            mine.append(time.perf_counter() - t0)
        with lock:
            latencies.extend(mine)
        connection.close()

    def sealer() -> None:
        while time.perf_counter() < stop:
            audit_seal(tenant)
            time.sleep(0.05)
        connection.close()

    workers = [threading.Thread(target=writer) for _ in range(threads)]
    if sealing:
        workers.append(threading.Thread(target=sealer))
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    close_old_connections()
    latencies.sort()
    p95 = latencies[int(len(latencies) * 0.95)] * 1000 if latencies else 0.0
    return len(latencies) / seconds, p95


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument(
        "--pg-url", default="postgres://postgres@127.0.0.1:5432/deskwerk_bench_audit"
    )
    parser.add_argument("--var-dir", default=str(ROOT / "var" / "bench"))
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--write-seconds", type=float, default=5.0)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args(argv)
    _setup(args.db, args.pg_url, Path(args.var_dir))

    from django.db import connection

    from deskwerk.audit import api
    from deskwerk.audit.models import AuditEvent
    from deskwerk.audit.selectors import audit_events, audit_verify
    from deskwerk.audit.services import audit_purge, audit_seal
    from deskwerk.tenancy.services import tenant_create

    tenant = tenant_create(slug="bench", name="Bench")
    fill, _ = _timed(lambda: _fill(tenant.pk, args.rows))
    total = AuditEvent.unscoped.filter(tenant=tenant).count()
    seal, sealed = _timed(lambda: audit_seal(tenant))
    verify, result = _timed(lambda: audit_verify(tenant))
    assert result.ok, result.findings[:5]

    qs = audit_events(tenant=tenant)
    export_json, size = _timed(lambda: sum(len(chunk) for chunk in api._json(qs)))
    tracemalloc.start()  # a second run for memory: tracing slows Python down several times
    sum(len(chunk) for chunk in api._json(qs))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    export_csv, _ = _timed(lambda: sum(len(chunk) for chunk in api._csv(qs)))

    purge, purged = _timed(lambda: audit_purge(tenant))
    after = audit_verify(tenant)
    assert after.ok, after.findings[:5]

    quiet, quiet_p95 = _write_rate(tenant, args.write_seconds, args.threads, sealing=False)
    busy, busy_p95 = _write_rate(tenant, args.write_seconds, args.threads, sealing=True)
    final = audit_verify(tenant)
    assert final.ok, final.findings[:5]

    print(f"## Audit chain · {connection.vendor} · {total:,} events\n")
    print("| what | time | rate |")
    print("|---|---|---|")
    print(f"| fill (one INSERT … SELECT, unsealed) | {fill:.2f} s | {total / fill:,.0f} rows/s |")
    print(f"| `audit_seal` of all {sealed:,} | {seal:.2f} s | {sealed / seal:,.0f} rows/s |")
    print(f"| `audit_verify` | {verify:.2f} s | {result.checked / verify:,.0f} rows/s |")
    print(
        f"| export JSON ({size / 1e6:.1f} MB, peak Python memory {peak / 1e6:.1f} MB)"
        f" | {export_json:.2f} s | {total / export_json:,.0f} rows/s |"
    )
    print(f"| export CSV | {export_csv:.2f} s | {total / export_csv:,.0f} rows/s |")
    print(f"| `audit_purge` (365 days) | {purge:.2f} s | {purged:,} rows deleted |")
    print(
        f"| `audit_record`, {args.threads} writers, own transactions | {args.write_seconds:.0f} s"
        f" | {quiet:,.0f}/s, p95 {quiet_p95:.1f} ms |"
    )
    print(
        f"| … while a sealer runs every 50 ms | {args.write_seconds:.0f} s"
        f" | {busy:,.0f}/s, p95 {busy_p95:.1f} ms |"
    )
    print(f"\nverify after all of it: ok, {final.checked:,} events")
    return 0


if __name__ == "__main__":
    sys.exit(main())
