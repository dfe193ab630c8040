"""Statistics and the Markdown written to bench/RESULTS.md (one appended section per run)."""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

RESULTS_HEADER = """# Benchmark results

Appended by `.venv/bin/python -m bench` (see bench/README.md), newest last; never edited by
hand. Each section names the machine, the database and the commit it measured. Times are
medians unless marked; "p95" is the 95th percentile (nearest rank).
"""


@dataclass
class Section:
    title: str
    lines: list[str] = field(default_factory=list)
    # (target, met?) pairs; a section is ok when it ran and met every target.
    targets: list[tuple[str, bool]] = field(default_factory=list)
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error and all(met for _, met in self.targets)

    def target(self, text: str, met: bool) -> None:
        self.targets.append((text, met))


def failed_section(name: str, exc: BaseException) -> Section:
    return Section(title=name, error=f"{type(exc).__name__}: {exc}")


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty sample."""
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def summary(values: Sequence[float]) -> tuple[str, str, str]:
    """(median, p95, min) of a sample of durations in seconds, formatted in ms."""
    return ms(statistics.median(values)), ms(percentile(values, 95)), ms(min(values))


def verdict(met: bool) -> str:
    return "met" if met else "**NOT met**"


def render(
    *,
    machine: dict[str, str],
    database: dict[str, str],
    dataset,
    sections: list[Section],
    elapsed: float,
) -> str:
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    out = [
        f"## {now} · {database['vendor']}",
        "",
        f"- Machine: {machine['cpu']}, {machine['ram']} RAM, {machine['os']}; load average "
        f"{machine['load']} — the machine is shared, so treat single runs with care",
        f"- Python {machine['python']}, Django {machine['django']}, {database['version']}",
        f"- Commit: {machine['commit']}",
        f"- Data: {dataset.describe()}",
        f"- Whole run: {elapsed:.0f} s",
        "",
    ]
    for section in sections:
        out.append(f"### {section.title}")
        out.append("")
        if section.error:
            out += [f"**Failed:** `{section.error}`", ""]
            continue
        out += section.lines
        if section.targets:
            out.append("")
            out += [f"- Target {text}: {verdict(met)}" for text, met in section.targets]
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def append(path: Path, text: str) -> None:
    """Append one run's section; create the file with its header first if needed."""
    if not path.exists():
        path.write_text(RESULTS_HEADER, encoding="utf-8")
    with path.open("a", encoding="utf-8") as fh:
        fh.write("\n" + text)
