"""Generated floor plans for the demo: a layout (where things are) and its SVG drawing.

The layout is computed first and both the drawing and the resources' ``pos_x``/``pos_y`` are
taken from it, so a desk's marker on the plan and its stored position cannot drift apart.
The SVG is self-contained: presentation attributes only, no script, no links, no external
fonts or images, so it is safe to serve and to inline into a page, and it passes the plan
upload check (``spaces.plans.sanitize_svg``) unchanged. Each resource is a group with the id
``resource-<name>``, for the floor plan's script to find.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

PLAN_WIDTH = 1800
PLAN_HEIGHT = 1100
WALL = 40  # outer wall position from the plan's edge

# Desk islands: two rows of three desks facing each other.
DESK_W, DESK_H = 70, 40
ISLAND_COLS, ISLAND_ROWS = 3, 2
CHAIR_R = 10

# Parking spots.
SPOT_W, SPOT_H = 90, 170

INK = "#33404d"
MUTED = "#7a8794"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"
ZONE_TINTS = ("#eef5fb", "#f2f8ee", "#fbf3ea", "#f4effa")


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2

    def contains(self, x: float, y: float) -> bool:
        return self.x <= x <= self.x + self.w and self.y <= y <= self.y + self.h


def snapped(rect: Rect) -> Rect:
    """Whole-unit coordinates, so the drawn marker and the stored position agree exactly."""
    x, y = round(rect.x), round(rect.y)
    return Rect(x, y, round(rect.x + rect.w) - x, round(rect.y + rect.h) - y)


@dataclass(frozen=True)
class Placed:
    """A bookable thing on the plan; ``rect.cx``/``rect.cy`` become the resource position."""

    name: str
    kind: str  # desk | room | parking
    rect: Rect  # snapped by __post_init__
    zone: str | None = None
    capacity: int = 1
    # Seat orientation for desks (+1: chair below the desk, -1: above); tags for parking.
    facing: int = 1
    tags: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        object.__setattr__(self, "rect", snapped(self.rect))

    @property
    def x(self) -> float:
        return round(self.rect.cx, 1)

    @property
    def y(self) -> float:
        return round(self.rect.cy, 1)


@dataclass
class FloorLayout:
    title: str
    width: int = PLAN_WIDTH
    height: int = PLAN_HEIGHT
    zones: list[tuple[str, Rect]] = field(default_factory=list)
    services: list[tuple[str, Rect]] = field(default_factory=list)  # stairs, lift, WC …
    items: list[Placed] = field(default_factory=list)
    door_gaps: list[tuple[float, float, float]] = field(default_factory=list)  # x0, x1, y
    inner_walls: list[tuple[float, float, float, float]] = field(default_factory=list)
    lanes: list[Rect] = field(default_factory=list)  # corridors, driving lanes
    labels: list[tuple[str, float, float]] = field(default_factory=list)  # zone names
    arrows: list[tuple[float, float, float]] = field(default_factory=list)  # x, y, ±1

    @property
    def outer(self) -> Rect:
        return Rect(WALL, WALL, self.width - 2 * WALL, self.height - 2 * WALL)


def office_layout(
    *,
    title: str,
    desk_prefix: str,
    desk_count: int,
    rooms: Sequence[tuple[str, int]],
    zone_names: Sequence[str],
) -> FloorLayout:
    """An open-plan office: meeting rooms and the core along the north wall, a corridor,
    and desk islands in one strip per zone below it."""
    layout = FloorLayout(title=title)
    outer = layout.outer
    band_bottom = outer.y + 290
    corridor_bottom = band_bottom + 70

    # North band: rooms left and right of the core (stairs, lift, WC).
    core_w = 300.0
    room_weights = [2 + capacity / 2 for _, capacity in rooms]
    available = outer.w - core_w
    widths = [available * w / sum(room_weights) for w in room_weights] if rooms else []
    left_count = (len(rooms) + 1) // 2
    x = outer.x
    segments: list[tuple[str, float, float]] = []
    for index, ((name, _capacity), width) in enumerate(zip(rooms, widths, strict=True)):
        if index == left_count:
            segments.append(("core", x, core_w))
            x += core_w
        segments.append((name, x, width))
        x += width
    if not rooms or left_count == len(rooms):
        segments.append(("core", x, core_w))
    capacities = dict(rooms)
    for name, x0, width in segments:
        if x0 > outer.x:
            layout.inner_walls.append((x0, outer.y, x0, band_bottom))
        if name == "core":
            parts = (("Treppe", 0.38), ("Aufzug", 0.24), ("WC", 0.38))
            px = x0
            for label, share in parts:
                part_w = core_w * share
                layout.services.append((label, Rect(px, outer.y, part_w, band_bottom - outer.y)))
                px += part_w
            continue
        rect = Rect(x0, outer.y, width, band_bottom - outer.y)
        layout.items.append(Placed(name=name, kind="room", rect=rect, capacity=capacities[name]))
        layout.door_gaps.append((x0 + width - 75, x0 + width - 20, band_bottom))
    layout.lanes.append(Rect(outer.x, band_bottom, outer.w, corridor_bottom - band_bottom))

    # Desk area: islands on a grid, zones as vertical strips of island columns.
    area = Rect(
        outer.x + 20, corridor_bottom + 20, outer.w - 40, outer.y + outer.h - corridor_bottom - 40
    )
    island_w = ISLAND_COLS * DESK_W
    island_h = ISLAND_ROWS * DESK_H + 2 * (2 * CHAIR_R + 4)
    zone_count = max(1, len(zone_names))
    zone_w = area.w / zone_count
    cols_per_zone = max(1, int((zone_w - 40 + 60) // (island_w + 60)))
    label_h = 34
    rows = max(1, int((area.h - label_h + 40) // (island_h + 40)))
    capacity = zone_count * cols_per_zone * rows * ISLAND_COLS * ISLAND_ROWS
    if desk_count > capacity:
        raise ValueError(f"{desk_count} desks do not fit on {title!r} (at most {capacity})")
    islands: list[tuple[int, Rect, str]] = []  # (row, island rect, zone)
    for z in range(zone_count):
        zone_name = zone_names[z] if zone_names else ""
        zone_rect = Rect(area.x + z * zone_w, area.y, zone_w, area.h)
        if zone_names:
            layout.zones.append((zone_name, zone_rect))
            layout.labels.append((zone_name, zone_rect.x + 14, zone_rect.y + 24))
        gap_x = (zone_w - cols_per_zone * island_w) / (cols_per_zone + 1)
        gap_y = (area.h - label_h - rows * island_h) / (rows + 1)
        for row in range(rows):
            for col in range(cols_per_zone):
                ix = zone_rect.x + gap_x + col * (island_w + gap_x)
                iy = area.y + label_h + gap_y + row * (island_h + gap_y)
                islands.append((row, Rect(ix, iy, island_w, island_h), zone_name))
    # Fill row by row across all zones, so a partly filled floor still uses every zone.
    islands.sort(key=lambda item: (item[0], item[1].x))
    number = 0
    for _row, island, zone_name in islands:
        for seat_row in range(ISLAND_ROWS):
            for seat_col in range(ISLAND_COLS):
                if number == desk_count:
                    return layout
                number += 1
                dy = island.y + 2 * CHAIR_R + 4 + seat_row * DESK_H
                rect = Rect(island.x + seat_col * DESK_W, dy, DESK_W, DESK_H)
                layout.items.append(
                    Placed(
                        name=f"{desk_prefix}-{number:03d}",
                        kind="desk",
                        rect=rect,
                        zone=zone_name or None,
                        facing=-1 if seat_row == 0 else 1,
                    )
                )
    return layout


def parking_layout(
    *,
    title: str,
    spot_prefix: str,
    spot_count: int,
    ev_count: int,
    accessible_count: int,
    zone_names: Sequence[str] = ("Nord", "Mitte", "Süd"),
) -> FloorLayout:
    """An underground car park: a row along each long wall and a double row in the middle,
    entrance and lift on the west side, accessible spots nearest the lift, chargers north.

    The plan is as wide as its rows need, so small car parks are not drawn mostly empty.
    """
    per_row = math.ceil(spot_count / 4) if spot_count else 0
    west_offset = 260
    width = max(900, 2 * WALL + west_offset + per_row * SPOT_W + 120)
    if width > 4 * PLAN_WIDTH:
        raise ValueError(f"{spot_count} parking spots do not fit on {title!r}")
    layout = FloorLayout(title=title, width=width)
    outer = layout.outer
    west = outer.x + west_offset
    layout.services.append(("Ein-/Ausfahrt", Rect(outer.x, outer.cy - 130, 200, 260)))
    layout.services.append(("Aufzug", Rect(outer.x, outer.y + outer.h - 160, 120, 160)))
    mid_top = outer.cy - SPOT_H
    row_tops = [outer.y, mid_top, mid_top + SPOT_H, outer.y + outer.h - SPOT_H]
    lane_h = mid_top - (outer.y + SPOT_H)
    lanes = [
        Rect(outer.x + 200, outer.y + SPOT_H, outer.w - 200, lane_h),
        Rect(outer.x + 200, mid_top + 2 * SPOT_H, outer.w - 200, lane_h),
    ]
    layout.lanes.extend(lanes)
    # One-way traffic: in along the north lane, out along the south lane.
    for lane, direction in zip(lanes, (1, -1), strict=True):
        for i in range(3):
            layout.arrows.append((lane.x + lane.w * (0.3 + 0.25 * i), lane.cy, float(direction)))
    zone_of_row = [0, 1, 1, 2]
    zones = list(zone_names)[:3]
    label_y = [outer.y + SPOT_H + 30, mid_top - 14, row_tops[3] - 14]
    for index, name in enumerate(zones):
        rows_in_zone = [r for r, z in enumerate(zone_of_row) if z == index]
        top = row_tops[rows_in_zone[0]]
        bottom = row_tops[rows_in_zone[-1]] + SPOT_H
        layout.zones.append((name, Rect(west, top, per_row * SPOT_W, bottom - top)))
        layout.labels.append((name, west + 6, label_y[index]))
    # Numbering starts with the row nearest the lift.
    number = 0
    for row in (3, 2, 1, 0):
        for col in range(per_row):
            if number == spot_count:
                break
            number += 1
            rect = Rect(west + col * SPOT_W, row_tops[row], SPOT_W, SPOT_H)
            tags: set[str] = set()
            if number <= accessible_count:
                tags.add("accessible")
            elif number > spot_count - ev_count:
                tags.add("ev")
            layout.items.append(
                Placed(
                    name=f"{spot_prefix}-{number:02d}",
                    kind="parking",
                    rect=rect,
                    zone=zones[zone_of_row[row]] if zones else None,
                    # The painted back line is against the wall or the neighbouring row.
                    facing=1 if row in (0, 2) else -1,
                    tags=frozenset(tags),
                )
            )
    return layout


def _num(value: float) -> str:
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _rect(r: Rect, **attrs: str) -> str:
    extra = "".join(f" {k.replace('_', '-')}={quoteattr(v)}" for k, v in attrs.items())
    return (
        f'<rect x="{_num(r.x)}" y="{_num(r.y)}" width="{_num(r.w)}" height="{_num(r.h)}"{extra}/>'
    )


def _text(x: float, y: float, content: str, **attrs: str) -> str:
    extra = "".join(f" {k.replace('_', '-')}={quoteattr(v)}" for k, v in attrs.items())
    return f'<text x="{_num(x)}" y="{_num(y)}"{extra}>{escape(content)}</text>'


def element_id(name: str) -> str:
    """The id of a resource's group in the plan (ids and classes survive the upload check)."""
    return "resource-" + re.sub(r"\s+", "_", name)


