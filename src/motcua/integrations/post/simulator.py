"""A local post for development, the demo and tests: accepts orders, hands out waybills, moves items on request.

State lives in memory (per process): the waybills it issued and the journey of each item. Tests, the admin
action and `services.postal_simulate` move an item (picked up, then delivered or failed); polling reads the
journey back. `down = True` makes every call fail, like a provider that does not answer.
"""

from __future__ import annotations

import datetime as dt
import threading
import zlib
from typing import TYPE_CHECKING

from motcua.integrations.post.base import PostUnavailable, ProviderResult, TrackingEvent

if TYPE_CHECKING:
    from motcua.integrations.models import PostalOrder

S10_WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)


def s10_item_code(order_number: str, prefix: str = "EB", country: str = "VN") -> str:
    """A UPU S10 waybill (two letters, 8 digits, check digit, country), the same for the same order number."""
    digits = f"{zlib.crc32(order_number.encode()) % 10**8:08d}"
    check = 11 - sum(int(d) * w for d, w in zip(digits, S10_WEIGHTS, strict=True)) % 11
    check = {10: 0, 11: 5}.get(check, check)
    return f"{prefix}{digits}{check}{country}"


class SimulatorAdapter:
    name = "simulator"

    def __init__(self) -> None:
        self.down = False
        self.orders: dict[str, str] = {}  # order number -> item code
        self.cancelled: set[str] = set()
        self.journeys: dict[str, list[TrackingEvent]] = {}  # item code -> events
        self._lock = threading.Lock()

    def reset(self) -> None:
        with self._lock:
            self.down = False
            self.orders.clear()
            self.cancelled.clear()
            self.journeys.clear()

    def _check_up(self) -> None:
        if self.down:
            raise PostUnavailable("post simulator: down")

    def create_order(self, order: PostalOrder) -> ProviderResult:
        self._check_up()
        with self._lock:
            item_code = self.orders.setdefault(order.order_number, s10_item_code(order.order_number))
            self.journeys.setdefault(item_code, [])
        return ProviderResult(item_code=item_code, status="sent_to_provider", message="OK")

    def cancel(self, order: PostalOrder) -> None:
        self._check_up()
        with self._lock:
            self.cancelled.add(order.order_number)

    def fetch_status(self, order: PostalOrder) -> list[TrackingEvent]:
        self._check_up()
        with self._lock:
            return list(self.journeys.get(order.item_code, []))

    def advance(self, order: PostalOrder, status: str, at: dt.datetime, note: str = "") -> TrackingEvent:
        """Move the item (as the postman would); the caller then applies it with `postal_status_update`."""
        event = TrackingEvent(status=status, at=at, note=note)
        with self._lock:
            self.journeys.setdefault(order.item_code, []).append(event)
        return event

    def check_configuration(self) -> list[str]:
        return []


SIMULATOR = SimulatorAdapter()  # one per process, so that the journeys outlive a single call
