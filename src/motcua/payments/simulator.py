"""Local VNPAY simulator (development and tests only, `MOTCUA_PAYMENT_SIMULATOR`): plays the gateway's part.

`simulate()` checks the signed payment URL as VNPAY would, records the outcome (so `querydr` can answer) and
returns the signed parameters VNPAY sends to the return URL and the IPN. Nothing here is used in production.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from motcua.payments.models import SimulatedPayment
from motcua.payments.providers import vnpay


def enabled() -> bool:
    return bool(getattr(settings, "MOTCUA_PAYMENT_SIMULATOR", False))


def check_request(params: Mapping[str, Any]) -> dict[str, str]:
    """The payment request as the gateway receives it; PermissionDenied when off or wrongly signed."""
    if not enabled():
        raise PermissionDenied("simulator disabled")
    raw = {key: str(value) for key, value in params.items()}
    if not vnpay.verify(raw) or raw.get("vnp_TmnCode") != vnpay.tmn_code():
        raise PermissionDenied("bad signature")
    return raw


def simulate(params: Mapping[str, Any], *, pay: bool, at: dt.datetime | None = None) -> dict[str, str]:
    """The applicant paid (`pay`) or cancelled: the signed answer for the return URL and the IPN."""
    raw = check_request(params)
    now = at or timezone.now()
    number = f"{secrets.randbelow(10**8):08d}"
    code = "00" if pay else "24"
    SimulatedPayment.objects.update_or_create(
        txn_ref=raw["vnp_TxnRef"],
        defaults={
            "amount": int(raw["vnp_Amount"]),
            "transaction_no": number if pay else "0",
            "response_code": code,
            "pay_date": vnpay.vn_time(now),
        },
    )
    answer = {
        "vnp_Amount": raw["vnp_Amount"],
        "vnp_BankCode": "NCB",
        "vnp_BankTranNo": f"VNP{number}" if pay else "",
        "vnp_CardType": "ATM",
        "vnp_OrderInfo": raw.get("vnp_OrderInfo", ""),
        "vnp_PayDate": vnpay.vn_time(now),
        "vnp_ResponseCode": code,
        "vnp_TmnCode": raw["vnp_TmnCode"],
        "vnp_TransactionNo": number if pay else "0",
        "vnp_TransactionStatus": "00" if pay else "02",
        "vnp_TxnRef": raw["vnp_TxnRef"],
    }
    answer = {key: value for key, value in answer.items() if value}
    answer["vnp_SecureHash"] = vnpay.sign(vnpay.canonical_query(answer), vnpay.hash_secret())
    return answer


def querydr(reference: str) -> vnpay.QueryResult:
    """The simulator's answer to a transaction query, signed and then read as a real answer is."""
    record = SimulatedPayment.objects.filter(txn_ref=reference).first()
    answer: dict[str, str] = {
        "vnp_ResponseId": secrets.token_hex(8),
        "vnp_Command": "querydr",
        "vnp_TmnCode": vnpay.tmn_code(),
        "vnp_TxnRef": reference,
    }
    if record is None:
        answer.update({"vnp_ResponseCode": "91", "vnp_Message": "Transaction not found"})
    else:
        answer.update(
            {
                "vnp_ResponseCode": "00",
                "vnp_Message": "QueryDR Success",
                "vnp_Amount": str(record.amount),
                "vnp_BankCode": "NCB",
                "vnp_PayDate": record.pay_date,
                "vnp_TransactionNo": record.transaction_no,
                "vnp_TransactionType": "01",
                "vnp_TransactionStatus": "00" if record.response_code == "00" else "02",
            }
        )
    answer["vnp_SecureHash"] = vnpay.query_answer_hash(answer, vnpay.hash_secret())
    return vnpay.interpret_query_answer(answer)
