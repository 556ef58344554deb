"""Accounts tests: a clean rate-limit cache for each test, and the one-time codes read from the outbox."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache

from motcua.core.outbox import OutboxEvent

PASSWORD = "Lúa-Chín-2026!"


@pytest.fixture(autouse=True)
def _fresh_limits() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


def code_events(recipient: str | None = None, purpose: str | None = None) -> list[dict[str, Any]]:
    """The payloads of the "account.code" events, oldest first (what the notify app will send)."""
    payloads = [e.payload for e in OutboxEvent.objects.filter(topic="account.code").order_by("pk")]
    return [
        p
        for p in payloads
        if (recipient is None or p["recipient"] == recipient) and (purpose is None or p["purpose"] == purpose)
    ]


def last_code(recipient: str, purpose: str = "register") -> str:
    events = code_events(recipient, purpose)
    assert events, f"no {purpose} code sent to {recipient}"
    return str(events[-1]["code"])


def wrong(code: str) -> str:
    """Another six-digit code."""
    return f"{(int(code) + 1) % 10**6:06d}"
