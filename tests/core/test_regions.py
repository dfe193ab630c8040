"""§ 5: every external service declares where it is; none may be outside the EU/EEA."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from deskwerk.core.regions import EEA, region_check, services_in_use


def ids(settings) -> list[str]:
    return [m.id for m in region_check(None)]


@pytest.fixture
def remote(settings, monkeypatch):
    """A production-like configuration: database and SMTP on other hosts, Redis queue."""
    settings.DATA_REGIONS = {}
    monkeypatch.setattr("deskwerk.core.regions.database_host", lambda: "db.internal")
    settings.EMAIL_TRANSPORT = "smtp"
    settings.EMAIL_HOST = "smtp.mail.example"
    settings.HUEY = {**settings.HUEY, "url": "redis://queue.internal:6379/0"}
    return settings


def test_the_eea_is_the_eu_plus_iceland_liechtenstein_and_norway():
    assert len(EEA) == 30
    assert {"DE", "IE", "NO", "IS", "LI"} <= EEA
    assert not {"CH", "GB", "US"} & EEA


def test_all_declared_inside_the_eea_passes(remote):
    remote.DATA_REGIONS = {
        "HOSTING_REGION": "DE",
        "DATABASE_REGION": "DE",
        "SMTP_REGION": "IE",
        "REDIS_REGION": "NO",
    }
    remote.PRODUCTION = True
    assert ids(remote) == []
    names = {s.name for s in services_in_use()}
    assert names == {
        "application hosting",
        "database",
        "SMTP relay",
        "file storage (on this machine)",
        "task queue (Redis)",
    }


def test_a_service_outside_the_eea_fails_and_is_named(remote):
    remote.DATA_REGIONS = {"HOSTING_REGION": "DE", "DATABASE_REGION": "DE", "SMTP_REGION": "US"}
    remote.PRODUCTION = False
    messages = region_check(None)
    assert [m.id for m in messages] == ["deskwerk.E030"]
    assert "SMTP relay is in US" in messages[0].msg


def test_switzerland_is_not_in_the_eea(remote):
    remote.DATA_REGIONS = {"HOSTING_REGION": "CH"}
    assert "deskwerk.E030" in ids(remote)


def test_in_production_every_service_in_use_must_declare_a_region(remote):
    remote.PRODUCTION = True
    remote.DATA_REGIONS = {"HOSTING_REGION": "DE", "DATABASE_REGION": "DE"}
    messages = region_check(None)
    assert [m.id for m in messages] == ["deskwerk.E031", "deskwerk.E031"]
    assert "SMTP_REGION" in messages[0].msg
    assert "REDIS_REGION" in messages[1].msg


def test_local_services_are_where_the_application_runs(settings):
    """Loopback SMTP, a socket or SQLite database, local files: the hosting region counts."""
    settings.DATA_REGIONS = {"HOSTING_REGION": "US"}
    settings.EMAIL_TRANSPORT = "smtp"
    settings.EMAIL_HOST = "127.0.0.1"
    assert {s.region for s in services_in_use()} == {"US"}
    assert set(ids(settings)) == {"deskwerk.E030"}


def test_a_backup_target_declares_its_region_once_configured(remote):
    remote.PRODUCTION = False
    remote.DATA_REGIONS = {"BACKUP_REGION": "US"}
    assert "backup target" in {s.name for s in services_in_use()}
    assert "deskwerk.E030" in ids(remote)


def test_the_check_stops_the_server_commands(remote):
    remote.DATA_REGIONS = {"HOSTING_REGION": "US"}
    with pytest.raises(SystemCheckError, match=r"deskwerk\.E030"):
        call_command("check")
