"""Reading the audit log: filtered lists, and verifying a tenant's hash chain."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from deskwerk.audit.chain import HASHED, row_hash
from deskwerk.audit.models import GENESIS, AuditChain, AuditEvent
from deskwerk.tenancy.models import Tenant


def audit_events(
    *,
    tenant: Tenant,
    action: str | None = None,
    actor_id: int | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> QuerySet[AuditEvent]:
    """The tenant's events matching every given filter; ``since`` inclusive, ``until`` not."""
    qs = AuditEvent.unscoped.filter(tenant=tenant)
    if action:
        qs = qs.filter(action=action)
    if actor_id is not None:
        qs = qs.filter(actor_id=actor_id)
    if object_type:
        qs = qs.filter(object_type=object_type)
    if object_id:
        qs = qs.filter(object_id=object_id)
    if since is not None:
        qs = qs.filter(at__gte=since)
    if until is not None:
        qs = qs.filter(at__lt=until)
    return qs


def chain_pages(
    qs: QuerySet[AuditEvent], columns: Sequence[str], *, size: int
) -> Iterator[list[dict[str, Any]]]:
    """The sealed rows of ``qs`` in ``seq`` order, as pages of value dicts.

    Ordered by ``seq`` alone, so the (tenant, seq) index delivers each page without sorting the
    rest; each page starts at the last page's ``seq`` and skips the rows already seen there, so
    positions taken twice (after tampering) are not lost at page boundaries either.
    """
    fields = list(dict.fromkeys([*columns, "id", "seq"]))
    sealed = qs.filter(seq__isnull=False).order_by("seq")
    page = list(sealed.values(*fields)[:size])
    last: int | None = None
    seen: set[int] = set()
    while page:
        yield page
        if len(page) < size:
            return
        if page[-1]["seq"] != last:
            last, seen = page[-1]["seq"], set()
        seen.update(row["id"] for row in page if row["seq"] == last)
        after = sealed.filter(seq__gte=last).exclude(seq=last, id__in=seen)
        page = list(after.values(*fields)[:size])


@dataclass(frozen=True)
class Finding:
    """One sign of tampering. ``kind``: changed, missing, inserted or relinked."""

    kind: str
    detail: str
    seq: int | None = None
    event_id: int | None = None

    def __str__(self) -> str:
        where = f"seq {self.seq}" if self.seq is not None else "outside the chain"
        row = f", event {self.event_id}" if self.event_id is not None else ""
        return f"{self.kind} ({where}{row}): {self.detail}"


@dataclass
class Verification:
    tenant: Tenant
    checked: int = 0
    first_seq: int = 0  # the anchor: the chain starts after it
    head_seq: int = 0
    head_hash: str = GENESIS
    unsealed: int = 0
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings


def _rows(first: int, last: int) -> str:
    return f"row {first}" if first == last else f"rows {first}..{last}"


def audit_verify(tenant: Tenant, *, chunk: int = 5000) -> Verification:
    """Walk the tenant's chain from its anchor to its head and report every break.

    Detects a changed row (its hash no longer matches), a deleted row (a gap in ``seq``, or a
    chain ending before the recorded head), an inserted row (beyond the head, a repeated or
    missing position, or a hash outside the chain) and a row whose link to its predecessor
    was rewritten. Each finding names the row, so one change is reported once, not as a
    cascade. Rows not sealed yet are counted, not judged.
    """
    chain = AuditChain.unscoped.filter(tenant=tenant).first() or AuditChain(tenant=tenant)
    result = Verification(
        tenant=tenant,
        first_seq=chain.anchor_seq,
        head_seq=chain.head_seq,
        head_hash=chain.head_hash,
    )
    found = result.findings
    expected, prev = chain.anchor_seq + 1, chain.anchor_hash
    columns = ("seq", *HASHED[1:], "actor_label", "prev_hash", "hash")
    rows = AuditEvent.unscoped.filter(tenant=tenant)
    for page in chain_pages(rows, columns, size=chunk):
        for row in page:
            seq, pk = row["seq"], row["id"]
            gap = seq > expected
            if seq < expected:
                found.append(
                    Finding("inserted", "position taken twice or before the chain's start", seq, pk)
                )
            elif gap:
                found.append(
                    Finding(
                        "missing",
                        f"{_rows(expected, seq - 1)} deleted (before event {pk})",
                        expected,
                    )
                )
            if row["prev_hash"] != prev and not gap and seq >= expected:
                found.append(
                    Finding(
                        "relinked",
                        "does not follow the row before it: that row was rewritten or replaced",
                        seq,
                        pk,
                    )
                )
            if row["hash"] != row_hash(row, row["prev_hash"] or ""):
                found.append(Finding("changed", "content differs from when it was sealed", seq, pk))
            result.checked += 1
            if seq >= expected:
                expected, prev = seq + 1, row["hash"]
    if expected - 1 < chain.head_seq:
        found.append(
            Finding("missing", f"{_rows(expected, chain.head_seq)} deleted at the end", expected)
        )
    elif expected - 1 > chain.head_seq:
        found.append(
            Finding(
                "inserted",
                f"{_rows(chain.head_seq + 1, expected - 1)} beyond the recorded head",
                chain.head_seq + 1,
            )
        )
    elif prev != chain.head_hash:
        found.append(
            Finding("relinked", "the last row differs from the recorded head", chain.head_seq)
        )
    outside = AuditEvent.unscoped.filter(tenant=tenant, seq__isnull=True)
    for pk in outside.filter(hash__isnull=False).values_list("id", flat=True):
        found.append(Finding("inserted", "carries a hash but has no place in the chain", None, pk))
    result.unsealed = outside.filter(hash__isnull=True).count()
    return result
