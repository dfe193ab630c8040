"""Domain errors with stable codes. The API turns them into RFC 9457 problem documents."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A refusal the caller can act on. ``code`` is part of the API contract: never rename."""

    status: int = 400
    code: str = "bad_request"
    title: str = "Bad request"

    def __init__(self, detail: str, *, code: str | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        if code is not None:
            self.code = code
        self.extra = extra


class NotFound(DomainError):
    """Missing, or belonging to another tenant: the two are indistinguishable on purpose."""

    status = 404
    code = "not_found"
    title = "Not found"


class Forbidden(DomainError):
    status = 403
    code = "permission_denied"
    title = "Permission denied"


class Conflict(DomainError):
    status = 409
    code = "conflict"
    title = "Conflict"


class BookingConflict(Conflict):
    code = "booking_conflict"
    title = "The resource is already booked"


class InvalidInput(DomainError):
    status = 422
    code = "validation_error"
    title = "Invalid input"
