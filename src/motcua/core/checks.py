"""`manage.py check --deploy`: no simulator may answer in production.

The simulators (`/mo-phong/vnpay/` marks payments as paid, `/mo-phong/dvcqg/` plays the national portal)
default to `DEBUG`, but their settings can be switched on by environment variable on a production server.
There they would let anyone pay a fee without paying: the deployment check refuses it as an error.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register

SIMULATORS = ("MOTCUA_PAYMENT_SIMULATOR", "MOTCUA_NATIONAL_PORTAL_SIMULATOR")


@register(Tags.security, deploy=True)
def simulators_off_in_production(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if settings.DEBUG:
        return []
    return [
        Error(
            f"{name} is on while DEBUG is off: its simulator would answer in production.",
            hint=f"Unset {name} (it defaults to DEBUG) on a production server.",
            id="motcua.core.E001",
        )
        for name in SIMULATORS
        if getattr(settings, name, False)
    ]
