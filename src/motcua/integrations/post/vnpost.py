"""VNPost over HTTPS: one JSON POST per order, cancellation or tracking question; answers `{Status, Message}`.

Any network error, timeout, non-200 status, unreadable answer or `Status` that is not OK raises
PostUnavailable (the outbox then retries). Field names and codes are in mapping.py.
"""

from __future__ import annotations

import datetime as dt
import json
import urllib.error
import urllib.request
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings

from motcua.integrations.post import mapping
from motcua.integrations.post.base import PostUnavailable, ProviderResult, TrackingEvent

if TYPE_CHECKING:
    from motcua.integrations.models import PostalOrder

MAX_RESPONSE_BYTES = 256 * 1024
VN = ZoneInfo("Asia/Ho_Chi_Minh")
SERVICE_NAMES = {"result_delivery": "TRA_KET_QUA", "dossier_pickup": "THU_GOM_HO_SO"}


def order_body(order: PostalOrder, customer_code: str) -> dict[str, Any]:
    """The JSON body of a new order, in VNPost's names."""
    values: dict[str, Any] = {
        "customer_code": customer_code,
        "order_number": order.order_number,
        "item_code": order.item_code,
        "cod_amount": int(order.cod_amount),
        "sender_name": order.sender_name,
        "sender_address": order.sender_address,
        "sender_ward": order.sender_ward_code,
        "sender_province": order.sender_province_name,
        "sender_phone": order.sender_phone,
        "sender_email": order.sender_email,
        "receiver_name": order.receiver_name,
        "receiver_address": order.receiver_address,
        "receiver_ward": order.receiver_ward_code,
        "receiver_province": order.receiver_province_name,
        "receiver_phone": order.receiver_phone,
        "receiver_email": order.receiver_email,
        "description": order.description,
        "service": SERVICE_NAMES.get(order.kind, order.kind),
    }
    return {mapping.ORDER[key]: value for key, value in values.items()}


def _time(text: str) -> dt.datetime | None:
    for pattern in mapping.TIME_FORMATS:
        try:
            return dt.datetime.strptime(text, pattern).replace(tzinfo=VN)
        except ValueError:
            continue
    return None


class VNPostAdapter:
    name = "vnpost"

    def __init__(self, *, url: str, token: str = "", customer_code: str = "", timeout: float = 10) -> None:
        self.url = url.rstrip("/")
        self.token = token
        self.customer_code = customer_code
        self.timeout = timeout

    @classmethod
    def from_settings(cls) -> VNPostAdapter:
        return cls(
            url=settings.MOTCUA_POST_VNPOST_URL,
            token=settings.MOTCUA_POST_VNPOST_TOKEN,
            customer_code=settings.MOTCUA_POST_VNPOST_CUSTOMER_CODE,
            timeout=settings.MOTCUA_POST_TIMEOUT,
        )

    def check_configuration(self) -> list[str]:
        problems = []
        if urlsplit(self.url).scheme not in ("http", "https"):
            problems.append("MOTCUA_POST_VNPOST_URL must be an http(s) address")
        if not self.customer_code:
            problems.append("MOTCUA_POST_VNPOST_CUSTOMER_CODE is required")
        if not self.token:
            problems.append("MOTCUA_POST_VNPOST_TOKEN is required")
        if self.timeout <= 0:
            problems.append("MOTCUA_POST_TIMEOUT must be positive")
        return problems

    def _call(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        problems = self.check_configuration()
        if problems:
            raise PostUnavailable("vnpost not configured: " + "; ".join(problems))
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        data = json.dumps(body, ensure_ascii=False).encode()
        request = urllib.request.Request(self.url + path, data=data, headers=headers, method="POST")  # noqa: S310  http(s) checked
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310  http(s) checked
                content = response.read(MAX_RESPONSE_BYTES + 1)
        except urllib.error.HTTPError as exc:
            raise PostUnavailable(f"vnpost: HTTP {exc.code}") from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise PostUnavailable(f"vnpost unreachable: {exc}") from exc
        if len(content) > MAX_RESPONSE_BYTES:
            raise PostUnavailable("vnpost: answer too large")
        try:
            answer = json.loads(content)
        except ValueError as exc:
            raise PostUnavailable("vnpost: unreadable answer") from exc
        if not isinstance(answer, dict):
            raise PostUnavailable("vnpost: unreadable answer")
        if str(answer.get(mapping.STATUS, "")).lower() not in mapping.OK_STATUSES:
            raise PostUnavailable(f"vnpost refused: {str(answer.get(mapping.MESSAGE, ''))[:200]}")
        return answer

    def create_order(self, order: PostalOrder) -> ProviderResult:
        answer = self._call(mapping.CREATE_PATH, order_body(order, self.customer_code))
        item_code = str(answer.get(mapping.ITEM_CODE) or order.item_code or "")
        return ProviderResult(
            item_code=item_code, status="sent_to_provider", message=str(answer.get(mapping.MESSAGE, ""))
        )

    def cancel(self, order: PostalOrder) -> None:
        self._call(
            mapping.CANCEL_PATH,
            {
                mapping.ORDER["customer_code"]: self.customer_code,
                mapping.ORDER["order_number"]: order.order_number,
                mapping.ORDER["item_code"]: order.item_code,
            },
        )

    def fetch_status(self, order: PostalOrder) -> list[TrackingEvent]:
        answer = self._call(
            mapping.TRACKING_PATH,
            {
                mapping.ORDER["customer_code"]: self.customer_code,
                mapping.ORDER["order_number"]: order.order_number,
                mapping.ORDER["item_code"]: order.item_code,
            },
        )
        events = []
        for raw in answer.get(mapping.EVENTS) or []:
            if not isinstance(raw, dict):
                continue
            status = mapping.TRACKING_STATUS.get(str(raw.get(mapping.EVENT_CODE, "")).upper())
            moment = _time(str(raw.get(mapping.EVENT_TIME, "")))
            if status is None or moment is None:
                continue
            events.append(TrackingEvent(status=status, at=moment, note=str(raw.get(mapping.EVENT_NOTE, ""))[:255]))
        return sorted(events, key=lambda event: event.at)
