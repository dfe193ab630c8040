"""The web page of one's own sessions: listed with device and shortened IP, ended one by one
or all but this one; nobody else's sessions are reachable from it."""

from __future__ import annotations

import pytest

from deskwerk.audit.models import AuditEvent
from deskwerk.websessions.models import WebSession
from tests.conftest import PASSWORD
from tests.websessions.conftest import browser_login, signed_in_as

pytestmark = pytest.mark.django_db

PHONE = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/131.0 Mobile Safari/537.36"
)


def post(client, url: str):
    return client.post(url, {"csrfmiddlewaretoken": client.cookies["csrftoken"].value})


def test_the_page_lists_device_shortened_ip_and_marks_this_browser(member):
    laptop = browser_login(member)
    browser_login(member, agent=PHONE, ip="198.51.100.23")

    page = laptop.get("/t/acme/me/sessions/")

    assert page.status_code == 200
    html = page.content.decode()
    assert "Firefox" in html
    assert "Android" in html
    assert "203.0.113.0" in html
    assert "198.51.100.0" in html
    assert "203.0.113.77" not in html
    assert html.count("this browser") == 1


def test_ending_another_session_signs_that_browser_out_and_is_audited(member):
    laptop = browser_login(member)
    phone = browser_login(member, agent=PHONE)
    phone_id = WebSession.objects.filter(user_id=member.pk, device__icontains="Android").get()

    response = post(laptop, f"/t/acme/me/sessions/{phone_id.public_id}/end/")

    assert response.status_code == 302
    assert signed_in_as(phone) == 401
    assert signed_in_as(laptop) == member.email
    assert AuditEvent.unscoped.filter(action="session.end", actor_id=member.pk).count() == 1


def test_sign_out_everywhere_else_keeps_this_browser(member):
    laptop = browser_login(member)
    others = [browser_login(member, agent=PHONE) for _ in range(2)]

    assert post(laptop, "/t/acme/me/sessions/end-others/").status_code == 302

    assert [signed_in_as(c) for c in others] == [401, 401]
    assert signed_in_as(laptop) == member.email


def test_someone_elses_session_is_not_found_even_for_an_owner(member, owner, outsider):
    """The page manages one's own sessions; administrators end others' through the API."""
    browser_login(member)
    theirs = WebSession.objects.get(user_id=member.pk)
    owners = browser_login(owner)

    assert post(owners, f"/t/acme/me/sessions/{theirs.public_id}/end/").status_code == 404
    assert WebSession.objects.filter(pk=theirs.pk).exists()
    # An outsider's session is anonymous in this tenant: sent to the login page.
    foreign = browser_login(outsider)
    response = post(foreign, f"/t/acme/me/sessions/{theirs.public_id}/end/")
    assert response.status_code == 302
    assert "/t/acme/login/" in response["Location"]
    assert WebSession.objects.filter(pk=theirs.pk).exists()


def test_ending_requires_post_with_csrf(member):
    laptop = browser_login(member)
    mine = WebSession.objects.get(user_id=member.pk)

    assert laptop.get(f"/t/acme/me/sessions/{mine.public_id}/end/").status_code == 405
    assert laptop.post(f"/t/acme/me/sessions/{mine.public_id}/end/").status_code == 403
    assert WebSession.objects.filter(pk=mine.pk).exists()


def test_ending_other_sessions_over_an_old_sign_in_asks_to_confirm_first(member):
    """ASVS 7.5.2: ending sessions other than this one needs a sign-in or re-authentication in
    the last ten minutes; signing this browser out needs none."""
    import datetime as dt

    import time_machine
    from django.utils import timezone

    laptop = browser_login(member)
    phone = browser_login(member, agent=PHONE)
    phone_id = WebSession.objects.filter(user_id=member.pk, device__icontains="Android").get()

    with time_machine.travel(timezone.now() + dt.timedelta(minutes=11)):
        for url in (
            f"/t/acme/me/sessions/{phone_id.public_id}/end/",
            "/t/acme/me/sessions/end-others/",
        ):
            response = post(laptop, url)
            assert response.status_code == 302
            assert response["Location"].startswith("/t/acme/accounts/reauthenticate/"), url
            assert "next=%2Ft%2Facme%2Fme%2Fsessions%2F" in response["Location"]
        assert signed_in_as(phone) == member.email  # nothing ended
        assert not AuditEvent.unscoped.filter(action="session.end").exists()

        confirmed = laptop.post(
            "/t/acme/accounts/reauthenticate/",
            {"password": PASSWORD, "csrfmiddlewaretoken": laptop.cookies["csrftoken"].value},
        )
        assert confirmed.status_code == 302
        assert post(laptop, f"/t/acme/me/sessions/{phone_id.public_id}/end/").status_code == 302
        assert signed_in_as(phone) == 401
