"""django-otp's middleware (`MIDDLEWARE`), with the officer's TOTP device read by a statement compiled once.

A back-office request whose officer passed the second factor reads that device to know it: one more small
read the ORM compiled each time (docs/performance.md, seventh session). Devices of other kinds, and
everything the middleware decides (the device must be the user's and confirmed), stay django-otp's.
"""

from __future__ import annotations

from typing import Any

from django_otp.middleware import OTPMiddleware as BaseOTPMiddleware
from django_otp.plugins.otp_totp.models import TOTPDevice

from motcua.core import rows

_TOTP_LABEL = TOTPDevice.model_label()
_TOTP = rows.Prepared(lambda: TOTPDevice.objects.filter(pk=rows.param(TOTPDevice, "id", "pk"))[:1])


class OTPMiddleware(BaseOTPMiddleware):
    def _device_from_persistent_id(self, persistent_id: str) -> Any:
        label, _, number = self._normalize_persistent_id(persistent_id).rpartition("/")
        if label == _TOTP_LABEL and number.isascii() and number.isdigit() and len(number) <= 18:
            return _TOTP.first(pk=int(number))
        return super()._device_from_persistent_id(persistent_id)
