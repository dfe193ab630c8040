"""Bounded tenant settings: reading never fails, writing refuses what is out of bounds."""

from __future__ import annotations

import pytest

from deskwerk.core.errors import InvalidInput
from deskwerk.privacy.settings import privacy_settings, privacy_settings_update


@pytest.mark.parametrize("stored", [True, 0, 9999, "30", None, 3.5])
def test_a_stored_value_that_is_not_a_whole_number_in_bounds_reads_as_the_default(tenant, stored):
    tenant.settings = {"privacy": {"pseudonymise_after_days": stored}}
    assert privacy_settings(tenant).pseudonymise_after_days == 30


def test_a_section_that_is_not_a_mapping_reads_as_defaults(tenant):
    tenant.settings = {"privacy": ["garbage"]}
    assert privacy_settings(tenant).audit_retention_days == 365


@pytest.mark.parametrize("value", [True, 0, 366, "7"])
def test_writing_refuses_values_out_of_bounds_and_keeps_the_old_ones(bound, owner, tenant, value):
    with pytest.raises(InvalidInput) as exc:
        privacy_settings_update(
            actor=owner, tenant=tenant, changes={"pseudonymise_after_days": value}
        )
    assert exc.value.code == "setting_out_of_bounds"
    tenant.refresh_from_db()
    assert privacy_settings(tenant).pseudonymise_after_days == 30


def test_writing_keeps_the_other_values_of_the_section(bound, owner, tenant):
    privacy_settings_update(actor=owner, tenant=tenant, changes={"usage_retention_days": 7})
    privacy_settings_update(actor=owner, tenant=tenant, changes={"pseudonymise_after_days": 14})
    tenant.refresh_from_db()
    current = privacy_settings(tenant)
    assert (current.usage_retention_days, current.pseudonymise_after_days) == (7, 14)
