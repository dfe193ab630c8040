"""Floor plans: only safe SVG, PNG and JPEG reach storage."""

from __future__ import annotations

import pytest

from deskwerk.core.errors import Forbidden, InvalidInput
from deskwerk.spaces.plans import MAX_PLAN_BYTES, floor_plan_set, sanitize_svg

GOOD = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 50">'
    b'<title>Floor 1</title><rect x="1" y="1" width="98" height="48" fill="url(#g)"/>'
    b'<text x="5" y="20">Desk 1.01</text></svg>'
)


def test_it_keeps_drawing_elements():
    cleaned = sanitize_svg(GOOD)
    assert b"<rect" in cleaned
    assert b"Desk 1.01" in cleaned
    assert b"viewBox" in cleaned


@pytest.mark.parametrize(
    "evil",
    [
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
        b'<svg xmlns="http://www.w3.org/2000/svg"><image href="https://evil.test/x.png"/></svg>',
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:x="http://www.w3.org/1999/xlink">'
        b'<use x:href="https://evil.test/a.svg#b"/></svg>',
        b'<svg xmlns="http://www.w3.org/2000/svg"><rect fill="url(https://evil.test/p)"/></svg>',
        b'<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><p>x</p></foreignObject></svg>',
        b'<svg xmlns="http://www.w3.org/2000/svg"><style>@import url(//evil.test)</style></svg>',
        b'<!DOCTYPE svg [<!ENTITY a "aaaa">]><svg xmlns="http://www.w3.org/2000/svg">&a;</svg>',
        b'<svg xmlns="http://www.w3.org/2000/svg"><a href="javascript:alert(1)"><rect/></a></svg>',
        b"<svg><rect/></svg>",  # no SVG namespace: not an SVG document
        b'<svg xmlns="http://www.w3.org/2000/svg"><rect',  # not well-formed
    ],
)
def test_it_refuses_active_or_external_content(evil):
    with pytest.raises(InvalidInput) as exc:
        sanitize_svg(evil)
    assert exc.value.code == "invalid_plan"


def test_an_admin_stores_a_plan_and_a_member_may_not(
    bound, owner, member, site, tmp_path, settings, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    with pytest.raises(Forbidden):
        floor_plan_set(actor=member, floor=site.floor, data=GOOD)
    floor = floor_plan_set(actor=owner, floor=site.floor, data=GOOD)
    assert floor.plan_image.name.endswith(".svg")
    first = floor.plan_image.name
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
    assert (tmp_path / first).exists()
    with django_capture_on_commit_callbacks(execute=True):
        floor = floor_plan_set(actor=owner, floor=site.floor, data=png)
    assert floor.plan_image.name.endswith(".png")
    assert not (tmp_path / first).exists()  # the replaced plan is gone after commit


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"GIF89a....", "invalid_plan"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * MAX_PLAN_BYTES, "plan_too_large"),
    ],
)
def test_it_refuses_other_formats_and_oversized_files(
    bound, owner, site, tmp_path, settings, data, code
):
    settings.MEDIA_ROOT = tmp_path
    with pytest.raises(InvalidInput) as exc:
        floor_plan_set(actor=owner, floor=site.floor, data=data)
    assert exc.value.code == code
    site.floor.refresh_from_db()
    assert not site.floor.plan_image
