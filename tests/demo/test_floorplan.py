"""The generated floor plans: safe SVG, and resources exactly where they are drawn."""

from __future__ import annotations

import datetime as dt

import pytest

from deskwerk.demo.floorplan import office_layout, parking_layout, render_svg
from deskwerk.demo.holidays import easter_sunday, is_working_day
from deskwerk.demo.seed import FULL, SMALL, _layouts
from deskwerk.spaces.plans import sanitize_svg
from tests.demo.conftest import drawn_positions, parse_safe_svg


@pytest.mark.parametrize("scale", [FULL, SMALL], ids=["full", "small"])
def test_every_layout_draws_each_item_where_it_is_placed(scale):
    for _spec, layout in _layouts(scale):
        root = parse_safe_svg(render_svg(layout))
        drawn = drawn_positions(root)
        assert set(drawn) == {item.name for item in layout.items}
        for item in layout.items:
            x, y = drawn[item.name]
            assert abs(x - item.x) < 0.1, item.name
            assert abs(y - item.y) < 0.1, item.name
            assert 0 < item.x < layout.width
            assert 0 < item.y < layout.height
            assert layout.outer.contains(item.x, item.y)


def test_desks_sit_in_their_zone_and_do_not_overlap():
    layout = office_layout(
        title="T",
        desk_prefix="X",
        desk_count=100,
        rooms=[("A", 4), ("B", 12), ("C", 6)],
        zone_names=["Eins", "Zwei", "Drei"],
    )
    zones = dict(layout.zones)
    desks = [i for i in layout.items if i.kind == "desk"]
    assert len(desks) == 100
    assert {d.zone for d in desks} == {"Eins", "Zwei", "Drei"}
    for desk in desks:
        assert zones[desk.zone].contains(desk.x, desk.y)
    rects = [d.rect for d in layout.items]
    for i, a in enumerate(rects):
        for b in rects[i + 1 :]:
            assert a.x + a.w <= b.x or b.x + b.w <= a.x or a.y + a.h <= b.y or b.y + b.h <= a.y


def test_too_many_desks_are_refused_rather_than_drawn_off_the_plan():
    with pytest.raises(ValueError, match="do not fit"):
        office_layout(title="T", desk_prefix="X", desk_count=500, rooms=[], zone_names=["A"])


def test_parking_marks_chargers_and_accessible_spots():
    layout = parking_layout(
        title="P", spot_prefix="P", spot_count=40, ev_count=8, accessible_count=2
    )
    spots = layout.items
    assert len(spots) == 40
    assert len({s.name for s in spots}) == 40
    assert sum("ev" in s.tags for s in spots) == 8
    assert sum("accessible" in s.tags for s in spots) == 2
    text = render_svg(layout)
    parse_safe_svg(text)
    assert text.count("⚡") == 8


def test_names_are_escaped_in_the_drawing():
    layout = office_layout(
        title="<b>&",
        desk_prefix="X",
        desk_count=1,
        rooms=[('"><script>alert(1)</script>', 4)],
        zone_names=["A&B"],
    )
    text = render_svg(layout)
    parse_safe_svg(text)
    assert "<script>" not in text


def test_easter_and_stuttgart_holidays():
    assert easter_sunday(2024) == dt.date(2024, 3, 31)
    assert easter_sunday(2025) == dt.date(2025, 4, 20)
    assert easter_sunday(2026) == dt.date(2026, 4, 5)
    assert not is_working_day(dt.date(2026, 4, 3))  # Good Friday
    assert not is_working_day(dt.date(2026, 6, 4))  # Corpus Christi (Baden-Württemberg)
    assert not is_working_day(dt.date(2026, 1, 6))  # Epiphany (Baden-Württemberg)
    assert not is_working_day(dt.date(2026, 4, 11))  # a Saturday
    assert is_working_day(dt.date(2026, 4, 8))


def test_demo_plans_pass_the_upload_check_unchanged_in_substance():
    """An admin may download a demo plan and upload it again: the plan check must accept it."""
    for _spec, layout in _layouts(SMALL):
        text = render_svg(layout)
        cleaned = sanitize_svg(text.encode()).decode()
        assert drawn_positions(parse_safe_svg(cleaned)) == drawn_positions(parse_safe_svg(text))
