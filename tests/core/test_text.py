import pytest

from motcua.core.text import fold


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Đăng ký khai sinh", "dang ky khai sinh"),
        ("ĐẤT ĐAI", "dat dai"),
        ("  Lý   lịch tư pháp ", "ly lich tu phap"),
        ("Hộ tịch", "ho tich"),
        ("Cấp Giấy phép xây dựng", "cap giay phep xay dung"),
        ("ỹ ỵ ữ ở", "y y u o"),
    ],
)
def test_fold_removes_case_and_vietnamese_diacritics(text: str, expected: str) -> None:
    assert fold(text) == expected


def test_person_name_is_in_vietnamese_order() -> None:
    from types import SimpleNamespace

    from motcua.core.text import person_name

    assert person_name(SimpleNamespace(first_name="Lan", last_name="Trần Thị")) == "Trần Thị Lan"
    nameless = SimpleNamespace(first_name="", last_name="", get_username=lambda: "tiepnhan")
    assert person_name(nameless) == "tiepnhan"
