"""Translation catalogues: complete, compiled, and in step with the code.

The ``.mo`` files are committed (no gettext needed to run); these tests fail when a ``.po``
changed without recompiling (``python -m deskwerk.web.catalogs``), when a German string is
missing or fuzzy, when placeholders differ, and — where xgettext is installed — when the code
has strings the catalogue does not know (``makemessages``; see docs/frontend.md).
"""

from __future__ import annotations

import gettext
import io
import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from deskwerk.web.catalogs import catalogues, compile_mo, parse_po, stale

SRC = Path(__file__).resolve().parents[2] / "src" / "deskwerk"
LOCALE = SRC / "locale"
GERMAN = LOCALE / "de" / "LC_MESSAGES" / "django.po"
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|%[sd]|\{[a-z_]*\}")


def test_there_is_a_german_catalogue():
    assert GERMAN in catalogues([LOCALE])


@pytest.mark.parametrize("po", catalogues([LOCALE]), ids=lambda p: p.parent.parent.name)
def test_compiled_catalogue_is_current(po: Path):
    assert not stale(po), f"{po.with_suffix('.mo')} is stale: run python -m deskwerk.web.catalogs"


def test_every_german_string_is_translated_and_not_fuzzy():
    entries = [e for e in parse_po(GERMAN.read_text(encoding="utf-8")) if e.msgid]
    assert entries
    untranslated = [e.msgid for e in entries if not e.translated]
    fuzzy = [e.msgid for e in entries if e.fuzzy]
    assert not untranslated, f"untranslated: {untranslated}"
    assert not fuzzy, f"fuzzy (check, then remove the flag): {fuzzy}"


def test_placeholders_survive_translation():
    for entry in parse_po(GERMAN.read_text(encoding="utf-8")):
        wanted = sorted(PLACEHOLDER.findall(entry.msgid + (entry.msgid_plural or "")))
        for msgstr in entry.msgstr:
            assert sorted(set(PLACEHOLDER.findall(msgstr))) == sorted(set(wanted)), entry.msgid


def test_compiler_output_reads_like_msgfmt_output():
    po = r"""
msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\n"
"Plural-Forms: nplurals=2; plural=(n != 1);\n"

#: a.py
msgid "Desk"
msgstr "Arbeitsplatz"

msgctxt "verb"
msgid "Book"
msgstr "Buchen"

msgid "one place"
msgid_plural "%(n)s places"
msgstr[0] "ein Platz"
msgstr[1] "%(n)s Plätze"

#, fuzzy
msgid "Unsure"
msgstr "Unsicher"

msgid "Untranslated"
msgstr ""

msgid "Quote \"this\"\n"
"and more"
msgstr "Zitat „dies“\n"
"und mehr"
"""
    catalogue = gettext.GNUTranslations(io.BytesIO(compile_mo(parse_po(po))))
    assert catalogue.gettext("Desk") == "Arbeitsplatz"
    assert catalogue.pgettext("verb", "Book") == "Buchen"
    assert catalogue.ngettext("one place", "%(n)s places", 1) == "ein Platz"
    assert catalogue.ngettext("one place", "%(n)s places", 5) == "%(n)s Plätze"
    assert catalogue.gettext("Unsure") == "Unsure"
    assert catalogue.gettext("Untranslated") == "Untranslated"
    assert catalogue.gettext('Quote "this"\nand more') == "Zitat „dies“\nund mehr"


def test_compiler_rejects_broken_files():
    from deskwerk.web.catalogs import PoError

    with pytest.raises(PoError):
        parse_po('msgid "a"\nmsgstr b\n')
    with pytest.raises(PoError):
        parse_po('"dangling"\n')


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="xgettext (gettext) not installed")
def test_catalogue_knows_every_string_in_the_code(tmp_path: Path, settings: Any):
    """Extract afresh from a copy of the code and compare the message ids."""
    copy = tmp_path / "deskwerk"
    shutil.copytree(SRC, copy, ignore=shutil.ignore_patterns("__pycache__", "static", "*.mo"))
    settings.LOCALE_PATHS = [copy / "locale"]
    cwd = os.getcwd()
    os.chdir(copy)
    try:
        call_command("makemessages", locale=["de"], no_wrap=True, verbosity=0)
    finally:
        os.chdir(cwd)
    fresh = {e.msgid for e in parse_po((copy / "locale/de/LC_MESSAGES/django.po").read_text())}
    known = {e.msgid for e in parse_po(GERMAN.read_text(encoding="utf-8"))}
    assert not fresh - known, f"not in the catalogue, run makemessages: {sorted(fresh - known)}"
    assert not known - fresh, f"no longer in the code, run makemessages: {sorted(known - fresh)}"
