"""Data map of usage and device data (§ 4 f, i): linked until the pseudonymisation deadline,
deleted after the usage retention period."""

from deskwerk.privacy.datamap import KEY, TECHNICAL, TENANT, Action, Category, Personal, declare

RETENTION = (
    "deleted after the tenant's usage retention (default 30 days, 1-365); linked to the person "
    "only until the tenant's pseudonymisation deadline (default 30 days)"
)


def _usage(
    purpose: str, category: Category = Category.USAGE, on_pseudonymise: Action = Action.KEEP
) -> Personal:
    # At erasure the person's rows go entirely: nothing in them is needed once they are gone.
    return Personal(
        category, purpose, RETENTION, on_erasure=Action.DELETE_ROW, on_pseudonymise=on_pseudonymise
    )


declare(
    "usage.UsageEvent",
    description="Authenticated requests: when, which page or operation, outcome, device family.",
    links=("user",),
    fields={
        "id": KEY,
        "tenant": TENANT,
        "user": _usage("whose request it was", on_pseudonymise=Action.PSEUDONYMISE),
        "person_pseudonym": _usage("usage statistics after the link to the person is cut"),
        "pseudonymised_at": TECHNICAL,
        "at": _usage("access time: usage statistics, security"),
        "route": _usage("which page or API operation was used (a name, never the full path)"),
        "method": _usage("reading or writing"),
        "status": _usage("whether the request succeeded: spotting errors and misuse"),
        "user_agent": _usage(
            "browser family, major version and operating system: which clients to support",
            Category.DEVICE,
        ),
        "ip": _usage(
            "network of origin (truncated to /24 or /48): spotting misuse",
            Category.DEVICE,
            on_pseudonymise=Action.CLEAR,
        ),
    },
)
