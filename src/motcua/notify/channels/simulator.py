"""Local simulators of the SMS and Zalo providers: they record what would have been sent and report delivery.

The record is in memory (`outbox`, the newest 1000, like Django's `mail.outbox`); the `Message` table keeps
the lasting record. A simulated provider reports delivery right after the sending transaction commits, as a
real provider's delivery receipt would arrive after the send, through `services.message_mark_delivered`.
"""

from __future__ import annotations

import uuid
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction


@dataclass(frozen=True)
class SimulatedMessage:
    provider: str
    recipient: str
    text: str
    provider_message_id: str
    data: dict[str, Any] = field(default_factory=dict)


outbox: deque[SimulatedMessage] = deque(maxlen=1000)


def record(*, provider: str, recipient: str, text: str, data: dict[str, Any] | None = None) -> str:
    """Record a message as sent by `provider`; returns its simulated provider id."""
    provider_message_id = f"sim-{uuid.uuid4().hex}"
    outbox.append(SimulatedMessage(provider, recipient, text, provider_message_id, dict(data or {})))
    transaction.on_commit(lambda: _report_delivered(provider, provider_message_id))
    return provider_message_id


def _report_delivered(provider: str, provider_message_id: str) -> None:
    from motcua.notify.services import message_mark_delivered  # the services use the adapters

    message_mark_delivered(provider, provider_message_id)


def clear() -> None:
    outbox.clear()
