"""A local population database with sample citizens of Gia Lai (52), for development, the demo and tests.

Personal IDs follow the national rule: 3-digit province of birth registration (052 Bình Định, 064 Gia Lai,
001 Hà Nội: codes from before the 2025 merger), a digit for century and sex (0/1 male/female born
1900-1999, 2/3 born 2000-2099), the 2-digit birth year and 6 digits. Addresses use the post-2025 wards.
"""

from __future__ import annotations

import datetime as dt

from motcua.core.text import fold
from motcua.integrations.population.base import Address, Citizen, Relative


def _home(ward_code: str, ward: str, line: str) -> Address:
    return Address(province_code="52", ward_code=ward_code, line=line, full=f"{line}, {ward}, tỉnh Gia Lai")


CITIZENS: tuple[Citizen, ...] = (
    Citizen(
        id_number="052090001234",
        full_name="Nguyễn Văn An",
        birth_date=dt.date(1990, 3, 2),
        gender="male",
        ethnicity="Kinh",
        religion="Không",
        marital_status="Đã kết hôn",
        blood_group="O",
        birth_place="Phường Quy Nhơn, tỉnh Gia Lai",
        home_town="Xã Phù Cát, tỉnh Gia Lai",
        permanent_address=_home("21583", "phường Quy Nhơn", "Số 12 đường Lê Lợi, tổ 3"),
        current_address=_home("21583", "phường Quy Nhơn", "Số 12 đường Lê Lợi, tổ 3"),
        father=Relative("Nguyễn Văn Bình", "052061000452", "Việt Nam"),
        mother=Relative("Trần Thị Cúc", "052165000873", "Việt Nam"),
        spouse=Relative("Lê Thị Hồng Nhung", "052192004567", "Việt Nam"),
        household_head=Relative("Nguyễn Văn An", "052090001234", relationship="Chủ hộ"),
    ),
    Citizen(
        id_number="052192004567",
        full_name="Lê Thị Hồng Nhung",
        birth_date=dt.date(1992, 7, 15),
        gender="female",
        ethnicity="Kinh",
        religion="Phật giáo",
        marital_status="Đã kết hôn",
        birth_place="Phường Quy Nhơn Nam, tỉnh Gia Lai",
        home_town="Phường An Nhơn, tỉnh Gia Lai",
        permanent_address=_home("21583", "phường Quy Nhơn", "Số 12 đường Lê Lợi, tổ 3"),
        current_address=_home("21583", "phường Quy Nhơn", "Số 12 đường Lê Lợi, tổ 3"),
        father=Relative("Lê Văn Hùng", "052063002211", "Việt Nam"),
        mother=Relative("Phạm Thị Lan", "052168003344", "Việt Nam"),
        spouse=Relative("Nguyễn Văn An", "052090001234", "Việt Nam"),
        household_head=Relative("Nguyễn Văn An", "052090001234", relationship="Vợ"),
    ),
    Citizen(
        id_number="064185000321",
        full_name="Ksor H'Mai",
        birth_date=dt.date(1985, 11, 20),
        gender="female",
        ethnicity="Gia Rai",
        religion="Tin lành",
        marital_status="Đã kết hôn",
        birth_place="Xã Chư Păh, tỉnh Gia Lai",
        home_town="Xã Chư Păh, tỉnh Gia Lai",
        permanent_address=_home("23722", "xã Chư Păh", "Làng Ia Nhin"),
        current_address=_home("23722", "xã Chư Păh", "Làng Ia Nhin"),
        father=Relative("Rơ Châm Blơi", "", "Việt Nam"),
        mother=Relative("Ksor H'Lan", "", "Việt Nam"),
        spouse=Relative("Rơ Mah Khoa", "064082004411", "Việt Nam"),
    ),
    Citizen(
        id_number="064088012345",
        full_name="Trần Quốc Bảo",
        birth_date=dt.date(1988, 5, 9),
        gender="male",
        ethnicity="Kinh",
        religion="Công giáo",
        marital_status="Chưa kết hôn",
        birth_place="Phường Pleiku, tỉnh Gia Lai",
        home_town="Tỉnh Quảng Ngãi",
        permanent_address=_home("23575", "phường Pleiku", "Số 45 đường Trần Phú"),
        current_address=_home("23586", "phường Hội Phú", "Số 8 đường Hùng Vương"),
        father=Relative("Trần Quốc Hưng", "051060001122", "Việt Nam"),
        mother=Relative("Đinh Thị Mai", "051163002233", "Việt Nam"),
    ),
    Citizen(
        id_number="052301007890",
        full_name="Phạm Ngọc Hân",
        birth_date=dt.date(2001, 9, 30),
        gender="female",
        ethnicity="Kinh",
        religion="Không",
        marital_status="Chưa kết hôn",
        birth_place="Xã Phù Cát, tỉnh Gia Lai",
        home_town="Xã Phù Cát, tỉnh Gia Lai",
        permanent_address=_home("21853", "xã Phù Cát", "Thôn Hòa Đại"),
        current_address=_home("21583", "phường Quy Nhơn", "Số 7 đường Nguyễn Huệ"),
        father=Relative("Phạm Văn Tài", "052072003456", "Việt Nam"),
        mother=Relative("Nguyễn Thị Thu", "052175004567", "Việt Nam"),
    ),
    Citizen(
        id_number="052075003456",
        full_name="Võ Thành Đạt",
        birth_date=dt.date(1975, 1, 18),
        gender="male",
        ethnicity="Kinh",
        religion="Phật giáo",
        marital_status="Đã kết hôn",
        birth_place="Phường Bình Định, tỉnh Gia Lai",
        home_town="Phường Bình Định, tỉnh Gia Lai",
        permanent_address=_home("21907", "phường Bình Định", "Khu phố Liêm Định"),
        current_address=_home("21907", "phường Bình Định", "Khu phố Liêm Định"),
        spouse=Relative("Huỳnh Thị Mỹ Lệ", "052170009012", "Việt Nam"),
    ),
    Citizen(
        id_number="064203002468",
        full_name="Rơ Mah Thuận",
        birth_date=dt.date(2003, 4, 12),
        gender="male",
        ethnicity="Gia Rai",
        religion="Không",
        marital_status="Chưa kết hôn",
        birth_place="Xã Ia Ly, tỉnh Gia Lai",
        home_town="Xã Ia Ly, tỉnh Gia Lai",
        permanent_address=_home("23734", "xã Ia Ly", "Làng Ia Ring"),
        current_address=_home("23734", "xã Ia Ly", "Làng Ia Ring"),
        father=Relative("Siu Đhiăng", "064078003355", "Việt Nam"),
        mother=Relative("Rơ Mah H'Nga", "064180006677", "Việt Nam"),
    ),
    Citizen(
        id_number="052170009012",
        full_name="Huỳnh Thị Mỹ Lệ",
        birth_date=dt.date(1970, 12, 25),
        gender="female",
        ethnicity="Kinh",
        religion="Phật giáo",
        marital_status="Đã kết hôn",
        birth_place="Phường Bồng Sơn, tỉnh Gia Lai",
        home_town="Phường Bồng Sơn, tỉnh Gia Lai",
        permanent_address=_home("21907", "phường Bình Định", "Khu phố Liêm Định"),
        current_address=_home("21640", "phường Bồng Sơn", "Số 3 đường Quang Trung"),
        spouse=Relative("Võ Thành Đạt", "052075003456", "Việt Nam"),
    ),
    Citizen(
        id_number="001095006543",
        full_name="Đỗ Minh Khoa",
        birth_date=dt.date(1995, 8, 1),
        gender="male",
        ethnicity="Kinh",
        religion="Không",
        marital_status="Chưa kết hôn",
        birth_place="Phường Hoàn Kiếm, thành phố Hà Nội",
        home_town="Xã Ứng Hòa, thành phố Hà Nội",
        permanent_address=_home("23586", "phường Hội Phú", "Số 21 đường Phạm Văn Đồng"),
        current_address=_home("23586", "phường Hội Phú", "Số 21 đường Phạm Văn Đồng"),
        father=Relative("Đỗ Văn Long", "001066001234", "Việt Nam"),
        mother=Relative("Vũ Thị Hoa", "001170005678", "Việt Nam"),
    ),
    Citizen(
        id_number="052199001122",
        full_name="Đặng Thùy Trang",
        birth_date=dt.date(1999, 2, 14),
        gender="female",
        ethnicity="Kinh",
        religion="Không",
        marital_status="Chưa kết hôn",
        birth_place="Phường An Nhơn, tỉnh Gia Lai",
        home_town="Phường An Nhơn, tỉnh Gia Lai",
        permanent_address=_home("21910", "phường An Nhơn", "Khu vực Trung Ái"),
        current_address=_home("21910", "phường An Nhơn", "Khu vực Trung Ái"),
        father=Relative("Đặng Văn Sơn", "052068007788", "Việt Nam"),
        mother=Relative("Lê Thị Bích", "052172008899", "Việt Nam"),
    ),
)


class SimulatorAdapter:
    """Answers like the real service: a record only when ID, name (case and diacritics aside) and year match."""

    name = "simulator"

    def __init__(self, citizens: tuple[Citizen, ...] = CITIZENS) -> None:
        self._by_id = {citizen.id_number: citizen for citizen in citizens}

    def lookup(
        self, *, id_number: str, full_name: str, birth_year: int, request_id: str = "", officer: str = ""
    ) -> Citizen | None:
        citizen = self._by_id.get(id_number)
        if citizen is None or fold(citizen.full_name) != fold(full_name) or citizen.birth_year != birth_year:
            return None
        return citizen

    def check(self) -> list[str]:
        return []
