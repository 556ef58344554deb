"""Amounts in Vietnamese đồng (VND): figures with dot thousands separators, and amounts in words.

Receipts and official forms write an amount twice: "200.000 đồng" and "Hai trăm nghìn đồng" (bằng chữ).
Amounts are whole đồng (integers); the đồng has no subunit in use.
"""

from __future__ import annotations

from num2words import num2words

CURRENCY_WORD = "đồng"


def group_thousands(amount: int) -> str:
    """1234567 -> '1.234.567' (Vietnamese convention: dots between thousands)."""
    sign = "-" if amount < 0 else ""
    return sign + f"{abs(amount):,}".replace(",", ".")


def vnd(amount: int) -> str:
    """200000 -> '200.000 đồng'."""
    return f"{group_thousands(amount)} {CURRENCY_WORD}"


def amount_in_words(amount: int) -> str:
    """200000 -> 'Hai trăm nghìn đồng' (num2words, Vietnamese, first letter capitalised).

    Negative amounts have no meaning on a receipt and are refused.
    """
    if amount < 0:
        raise ValueError("amount must not be negative")
    words = str(num2words(amount, lang="vi")).strip()
    return f"{words[:1].upper()}{words[1:]} {CURRENCY_WORD}"
