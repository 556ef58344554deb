"""Channels of notifications: provider adapters in a registry (see `base`), one module per channel."""

from motcua.notify.channels import email, sms, zalo
from motcua.notify.channels.base import (
    ChannelAdapter,
    ProviderResult,
    adapter_for,
    international_phone,
    provider_of,
    register,
    registered,
)

__all__ = [
    "ChannelAdapter",
    "ProviderResult",
    "adapter_for",
    "email",
    "international_phone",
    "provider_of",
    "register",
    "registered",
    "sms",
    "zalo",
]
