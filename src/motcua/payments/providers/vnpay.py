"""VNPAY payment gateway, API version 2.1.0 (docs/payments.md).

Payment URL: the parameters without empty values, sorted by name, URL-encoded as a form query string (space as
`+`); `vnp_SecureHash` is the hex HMAC-SHA512 of that string with the merchant's secret. The return URL and the
IPN carry the same kind of signed query. The transaction query (`querydr`) is a JSON POST whose hash is over
the pipe-joined fields.

With `MOTCUA_PAYMENT_SIMULATOR` on and no gateway configured, the merchant code and secret default to the
simulator's and the payment URL points to the local simulator (`/mo-phong/vnpay/`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import urllib.request
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote_plus, urlencode
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from motcua.payments.providers import ConfigurationProblem, GatewayUnavailable, PaymentProvider, register

logger = logging.getLogger(__name__)

VERSION = "2.1.0"
VN = ZoneInfo("Asia/Ho_Chi_Minh")
DATE_FORMAT = "%Y%m%d%H%M%S"
SIMULATOR_TMN_CODE = "MOTCUASIM"
SIMULATOR_SECRET = "MOTCUA-SIMULATOR-SECRET-NOT-FOR-PRODUCTION"  # noqa: S105  public on purpose: the simulator's
SIMULATOR_PAYMENT_PATH = "/mo-phong/vnpay/"

# The gateway's answer codes, told to the applicant in their language (translated when shown).
RESPONSE_MESSAGES: dict[str, Any] = {
    "00": _("Giao dịch thành công"),
    "07": _("Trừ tiền thành công, giao dịch bị nghi ngờ"),
    "09": _("Thẻ/Tài khoản chưa đăng ký dịch vụ InternetBanking"),
    "10": _("Xác thực thông tin thẻ/tài khoản không đúng quá 3 lần"),
    "11": _("Đã hết hạn chờ thanh toán"),
    "24": _("Khách hàng hủy giao dịch"),
    "51": _("Tài khoản không đủ số dư"),
    "65": _("Tài khoản đã vượt quá hạn mức giao dịch trong ngày"),
    "75": _("Ngân hàng thanh toán đang bảo trì"),
}

# IPN replies (RspCode, Message)
IPN_CONFIRMED = ("00", "Confirm Success")
IPN_NOT_FOUND = ("01", "Order not found")
IPN_ALREADY_CONFIRMED = ("02", "Order already confirmed")
IPN_INVALID_AMOUNT = ("04", "Invalid amount")
IPN_BAD_CHECKSUM = ("97", "Invalid signature")
IPN_UNKNOWN = ("99", "Unknown error")

QUERY_RESPONSE_FIELDS = (
    "vnp_ResponseId",
    "vnp_Command",
    "vnp_ResponseCode",
    "vnp_Message",
    "vnp_TmnCode",
    "vnp_TxnRef",
    "vnp_Amount",
    "vnp_BankCode",
    "vnp_PayDate",
    "vnp_TransactionNo",
    "vnp_TransactionType",
    "vnp_TransactionStatus",
    "vnp_OrderInfo",
    "vnp_PromotionCode",
    "vnp_PromotionAmount",
)


def simulator_enabled() -> bool:
    return bool(getattr(settings, "MOTCUA_PAYMENT_SIMULATOR", False))


def tmn_code() -> str:
    return str(getattr(settings, "MOTCUA_VNPAY_TMN_CODE", "") or (SIMULATOR_TMN_CODE if simulator_enabled() else ""))


def hash_secret() -> str:
    return str(getattr(settings, "MOTCUA_VNPAY_HASH_SECRET", "") or (SIMULATOR_SECRET if simulator_enabled() else ""))


def payment_url() -> str:
    configured = str(getattr(settings, "MOTCUA_VNPAY_PAYMENT_URL", ""))
    return configured or (SIMULATOR_PAYMENT_PATH if simulator_enabled() else "")


def api_url() -> str:
    return str(getattr(settings, "MOTCUA_VNPAY_API_URL", ""))


def uses_simulator() -> bool:
    return simulator_enabled() and not getattr(settings, "MOTCUA_VNPAY_PAYMENT_URL", "")


def canonical_query(params: Mapping[str, Any]) -> str:
    """Sorted, URL-encoded (form encoding, space as '+'), empty values and the hash fields dropped."""
    items = sorted(
        (key, str(value))
        for key, value in params.items()
        if value not in (None, "") and key not in ("vnp_SecureHash", "vnp_SecureHashType")
    )
    return "&".join(f"{quote_plus(key)}={quote_plus(value)}" for key, value in items)


def sign(data: str, secret: str) -> str:
    return hmac.new(secret.encode(), data.encode("utf-8"), hashlib.sha512).hexdigest()


def signed_query(params: Mapping[str, Any], secret: str) -> str:
    query = canonical_query(params)
    return f"{query}&vnp_SecureHash={sign(query, secret)}"


def verify(params: Mapping[str, Any], secret: str | None = None) -> bool:
    """Whether `vnp_SecureHash` matches the other parameters (constant-time comparison)."""
    received = str(params.get("vnp_SecureHash", "")).lower()
    if not received:
        return False
    expected = sign(canonical_query(params), secret if secret is not None else hash_secret())
    return hmac.compare_digest(received, expected)


def vn_time(value: dt.datetime) -> str:
    return value.astimezone(VN).strftime(DATE_FORMAT)


@dataclass(frozen=True)
class QueryResult:
    """The gateway's answer about one payment: "succeeded", "failed", "pending", "missing" or "unknown"."""

    outcome: str
    response_code: str
    transaction_no: str
    amount: int | None  # VND (already divided by 100)
    raw: dict[str, Any]
    checksum_ok: bool


