"""``deskwerk demo``: seeds, prints what a visitor needs, then hands over to gunicorn."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from deskwerk.core.management.commands import demo as demo_command
from deskwerk.demo.seed import DEMO_PASSWORD, DEMO_SLUG
from deskwerk.tenancy.services import tenant_create

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("demo", "--small", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_it_seeds_shows_progress_and_prints_the_logins():
    out, err = run("--no-serve")
    assert re.search(r"seeding bookings… (\d+)/\1", err)
    assert "seeding people… " in err
    assert f"http://127.0.0.1:8000/t/{DEMO_SLUG}/" in out
    assert "sabine.kraemer@neckarwerk.example" in out
    assert "lukas.schneider@neckarwerk.example" in out
    assert DEMO_PASSWORD in out
    assert "curl" in out
    assert "created" in out


def test_a_second_start_reuses_the_demo():
    run("--no-serve")
    out, err = run("--no-serve")
    assert "reused" in out
    assert "seeding" not in err


def test_the_token_flag_issues_a_working_admin_token():
    out, _ = run("--no-serve", "--token")
    secret = re.search(r"(dwk_\S+)", out).group(1)
    response = Client(HTTP_AUTHORIZATION=f"Bearer {secret}").get("/api/v1/me")
    assert response.status_code == 200
    assert "sabine.kraemer@neckarwerk.example" in response.content.decode()
    # Without the flag no token is made.
    out, _ = run("--no-serve")
    assert "dwk_" not in out


@pytest.mark.parametrize(
    ("bind", "shown"),
    [("127.0.0.1:8765", "127.0.0.1:8765"), ("0.0.0.0:8001", "127.0.0.1:8001")],
)
def test_it_serves_through_gunicorn_on_the_given_address(monkeypatch, bind, shown):
    calls = []
    monkeypatch.setattr(demo_command, "run_gunicorn", lambda **kw: calls.append(kw))
    out, _ = run("--bind", bind, "--workers", "3")
    assert calls == [{"bind": bind, "workers": 3, "threads": 4}]
    assert f"http://{shown}/t/{DEMO_SLUG}/" in out


def test_it_refuses_to_touch_a_real_tenant_with_the_demo_slug(monkeypatch):
    monkeypatch.setattr(demo_command, "run_gunicorn", lambda **kw: pytest.fail("served"))
    tenant_create(slug=DEMO_SLUG, name="Real customer")
    with pytest.raises(CommandError, match="not the demo tenant"):
        run()
