"""Data map of bookings: booking data (§ 4 j), pseudonymised after the tenant's deadline."""

from deskwerk.privacy.datamap import KEY, TECHNICAL, TENANT, Action, Category, Personal, declare

RETENTION = (
    "linked to the person until the tenant's pseudonymisation deadline after the end "
    "(default 30 days); then kept pseudonymised for statistics"
)


def _booking(purpose: str, on_pseudonymise: Action = Action.KEEP) -> Personal:
    return Personal(
        Category.BOOKING,
        purpose,
        RETENTION,
        on_erasure=on_pseudonymise,
        on_pseudonymise=on_pseudonymise,
    )


declare(
    "bookings.Booking",
    description="Who holds which resource when.",
    links=("booked_for", "booked_by"),
    fields={
        "id": KEY,
        "tenant": TENANT,
        "resource": _booking("what was booked"),
        "floor": _booking("what was booked (copied for fast availability)"),
        "booked_for": _booking("whose booking it is", Action.PSEUDONYMISE),
        "booked_by": _booking("who made it (on behalf of a colleague)", Action.PSEUDONYMISE),
        "starts_at": _booking("when"),
        "ends_at": _booking("when"),
        "state": _booking("confirmed, checked in, completed, cancelled or released"),
        "note": Personal(
            Category.CONTENT,
            "the person's remark on the booking",
            RETENTION,
            on_erasure=Action.CLEAR,
            on_pseudonymise=Action.CLEAR,
        ),
        "person_pseudonym": _booking("statistics after the link to the person is cut"),
        "pseudonymised_at": TECHNICAL,
        "created_at": _booking("when the booking was made"),
        "updated_at": _booking("when it last changed"),
    },
)
