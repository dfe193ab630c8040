"""``Idempotency-Key`` for POSTs that create things: a retry returns the first answer."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from deskwerk.accounts.models import User
from deskwerk.api.models import IdempotencyKey
from deskwerk.core.errors import InvalidInput

_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")


def run_idempotent(
    request: HttpRequest,
    *,
    user: User,
    payload: dict[str, Any],
    action: Callable[[], tuple[int, Any]],
) -> tuple[int, Any]:
    """Run ``action`` once per (tenant, user, key); replay its stored answer afterwards.

    The key row is inserted *before* the action, in the same transaction, so a concurrent
    retry waits on the unique index and then reads the committed answer instead of acting
    twice. Failures roll back the key with everything else: a retry tries again.
    """
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return action()
    if not isinstance(user, User):  # a service token: no person to key the stored answer by
        raise InvalidInput(
            "service tokens cannot use Idempotency-Key yet", code="idempotency_unsupported"
        )
    if not _KEY.match(key):
        raise InvalidInput(
            "Idempotency-Key must be 1-255 visible ASCII characters", code="invalid_idempotency_key"
        )
    request_hash = hashlib.sha256(
        (request.path + "\n" + json.dumps(payload, sort_keys=True, default=str)).encode()
    ).hexdigest()

    def replay(stored: IdempotencyKey) -> tuple[int, Any]:
        if stored.request_hash != request_hash:
            raise InvalidInput(
                "this Idempotency-Key was used for a different request",
                code="idempotency_key_reused",
            )
        return stored.status_code, stored.response_body

    with transaction.atomic():
        stored = IdempotencyKey.objects.filter(user=user, key=key).first()
        if stored is not None and stored.created_at < timezone.now() - dt.timedelta(
            hours=settings.IDEMPOTENCY_KEY_TTL_HOURS
        ):
            stored.delete()  # expired: the key may be used afresh
            stored = None
        if stored is not None:
            return replay(stored)
        try:
            with transaction.atomic():
                record = IdempotencyKey.objects.create(
                    user=user, key=key, request_hash=request_hash, status_code=0, response_body={}
                )
        except IntegrityError:
            record = None
        if record is None:
            # A concurrent request with this key committed first: answer as it did.
            return replay(IdempotencyKey.objects.get(user=user, key=key))
        status, body = action()
        record.status_code = status
        record.response_body = body
        record.save(update_fields=["status_code", "response_body"])
        return status, body
