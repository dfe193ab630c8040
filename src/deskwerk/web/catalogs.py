"""Translation catalogues without GNU gettext: read ``.po`` files, write ``.mo`` files.

The compiled ``.mo`` files are committed, so a fresh machine runs Deskwerk in German without
``msgfmt``. ``python -m deskwerk.web.catalogs`` rewrites them from the ``.po`` files;
``--check`` only reports whether they are current (a test runs the same comparison).
Output is deterministic: entries sorted by key, no hash table (Python's ``gettext`` reads
it like ``msgfmt``'s output).
"""

from __future__ import annotations

import argparse
import ast
import struct
import sys
from dataclasses import dataclass, field
from pathlib import Path

MAGIC = 0x950412DE


@dataclass
class Entry:
    msgid: str
    msgstr: list[str]
    msgctxt: str | None = None
    msgid_plural: str | None = None
    flags: set[str] = field(default_factory=set)

    @property
    def translated(self) -> bool:
        return all(self.msgstr) and bool(self.msgstr)

    @property
    def fuzzy(self) -> bool:
        return "fuzzy" in self.flags


class PoError(ValueError):
    """The ``.po`` file is malformed; the message names the line."""


def _unquote(text: str, line_no: int) -> str:
    text = text.strip()
    if not (len(text) >= 2 and text[0] == '"' and text[-1] == '"'):
        raise PoError(f"line {line_no}: expected a quoted string, got {text!r}")
    # PO strings use C escapes, a subset of Python's; literal_eval decodes them safely.
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError) as exc:
        raise PoError(f"line {line_no}: bad string {text!r}") from exc
    if not isinstance(value, str):
        raise PoError(f"line {line_no}: bad string {text!r}")
    return value


def parse_po(text: str) -> list[Entry]:
    """All entries of a ``.po`` file, the header (``msgid ""``) included; obsolete ones skipped."""
    entries: list[Entry] = []
    current: dict[str, object] = {}
    flags: set[str] = set()
    key: str | None = None

    def finish() -> None:
        nonlocal current, flags, key
        if "msgid" in current:
            plural = current.get("msgstr_plural")
            msgstr = (
                [plural[i] for i in sorted(plural)]
                if isinstance(plural, dict)
                else [str(current.get("msgstr", ""))]
            )
            entries.append(
                Entry(
                    msgid=str(current["msgid"]),
                    msgstr=msgstr,
                    msgctxt=current.get("msgctxt"),  # type: ignore[arg-type]
                    msgid_plural=current.get("msgid_plural"),  # type: ignore[arg-type]
                    flags=flags,
                )
            )
        current, flags, key = {}, set(), None

    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            finish()
            continue
        if line.startswith("#~"):
            continue
        if line.startswith("#,"):
            if "msgid" in current:
                finish()
            flags |= {f.strip() for f in line[2:].split(",") if f.strip()}
            continue
        if line.startswith("#"):
            continue
        if line.startswith('"'):
            if key is None:
                raise PoError(f"line {number}: continuation without a keyword")
            value = _unquote(line, number)
            if key.startswith("msgstr["):
                plural = current["msgstr_plural"]
                index = int(key[7:-1])
                plural[index] += value  # type: ignore[index]
            else:
                current[key] = str(current[key]) + value
            continue
        keyword, _, rest = line.partition(" ")
        # A new entry may follow the previous one without a blank line.
        if keyword in {"msgctxt", "msgid"} and ("msgstr" in current or "msgstr_plural" in current):
            finish()
        value = _unquote(rest, number)
        if keyword.startswith("msgstr["):
            plural = current.setdefault("msgstr_plural", {})
            plural[int(keyword[7:-1])] = value  # type: ignore[index]
        elif keyword in {"msgctxt", "msgid", "msgid_plural", "msgstr"}:
            current[keyword] = value
        else:
            raise PoError(f"line {number}: unknown keyword {keyword!r}")
        key = keyword
    finish()
    return entries


def compile_mo(entries: list[Entry]) -> bytes:
    """The ``.mo`` bytes for the translated, non-fuzzy entries (and the header)."""
    pairs: dict[bytes, bytes] = {}
    for entry in entries:
        is_header = entry.msgid == "" and entry.msgctxt is None
        if not is_header and (entry.fuzzy or not entry.translated):
            continue
        key = entry.msgid
        if entry.msgid_plural is not None:
            key += "\0" + entry.msgid_plural
        if entry.msgctxt is not None:
            key = entry.msgctxt + "\x04" + key
        msgstr = entry.msgstr
        if is_header:
            # Like msgfmt: the extraction date changes on every run and says nothing.
            lines = msgstr[0].splitlines(keepends=True)
            msgstr = ["".join(ln for ln in lines if not ln.startswith("POT-Creation-Date:"))]
        pairs[key.encode("utf-8")] = "\0".join(msgstr).encode("utf-8")
    keys = sorted(pairs)
    count = len(keys)
    originals_at = 7 * 4
    translations_at = originals_at + count * 8
    data_at = translations_at + count * 8
    table_o: list[int] = []
    table_t: list[int] = []
    blob = bytearray()
    for k in keys:
        table_o += [len(k), data_at + len(blob)]
        blob += k + b"\0"
    for k in keys:
        v = pairs[k]
        table_t += [len(v), data_at + len(blob)]
        blob += v + b"\0"
    header = struct.pack("<7I", MAGIC, 0, count, originals_at, translations_at, 0, data_at)
    return (
        header
        + struct.pack(f"<{2 * count}I", *table_o)
        + struct.pack(f"<{2 * count}I", *table_t)
        + bytes(blob)
    )


def catalogues(locale_dirs: list[Path]) -> list[Path]:
    """Every ``.po`` file below the locale directories."""
    return sorted(p for d in locale_dirs for p in Path(d).glob("*/LC_MESSAGES/*.po"))


def stale(po: Path) -> bool:
    """Whether ``po``'s ``.mo`` is missing or differs from a fresh compile."""
    mo = po.with_suffix(".mo")
    expected = compile_mo(parse_po(po.read_text(encoding="utf-8")))
    return not mo.exists() or mo.read_bytes() != expected


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report stale .mo files")
    args = parser.parse_args(argv)
    here = Path(__file__).resolve().parent.parent / "locale"
    status = 0
    for po in catalogues([here]):
        if args.check:
            if stale(po):
                print(f"stale: {po.with_suffix('.mo')}")
                status = 1
            continue
        po.with_suffix(".mo").write_bytes(compile_mo(parse_po(po.read_text(encoding="utf-8"))))
        print(f"compiled {po.with_suffix('.mo')}")
    return status


if __name__ == "__main__":
    sys.exit(main())
