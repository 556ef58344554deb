"""Payment providers as plugins: each registers itself in `REGISTRY` and checks its own configuration.

A provider knows how to talk to one payment channel; the state machine, the audit and the outbox live in
`motcua.payments.services`. `check_configuration()` lists what is missing or wrong (shown by
`manage.py check` and in the admin), so a deployment cannot silently offer a channel that cannot work.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import ClassVar

from django.conf import settings
from django.utils.functional import Promise


@dataclass(frozen=True)
class ConfigurationProblem:
    setting: str
    message: str

    def __str__(self) -> str:
        return f"{self.setting}: {self.message}"


class GatewayUnavailable(Exception):
    """The gateway did not answer a server-to-server call (network, timeout, HTTP error, unreadable answer)."""


class PaymentProvider:
    """Base of the provider plugins."""

    code: ClassVar[str] = ""
    label: ClassVar[str | Promise] = ""
    online: ClassVar[bool] = True  # offered to the applicant on the portal

    def check_configuration(self) -> list[ConfigurationProblem]:
        return []

    def is_available(self) -> bool:
        return self.code in enabled_codes() and not self.check_configuration()


REGISTRY: dict[str, PaymentProvider] = {}


def register(provider: PaymentProvider) -> PaymentProvider:
    if not provider.code:
        raise ValueError("a payment provider needs a code")
    REGISTRY[provider.code] = provider
    return provider


def enabled_codes() -> list[str]:
    """Providers the deployment offers (setting `MOTCUA_PAYMENT_PROVIDERS`)."""
    return list(getattr(settings, "MOTCUA_PAYMENT_PROVIDERS", ["vietqr", "cash"]))


def get(code: str) -> PaymentProvider:
    _load()
    return REGISTRY[code]


def available(*, online_only: bool = False) -> Iterator[PaymentProvider]:
    _load()
    for code in enabled_codes():
        provider = REGISTRY.get(code)
        if provider is None or (online_only and not provider.online):
            continue
        if not provider.check_configuration():
            yield provider


def check_all() -> dict[str, list[ConfigurationProblem]]:
    """Self-check of every enabled provider: {code: problems}; an unknown code is a problem too."""
    _load()
    report: dict[str, list[ConfigurationProblem]] = {}
    for code in enabled_codes():
        provider = REGISTRY.get(code)
        if provider is None:
            report[code] = [ConfigurationProblem("MOTCUA_PAYMENT_PROVIDERS", f"unknown payment provider {code!r}")]
        else:
            report[code] = provider.check_configuration()
    return report


def _load() -> None:
    # the plugins register themselves on import
    from motcua.payments.providers import cash, paygov, vietqr, vnpay  # noqa: F401
