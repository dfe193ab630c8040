"""After an erasure, nothing the person typed is left anywhere in the database.

A person fills every personal field the API accepts with unique markers and uses the app;
after the erasure every column of every table is scanned with raw SQL, and a full dump of the
database (``pg_dump`` on PostgreSQL, ``iterdump`` on SQLite) is searched. The only place a
marker could lawfully remain is a column under a documented legal hold; none of those holds
text the person typed, so the expected residue is nothing at all.
"""

from __future__ import annotations

import pytest

from deskwerk.bookings.models import Booking
from deskwerk.privacy.datamap import REGISTRY, Action
from deskwerk.privacy.pseudonyms import person_pseudonym
from tests.privacy.people import busy_person, database_dump, database_hits, make_past

# Committed data: pg_dump runs in a process of its own and sees only committed rows.
pytestmark = pytest.mark.django_db(transaction=True)


def _legal_hold_columns() -> set[tuple[str, str]]:
    columns = set()
    for model_map in REGISTRY.values():
        for name, rule in model_map.personal.items():
            if rule.on_erasure == Action.LEGAL_HOLD:
                model = model_map.model
                columns.add((model._meta.db_table, model._meta.get_field(name).column))
    return columns


def test_no_trace_of_an_erased_person_remains(site, owner, api_owner, tenant):
    person = busy_person(tenant, site, owner)
    with_past = Booking.unscoped.filter(pk=person.booking_ids[0])
    make_past(with_past)  # history to pseudonymise, besides future bookings to cancel
    erase_note = "ZqErase-" + person.markers["full_name"][-8:]
    filed = person.api.post("/privacy/requests", {"kind": "erasure", "note": erase_note})
    markers = {**person.markers, "erase_note": erase_note}

    # The scans can fail: before the erasure they find the person everywhere.
    before = {m for _, _, m in database_hits(markers.values())}
    dump, how = database_dump()
    assert before >= set(markers.values()) - {markers["user_agent"]}, set(markers.values()) - before
    assert all(m in dump for m in before), how

    response = api_owner.post(f"/privacy/requests/{filed.data['id']}/execute", {"confirm": True})
    assert response.status_code == 200, response.data

    allowed = _legal_hold_columns()
    hits = database_hits(markers.values())
    assert [h for h in hits if (h[0], h[1]) not in allowed] == []
    assert hits == []  # and the legal holds hold nothing the person typed
    dump, how = database_dump()
    assert [m for m in markers.values() if m in dump] == [], how
    # The booking history is still there, pseudonymised (not simply deleted).
    pseudonym = person_pseudonym(tenant, person.user.pk)
    kept = Booking.unscoped.filter(pk__in=person.booking_ids)
    assert kept.count() == len(person.booking_ids)
    assert set(kept.values_list("person_pseudonym", flat=True)) == {pseudonym}
