"""Cursor pagination: `{"items": [...], "next": "<opaque cursor or null>"}`."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any, TypeVar

from django.db.models import Model, QuerySet
from ninja.errors import HttpError

M = TypeVar("M", bound=Model)

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


def encode_cursor(value: str) -> str:
    return base64.urlsafe_b64encode(json.dumps({"after": value}).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> str:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
        after = data["after"]
    except (binascii.Error, ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        raise HttpError(400, "Invalid cursor") from exc
    if not isinstance(after, str) or "\x00" in after:
        raise HttpError(400, "Invalid cursor")
    return after


def keyset_page(queryset: QuerySet[M], *, key: str, cursor: str | None, page_size: int) -> tuple[list[M], str | None]:
    """One page of `queryset` ordered by the unique text `key` (a field path), after `cursor`."""
    queryset = queryset.order_by(key)
    if cursor:
        queryset = queryset.filter(**{f"{key}__gt": decode_cursor(cursor)})
    rows = list(queryset[: page_size + 1])
    next_cursor = None
    if len(rows) > page_size:
        rows = rows[:page_size]
        value: Any = rows[-1]
        for part in key.split("__"):
            value = getattr(value, part)
        next_cursor = encode_cursor(str(value))
    return rows, next_cursor
