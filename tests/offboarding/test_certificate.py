"""The certificate's PDF: German umlauts in the core font, the backup note with its date."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from deskwerk.core.errors import Conflict
from deskwerk.offboarding.certificate import certificate_data, certificate_html, certificate_pdf
from deskwerk.offboarding.models import Offboarding
from tests.offboarding.test_offboarding import pdf_text
from tests.processor.kit import make_operator

pytestmark = pytest.mark.django_db


def _record(status: str = Offboarding.Status.DELETED) -> Offboarding:
    operator, _ = make_operator()
    now = timezone.now()
    return Offboarding.unscoped.create(
        tenant=operator,
        customer_id=4711,
        customer_name="Müller & Söhne GmbH",
        customer_slug="mueller",
        contract_end=now,
        status=status,
        deleted_at=now,
        keep_until=now + dt.timedelta(days=1095),
        scan={"ok": True, "tables": 40, "columns": 200, "rows": 999, "files": 3},
        report={"rows": {"bookings.Booking": 12}, "rows_total": 12, "files": 2},
    )


def test_the_pdf_carries_umlauts_and_the_backup_date(settings):
    settings.BACKUP_RETENTION_DAYS = 30
    record = _record()
    data = certificate_pdf(record, language="de")
    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    assert "Müller & Söhne GmbH" in text
    expires = (record.deleted_at + dt.timedelta(days=30)).date().isoformat()
    assert expires in text
    assert certificate_data(record)["backups"]["expire_by"].startswith(expires)


def test_no_certificate_before_a_verified_deletion():
    record = _record(Offboarding.Status.FAILED)
    with pytest.raises(Conflict):
        certificate_pdf(record)
    with pytest.raises(Conflict):
        certificate_html(record)
