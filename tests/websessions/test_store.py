"""The session store: a hash of the cookie, encrypted data, rotation, tampering, tenants."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging

import pytest
from django.conf import settings
from django.test import Client

from deskwerk.websessions import crypto
from deskwerk.websessions.keys import decode_key, key_id
from deskwerk.websessions.models import WebSession
from deskwerk.websessions.services import sessions_reencrypt
from deskwerk.websessions.store import SessionStore, hash_key
from tests.websessions.conftest import (
    browser_login,
    cookie,
    new_key,
    raw_bytes,
    raw_rows,
    signed_in_as,
)

pytestmark = pytest.mark.django_db


def test_a_real_sign_in_then_the_api_with_the_cookie(member, keys):
    browser = browser_login(member)

    assert signed_in_as(browser) == member.email
    (row,) = WebSession.objects.all()
    assert row.user_id == member.pk
    assert row.tenant_id == member.tenant_id
    assert row.key_hash == hashlib.sha256(cookie(browser).encode()).hexdigest()
    assert row.key_id == key_id(decode_key(keys[0]))
    assert row.device == "Firefox 132 / Linux"
    assert row.ip == "203.0.113.0"  # truncated, never the full address
    assert row.expires_at - row.created_at == dt.timedelta(hours=12)  # the tenant default


def test_signing_in_creates_a_new_session_key(member, keys):
    """No session fixation: the key a browser had before sign-in is not the signed-in one."""
    store = SessionStore()
    store["before"] = "sign-in"
    store.create()
    browser = Client()
    browser.cookies[settings.SESSION_COOKIE_NAME] = store.session_key
    browser.post(
        f"/t/{member.tenant.slug}/login/",
        {"email": member.email, "password": "a long enough test password"},
    )

    assert cookie(browser) != store.session_key
    assert not WebSession.objects.filter(key_hash=hash_key(store.session_key)).exists()
    assert signed_in_as(browser) == member.email


def test_the_row_holds_neither_plaintext_nor_the_cookie(member, keys):
    browser = browser_login(member)
    marker = "ZqSessionMarker7f3a9c"
    store = SessionStore(cookie(browser))
    store["note"] = marker
    store.save()
    assert SessionStore(cookie(browser))["note"] == marker  # it is stored, and reads back

    stored = raw_bytes()
    assert marker.encode() not in stored
    assert b"_auth_user_id" not in stored
    assert cookie(browser).encode() not in stored
    assert member.get_session_auth_hash().encode() not in stored


def test_ciphertext_is_bound_to_its_row(member, owner, keys):
    """Copying one session's ciphertext into another row does not sign that row in as them."""
    mine, theirs = browser_login(member), browser_login(owner)
    source = WebSession.objects.get(user=owner)
    target = WebSession.objects.get(user=member)
    WebSession.objects.filter(pk=target.pk).update(
        data=source.data, key_id=source.key_id, user_id=owner.pk
    )

    assert signed_in_as(mine) == 401
    assert signed_in_as(theirs) == owner.email
    assert not WebSession.objects.filter(pk=target.pk).exists()


@pytest.mark.parametrize("where", [0, 12, -1])  # the nonce, the ciphertext, the tag
def test_tampered_ciphertext_signs_out_and_never_fails(where, member, keys, caplog):
    browser = browser_login(member)
    row = WebSession.objects.get()
    data = bytearray(row.data)
    data[where] ^= 0x01
    WebSession.objects.filter(pk=row.pk).update(data=bytes(data))

    with caplog.at_level(logging.WARNING, logger="deskwerk.websessions"):
        api = browser.get("/api/v1/me")
        page = browser.get(f"/t/{member.tenant.slug}/")

    assert api.status_code == 401
    assert page.status_code == 302
    assert page["Location"].split("?")[0].endswith("/login/")
    assert not WebSession.objects.exists()
    assert "could not be decrypted" in caplog.text


def test_an_unknown_key_id_signs_out(member, keys):
    browser = browser_login(member)
    WebSession.objects.update(key_id="000000000000")

    assert signed_in_as(browser) == 401


def test_rotation_old_keys_decrypt_the_newest_encrypts_reencrypt_moves_rows(
    member, owner, keys, settings
):
    old = keys[0]
    before = browser_login(member)
    settings.DATA_KEYS = [new_key(), old]  # a new key, prepended
    newest = crypto.newest_key_id()

    assert signed_in_as(before) == member.email  # the old key still decrypts
    after = browser_login(owner)
    assert WebSession.objects.get(user=owner).key_id == newest
    assert WebSession.objects.get(user=member).key_id != newest

    assert sessions_reencrypt(batch=1) == (1, 0)
    assert set(WebSession.objects.values_list("key_id", flat=True)) == {newest}
    settings.DATA_KEYS = settings.DATA_KEYS[:1]  # the old key dropped
    assert signed_in_as(before) == member.email
    assert signed_in_as(after) == owner.email


def test_after_dropping_the_old_key_rows_not_reencrypted_are_invalid(member, owner, keys, settings):
    old = keys[0]
    stale = browser_login(member)
    settings.DATA_KEYS = [new_key(), old]
    fresh = browser_login(owner)
    settings.DATA_KEYS = settings.DATA_KEYS[:1]  # dropped without re-encrypting

    assert signed_in_as(stale) == 401
    assert signed_in_as(fresh) == owner.email
    assert list(WebSession.objects.values_list("user_id", flat=True)) == [owner.pk]


def test_reencrypt_drops_rows_no_key_decrypts(member, keys, settings):
    browser_login(member)
    settings.DATA_KEYS = [new_key()]

    assert sessions_reencrypt() == (0, 1)
    assert not WebSession.objects.exists()


def test_a_session_of_one_tenant_never_works_on_another(member, outsider, other_tenant, keys):
    browser = browser_login(member)

    page = browser.get(f"/t/{other_tenant.slug}/")
    me = browser.get("/api/v1/me").json()

    assert page.status_code == 302  # anonymous there: sent to globex's sign-in
    assert page["Location"].split("?")[0] == f"/t/{other_tenant.slug}/login/"
    assert me["tenant"]["slug"] == member.tenant.slug
    assert browser.get(f"/api/v1/people/{outsider.pk}").status_code == 404


def test_signing_in_at_another_tenants_url_with_this_tenants_account_fails(
    member, other_tenant, keys
):
    client = Client()
    response = client.post(
        f"/t/{other_tenant.slug}/login/",
        {"email": member.email, "password": "a long enough test password"},
    )

    assert response.status_code == 401
    assert not WebSession.objects.filter(user__isnull=False).exists()


def test_sign_out_deletes_the_row(member, keys):
    browser = browser_login(member)
    browser.post(
        f"/t/{member.tenant.slug}/logout/",
        headers={"X-CSRFToken": browser.cookies["csrftoken"].value},
    )

    assert not WebSession.objects.exists()
    assert signed_in_as(browser) == 401


def test_a_cookie_that_names_no_row_is_anonymous(member, keys):
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = "x" * 32

    assert signed_in_as(client) == 401
    assert raw_rows() == []
