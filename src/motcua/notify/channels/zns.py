"""Zalo Notification Service (ZNS): the names and codes of the API, in one place.

A ZNS message is a template approved by Zalo for the official account (OA), sent to a phone number:

    POST https://business.openapi.zalo.me/message/template
    access_token: <OA access token>            (header)
    {"phone": "84912345678", "template_id": "231234", "template_data": {"dossier_code": "..."},
     "tracking_id": "<our id, echoed in callbacks>"}
    → {"error": 0, "message": "Success", "data": {"msg_id": "...", "sent_time": "...", "quota": {...}}}

Success when `error == 0`; any other value is an error (its `message` says which). The OA access token is
short-lived and refreshed with the OA's refresh token through Zalo's OAuth endpoint (`TOKEN_URL`, form
fields `app_id`, `refresh_token`, `grant_type=refresh_token`, header `secret_key`). Delivery is reported by
the OA webhook event `user_received_message` carrying `msg_id`. The official error list is not public here:
codes known to be final go in `FINAL_ERRORS`; others are retried.
"""

from __future__ import annotations

from typing import Any

API_URL = "https://business.openapi.zalo.me/message/template"
TOKEN_URL = "https://oauth.zaloapp.com/v4/oa/access_token"  # noqa: S105 - an address, not a secret
TOKEN_HEADER = "access_token"  # noqa: S105 - a header name
DELIVERY_WEBHOOK_EVENT = "user_received_message"
SUCCESS = 0
FINAL_ERRORS: frozenset[int] = frozenset()


def request_body(*, phone: str, template_id: str, template_data: dict[str, str], tracking_id: str) -> dict[str, Any]:
    return {"phone": phone, "template_id": template_id, "template_data": template_data, "tracking_id": tracking_id}


def message_id(answer: dict[str, Any]) -> str:
    data = answer.get("data")
    return str(data.get("msg_id", "")) if isinstance(data, dict) else ""
