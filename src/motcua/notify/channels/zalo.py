"""Zalo ZNS: the `zns` adapter (the Zalo API, see `zns.py`) and the local `simulator` (`MOTCUA_ZALO_PROVIDER`).

A Zalo message carries, in `Message.provider_data`, the ZNS template id and the template data computed when
it was queued from the `MessageTemplate`'s parameter mapping; `Message.body` is the readable text recorded
for the simulator and the admin.
"""

from __future__ import annotations

from typing import Any

import requests
from django.conf import settings

from motcua.notify.channels import simulator, zns
from motcua.notify.channels.base import ChannelAdapter, ProviderResult, http_timeout, international_phone, register
from motcua.notify.models import Channel, Message, MessageTemplate


def _parts(message: Message) -> tuple[str, str, dict[str, str]] | ProviderResult:
    phone = international_phone(message.recipient)
    if phone is None:
        return ProviderResult.rejected(
            f"not a Vietnamese mobile number: {message.recipient!r}", retryable=False, contacted=False
        )
    data: dict[str, Any] = message.provider_data or {}
    template_data = data.get("template_data") or {}
    return phone, str(data.get("template_id", "")), {str(k): str(v) for k, v in template_data.items()}


@register
class ZaloSimulator(ChannelAdapter):
    channel = "zalo"
    provider = "simulator"

    def send(self, message: Message) -> ProviderResult:
        parts = _parts(message)
        if isinstance(parts, ProviderResult):
            return parts
        phone, template_id, template_data = parts
        provider_id = simulator.record(
            provider=self.name,
            recipient=phone,
            text=message.body,
            data={"template_id": template_id, "template_data": template_data, "tracking_id": str(message.key)},
        )
        return ProviderResult.accepted(provider_id)

    def check_configuration(self) -> list[str]:
        if settings.DEBUG:
            return []
        return ["MOTCUA_ZALO_PROVIDER is simulator: no Zalo message leaves this machine"]


@register
class ZaloZns(ChannelAdapter):
    channel = "zalo"
    provider = "zns"
    needs_provider_template = True

    def send(self, message: Message) -> ProviderResult:
        parts = _parts(message)
        if isinstance(parts, ProviderResult):
            return parts
        phone, template_id, template_data = parts
        if not template_id:
            return ProviderResult.rejected("the Zalo template has no ZNS template id", retryable=False, contacted=False)
        response = requests.post(
            getattr(settings, "ZALO_ZNS_API_URL", "") or zns.API_URL,
            json=zns.request_body(
                phone=phone, template_id=template_id, template_data=template_data, tracking_id=str(message.key)
            ),
            headers={zns.TOKEN_HEADER: str(getattr(settings, "ZALO_OA_ACCESS_TOKEN", ""))},
            timeout=http_timeout(),
        )
        if response.status_code >= 500:
            return ProviderResult.rejected(f"Zalo HTTP {response.status_code}", retryable=True)
        try:
            answer = response.json()
        except ValueError:
            return ProviderResult.rejected(f"Zalo HTTP {response.status_code}: no JSON", retryable=True)
        if not isinstance(answer, dict):
            return ProviderResult.rejected("Zalo answered an unexpected shape", retryable=True)
        error = answer.get("error")
        if error == zns.SUCCESS:
            return ProviderResult.accepted(zns.message_id(answer))
        text = f"Zalo error {error}: {answer.get('message', '')}"
        return ProviderResult.rejected(text, retryable=error not in zns.FINAL_ERRORS)

    def check_configuration(self) -> list[str]:
        problems = []
        if not getattr(settings, "ZALO_OA_ACCESS_TOKEN", ""):
            problems.append("ZALO_OA_ACCESS_TOKEN is empty")
        missing = MessageTemplate.objects.filter(channel=Channel.ZALO, is_active=True, provider_template_id="")
        for template in missing.order_by("event", "language"):
            problems.append(f"Zalo template {template.event}/{template.language} has no ZNS template id")
        return problems
