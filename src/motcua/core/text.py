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
