"""Shared schema pieces of the API."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Generic, TypeVar

from ninja import Schema
from pydantic import AfterValidator, AwareDatetime, ConfigDict, field_validator

T = TypeVar("T")


def _representable(value: dt.datetime) -> dt.datetime:
    """Times far outside any booking window (year 1, year 9999 with an offset) would overflow
    in UTC arithmetic or in the database adapter: refuse them as input instead of a 500."""
    try:
        utc = value.astimezone(dt.UTC)
    except OverflowError as exc:
        raise ValueError("the time is out of range") from exc
    if not 1900 <= utc.year <= 9000:
        raise ValueError("the time must lie between the years 1900 and 9000")
    return value


# Every time the API accepts: with a UTC offset, and within a range every layer can handle.
ApiDateTime = Annotated[AwareDatetime, AfterValidator(_representable)]


class StrictIn(Schema):
    """Base of every request body: unknown fields are an error, not silently ignored."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        """PostgreSQL cannot store NUL in text: refuse it here as invalid input, not a 500."""
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("must not contain NUL characters")
        return value


class Page(Schema, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


class Problem(Schema):
    """RFC 9457 problem document; ``code`` is stable and documented."""

    type: str
    title: str
    status: int
    code: str
    detail: str | None = None


ERRORS: dict[int, type[Problem]] = {
    400: Problem,
    401: Problem,
    403: Problem,
    404: Problem,
    409: Problem,
    413: Problem,
    422: Problem,
}
