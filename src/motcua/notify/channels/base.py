"""Provider adapters: the base class, the result of a send, the registry, phone numbers.

Each channel (e-mail, SMS, Zalo ZNS) has one adapter in use, chosen by a setting (`MOTCUA_SMS_PROVIDER`,
`MOTCUA_ZALO_PROVIDER`; e-mail always goes through Django's e-mail API). An adapter sends one message and
says how it went; it never changes the message (the service does), and it can check its configuration.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from motcua.notify.models import Message

# which setting chooses the provider of a channel, and its default
PROVIDER_SETTINGS = {
    "email": ("", "django"),
    "sms": ("MOTCUA_SMS_PROVIDER", "simulator"),
    "zalo": ("MOTCUA_ZALO_PROVIDER", "simulator"),
}


@dataclass(frozen=True)
class ProviderResult:
    """What a provider answered: accepted (with its id for the message), or an error, retryable or not.

    `contacted` is False for a rejection made before calling the provider (an address that cannot be one):
    it says nothing about the provider, so the channel's circuit breaker does not count it.
    """

    ok: bool
    provider_message_id: str = ""
    error: str = ""
    retryable: bool = True
    contacted: bool = True

    @classmethod
    def accepted(cls, provider_message_id: str) -> ProviderResult:
        return cls(ok=True, provider_message_id=provider_message_id)

    @classmethod
    def rejected(cls, error: str, *, retryable: bool, contacted: bool = True) -> ProviderResult:
        return cls(ok=False, error=error, retryable=retryable, contacted=contacted)


class ChannelAdapter(ABC):
    """One provider of one channel. `name` ("sms.simulator") is stored on the messages it sent."""

    channel: ClassVar[str]
    provider: ClassVar[str]
    # Zalo ZNS sends only templates approved beforehand: a message needs the template's id
    needs_provider_template: ClassVar[bool] = False

    @property
    def name(self) -> str:
        return f"{self.channel}.{self.provider}"

    @abstractmethod
    def send(self, message: Message) -> ProviderResult:
        """Send `message` (already rendered); raise or return a rejection when it did not go out."""

    def check_configuration(self) -> list[str]:
        """Problems of the configuration, in words for the operator; empty when the adapter can send."""
        return []


_REGISTRY: dict[tuple[str, str], type[ChannelAdapter]] = {}


def register(adapter: type[ChannelAdapter]) -> type[ChannelAdapter]:
    """Class decorator: make `adapter` available as provider `adapter.provider` of `adapter.channel`."""
    _REGISTRY[(adapter.channel, adapter.provider)] = adapter
    return adapter


def registered() -> dict[tuple[str, str], type[ChannelAdapter]]:
    return dict(_REGISTRY)


def provider_of(channel: str) -> str:
    """The provider configured for `channel`."""
    name, default = PROVIDER_SETTINGS[channel]
    return str(getattr(settings, name, default) or default) if name else default


def adapter_for(channel: str) -> ChannelAdapter:
    """The adapter in use for `channel`; ImproperlyConfigured when its provider is unknown."""
    provider = provider_of(channel)
    adapter = _REGISTRY.get((channel, provider))
    if adapter is None:
        known = ", ".join(sorted(p for c, p in _REGISTRY if c == channel))
        raise ImproperlyConfigured(f"unknown {channel} provider {provider!r} (known: {known})")
    return adapter()


_PHONE_SEPARATORS = re.compile(r"[\s.\-()]")


def international_phone(phone: str) -> str | None:
    """A Vietnamese mobile number in the 84xxxxxxxxx form providers expect, or None when it is not one.

    >>> international_phone("0912 345 678"), international_phone("+84912345678"), international_phone("123")
    ('84912345678', '84912345678', None)
    """
    digits = _PHONE_SEPARATORS.sub("", phone).removeprefix("+")
    if re.fullmatch(r"0\d{9}", digits):
        return "84" + digits[1:]
    if re.fullmatch(r"84\d{9}", digits):
        return digits
    return None


def http_timeout() -> float:
    return float(getattr(settings, "MOTCUA_NOTIFY_HTTP_TIMEOUT", 10))
