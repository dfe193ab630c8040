"""Notice templates: complete in German and English, escaped only where HTML is."""

from __future__ import annotations

import datetime as dt

import pytest

from deskwerk.notify.rendering import (
    LANGUAGES,
    PARTS,
    TEMPLATE_ROOT,
    UnknownTemplate,
    render_message,
    template_names,
)

SENT_AT = dt.datetime(2026, 3, 5, 13, 0, tzinfo=dt.UTC)


def test_every_template_exists_in_every_language_with_every_part():
    names = template_names()
    assert "test_message" in names
    missing = [
        f"{name}/{language}/{part}"
        for name in names
        for language in LANGUAGES
        for part in PARTS
        if not (TEMPLATE_ROOT / name / language / part).is_file()
    ]
    assert missing == []


@pytest.mark.parametrize("name", template_names())
def test_every_template_renders_differently_in_german_and_english(name):
    """A German template copied from the English one (or vice versa) fails here."""
    german = render_message(name, {"tenant_name": "ACME"}, language="de")
    english = render_message(name, {"tenant_name": "ACME"}, language="en")

    for rendered in (german, english):
        assert rendered.subject
        assert rendered.text.strip()
        assert rendered.html.startswith("<!DOCTYPE html>")
    assert german.subject != english.subject
    assert german.text != english.text
    assert '<html lang="de">' in german.html
    assert '<html lang="en">' in english.html


def test_text_is_not_escaped_and_html_is():
    rendered = render_message(
        "test_message", {"tenant_name": "R&D <Lab>", "note": "a < b & c"}, language="en"
    )

    assert rendered.subject == "Test message from Deskwerk for R&D <Lab>"
    assert "Note: a < b & c" in rendered.text
    assert "Note: a &lt; b &amp; c" in rendered.html
    assert "R&amp;D &lt;Lab&gt;" in rendered.html


def test_dates_follow_the_language_and_the_time_zone():
    german = render_message(
        "test_message", {"sent_at": SENT_AT}, language="de", time_zone="Europe/Berlin"
    )
    english = render_message(
        "test_message", {"sent_at": SENT_AT}, language="en", time_zone="America/New_York"
    )

    assert "5. März 2026 14:00" in german.text
    assert "March 5, 2026, 8 a.m." in english.text


def test_the_subject_is_one_line():
    rendered = render_message("test_message", {"tenant_name": "A\nB\r\nC"}, language="en")

    assert rendered.subject == "Test message from Deskwerk for A B C"


def test_paragraphs_survive_and_blank_runs_do_not():
    text = render_message("test_message", {}, language="en").text

    assert "\n\n\n" not in text
    assert text.startswith("Hello,\n\nthis is a test message")
    assert text.endswith("Sent automatically by Deskwerk for .\n")


@pytest.mark.parametrize(
    ("name", "language"),
    [
        ("no_such_notice", "en"),
        ("test_message", "fr"),
        ("../templates/notify/test_message", "en"),
        ("_base", "de"),
        ("Test_Message", "en"),
    ],
)
def test_unknown_templates_and_languages_are_refused(name, language):
    with pytest.raises(UnknownTemplate):
        render_message(name, {}, language=language)
