"""The outbox over the API: the tenant's mail log, for administrators.

Metadata only: recipient, template, subject, status. Bodies are not served, even where the local
outbox keeps them, since they hold other people's invitation and password-reset links.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Router, Schema

from deskwerk.api.auth import require_scope
from deskwerk.api.pagination import paginate
from deskwerk.api.schemas import ERRORS, ApiDateTime, Page
from deskwerk.notify.models import OutgoingMail
from deskwerk.notify.selectors import outbox

router = Router(tags=["outbox"])

SCOPE = "notify:admin"


class OutgoingMailOut(Schema):
    id: int
    to: str
    recipient_id: int | None  # the tenant's account with that address, if any
    template: str
    language: str
    subject: str
    status: str  # queued, sent, failed
    attempts: int
    last_error: str
    message_id: str
    created_at: dt.datetime
    sent_at: dt.datetime | None
    in_outbox: bool  # the whole message is kept in the local outbox folder

    @staticmethod
    def resolve_in_outbox(obj: OutgoingMail) -> bool:
        return bool(obj.eml)


@router.get(
    "/outbox",
    response={200: Page[OutgoingMailOut], **ERRORS},
    operation_id="outbox_list",
    summary="The tenant's outgoing e-mail, oldest first (administrators)",
)
def outbox_list(
    request: HttpRequest,
    status: Literal["queued", "sent", "failed"] | None = None,
    since: ApiDateTime | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Any:
    """``since`` (inclusive) filters by the time a message was queued."""
    user = require_scope(request, SCOPE)
    qs = outbox(tenant=user.tenant, status=status, since=since)
    items, next_cursor = paginate(
        qs, order=["id"], cursor=cursor, limit=limit, key=lambda m: [m.pk]
    )
    return {"items": items, "next_cursor": next_cursor}