class VnpayProvider(PaymentProvider):
    code = "vnpay"
    label = _("VNPAY (thẻ ATM, tài khoản ngân hàng, ví điện tử)")

    def check_configuration(self) -> list[ConfigurationProblem]:
        problems = []
        if not tmn_code():
            problems.append(ConfigurationProblem("MOTCUA_VNPAY_TMN_CODE", "the merchant code (vnp_TmnCode) is missing"))
        secret = hash_secret()
        if not secret:
            problems.append(ConfigurationProblem("MOTCUA_VNPAY_HASH_SECRET", "the hash secret is missing"))
        elif secret == SIMULATOR_SECRET and not simulator_enabled():
            problems.append(
                ConfigurationProblem("MOTCUA_VNPAY_HASH_SECRET", "the simulator's secret outside the simulator")
            )
        url = payment_url()
        if not url:
            problems.append(ConfigurationProblem("MOTCUA_VNPAY_PAYMENT_URL", "the payment URL is missing"))
        elif not uses_simulator() and not url.startswith("https://"):
            problems.append(ConfigurationProblem("MOTCUA_VNPAY_PAYMENT_URL", "the payment URL must use https"))
        if not uses_simulator() and not api_url().startswith("https://"):
            problems.append(ConfigurationProblem("MOTCUA_VNPAY_API_URL", "the querydr API URL (https) is missing"))
        return problems

    def payment_parameters(
        self,
        *,
        reference: str,
        amount: int,
        order_info: str,
        return_url: str,
        client_ip: str,
        created_at: dt.datetime,
        expires_at: dt.datetime,
        locale: str = "vn",
        bank_code: str = "",
    ) -> dict[str, str]:
        params = {
            "vnp_Version": VERSION,
            "vnp_Command": "pay",
            "vnp_TmnCode": tmn_code(),
            "vnp_Amount": str(amount * 100),
            "vnp_CurrCode": "VND",
            "vnp_TxnRef": reference,
            "vnp_OrderInfo": order_info,
            "vnp_OrderType": str(getattr(settings, "MOTCUA_VNPAY_ORDER_TYPE", "other")),
            "vnp_Locale": locale if locale in ("vn", "en") else "vn",
            "vnp_ReturnUrl": return_url,
            "vnp_IpAddr": client_ip or "127.0.0.1",
            "vnp_CreateDate": vn_time(created_at),
            "vnp_ExpireDate": vn_time(expires_at),
        }
        if bank_code:
            params["vnp_BankCode"] = bank_code
        return params

    def payment_url(self, params: Mapping[str, str]) -> str:
        return f"{payment_url()}?{signed_query(params, hash_secret())}"

    def query(self, *, reference: str, created_at: dt.datetime, client_ip: str = "127.0.0.1") -> QueryResult:
        """Truy vấn kết quả giao dịch (querydr); the simulator answers from its own records.

        GatewayUnavailable when the gateway does not answer. `vnp_RequestId` is fresh on every call (VNPAY
        requires it unique); a query changes nothing at the gateway, so asking twice is harmless.
        """
        if uses_simulator():
            from motcua.payments import simulator

            return simulator.querydr(reference)
        now = dt.datetime.now(tz=VN)
        body = {
            "vnp_RequestId": uuid.uuid4().hex[:32],
            "vnp_Version": VERSION,
            "vnp_Command": "querydr",
            "vnp_TmnCode": tmn_code(),
            "vnp_TxnRef": reference,
            "vnp_OrderInfo": f"Truy van giao dich {reference}",
            "vnp_TransactionDate": vn_time(created_at),
            "vnp_CreateDate": vn_time(now),
            "vnp_IpAddr": client_ip,
        }
        data = "|".join(
            body[key]
            for key in (
                "vnp_RequestId",
                "vnp_Version",
                "vnp_Command",
                "vnp_TmnCode",
                "vnp_TxnRef",
                "vnp_TransactionDate",
                "vnp_CreateDate",
                "vnp_IpAddr",
                "vnp_OrderInfo",
            )
        )
        body["vnp_SecureHash"] = sign(data, hash_secret())
        request = urllib.request.Request(  # noqa: S310  https checked by the self-check
            api_url(), data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}, method="POST"
        )
        timeout = float(getattr(settings, "MOTCUA_PAYMENT_HTTP_TIMEOUT", 10))
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                answer = json.loads(response.read().decode("utf-8"))
        except (OSError, ValueError) as exc:
            logger.warning("VNPAY querydr for %s failed: %s", reference, exc)
            raise GatewayUnavailable(f"VNPAY querydr: {exc}") from exc
        if not isinstance(answer, dict):
            raise GatewayUnavailable("VNPAY querydr: unreadable answer")
        return interpret_query_answer(answer)


