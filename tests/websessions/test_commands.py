"""``deskwerk sessions reencrypt|purge`` and the daily purge job."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from deskwerk.websessions import crypto
from deskwerk.websessions.models import WebSession
from deskwerk.websessions.store import SessionStore
from deskwerk.websessions.tasks import sessions_purge_periodic
from tests.websessions.conftest import browser_login, new_key, signed_in_as

pytestmark = pytest.mark.django_db


def _run(*args: str) -> str:
    out = StringIO()
    call_command("sessions", *args, stdout=out)
    return out.getvalue()


def test_reencrypt_moves_every_row_in_batches(member, owner, keys, settings):
    browsers = [browser_login(member), browser_login(owner), browser_login(member)]
    settings.DATA_KEYS = [new_key(), keys[0]]

    output = _run("reencrypt", "--batch-size", "2")

    assert "re-encrypted 3 sessions" in output
    assert set(WebSession.objects.values_list("key_id", flat=True)) == {crypto.newest_key_id()}
    settings.DATA_KEYS = settings.DATA_KEYS[:1]
    assert [signed_in_as(b) for b in browsers] == [member.email, owner.email, member.email]


def test_purge_deletes_only_expired_sessions(member, owner, keys, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    stale = browser_login(member)
    time_machine.shift(dt.timedelta(hours=7))
    fresh = browser_login(owner)
    anonymous = SessionStore()
    anonymous["cart"] = "x"
    anonymous.create()
    time_machine.shift(dt.timedelta(hours=5, seconds=1))  # the first is past 12 hours

    assert "deleted 1 expired sessions" in _run("purge")
    assert WebSession.objects.count() == 2
    time_machine.shift(dt.timedelta(hours=8, minutes=1))  # idle longer than any tenant allows
    sessions_purge_periodic.call_local()

    assert not WebSession.objects.exists()
    assert signed_in_as(stale) == signed_in_as(fresh) == 401


def test_the_django_hook_purges_too(member, keys, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    browser_login(member)
    time_machine.shift(dt.timedelta(hours=13))

    SessionStore.clear_expired()

    assert not WebSession.objects.exists()
