"""What every postal adapter does: take an order, cancel it, tell where it is; and its configuration check."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from django.utils.translation import gettext_lazy as _

from motcua.core.errors import DomainError

if TYPE_CHECKING:
    from motcua.integrations.models import PostalOrder


@dataclass(frozen=True)
class ProviderResult:
    """The provider's answer to a new order: its waybill (số hiệu bưu gửi) and our status after the call."""

    item_code: str
    status: str  # a PostalOrder.Status value, normally "sent_to_provider"
    message: str = ""


@dataclass(frozen=True)
class TrackingEvent:
    """A step of the item's journey as the provider reports it, already translated to a PostalOrder.Status."""

    status: str
    at: dt.datetime
    note: str = ""


class PostUnavailable(DomainError):
    """The postal provider did not answer or refused the request (timeout, network, `Status` not OK)."""

    def __init__(self, detail: str = "") -> None:
        super().__init__(
            detail=detail or str(_("Không kết nối được với dịch vụ bưu chính; vui lòng thử lại sau.")),
            status=503,
            title="Service unavailable",
        )


class PostAdapter(Protocol):
    """A postal provider. Every call raises PostUnavailable when the provider cannot be reached or refuses.

    `create_order` must be idempotent on `order.order_number`: the outbox may call it again after a failure
    that happened once the provider had already accepted the order.
    """

    name: str

    def create_order(self, order: PostalOrder) -> ProviderResult: ...

    def cancel(self, order: PostalOrder) -> None: ...

    def fetch_status(self, order: PostalOrder) -> list[TrackingEvent]:
        """The item's journey so far (oldest first), for polling; empty when nothing is known yet."""
        ...

    def check_configuration(self) -> list[str]:
        """Configuration problems (empty when the adapter can be used)."""
        ...
