"""The frame of every page: Content-Security-Policy, vendored assets, the language rules."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import get_template
from django.test import Client

from deskwerk.accounts.models import User
from deskwerk.audit.models import AuditEvent
from deskwerk.tenancy.context import tenant_context
from deskwerk.web.middleware import CONTENT_SECURITY_POLICY
from tests.websessions.conftest import browser_login

SRC = Path(__file__).resolve().parents[2] / "src" / "deskwerk"


def directives(policy: str) -> dict[str, list[str]]:
    parts = (p.strip().split() for p in policy.split(";") if p.strip())
    return {p[0]: p[1:] for p in parts}


# --- Content-Security-Policy ----------------------------------------------------------------------


def test_the_policy_allows_no_inline_script_no_eval_and_no_framing():
    policy = directives(CONTENT_SECURITY_POLICY)
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["default-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert "unsafe" not in CONTENT_SECURITY_POLICY


@pytest.mark.parametrize("path", ["/", "/?organisation=Bad!", "/t/acme/login/", "/t/nope/"])
def test_every_html_page_carries_the_policy(client: Client, tenant: Any, path: str):
    response = client.get(path)
    assert response["Content-Type"].startswith("text/html")
    assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY


def test_signed_in_pages_carry_the_policy(member: User):
    client = browser_login(member)
    response = client.get("/t/acme/")
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY


def test_json_answers_get_no_page_policy(client: Client, db: Any):
    response = client.get("/health")
    assert response["Content-Type"] == "application/json"
    assert "Content-Security-Policy" not in response


def test_a_response_with_its_own_policy_keeps_it(owner: User, site: Any):
    """Self-contained documents and the sandboxed floor-plan SVG bring stricter policies."""
    from django.core.files.base import ContentFile

    from deskwerk.spaces.models import Floor
    from deskwerk.web.middleware import STANDALONE_DOCUMENT_POLICY
    from tests.conftest import Api

    api = Api(owner)
    records = api.client.get("/api/v1/privacy/records", {"format": "html"})
    assert records.status_code == 200
    assert records["Content-Type"].startswith("text/html")
    assert records["Content-Security-Policy"] == STANDALONE_DOCUMENT_POLICY
    assert "script" not in STANDALONE_DOCUMENT_POLICY
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="5" height="5"/></svg>'
    with tenant_context(owner.tenant):
        floor = Floor.objects.get(pk=site.floor.pk)
        floor.plan_image.save("plan.svg", ContentFile(svg), save=True)
    plan = api.client.get(f"/api/v1/floors/{site.floor.pk}/plan")
    assert plan.status_code == 200
    assert "sandbox" in plan["Content-Security-Policy"]


TEMPLATE_DIRS = [
    SRC / "web" / "templates",
    SRC / "accounts" / "templates",
    SRC / "sso" / "templates",
]


def page_templates() -> list[Path]:
    return sorted(p for d in TEMPLATE_DIRS if d.exists() for p in d.rglob("*.html"))


@pytest.mark.parametrize("path", page_templates(), ids=lambda p: str(p.relative_to(SRC)))
def test_page_templates_have_no_inline_script_or_style(path: Path):
    """The policy would block them: scripts and styles live in static files."""
    text = path.read_text(encoding="utf-8")
    # Executable inline script; JSON data blocks (type="application/json") do not run.
    assert not re.search(r"<script(?![^>]*\b(src=|type=\"application/json\"))[^>]*>", text), (
        "inline <script>"
    )
    assert "<style" not in text, "inline <style>"
    assert not re.search(r"\sstyle=", text), "style attribute"
    assert not re.search(r"\son[a-z]+=", text), "inline event handler"
    assert "javascript:" not in text


def test_the_frame_loads_vendored_htmx_from_our_origin():
    source = Path(get_template("web/base.html").origin.name).read_text(encoding="utf-8")
    assert "{% static 'vendor/htmx/htmx.min.js' %}" in source
    assert not re.search(r"(src|href)=\"https?://", source), "no CDN"
    htmx = finders.find("vendor/htmx/htmx.min.js")
    assert htmx, "htmx is vendored"
    folder = Path(htmx).parent
    assert (folder / "LICENSE").exists()
    readme = (folder.parent / "README.md").read_text(encoding="utf-8")
    version = re.search(r"\| `htmx/` \| .*? \| (\d+\.\d+\.\d+) \|", readme)
    assert version
    assert version.group(1).startswith("2.")


def test_vendored_axe_for_the_browser_tests_has_its_licence():
    folder = Path(__file__).resolve().parents[1] / "browser" / "vendor" / "axe-core"
    assert (folder / "LICENSE").exists()
    assert (folder / "axe.min.js").read_text(encoding="utf-8").startswith("/*! axe v4.")


# --- Languages --------------------------------------------------------------------------------------


def test_no_preference_gets_english(client: Client, db: Any):
    response = client.get("/")
    assert response["Content-Language"] == "en"
    assert b'<html lang="en">' in response.content
    assert b"Organisation" in response.content


def test_a_german_browser_gets_german(client: Client, db: Any):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9,en;q=0.5")
    assert response["Content-Language"] == "de"
    assert b'<html lang="de">' in response.content
    assert "Geben Sie den Kurznamen Ihrer Organisation ein." in response.content.decode()
    assert "Accept-Language" in response["Vary"]


def test_an_unsupported_browser_language_falls_back_to_english(client: Client, db: Any):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9")
    assert response["Content-Language"] == "en"


def test_the_switch_sets_a_cookie_that_beats_the_browser(client: Client, db: Any):
    response = client.post("/language/", {"language": "de", "next": "/?x=1"})
    assert response.status_code == 302
    assert response["Location"] == "/?x=1"
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "de"
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert page["Content-Language"] == "de"


def test_the_switch_refuses_foreign_targets_and_unknown_languages(client: Client, db: Any):
    response = client.post("/language/", {"language": "de", "next": "https://evil.example/"})
    assert response["Location"] == "/"
    response = client.post("/language/", {"language": "xx", "next": "/"})
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


def test_the_switch_needs_post_and_csrf(member: User):
    client = Client(enforce_csrf_checks=True)
    assert client.get("/language/").status_code == 405
    assert client.post("/language/", {"language": "de"}).status_code == 403


def test_a_signed_in_person_keeps_the_choice_on_the_profile(member: User):
    client = browser_login(member)
    response = client.post(
        "/t/acme/language/",
        {
            "language": "de",
            "next": "/t/acme/",
            "csrfmiddlewaretoken": client.cookies["csrftoken"].value,
        },
    )
    assert response.status_code == 302
    with tenant_context(member.tenant):
        member.refresh_from_db()
        assert member.language == "de"
        event = AuditEvent.objects.filter(action="person.update").latest("id")
        assert event.changed_fields == ["language"]
        assert event.actor_id == member.pk
    # Another browser, English-speaking, no cookie: the profile wins.
    other = browser_login(member)
    page = other.get("/t/acme/", HTTP_ACCEPT_LANGUAGE="en")
    assert page["Content-Language"] == "de"
    assert "Hallo, member" in page.content.decode()


def test_the_profile_language_stays_in_its_tenant(member: User, outsider: User):
    """A person of another tenant is anonymous here: their profile does not apply."""
    from deskwerk.accounts.services import person_set_language

    with tenant_context(outsider.tenant):
        person_set_language(actor=outsider, person=outsider, language="de")
    client = browser_login(outsider)
    assert client.get("/t/globex/")["Content-Language"] == "de"
    assert client.get("/t/acme/login/")["Content-Language"] == "en"


def test_person_set_language_refuses_unknown_languages_and_strangers(member: User, owner: User):
    from deskwerk.accounts.services import person_set_language
    from deskwerk.core.errors import InvalidInput

    with tenant_context(member.tenant):
        with pytest.raises(InvalidInput):
            person_set_language(actor=member, person=member, language="fr")
        other = User.objects.get(pk=owner.pk)
        from deskwerk.core.errors import NotFound

        with pytest.raises(NotFound):
            person_set_language(actor=member, person=other, language="de")
        assert person_set_language(actor=member, person=member, language="").language == ""


# --- Error pages --------------------------------------------------------------------------------------


def test_a_csrf_refusal_is_a_friendly_page_in_the_frame(tenant: Any):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/t/acme/login/", {"login": "a@b.test", "password": "x"})
    assert response.status_code == 403
    page = response.content.decode()
    assert "Please try again" in page
    assert "<style" not in page
    assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    german = client.post("/language/", {"language": "de"}, HTTP_ACCEPT_LANGUAGE="de")
    assert "Bitte versuchen Sie es noch einmal" in german.content.decode()


def test_the_server_error_page_renders_without_any_context():
    from django.template.loader import render_to_string

    page = render_to_string("500.html")
    assert "Something went wrong" in page
    assert "<script" not in page


def test_not_found_in_a_tenant_is_the_framed_404(member: User):
    client = browser_login(member)
    response = client.get("/t/acme/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
