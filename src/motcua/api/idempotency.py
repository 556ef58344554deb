"""`Idempotency-Key` on writes: the same key and body within 24 h return the first response, once."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.db import IntegrityError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from ninja import Status

from motcua.api.models import IdempotencyRecord
from motcua.core import rows
from motcua.core.errors import Conflict, FieldError, InvalidInput
from motcua.dossiers import services as dossier_services

WINDOW = dt.timedelta(hours=24)
PURGE_EVERY_SECONDS = 600


def _purge_expired(since: dt.datetime) -> None:
    """Delete expired records, at most once every ten minutes (a delete on every write cost 3 round trips)."""
    if cache.add("motcua:idempotency:purged", True, timeout=PURGE_EVERY_SECONDS):
        IdempotencyRecord.objects.filter(created_at__lt=since).delete()


def _record_query(signed_in: bool) -> QuerySet[IdempotencyRecord]:
    who: dict[str, Any] = {"user": rows.param(IdempotencyRecord, "user")} if signed_in else {"user__isnull": True}
    return IdempotencyRecord.objects.filter(
        key=rows.param(IdempotencyRecord, "key"), endpoint=rows.param(IdempotencyRecord, "endpoint"), **who
    ).order_by("pk")[:1]


# read on every idempotent write: compiled once (`rows.Prepared`)
_RECORD = {signed_in: rows.Prepared(functools.partial(_record_query, signed_in)) for signed_in in (False, True)}


def _record(key: str, user: Any, endpoint: str) -> IdempotencyRecord | None:
    if user is None:
        return _RECORD[False].first(key=key, endpoint=endpoint)
    found: IdempotencyRecord | None = _RECORD[True].first(key=key, user=user.pk, endpoint=endpoint)
    return found


def _answer(record: IdempotencyRecord, body_hash: str) -> Status[Any]:
    if record.body_hash != body_hash:
        raise Conflict("This Idempotency-Key was used with a different request body.")
    return Status(record.status, record.response)


def run(
    request: HttpRequest,
    endpoint: str,
    produce: Callable[[], tuple[int, dict[str, Any]]],
    *,
    fingerprint: str | None = None,
) -> Status[Any]:
    """Run `produce` (returning status and JSON body) at most once per key, user and endpoint.

    The request is identified by the SHA-256 of its body, or by `fingerprint` when the raw body is not the
    right identity (a multipart upload: its boundary changes with every retry, its file does not).
    `produce` and the record commit in one transaction (`all_or_nothing`: the services in it add no
    savepoints of their own).
    """
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key:
        status, body = produce()
        return Status(status, body)
    if len(key) > 200:
        raise InvalidInput(
            detail="Idempotency-Key is too long.", errors=[FieldError("Idempotency-Key", "at most 200 characters")]
        )
    user: Any = request.user if getattr(request.user, "is_authenticated", False) else None
    body_hash = fingerprint or hashlib.sha256(request.body).hexdigest()
    since = timezone.now() - WINDOW
    _purge_expired(since)
    existing = _record(key, user, endpoint)
    if existing is not None and existing.created_at < since:
        existing.delete()  # expired: the key is free again (the periodic purge may not have run yet)
        existing = None
    if existing is not None:
        return _answer(existing, body_hash)
    try:
        with dossier_services.all_or_nothing():
            status, body = produce()
            IdempotencyRecord.objects.create(
                key=key, user=user, endpoint=endpoint, body_hash=body_hash, status=status, response=body
            )
    except IntegrityError as exc:
        again = _record(key, user, endpoint)
        if again is None:
            raise
        if again.body_hash != body_hash:
            raise Conflict("This Idempotency-Key was used with a different request body.") from exc
        return Status(again.status, again.response)
    return Status(status, body)
