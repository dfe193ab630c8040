"""Profile changes: photo, finder choice, language, favourites. Each one is the person's own,
checked against the bound tenant, and audited in the same transaction."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction

from deskwerk.accounts.models import User
from deskwerk.audit.services import audit_record
from deskwerk.core.errors import InvalidInput, NotFound
from deskwerk.privacy.requests.restriction import processable_people
from deskwerk.profiles.models import FavouriteColleague, FavouriteResource, Profile
from deskwerk.profiles.photos import clean_photo
from deskwerk.profiles.settings import finder_mode, finder_mode_allows_choice
from deskwerk.profiles.storage import photo_storage
from deskwerk.spaces.models import Resource
from deskwerk.tenancy.services import assert_same_tenant

FINDER_CHOICES = (Profile.FinderChoice.SHOWN, Profile.FinderChoice.HIDDEN)


def _profile_for_update(person: User) -> Profile:
    """The person's profile row, locked; created on first change (a read never creates it)."""
    profile = Profile.objects.select_for_update().filter(user=person).first()
    if profile is None:
        try:
            with transaction.atomic():
                profile = Profile.objects.create(user=person)
        except IntegrityError:  # created meanwhile by a parallel request
            profile = Profile.objects.select_for_update().get(user=person)
    return profile


def finder_choice_set(*, actor: User, choice: str) -> Profile:
    """Show or hide oneself in the colleague finder, where the tenant's mode lets people
    decide (else 422 ``finder_choice_not_allowed``). ``""`` returns to the mode's default."""
    if choice not in ("", *FINDER_CHOICES):
        raise InvalidInput("finder_choice must be shown, hidden or empty")
    if not finder_mode_allows_choice(finder_mode(actor.tenant)):
        raise InvalidInput(
            "your organisation decides who appears in the colleague finder",
            code="finder_choice_not_allowed",
        )
    with transaction.atomic():
        profile = _profile_for_update(actor)
        if profile.finder_choice != choice:
            profile.finder_choice = choice
            profile.save(update_fields=["finder_choice", "updated_at"])
            audit_record(
                tenant=actor.tenant,
                actor=actor,
                action="profile.update",
                obj=profile,
                changed_fields=["finder_choice"],
            )
    return profile


def _photo_name(person: User) -> str:
    # A new name per upload: a cached old photo is never served under the new address.
    return f"t{person.tenant_id}/u{person.pk}-{secrets.token_hex(8)}.jpg"


def photo_set(*, actor: User, data: bytes) -> Profile:
    """Check, re-encode and store the person's photo (``deskwerk.profiles.photos``); the
    previous file is deleted once the change is committed."""
    cleaned = clean_photo(data)
    written = ""
    try:
        with transaction.atomic():
            profile = _profile_for_update(actor)
            old = profile.photo.name if profile.photo else ""
            profile.photo.save(_photo_name(actor), ContentFile(cleaned), save=False)
            written = profile.photo.name
            profile.save(update_fields=["photo", "updated_at"])
            audit_record(
                tenant=actor.tenant,
                actor=actor,
                action="profile.photo",
                obj=profile,
                changed_fields=["photo"],
            )
            storage = profile.photo.storage
            if old and old != written:
                transaction.on_commit(lambda: storage.delete(old))
    except Exception:
        if written:  # the row was not changed: the new file must not linger
            photo_storage().delete(written)
        raise
    return profile


def photo_remove(*, actor: User) -> Profile | None:
    """Remove the person's photo (the file goes once committed). Nothing to remove: no-op."""
    with transaction.atomic():
        profile = Profile.objects.select_for_update().filter(user=actor).first()
        if profile is None or not profile.photo:
            return profile
        old = profile.photo.name
        storage = profile.photo.storage
        profile.photo = ""
        profile.save(update_fields=["photo", "updated_at"])
        audit_record(
            tenant=actor.tenant,
            actor=actor,
            action="profile.photo_remove",
            obj=profile,
            changed_fields=["photo"],
        )
        transaction.on_commit(lambda: storage.delete(old))
    return profile


# --- favourites --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Added:
    favourite: FavouriteResource | FavouriteColleague
    created: bool


def _resource(resource_id: int) -> Resource:
    resource = Resource.objects.filter(pk=resource_id).first()  # scoped: foreign ids are 404
    if resource is None:
        raise NotFound("resource not found")
    return resource


def _colleague(actor: User, person_id: int) -> User:
    """A colleague one may pick: same tenant, active, not under restriction (Art. 18)."""
    person = processable_people().filter(pk=person_id).first()
    if person is None:
        raise NotFound("person not found")
    assert_same_tenant(actor.tenant, person)
    return person


def favourite_resource_add(*, actor: User, resource_id: int) -> Added:
    resource = _resource(resource_id)
    with transaction.atomic():
        existing = FavouriteResource.objects.filter(user=actor, resource=resource).first()
        if existing is not None:
            return Added(existing, created=False)
        favourite = FavouriteResource.objects.create(user=actor, resource=resource)
        audit_record(
            tenant=actor.tenant,
            actor=actor,
            action="favourite.add",
            obj=favourite,
            changed_fields=["resource"],
        )
    return Added(favourite, created=True)


def favourite_resource_remove(*, actor: User, resource_id: int) -> bool:
    """Remove a favourite place; ``False`` if it was none (the resource must exist: 404)."""
    resource = _resource(resource_id)
    with transaction.atomic():
        favourite = FavouriteResource.objects.filter(user=actor, resource=resource).first()
        if favourite is None:
            return False
        audit_record(
            tenant=actor.tenant,
            actor=actor,
            action="favourite.remove",
            obj=favourite,
            changed_fields=["resource"],
        )
        favourite.delete()
    return True


def favourite_colleague_add(*, actor: User, person_id: int) -> Added:
    if person_id == actor.pk:
        raise InvalidInput("you cannot be your own favourite colleague", code="favourite_self")
    colleague = _colleague(actor, person_id)
    with transaction.atomic():
        existing = FavouriteColleague.objects.filter(user=actor, colleague=colleague).first()
        if existing is not None:
            return Added(existing, created=False)
        favourite = FavouriteColleague.objects.create(user=actor, colleague=colleague)
        audit_record(
            tenant=actor.tenant,
            actor=actor,
            action="favourite.add",
            obj=favourite,
            changed_fields=["colleague"],
        )
    return Added(favourite, created=True)


def favourite_colleague_remove(*, actor: User, person_id: int) -> bool:
    """Remove a favourite colleague; ``False`` if they were none. Works also for a colleague
    who is now restricted or inactive (removing is not further processing of them)."""
    if not User.objects.filter(pk=person_id).exists():
        raise NotFound("person not found")
    with transaction.atomic():
        favourite = FavouriteColleague.objects.filter(user=actor, colleague_id=person_id).first()
        if favourite is None:
            return False
        audit_record(
            tenant=actor.tenant,
            actor=actor,
            action="favourite.remove",
            obj=favourite,
            changed_fields=["colleague"],
        )
        favourite.delete()
    return True
