"""One command for every benchmark: ``.venv/bin/python -m bench [--db …] [--only …]``.

Django's settings are fixed once per process, so ``--db all`` (the default) runs each database
in a child process of its own. Each child configures the environment *before* Django starts
(DATABASE_URL, DESKWERK_VAR_DIR), migrates the dedicated bench database, generates or reuses
the data set, runs the selected benchmarks and appends one section to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import traceback
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
BENCHMARKS = ("availability", "http", "queries", "pseudonymise", "export", "plan")
DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/deskwerk_bench"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--db", choices=["all", "sqlite", "postgres"], default="all")
    parser.add_argument(
        "--only",
        action="append",
        choices=BENCHMARKS,
        help="run only this benchmark (repeatable); default: all three",
    )
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("BENCH_PG_URL", DEFAULT_PG_URL),
        help="the PostgreSQL bench database; created if missing (default: %(default)s)",
    )
    parser.add_argument(
        "--var-dir",
        default=os.environ.get("BENCH_VAR_DIR", str(REPO_DIR / "var" / "bench")),
        help="DESKWERK_VAR_DIR for the bench: SQLite file, server log (default: %(default)s)",
    )
    parser.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="fraction of the full data set, for trying the bench out (default: 1.0)",
    )
    parser.add_argument("--iterations", type=int, default=200, help="timed availability calls")
    parser.add_argument("--http-requests", type=int, default=2000, help="booking POSTs at most")
    parser.add_argument("--http-seconds", type=float, default=60.0, help="booking load at most")
    parser.add_argument("--clients", type=int, default=8, help="concurrent HTTP clients")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--race-clients", type=int, default=20)
    parser.add_argument("--race-slots", type=int, default=50)
    parser.add_argument(
        "--results",
        default=str(BENCH_DIR / "RESULTS.md"),
        help="file the results are appended to (default: bench/RESULTS.md)",
    )
    parser.add_argument("--no-write", action="store_true", help="print results, append nothing")
    args = parser.parse_args(argv)
    args.only = args.only or list(BENCHMARKS)
    if not 0 < args.scale <= 1:
        parser.error("--scale must be in (0, 1]")
    return args


def _child_argv(args: argparse.Namespace, db: str) -> list[str]:
    argv = [sys.executable, "-m", "bench", "--db", db]
    for name in args.only:
        argv += ["--only", name]
    for flag in (
        "pg_url",
        "var_dir",
        "scale",
        "iterations",
        "http_requests",
        "http_seconds",
        "clients",
        "workers",
        "race_clients",
        "race_slots",
        "results",
    ):
        argv += ["--" + flag.replace("_", "-"), str(getattr(args, flag))]
    if args.no_write:
        argv.append("--no-write")
    return argv


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.db == "all":
        failed = []
        for db in ("postgres", "sqlite"):
            print(f"=== {db} ===", flush=True)
            code = subprocess.call(_child_argv(args, db), cwd=REPO_DIR)
            if code != 0:
                failed.append(db)
        if failed:
            print(f"bench failed on: {', '.join(failed)}", file=sys.stderr)
        return 1 if failed else 0
    return run_one(args)


def configure_environment(args: argparse.Namespace) -> str:
    """Point Django at the bench database before it starts. Returns the DATABASE_URL."""
    var_dir = Path(args.var_dir).resolve()
    var_dir.mkdir(parents=True, exist_ok=True)
    # sqlite:/// + an absolute path = sqlite:////abs/path
    url = args.pg_url if args.db == "postgres" else "sqlite:///" + str(var_dir / "bench.sqlite3")
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "deskwerk.settings",
            "DESKWERK_VAR_DIR": str(var_dir),
            "DATABASE_URL": url,
            # In-process parts (data, selector, test client) run with plain development
            # settings; the HTTP benchmark starts its own server with production settings.
            "DESKWERK_ENV": "development",
            "DEBUG": "false",
            "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
            "LOG_LEVEL": "WARNING",
        }
    )
    return url


def run_one(args: argparse.Namespace) -> int:
    url = configure_environment(args)
    if args.db == "postgres":
        from bench.data import ensure_pg_database

        ensure_pg_database(url)

    import django

    django.setup()

    from bench import data, report
    from bench.machine import database_facts, machine_facts

    started = time.monotonic()
    load_at_start = os.getloadavg()[0]
    dataset = data.ensure(scale=args.scale, log=_log)
    sections: list[report.Section] = []
    for name in args.only:
        _log(f"benchmark: {name}")
        try:
            sections.append(_run_benchmark(name, args, dataset, url))
        except Exception as exc:
            traceback.print_exc()
            sections.append(report.failed_section(name, exc))
    text = report.render(
        machine=machine_facts(load_at_start=load_at_start),
        database=database_facts(),
        dataset=dataset,
        sections=sections,
        elapsed=time.monotonic() - started,
    )
    print(text, flush=True)
    if not args.no_write:
        report.append(Path(args.results), text)
        _log(f"appended to {args.results}")
    return 0 if all(s.ok for s in sections) else 1


def _run_benchmark(name: str, args: argparse.Namespace, dataset, url: str):
    if name == "availability":
        from bench import availability

        return availability.run(dataset, iterations=args.iterations, log=_log)
    if name == "http":
        from bench import http_load

        return http_load.run(
            dataset,
            database_url=url,
            var_dir=Path(args.var_dir).resolve(),
            workers=args.workers,
            clients=args.clients,
            max_requests=args.http_requests,
            max_seconds=args.http_seconds,
            race_clients=args.race_clients,
            race_slots=args.race_slots,
            log=_log,
        )
    if name == "export":
        from bench import export

        return export.run(dataset, log=_log)
    if name == "plan":
        from bench import plan

        return plan.run(dataset, log=_log)
    if name == "pseudonymise":
        from bench import pseudonymise

        return pseudonymise.run(dataset, log=_log)
    from bench import queries

    return queries.run(dataset, log=_log)


def _log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    # Also runnable as ``python bench/run.py``: make the checkout importable.
    sys.path.insert(0, str(REPO_DIR))
    sys.exit(main())
