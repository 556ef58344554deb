"""`manage.py check`: the self-check of every enabled payment provider (warnings, so development still starts)."""

from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage, Warning, register

from motcua.payments import providers


@register("motcua")
def payment_providers_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    for code, problems in providers.check_all().items():
        for problem in problems:
            messages.append(Warning(f"payment provider {code}: {problem}", id="motcua.payments.W001"))
    return messages
