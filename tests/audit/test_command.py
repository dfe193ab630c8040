"""``deskwerk audit verify`` says ok, or names the tampering and exits with status 1."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from deskwerk.audit.models import AuditEvent
from tests.audit.conftest import attacker, record

pytestmark = pytest.mark.django_db


def test_verify_seals_first_and_reports_ok(tenant, other_tenant, capsys):
    record(tenant, 2)

    call_command("audit", "verify")

    out = capsys.readouterr().out
    assert "acme: ok, 3 events (seq 1..3), 0 unsealed" in out
    assert "globex: ok, 1 events" in out


def test_verify_without_sealing_counts_the_unsealed(tenant, capsys):
    call_command("audit", "verify", "--tenant", "acme", "--no-seal")

    assert "acme: ok, 0 events (seq 1..0), 1 unsealed" in capsys.readouterr().out


def test_verify_names_the_tampered_row_and_fails(tenant, other_tenant, capsys):
    row = record(tenant, 2)[1]
    call_command("audit", "seal")
    with attacker() as sql:
        sql.execute(
            f"UPDATE {AuditEvent._meta.db_table} SET ip = '10.0.0.0' WHERE id = %s", [row.pk]
        )

    with pytest.raises(CommandError) as failed:
        call_command("audit", "verify")

    assert failed.value.returncode == 1
    captured = capsys.readouterr()
    assert f"changed (seq 3, event {row.pk})" in captured.err
    assert "acme: TAMPERED" in captured.err
    assert "globex: ok" in captured.out


def test_an_unknown_tenant_is_an_error(db):
    with pytest.raises(CommandError, match="no tenant"):
        call_command("audit", "verify", "--tenant", "nope")