def _group(item: Placed) -> str:
    return f"<g id={quoteattr(element_id(item.name))} class={quoteattr(item.kind)}>"


def _draw_room(item: Placed, out: list[str]) -> None:
    r = item.rect
    table_w = r.w * 0.5
    table_h = min(r.h * 0.3, 34 + 6 * item.capacity)
    table = Rect(r.cx - table_w / 2, r.cy - table_h / 2 + 12, table_w, table_h)
    out.append(_group(item))
    out.append(_rect(r, fill="#f7f9fb", stroke="none"))
    out.append(_rect(table, rx="10", fill="#ffffff", stroke=MUTED, stroke_width="2"))
    per_side = math.ceil(item.capacity / 2)
    for side, count in ((-1, per_side), (1, item.capacity - per_side)):
        for i in range(count):
            cx = table.x + table.w * (i + 1) / (count + 1)
            cy = table.y - CHAIR_R - 3 if side < 0 else table.y + table.h + CHAIR_R + 3
            out.append(
                f'<circle cx="{_num(cx)}" cy="{_num(cy)}" r="{CHAIR_R - 2}" fill="#dfe5ea"/>'
            )
    out.append(_text(r.x + 14, r.y + 28, item.name, font_size="20", font_weight="600"))
    out.append(_text(r.x + 14, r.y + 50, f"{item.capacity} Plätze", font_size="15", fill=MUTED))
    out.append("</g>")


