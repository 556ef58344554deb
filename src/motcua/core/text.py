"""Text folding for search: case and Vietnamese diacritics are ignored (đ/Đ included)."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """Return `text` lower-cased, without diacritics and with single spaces.

    >>> fold("Đăng ký  KHAI SINH")
    'dang ky khai sinh'
    """
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return _SPACES.sub(" ", stripped.casefold()).strip()


def person_name(user: object) -> str:
    """A person's name in Vietnamese order: family and middle names (`last_name`), then the given name.

    Falls back to the username when the account has no name.
    """
    first = str(getattr(user, "first_name", "") or "").strip()
    last = str(getattr(user, "last_name", "") or "").strip()
    full = " ".join(part for part in (last, first) if part)
    if full:
        return full
    get_username = getattr(user, "get_username", None)
    return str(get_username()) if callable(get_username) else ""


def parse_number(value: object, *, digits: int = 12) -> int | None:
    """A posted whole number ('42') or None: only ASCII digits ('²' and '٣' are digits to `str.isdigit`)."""
    text = str(value or "").strip()
    if 0 < len(text) <= digits and text.isascii() and text.isdecimal():
        return int(text)
    return None
