"""Links in mails that jobs send name the configured site, not a guess."""

from __future__ import annotations

from deskwerk.offboarding.services import site_url


def test_site_url_wins_over_allowed_hosts(settings):
    settings.ALLOWED_HOSTS = [".acme.example", "desk.acme.example"]
    settings.SITE_URL = ""
    settings.PRODUCTION = True
    assert site_url() == "https://desk.acme.example"  # the first concrete host

    settings.SITE_URL = "https://workplace.acme.example"
    assert site_url() == "https://workplace.acme.example"
