"""Field names and codes of a dossier sent by the national public service portal (integrations.md).

The official specification is not public; these names follow public implementations. A corrected
specification changes this file only.
"""

from __future__ import annotations

DOSSIER_CODE = "MaHoSo"
PROCEDURE_CODE = "MaTTHC"
AGENCY_CODE = "MaCoQuan"
OWNER_NAME = "ChuHoSo"
OWNER_ID = "SoGiayToChuHoSo"
SUBJECT_KIND = "LoaiDoiTuong"
BIRTH_DATE = "NgaySinh"  # yyyyMMdd
EMAIL = "Email"
PHONE = "SoDienThoai"
ADDRESS = "DiaChi"
SUBMITTED_AT = "NgayNopHoSo"  # yyyyMMddHHmmss
DELIVERY = "HinhThuc"  # 0 in person (here: electronic result), 1 by post
FORM_DATA = "DuLieuToKhai"
DOCUMENTS = "TaiLieuNop"
DOCUMENT_NAME = "TenTepDinhKem"
DOCUMENT_COMPONENT = "MaThanhPhanHoSo"
DOCUMENT_URL = "DuongDanTaiTepTin"

#: subject kind → motcua's applicant kind (1 citizen, 2 business, 3 state agency, 4 organisation or other)
SUBJECT_KINDS = {"1": "citizen", "2": "business", "3": "organisation", "4": "organisation"}
