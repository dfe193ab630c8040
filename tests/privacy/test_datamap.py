"""The data map classifies every field of every model — and only fields that exist."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import models

from deskwerk.privacy.datamap import REGISTRY, Action, Personal, declare, undeclared


def test_every_field_of_every_model_is_classified():
    assert undeclared() == []


def test_the_check_notices_an_unclassified_field(monkeypatch):
    declared = REGISTRY["bookings.Booking"]
    fields = dict(declared.fields)
    del fields["note"]
    monkeypatch.setattr(declared, "fields", fields)
    assert undeclared() == ["bookings.Booking.note"]


def test_every_model_is_declared_once_and_exists():
    labels = {m._meta.label for m in apps.get_models()}
    assert set(REGISTRY) == labels
    with pytest.raises(ValueError, match="twice"):
        declare("bookings.Booking", description="", fields={})


def test_links_name_real_fields_and_personal_models_have_them():
    for model_map in REGISTRY.values():
        for link in model_map.links:
            assert link in model_map.fields, (model_map.label, link)
        if model_map.personal and not model_map.links and not model_map.unlinked:
            # Allowed only for rows that go with a parent that is linked to the person, or
            # with a stated reason why no link can reach them.
            parents = [
                f.related_model._meta.label
                for f in model_map.model._meta.concrete_fields
                if f.is_relation and f.remote_field.on_delete is models.CASCADE
            ]
            assert any(REGISTRY[p].links for p in parents if p in REGISTRY), (
                f"{model_map.label} holds personal data but names no link and no parent"
            )


def test_a_legal_hold_needs_a_reason():
    from deskwerk.privacy.datamap import Category

    with pytest.raises(ValueError, match="legal hold"):
        Personal(Category.BOOKING, "x", "y", on_erasure=Action.LEGAL_HOLD)


def test_contact_data_lives_apart_from_other_personal_data():
    """Annex 1 I.6: contact fields sit in tables of their own (the account's sign-in e-mail
    is account data)."""
    from deskwerk.privacy.datamap import Category

    for model_map in REGISTRY.values():
        categories = {rule.category for rule in model_map.personal.values()}
        if Category.CONTACT in categories:
            assert categories <= {Category.CONTACT, Category.MASTER}, model_map.label
