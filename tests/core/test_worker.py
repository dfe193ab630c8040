"""`deskwerk worker` consumes queued and periodic jobs; the demo runs one beside its server."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from deskwerk.core.management.commands import demo as demo_command
from deskwerk.core.management.commands.worker import spawn_worker, stop_worker

pytestmark = pytest.mark.django_db


def test_in_immediate_mode_there_is_no_worker_to_start():
    assert spawn_worker() is None  # the test settings run jobs inline


def test_the_demo_starts_the_worker_before_serving_and_stops_it_after(monkeypatch):
    events: list[str] = []

    class FakeProcess:
        pid = 4242

    monkeypatch.setattr(
        demo_command, "spawn_worker", lambda: events.append("spawn") or FakeProcess()
    )
    monkeypatch.setattr(demo_command, "stop_worker", lambda p: events.append(f"stop {p.pid}"))
    monkeypatch.setattr("deskwerk.privacy.tasks.privacy_now", lambda: events.append("queued"))

    def serve(**kwargs):
        events.append("serve")
        raise SystemExit(0)  # as gunicorn ends

    monkeypatch.setattr(demo_command, "run_gunicorn", serve)
    err = io.StringIO()
    with pytest.raises(SystemExit):
        call_command("demo", "--small", stdout=io.StringIO(), stderr=err)

    assert events == ["spawn", "queued", "serve", "stop 4242"]
    assert "background worker started (pid 4242)" in err.getvalue()


def test_no_worker_leaves_it_out(monkeypatch):
    monkeypatch.setattr(demo_command, "spawn_worker", lambda: pytest.fail("spawned"))
    monkeypatch.setattr(demo_command, "run_gunicorn", lambda **kw: None)
    call_command("demo", "--small", "--no-worker", stdout=io.StringIO(), stderr=io.StringIO())


@pytest.mark.slow
def test_a_real_worker_consumes_a_queued_job_and_stops_on_request(tmp_path: Path):
    """End to end on the embedded default: SQLite database, SQLite queue, separate processes."""
    env = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")
    }
    env |= {
        "DESKWERK_ENV": "development",
        "DESKWERK_VAR_DIR": str(tmp_path),
        "HUEY_BACKEND": "sqlite",
        "LOG_LEVEL": "WARNING",
    }
    deskwerk = [sys.executable, "-m", "deskwerk.cli"]
    subprocess.run([*deskwerk, "migrate", "-v0"], env=env, check=True, timeout=120)  # noqa: S603
    worker = subprocess.Popen([*deskwerk, "worker"], env=env)  # noqa: S603
    try:
        enqueue = (
            "from deskwerk.privacy.tasks import privacy_now; "
            "print(privacy_now().get(blocking=True, timeout=60))"
        )
        done = subprocess.run(  # noqa: S603
            [*deskwerk, "shell", "-c", enqueue],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        assert "'pseudonymised': 0" in done.stdout, done.stdout + done.stderr
        assert (tmp_path / "huey.sqlite3").exists()
    finally:
        stop_worker(worker)
    assert worker.returncode is not None
