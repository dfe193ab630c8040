"""The data map: every field of every model, classified once, in code.

Each app declares its models in its ``privacy.py`` with :func:`declare`. Export, erasure,
restriction, pseudonymisation, retention purges and the records of processing all read this one
registry, so they stay true as the code grows; a test fails on any field that is not declared.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from django.apps import apps
from django.db import models


class Category(StrEnum):
    """Kinds of personal data, as listed in § 4 (1) a–j of the data processing agreement."""

    MASTER = "master"  # a. Stammdaten (name)
    ACCOUNT = "account"  # b. Kontodaten (user name, password)
    PROFILE = "profile"  # c. Profildaten (photo, language, favourites)
    CONTACT = "contact"  # d. Kontaktdaten (e-mail, phone, address)
    CONTENT = "content"  # e. Inhaltsdaten (free text)
    USAGE = "usage"  # f. Nutzungsdaten (pages visited, access times)
    PAYMENT = "payment"  # g. Zahlungsdaten
    CONTRACT = "contract"  # h. Vertragsdaten
    DEVICE = "device"  # i. Geräte- und serverseitige Daten (device, IP address)
    BOOKING = "booking"  # j. Buchungsdaten (what, when, check-in, logs)


CATEGORY_LETTER = {
    Category.MASTER: "a",
    Category.ACCOUNT: "b",
    Category.PROFILE: "c",
    Category.CONTACT: "d",
    Category.CONTENT: "e",
    Category.USAGE: "f",
    Category.PAYMENT: "g",
    Category.CONTRACT: "h",
    Category.DEVICE: "i",
    Category.BOOKING: "j",
}


class Subject(StrEnum):
    """Kinds of data subjects, § 4 (2)."""

    EMPLOYEE = "employee"  # a. Mitarbeiter / Beschäftigte
    VISITOR = "visitor"  # b. Endkunden / Besucher / Ansprechpartner
    PROSPECT = "prospect"  # c. Interessenten


class Action(StrEnum):
    """What happens to a field at pseudonymisation or at erasure."""

    KEEP = "keep"
    PSEUDONYMISE = "pseudonymise"  # replaced by the person's keyed pseudonym / link cut
    CLEAR = "clear"  # emptied
    DELETE_ROW = "delete_row"  # the whole row goes
    LEGAL_HOLD = "legal_hold"  # kept for a stated reason and period, then deleted


@dataclass(frozen=True)
class Hold:
    reason: str
    period: str


@dataclass(frozen=True)
class Personal:
    """A field holding personal data."""

    category: Category
    purpose: str
    retention: str
    on_erasure: Action
    on_pseudonymise: Action = Action.KEEP
    subject: Subject = Subject.EMPLOYEE
    hold: Hold | None = None

    def __post_init__(self) -> None:
        if (self.on_erasure == Action.LEGAL_HOLD) != (self.hold is not None):
            raise ValueError("a legal hold needs a Hold(reason, period), and only a legal hold")


@dataclass(frozen=True)
class NotPersonal:
    """A field that holds no personal data, with the reason it does not."""

    reason: str


Rule = Personal | NotPersonal

# Frequent reasons, so declarations read briefly.
KEY = NotPersonal("technical key")
TENANT = NotPersonal("tenant the row belongs to")
SPACE = NotPersonal("configuration of spaces, not about a person")
TECHNICAL = NotPersonal("technical bookkeeping")


@dataclass
class ModelMap:
    """The declaration of one model.

    ``links`` name the fields that point at a person (a ``User``), or ``"id"`` for the account
    itself. The first link is the row's subject: the field rules apply to rows where that link is
    the person. Further links are mere references to the person (who booked it for someone
    else): at erasure they are cut, and the rest of the row, which is about someone else, stays.
    Models without a link hold either no personal data or data reached another way (sessions).
    ``unlinked`` says why a model holds personal data that no link can reach (free text that
    may name someone, kept as documentation): such rows are not found by a person's export or
    erasure, and the reason is shown in the records of processing.
    """

    label: str
    description: str
    links: tuple[str, ...]
    fields: dict[str, Rule] = field(default_factory=dict)
    unlinked: str = ""

    @property
    def model(self) -> type[models.Model]:
        return apps.get_model(self.label)

    @property
    def personal(self) -> dict[str, Personal]:
        return {k: v for k, v in self.fields.items() if isinstance(v, Personal)}


REGISTRY: dict[str, ModelMap] = {}


def declare(
    label: str,
    *,
    description: str,
    fields: Mapping[str, Rule],
    links: tuple[str, ...] = (),
    unlinked: str = "",
) -> None:
    """Declare a model's fields. Called at import time of each app's ``privacy.py``."""
    if label in REGISTRY:
        raise ValueError(f"{label} is declared twice")
    REGISTRY[label] = ModelMap(
        label=label, description=description, links=links, fields=dict(fields), unlinked=unlinked
    )


def field_names(model: type[models.Model]) -> list[str]:
    """The names a declaration must cover: concrete columns and declared many-to-many links."""
    meta = model._meta
    return [f.name for f in meta.concrete_fields] + [f.name for f in meta.many_to_many]


def undeclared() -> list[str]:
    """Every model field that the data map does not classify, as ``app.Model.field``."""
    missing = []
    for model in apps.get_models():
        label = model._meta.label
        declared = REGISTRY.get(label)
        for name in field_names(model):
            if declared is None or name not in declared.fields:
                missing.append(f"{label}.{name}")
        if declared is not None:
            missing += [
                f"{label}.{n} (declared, no such field)"
                for n in declared.fields
                if n not in field_names(model)
            ]
    return missing


def personal_models() -> list[ModelMap]:
    return [m for m in REGISTRY.values() if m.personal]