def _draw_desk(item: Placed, out: list[str]) -> None:
    r = item.rect
    chair_y = r.y - CHAIR_R - 3 if item.facing < 0 else r.y + r.h + CHAIR_R + 3
    out.append(_group(item))
    out.append(_rect(r, fill="#ffffff", stroke=INK, stroke_width="1.5"))
    out.append(f'<circle cx="{_num(r.cx)}" cy="{_num(chair_y)}" r="{CHAIR_R}" fill="#c9d3dc"/>')
    number = item.name.rsplit("-", 1)[-1]
    out.append(_text(r.cx, r.cy + 5, number, font_size="13", text_anchor="middle", fill=MUTED))
    out.append("</g>")


def _draw_spot(item: Placed, out: list[str]) -> None:
    r = item.rect
    fill = "#e3f1e6" if "ev" in item.tags else "#e2ecf8" if "accessible" in item.tags else "none"
    out.append(_group(item))
    out.append(_rect(r, fill=fill, stroke="none"))
    # Painted lines: both sides and the back; the lane side stays open.
    back_y = r.y if item.facing > 0 else r.y + r.h
    out.append(
        f'<path d="M{_num(r.x)} {_num(r.y)}V{_num(r.y + r.h)}M{_num(r.x + r.w)} {_num(r.y)}'
        f'V{_num(r.y + r.h)}M{_num(r.x)} {_num(back_y)}H{_num(r.x + r.w)}" '
        f'stroke="{MUTED}" stroke-width="3" fill="none"/>'
    )
    out.append(
        _text(r.cx, r.cy + 6, item.name.rsplit("-", 1)[-1], font_size="18", text_anchor="middle")
    )
    if "ev" in item.tags:
        out.append(
            _text(r.cx, r.cy + 40, "⚡", font_size="22", text_anchor="middle", fill="#2f8a46")
        )
    if "accessible" in item.tags:
        out.append(
            _text(r.cx, r.cy + 40, "♿", font_size="22", text_anchor="middle", fill="#2d6cb5")
        )
    out.append("</g>")


