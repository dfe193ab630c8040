from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    """The per-tenant compliance report with live evidence (DPA § 15, Annex 1)."""

    name = "deskwerk.compliance"
    label = "compliance"
