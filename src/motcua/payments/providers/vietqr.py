"""VietQR bank transfer (Napas 247): the EMVCo merchant-presented QR payload for the agency's collecting account.

Payload: ID 00 format indicator "01"; 01 point of initiation "12" (dynamic, the amount is fixed); 38 merchant
account information (00 the Napas GUID "A000000727", 01 the beneficiary: 00 bank BIN, 01 account number; 02 the
service "QRIBFTTA", transfer to an account); 53 currency "704"; 54 amount; 58 country "VN"; 62 additional data
(08 purpose: the payment reference, which identifies the dossier); 63 CRC-16/CCITT-FALSE over everything up to
and including "6304", four upper-case hex digits. Confirmation: a staff member, or a bank statement import.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from motcua.payments.providers import PaymentProvider, register

NAPAS_GUID = "A000000727"
SERVICE_TO_ACCOUNT = "QRIBFTTA"


def tlv(tag: str, value: str) -> str:
    if len(value) > 99:
        raise ValueError(f"EMVCo field {tag} is longer than 99 characters")
    return f"{tag}{len(value):02d}{value}"


def crc16_ccitt(data: bytes) -> int:
    """CRC-16/CCITT-FALSE: polynomial 0x1021, initial value 0xFFFF, no reflection, no final XOR."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _bit in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else (crc << 1)
            crc &= 0xFFFF
    return crc


def payload(*, bank_bin: str, account_number: str, amount: int, reference: str) -> str:
    """The QR text (EMVCo / VietQR) for a transfer of `amount` đồng with `reference` as the purpose."""
    beneficiary = tlv("00", bank_bin) + tlv("01", account_number)
    merchant = tlv("00", NAPAS_GUID) + tlv("01", beneficiary) + tlv("02", SERVICE_TO_ACCOUNT)
    body = (
        tlv("00", "01")
        + tlv("01", "12")
        + tlv("38", merchant)
        + tlv("53", "704")
        + tlv("54", str(amount))
        + tlv("58", "VN")
        + tlv("62", tlv("08", reference))
        + "6304"
    )
    return f"{body}{crc16_ccitt(body.encode('utf-8')):04X}"


class VietqrProvider(PaymentProvider):
    """Needs no global setting: each agency's collecting account is configured in the admin."""

    code = "vietqr"
    label = _("Chuyển khoản qua mã VietQR")


PROVIDER = VietqrProvider()
register(PROVIDER)
