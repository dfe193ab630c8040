"""Session test kit: a real browser sign-in, raw rows, fresh data keys."""

from __future__ import annotations

import base64
import os
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from deskwerk.accounts.models import User
from deskwerk.websessions.models import WebSession
from tests.conftest import PASSWORD

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0"


def new_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("=")


def browser_login(
    user: User, *, slug: str | None = None, agent: str = FIREFOX, ip: str = "203.0.113.77"
) -> Client:
    """Sign in through the login page, as a browser does (CSRF enforced)."""
    client = Client(enforce_csrf_checks=True, HTTP_USER_AGENT=agent, REMOTE_ADDR=ip)
    url = f"/t/{slug or user.tenant.slug}/login/"
    client.get(url)
    response = client.post(
        url,
        {
            "email": user.email,
            "password": PASSWORD,
            "csrfmiddlewaretoken": client.cookies["csrftoken"].value,
        },
    )
    assert response.status_code == 302, response.content[:300]
    return client


def cookie(client: Client) -> str:
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def signed_in_as(client: Client) -> Any:
    """The e-mail /api/v1/me answers for this browser, or its status when refused."""
    response = client.get("/api/v1/me")
    return response.json()["email"] if response.status_code == 200 else response.status_code


def csrf(client: Client) -> dict[str, str]:
    return {"X-CSRFToken": client.cookies["csrftoken"].value}


def raw_rows() -> list[tuple[Any, ...]]:
    """Every session row as the database holds it (no model, no decryption)."""
    table = connection.ops.quote_name(WebSession._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table}")
        return cursor.fetchall()


def raw_bytes() -> bytes:
    """All columns of all session rows as one byte string, to search for plaintext."""
    parts = []
    for row in raw_rows():
        for value in row:
            parts.append(
                bytes(value) if isinstance(value, bytes | memoryview) else str(value).encode()
            )
    return b"\x00".join(parts)


@pytest.fixture
def keys(settings: Any) -> list[str]:
    """A fresh key ring of one key; tests prepend or drop keys through ``settings``."""
    ring = [new_key()]
    settings.DATA_KEYS = ring
    return ring
