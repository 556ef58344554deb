"""VND amounts in figures and in words, as written on receipts and official forms."""

from __future__ import annotations

import pytest

from motcua.core.money import amount_in_words, group_thousands, vnd


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        (0, "0 đồng"),
        (5, "5 đồng"),
        (999, "999 đồng"),
        (1000, "1.000 đồng"),
        (50000, "50.000 đồng"),
        (200000, "200.000 đồng"),
        (1500000, "1.500.000 đồng"),
        (1234567890, "1.234.567.890 đồng"),
        (-25000, "-25.000 đồng"),
    ],
)
def test_vnd_uses_dots_between_thousands(amount: int, expected: str) -> None:
    assert vnd(amount) == expected


def test_group_thousands_without_the_currency() -> None:
    assert group_thousands(100000) == "100.000"
    assert group_thousands(12) == "12"


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        (0, "Không đồng"),
        (1, "Một đồng"),
        (15, "Mười lăm đồng"),
        (21, "Hai mươi mốt đồng"),
        (105, "Một trăm lẻ năm đồng"),
        (50000, "Năm mươi nghìn đồng"),
        (100000, "Một trăm nghìn đồng"),
        (200000, "Hai trăm nghìn đồng"),
        (1500000, "Một triệu năm trăm nghìn đồng"),
        (1000000000, "Một tỷ đồng"),
        (1234567, "Một triệu hai trăm ba mươi bốn nghìn năm trăm sáu mươi bảy đồng"),
    ],
)
def test_amount_in_words(amount: int, expected: str) -> None:
    assert amount_in_words(amount) == expected


def test_negative_amount_in_words_is_refused() -> None:
    with pytest.raises(ValueError):
        amount_in_words(-1)