def query_answer_hash(answer: Mapping[str, Any], secret: str) -> str:
    return sign("|".join(str(answer.get(key, "") or "") for key in QUERY_RESPONSE_FIELDS), secret)


def interpret_query_answer(answer: Mapping[str, Any], secret: str | None = None) -> QueryResult:
    raw = dict(answer)
    expected = query_answer_hash(answer, secret if secret is not None else hash_secret())
    checksum_ok = hmac.compare_digest(str(answer.get("vnp_SecureHash", "")).lower(), expected)
    code = str(answer.get("vnp_ResponseCode", ""))
    status = str(answer.get("vnp_TransactionStatus", ""))
    amount_raw = str(answer.get("vnp_Amount", "") or "")
    amount = int(amount_raw) // 100 if amount_raw.isdigit() else None
    if checksum_ok and code == "91":
        outcome = "missing"  # the gateway has no such transaction: the applicant never paid
    elif not checksum_ok or code != "00":
        outcome = "unknown"
    elif status == "00":
        outcome = "succeeded"
    elif status == "01":
        outcome = "pending"
    else:
        outcome = "failed"
    return QueryResult(outcome, status or code, str(answer.get("vnp_TransactionNo", "")), amount, raw, checksum_ok)


def payment_query_string(params: Mapping[str, str]) -> str:
    """The unsigned query (for logs)."""
    return urlencode(sorted(params.items()))


PROVIDER = VnpayProvider()
register(PROVIDER)
