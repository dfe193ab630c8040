"""Data map of profiles: the photo and the finder choice are profile data (DPA § 4 (1) c), and
so are favourites (places and colleagues a person picked)."""

from deskwerk.privacy.datamap import (
    KEY,
    TENANT,
    Action,
    Category,
    Personal,
    declare,
)

PROFILE_RETENTION = (
    "while the person has an account, or until they remove it; deleted at erasure or tenant "
    "offboarding"
)


def _profile(purpose: str) -> Personal:
    return Personal(Category.PROFILE, purpose, PROFILE_RETENTION, on_erasure=Action.DELETE_ROW)


declare(
    "profiles.Profile",
    description="A person's profile: photo and colleague-finder choice.",
    links=("user",),
    fields={
        "id": KEY,
        "tenant": TENANT,
        "user": _profile("whose profile it is"),
        "photo": _profile(
            "shown to colleagues of the same organisation next to the person's name "
            "(re-encoded, metadata removed; the file is deleted with the row)"
        ),
        "finder_choice": _profile(
            "the person's own choice to appear in the colleague finder or not, where the "
            "organisation lets people decide"
        ),
        "updated_at": _profile("when the person last changed their profile"),
    },
)

declare(
    "profiles.FavouriteResource",
    description="Places a person marked as favourites, for one-click booking.",
    links=("user",),
    fields={
        "id": KEY,
        "tenant": TENANT,
        "user": _profile("whose favourite it is"),
        "resource": _profile("the favourite place"),
        "created_at": _profile("when it was marked as a favourite"),
    },
)

declare(
    "profiles.FavouriteColleague",
    description=(
        "Colleagues a person marked as favourites, listed first in the colleague finder. "
        "The row goes when either of the two is erased."
    ),
    links=("user",),
    fields={
        "id": KEY,
        "tenant": TENANT,
        "user": _profile("whose favourite it is"),
        "colleague": _profile("the favourite colleague"),
        "created_at": _profile("when it was marked as a favourite"),
    },
)
