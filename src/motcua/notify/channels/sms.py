"""SMS: a pluggable provider (`MOTCUA_SMS_PROVIDER`): the local `simulator`, or `http`, a JSON HTTP gateway.

The `http` adapter speaks a small generic shape that most Vietnamese brand-name SMS gateways can be put
behind (or that this module can be adapted to; the request and answer fields are all in `http_request` and
`http_result`):

    POST MOTCUA_SMS_HTTP_URL
    Authorization: Bearer MOTCUA_SMS_HTTP_TOKEN
    {"to": "84912345678", "from": MOTCUA_SMS_BRANDNAME, "text": "...", "request_id": "<message key>"}
    → 2xx {"id": "<provider message id>"}; 429 and 5xx are retried, other 4xx are final.

`request_id` lets the gateway drop a repeated request. Delivery receipts are reported to
`services.message_mark_delivered("sms.http", id)`.
"""

from __future__ import annotations

import unicodedata
from typing import Any

import requests
from django.conf import settings

from motcua.notify.channels import simulator
from motcua.notify.channels.base import ChannelAdapter, ProviderResult, http_timeout, international_phone, register
from motcua.notify.models import Message


def strip_diacritics(text: str) -> str:
    """'Hồ sơ đã tiếp nhận' → 'Ho so da tiep nhan' (case kept): one SMS holds 160 such characters, 70 otherwise."""
    text = text.replace("đ", "d").replace("Đ", "D")
    return "".join(ch for ch in unicodedata.normalize("NFD", text) if unicodedata.category(ch) != "Mn")


def sms_text(message: Message) -> str:
    if getattr(settings, "MOTCUA_SMS_STRIP_DIACRITICS", False):
        return strip_diacritics(message.body)
    return message.body


def _phone(message: Message) -> str | ProviderResult:
    phone = international_phone(message.recipient)
    if phone is None:
        return ProviderResult.rejected(
            f"not a Vietnamese mobile number: {message.recipient!r}", retryable=False, contacted=False
        )
    return phone


@register
class SmsSimulator(ChannelAdapter):
    channel = "sms"
    provider = "simulator"

    def send(self, message: Message) -> ProviderResult:
        phone = _phone(message)
        if isinstance(phone, ProviderResult):
            return phone
        return ProviderResult.accepted(simulator.record(provider=self.name, recipient=phone, text=sms_text(message)))

    def check_configuration(self) -> list[str]:
        if settings.DEBUG:
            return []
        return ["MOTCUA_SMS_PROVIDER is simulator: no SMS leaves this machine"]


def http_request(message: Message, phone: str) -> dict[str, Any]:
    return {
        "to": phone,
        "from": getattr(settings, "MOTCUA_SMS_BRANDNAME", ""),
        "text": sms_text(message),
        "request_id": str(message.key),
    }


def http_result(response: requests.Response) -> ProviderResult:
    if response.status_code == 429 or response.status_code >= 500:
        return ProviderResult.rejected(f"SMS gateway HTTP {response.status_code}", retryable=True)
    if response.status_code >= 400:
        return ProviderResult.rejected(
            f"SMS gateway HTTP {response.status_code}: {response.text[:200]}", retryable=False
        )
    try:
        answer = response.json()
    except ValueError:
        return ProviderResult.rejected("SMS gateway answered no JSON", retryable=True)
    provider_id = str(answer.get("id", "")) if isinstance(answer, dict) else ""
    if not provider_id:
        return ProviderResult.rejected(f"SMS gateway answered no id: {response.text[:200]}", retryable=True)
    return ProviderResult.accepted(provider_id)


@register
class HttpSms(ChannelAdapter):
    channel = "sms"
    provider = "http"

    def send(self, message: Message) -> ProviderResult:
        phone = _phone(message)
        if isinstance(phone, ProviderResult):
            return phone
        response = requests.post(
            str(getattr(settings, "MOTCUA_SMS_HTTP_URL", "")),
            json=http_request(message, phone),
            headers={"Authorization": "Bearer " + str(getattr(settings, "MOTCUA_SMS_HTTP_TOKEN", ""))},
            timeout=http_timeout(),
        )
        return http_result(response)

    def check_configuration(self) -> list[str]:
        problems = []
        if not getattr(settings, "MOTCUA_SMS_HTTP_URL", ""):
            problems.append("MOTCUA_SMS_HTTP_URL is empty")
        if not getattr(settings, "MOTCUA_SMS_HTTP_TOKEN", ""):
            problems.append("MOTCUA_SMS_HTTP_TOKEN is empty")
        if not getattr(settings, "MOTCUA_SMS_BRANDNAME", ""):
            problems.append("MOTCUA_SMS_BRANDNAME is empty (the registered brand name the SMS come from)")
        return problems
