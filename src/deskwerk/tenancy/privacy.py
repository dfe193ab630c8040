"""Data map: tenants are companies (the controllers), not people."""

from deskwerk.privacy.datamap import KEY, NotPersonal, declare

COMPANY = NotPersonal("about the customer company, not a natural person")

declare(
    "tenancy.Tenant",
    description="Customer companies (controllers) and their settings.",
    fields={
        "id": KEY,
        "name": COMPANY,
        "slug": COMPANY,
        "status": COMPANY,
        "kind": NotPersonal("customer or the operator's own tenant"),
        "default_timezone": COMPANY,
        "settings": NotPersonal("configuration values only (retention periods, modes)"),
        "created_at": COMPANY,
    },
)
