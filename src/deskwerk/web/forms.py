"""Forms of the minimal web front (the full web app is a later issue)."""

from __future__ import annotations

from django import forms


class TenantPickForm(forms.Form):
    organisation = forms.SlugField(max_length=50, label="Organisation")
