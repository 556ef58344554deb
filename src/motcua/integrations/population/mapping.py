"""Names and codes of the provincial data-sharing gateway's population service, in one place.

Reconstructed from public implementations (the official specification is not public, docs/integrations.md):
a corrected specification should change this file only.
"""

from __future__ import annotations

# Request (JSON body of a POST): our name -> the gateway's name.
REQUEST = {
    "request_id": "MaYeuCau",
    "integration_code": "MaTichHop",
    "service_code": "MaDVC",
    "officer": "MaCanBo",
    "id_number": "SoDinhDanh",
    "full_name": "HoVaTen",  # upper case without diacritics
    "birth_year": "NamSinh",
}

# Response (XML): the element holding one citizen, and its children.
CITIZEN_ELEMENT = "CongDan"
ERROR_ELEMENT = "Error"
FIELDS = {
    "id_number": "SoDinhDanh",
    "old_id_number": "SoCMND",
    "full_name": "HoVaTen",
    "gender": "GioiTinh",
    "ethnicity": "DanToc",
    "religion": "TonGiao",
    "marital_status": "TinhTrangHonNhan",
    "blood_group": "NhomMau",
    "birth_date": "NgayThangNamSinh",
    "birth_place": "NoiDangKyKhaiSinh",
    "home_town": "QueQuan",
    "permanent_address": "ThuongTru",
    "current_address": "NoiOHienTai",
    "nationality": "QuocTich",
    "father": "Cha",
    "mother": "Me",
    "spouse": "VoChong",
    "representative": "NguoiDaiDien",
    "household_head": "ChuHo",
}
# Children of an address element and of a person element.
ADDRESS = {"province_code": "MaTinh", "district_code": "MaHuyen", "ward_code": "MaXa", "line": "ChiTiet"}
PERSON = {"full_name": "HoVaTen", "id_number": "SoDinhDanh", "nationality": "QuocTich", "relationship": "QuanHe"}
# Values sent as codes; a value not listed (or a name instead of a code) is kept as it is.
GENDER = {"1": "male", "2": "female", "0": ""}
ETHNICITY = {
    "01": "Kinh",
    "02": "Tày",
    "03": "Thái",
    "04": "Hoa",
    "05": "Khơ-me",
    "06": "Mường",
    "07": "Nùng",
    "08": "Mông",
    "09": "Dao",
    "10": "Gia Rai",
    "12": "Ê Đê",
    "13": "Ba Na",
    "14": "Xơ Đăng",
}
MARITAL_STATUS = {"1": "Chưa kết hôn", "2": "Đã kết hôn", "3": "Ly hôn", "4": "Góa"}
NATIONALITY = {"VN": "Việt Nam"}
DATE_FORMATS = ("%Y%m%d", "%d/%m/%Y", "%Y-%m-%d")
