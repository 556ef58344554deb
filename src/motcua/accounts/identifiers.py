"""Sign-in names: a Vietnamese mobile number or an e-mail address, normalised (pure functions)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

_SEPARATORS = re.compile(r"[\s.\-()]")
_PHONE = re.compile(r"^0[0-9]{9}\Z")
ID_NUMBER = re.compile(r"^[0-9]{12}\Z")


class IdentifierKind(StrEnum):
    PHONE = "phone"
    EMAIL = "email"


@dataclass(frozen=True)
class Identifier:
    kind: IdentifierKind
    value: str

    @property
    def channel(self) -> str:
        """The channel a one-time code for this identifier goes through ("sms" or "email")."""
        return "sms" if self.kind == IdentifierKind.PHONE else "email"


def normalise_phone(text: str) -> str | None:
    """'+84 912 345 678', '84912345678', '0912.345.678' -> '0912345678'; None when it is not a phone number.

    >>> normalise_phone("+84 912 345 678")
    '0912345678'
    """
    digits = _SEPARATORS.sub("", text.strip())
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    return digits if _PHONE.match(digits) else None


def normalise_email(text: str) -> str | None:
    value = text.strip().lower()
    try:
        validate_email(value)
    except ValidationError:
        return None
    return value


def parse_identifier(text: str) -> Identifier | None:
    """A phone number or an e-mail address, normalised; None when the text is neither."""
    if "@" in text:
        email = normalise_email(text)
        return Identifier(IdentifierKind.EMAIL, email) if email else None
    phone = normalise_phone(text)
    return Identifier(IdentifierKind.PHONE, phone) if phone else None


def is_id_number(text: str) -> bool:
    """A 12-digit personal identification number (số định danh cá nhân)."""
    return bool(ID_NUMBER.match(text))
