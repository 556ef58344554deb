"""National payment platform (Nền tảng thanh toán trực tuyến quốc gia, PayGov): INIT message and callback.

Checksum = hex SHA-256 of the fields joined with `|` in the documented order, the secret key joined last (also
with `|`). Callback checksum over message type, error code, partner, reference, amount, currency, transaction
id, bank, time, description and the secret. Error code "00" = success.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import urllib.request
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from motcua.payments.providers import ConfigurationProblem, PaymentProvider, register
from motcua.payments.providers.vnpay import vn_time

logger = logging.getLogger(__name__)

VERSION = "1.0.0"
INIT_FIELDS = (
    "messageType",
    "version",
    "partnerCode",
    "reference",
    "amount",
    "paymentType",
    "channel",
    "device",
    "language",
    "currency",
    "bankCode",
    "description",
    "time",
    "clientIp",
)
CALLBACK_FIELDS = (
    "messageType",
    "errorCode",
    "partnerCode",
    "reference",
    "amount",
    "currency",
    "transactionId",
    "bankCode",
    "time",
    "description",
)
SUCCESS = "00"


def partner_code() -> str:
    return str(getattr(settings, "MOTCUA_PAYGOV_PARTNER_CODE", ""))


def secret_key() -> str:
    return str(getattr(settings, "MOTCUA_PAYGOV_SECRET", ""))


def init_url() -> str:
    return str(getattr(settings, "MOTCUA_PAYGOV_URL", ""))


def checksum(values: Mapping[str, Any], fields: tuple[str, ...], secret: str) -> str:
    joined = "|".join([*(str(values.get(name, "") or "") for name in fields), secret])
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()


def verify_callback(values: Mapping[str, Any], secret: str | None = None) -> bool:
    expected = checksum(values, CALLBACK_FIELDS, secret if secret is not None else secret_key())
    return hmac.compare_digest(str(values.get("checksum", "")).lower(), expected)


class PaygovProvider(PaymentProvider):
    code = "paygov"
    label = _("Nền tảng thanh toán trực tuyến quốc gia")

    def check_configuration(self) -> list[ConfigurationProblem]:
        problems = []
        if not partner_code():
            problems.append(ConfigurationProblem("MOTCUA_PAYGOV_PARTNER_CODE", "the partner code is missing"))
        if not secret_key():
            problems.append(ConfigurationProblem("MOTCUA_PAYGOV_SECRET", "the secret key is missing"))
        if not init_url().startswith("https://"):
            problems.append(ConfigurationProblem("MOTCUA_PAYGOV_URL", "the INIT URL (https) is missing"))
        return problems

    def init_message(
        self,
        *,
        reference: str,
        amount: int,
        description: str,
        client_ip: str,
        at: dt.datetime,
        receipt: dict[str, Any],
        bank_code: str = "",
        channel: str = "WEB",
        device: str = "DESKTOP",
    ) -> dict[str, Any]:
        message: dict[str, Any] = {
            "messageType": "INIT",
            "version": VERSION,
            "partnerCode": partner_code(),
            "reference": reference,
            "amount": str(amount),
            "paymentType": "PAY",
            "channel": channel,
            "device": device,
            "language": "vi-VN",
            "currency": "VND",
            "bankCode": bank_code,
            "description": description,
            "time": vn_time(at),
            "clientIp": client_ip or "127.0.0.1",
        }
        message["checksum"] = checksum(message, INIT_FIELDS, secret_key())
        message["receipt"] = receipt
        return message

    def send_init(self, message: Mapping[str, Any]) -> dict[str, Any]:
        """POST the INIT message; the platform answers with the address to send the payer to."""
        request = urllib.request.Request(  # noqa: S310  https checked by the self-check
            init_url(), data=json.dumps(message).encode(), headers={"Content-Type": "application/json"}, method="POST"
        )
        timeout = float(getattr(settings, "MOTCUA_PAYMENT_HTTP_TIMEOUT", 10))
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return dict(json.loads(response.read().decode("utf-8")))


PROVIDER = PaygovProvider()
register(PROVIDER)