def render_svg(layout: FloorLayout) -> str:
    """The plan as a standalone SVG document (UTF-8, viewBox = plan coordinates)."""
    w, h = layout.width, layout.height
    outer = layout.outer
    out: list[str] = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" '
        f'font-family={quoteattr(FONT)} fill="{INK}">',
        f"<title>{escape(layout.title)}</title>",
        _rect(Rect(0, 0, w, h), fill="#ffffff"),
        _rect(outer, fill="#fcfcfd", stroke="none"),
    ]
    for lane in layout.lanes:
        out.append(_rect(lane, fill="#f1f3f5"))
    for index, (_name, zone) in enumerate(layout.zones):
        out.append(
            _rect(
                zone,
                rx="12",
                fill=ZONE_TINTS[index % len(ZONE_TINTS)],
                stroke="#d5dde5",
                stroke_dasharray="6 6",
            )
        )
    for lane_x, lane_y, direction in layout.arrows:
        tip, back = lane_x + 22 * direction, lane_x - 22 * direction
        out.append(
            f'<path d="M{_num(back)} {_num(lane_y)}H{_num(tip)}M{_num(tip - 12 * direction)} '
            f"{_num(lane_y - 10)}L{_num(tip)} {_num(lane_y)}L{_num(tip - 12 * direction)} "
            f'{_num(lane_y + 10)}" stroke="#b5bfc9" stroke-width="4" fill="none"/>'
        )
    for label, rect in layout.services:
        out.append(_rect(rect, fill="#e9ecef", stroke=INK, stroke_width="2"))
        if label == "Treppe":
            steps = "".join(
                f"M{_num(rect.x + 12)} {_num(y)}H{_num(rect.x + rect.w - 12)}"
                for y in range(int(rect.y + 60), int(rect.y + rect.h - 10), 18)
            )
            out.append(f'<path d="{steps}" stroke="{MUTED}" stroke-width="1.5" fill="none"/>')
        elif label == "Aufzug":
            inset = Rect(rect.x + 10, rect.y + 50, rect.w - 20, min(rect.w - 20, rect.h - 60))
            out.append(_rect(inset, fill="none", stroke=MUTED, stroke_width="1.5"))
            out.append(
                f'<path d="M{_num(inset.x)} {_num(inset.y)}L{_num(inset.x + inset.w)} '
                f"{_num(inset.y + inset.h)}M{_num(inset.x + inset.w)} {_num(inset.y)}"
                f'L{_num(inset.x)} {_num(inset.y + inset.h)}" stroke="{MUTED}" stroke-width="1.5"/>'
            )
        out.append(_text(rect.x + 10, rect.y + 26, label, font_size="15", fill=MUTED))
    for item in layout.items:
        {"room": _draw_room, "desk": _draw_desk, "parking": _draw_spot}[item.kind](item, out)
    for label, x, y in layout.labels:
        out.append(_text(x, y, label, font_size="17", font_weight="600", fill=MUTED))
    # Walls last, so they sit on top: inner walls, the corridor wall with door gaps, outer wall.
    walls = [f"M{_num(a)} {_num(b)}L{_num(c)} {_num(d)}" for a, b, c, d in layout.inner_walls]
    if layout.door_gaps:
        y = layout.door_gaps[0][2]
        x = outer.x
        for x0, x1, _y in sorted(layout.door_gaps):
            walls.append(f"M{_num(x)} {_num(y)}H{_num(x0)}")
            x = x1
        walls.append(f"M{_num(x)} {_num(y)}H{_num(outer.x + outer.w)}")
        arcs = "".join(
            f"M{_num(x0)} {_num(gy)}A{_num(x1 - x0)} {_num(x1 - x0)} 0 0 1 {_num(x1)} "
            f"{_num(gy - (x1 - x0))}V{_num(gy)}"
            for x0, x1, gy in layout.door_gaps
        )
        out.append(f'<path d="{arcs}" stroke="{MUTED}" stroke-width="1.5" fill="none"/>')
    if walls:
        out.append(f'<path d="{"".join(walls)}" stroke="{INK}" stroke-width="6" fill="none"/>')
    out.append(_rect(outer, fill="none", stroke=INK, stroke_width="10"))
    out.append(_text(outer.x, h - 12, layout.title, font_size="18", font_weight="600"))
    out.append("</svg>")
    return "\n".join(out) + "\n"
