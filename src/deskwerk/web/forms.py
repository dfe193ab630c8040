"""Forms of the minimal web front (the full web app is a later issue)."""

from __future__ import annotations

from django import forms


class TenantPickForm(forms.Form):
    organisation = forms.SlugField(max_length=50, label="Organisation")


class LoginForm(forms.Form):
    email = forms.EmailField(max_length=254)
    password = forms.CharField(widget=forms.PasswordInput, max_length=1024, strip=False)
