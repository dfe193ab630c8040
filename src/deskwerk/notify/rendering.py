"""Rendering a notice from its templates, in German or English.

Each notice is a folder ``notify/templates/notify/<template>/`` with one sub-folder per
language, ``de/`` and ``en/``, each holding ``subject.txt``, ``body.txt`` and ``body.html``.
The language is activated while rendering (dates, numbers and Django's own strings follow it)
and so is the tenant's time zone (times show as the tenant's wall-clock time).

Text parts are rendered without HTML escaping, the HTML part with it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.template import Context, TemplateDoesNotExist
from django.template.loader import get_template
from django.utils import timezone, translation

LANGUAGES = ("de", "en")
PARTS = ("subject.txt", "body.txt", "body.html")
TEMPLATE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
TEMPLATE_ROOT = Path(__file__).resolve().parent / "templates" / "notify"
SUBJECT_MAX = 255


class UnknownTemplate(ValueError):
    """A notice asked for a template (or language) that does not exist: a programming error."""


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def template_names() -> list[str]:
    """The notices this installation ships (folders holding a ``de/`` or ``en/``)."""
    return sorted(
        p.name for p in TEMPLATE_ROOT.iterdir() if p.is_dir() and TEMPLATE_NAME.match(p.name)
    )


def _render(name: str, context: Mapping[str, Any], *, autoescape: bool) -> str:
    try:
        template = get_template(name)
    except TemplateDoesNotExist as exc:
        raise UnknownTemplate(f"no e-mail template {name}") from exc
    # The engine's template, rendered with a plain Context: no request, and escaping our choice.
    return template.template.render(Context(dict(context), autoescape=autoescape))  # type: ignore[attr-defined]


def _text(body: str) -> str:
    """Template tags leave blank runs and trailing spaces; keep paragraphs, drop the rest."""
    lines = [line.rstrip() for line in body.strip("\n").splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"


def render_message(
    template: str, context: Mapping[str, Any], *, language: str, time_zone: str = "UTC"
) -> Rendered:
    """Subject, plain text and HTML of ``template`` in ``language``."""
    if language not in LANGUAGES:
        raise UnknownTemplate(f"language must be one of {LANGUAGES}, not {language!r}")
    if not TEMPLATE_NAME.match(template):
        raise UnknownTemplate(f"{template!r} is not a template name")
    base = f"notify/{template}/{language}/"
    data = {**context, "language": language}
    with translation.override(language), timezone.override(time_zone):
        subject = _render(base + "subject.txt", data, autoescape=False)
        text = _render(base + "body.txt", data, autoescape=False)
        html = _render(base + "body.html", data, autoescape=True)
    # One line: a header cannot hold line breaks.
    subject = " ".join(subject.split())[:SUBJECT_MAX]
    return Rendered(subject=subject, text=_text(text), html=html.strip() + "\n")
