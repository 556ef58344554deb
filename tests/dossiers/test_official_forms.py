"""Official forms (TT 01/2018) as A5 PDF and the tracking book (form 06) as PDF and XLSX.

Dossiers are driven through the services on real dates: the week of Monday 2 March 2026 has no holiday;
the procedure takes 5 working days; office hours are 07:00–11:30 and 13:30–17:00 (Vietnam time). The PDF
text is read back with pypdf and compared exactly (after NFC normalisation and joining wrapped lines).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
from typing import Any

import openpyxl
import pytest
import segno
from PIL import Image, ImageChops
from pypdf import PdfReader

from motcua.core.errors import NotFound
from motcua.dossiers import official_forms, services, tracking_book
from motcua.dossiers.models import Dossier
from tests.dossiers.conftest import World, applicant, at, submit_counter, upload_pdf

A5 = (419.53, 595.28)  # 148 x 210 mm in points
A4_LANDSCAPE = (841.89, 595.28)
PHONE = "0905123456"
CODE_1 = "000.00.01.H21-260302-0001"


# ---- helpers ---------------------------------------------------------------------------------------------


def pdf_text(pdf: bytes) -> str:
    """All the text of the PDF, NFC, with runs of white space (wrapped lines) turned into one space."""
    reader = PdfReader(io.BytesIO(pdf))
    raw = "\n".join(page.extract_text() for page in reader.pages)
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", raw))


def page_size(pdf: bytes, index: int = 0) -> tuple[float, float]:
    box = PdfReader(io.BytesIO(pdf)).pages[index].mediabox
    return float(box.width), float(box.height)


def font_names(pdf: bytes) -> set[str]:
    names: set[str] = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        resources: Any = page["/Resources"].get_object()
        fonts: Any = resources.get("/Font", {})
        for ref in fonts.get_object().values():
            names.add(str(ref.get_object()["/BaseFont"]))
    return names


def assert_a5(pdf: bytes) -> None:
    assert pdf.startswith(b"%PDF-")
    width, height = page_size(pdf)
    assert (round(width, 1), round(height, 1)) == (round(A5[0], 1), round(A5[1], 1))


def assert_national_header(text: str) -> None:
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Độc lập - Tự do - Hạnh phúc" in text
    assert "ỦY BAN NHÂN DÂN TỈNH" in text


def reload(dossier: Dossier) -> Dossier:
    return Dossier.objects.get(pk=dossier.pk)


def submit_with_documents(world: World, when: str) -> Dossier:
    """At the counter: two scans of TP1 (originals) and one certified copy of TP2, with phone and address."""
    documents = [
        services.DocumentData(component="TP1", upload_id=upload_pdf(world.officer.user), copy_kind="original"),
        services.DocumentData(component="TP1", upload_id=upload_pdf(world.officer.user), copy_kind="original"),
        services.DocumentData(component="TP2", upload_id=upload_pdf(world.officer.user), copy_kind="certified_copy"),
    ]
    data = services.SubmissionData(
        procedure=world.version.procedure.code,
        agency=world.department.code,
        channel="counter",
        applicant=applicant(phone=PHONE, address_line="12 Lê Lợi, tổ 3"),
        documents=documents,
    )
    return services.dossier_submit(actor=world.officer.user, data=data, at=at(when))


def received(world: World) -> Dossier:
    dossier = submit_with_documents(world, "2026-03-02 08:55")
    services.dossier_receive(dossier=dossier, actor=world.officer.user, at=at("2026-03-02 09:00"))
    return reload(dossier)


def forwarded(world: World) -> Dossier:
    dossier = received(world)
    services.dossier_forward(dossier=dossier, actor=world.officer.user, at=at("2026-03-02 09:10"))
    return reload(dossier)


def returned(world: World) -> Dossier:
    """Specialist early, division head late, leader on the day; result returned to a representative."""
    dossier = forwarded(world)
    services.dossier_forward(dossier=dossier, actor=world.specialist.user, at=at("2026-03-03 10:00"))
    services.dossier_forward(dossier=dossier, actor=world.head.user, at=at("2026-03-04 09:00"))
    services.dossier_approve(dossier=dossier, actor=world.leader.user, outcome="granted", at=at("2026-03-04 10:00"))
    services.dossier_return_result(
        dossier=dossier,
        actor=world.officer.user,
        recipient_name="Lê Thị Bình",
        recipient_id_number="052090009999",
        note="Nhận thay theo giấy ủy quyền",
        at=at("2026-03-05 08:00"),
    )
    return reload(dossier)


# ---- which forms a dossier has ---------------------------------------------------------------------------


def test_forms_have_their_vietnamese_titles() -> None:
    assert {key: str(title) for key, title in official_forms.FORMS.items()} == {
        "01": "Giấy tiếp nhận hồ sơ và hẹn trả kết quả",
        "02": "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ",
        "03": "Phiếu từ chối tiếp nhận giải quyết hồ sơ",
        "04": "Phiếu xin lỗi và hẹn lại ngày trả kết quả",
        "05": "Phiếu kiểm soát quá trình giải quyết hồ sơ",
        "handover": "Biên bản giao nhận kết quả giải quyết thủ tục hành chính",
    }


def test_available_forms_follow_the_life_of_the_dossier(world: World) -> None:
    dossier = submit_counter(world, "2026-03-02 08:55")
    assert official_forms.available_forms(dossier) == []
    services.dossier_receive(dossier=dossier, actor=world.officer.user, at=at("2026-03-02 09:00"))
    assert official_forms.available_forms(reload(dossier)) == ["01", "05"]

    assert official_forms.available_forms(returned(world)) == ["01", "05", "handover"]


@pytest.mark.parametrize("form", ["02", "03", "04", "handover", "06", "", "../base"])
def test_a_form_the_dossier_does_not_have_is_not_found(world: World, form: str) -> None:
    dossier = received(world)
    with pytest.raises(NotFound):
        official_forms.render_form(dossier, form)


def test_no_receipt_before_reception(world: World) -> None:
    dossier = submit_counter(world, "2026-03-02 08:55")
    for form in ("01", "05"):
        with pytest.raises(NotFound):
            official_forms.render_form(dossier, form)


# ---- 01 receipt and appointment --------------------------------------------------------------------------


def test_receipt_01(world: World) -> None:
    dossier = received(world)
    pdf = official_forms.render_form(dossier, "01")
    assert_a5(pdf)
    text = pdf_text(pdf)
    assert_national_header(text)
    assert "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG TỈNH" in text
    assert "Gia Lai, ngày 02 tháng 3 năm 2026" in text
    assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in text
    assert f"Mã hồ sơ: {CODE_1}" in text
    assert "tiếp nhận hồ sơ của: Nguyễn Văn An" in text
    assert "Số định danh cá nhân: 052090001234" in text
    assert "Địa chỉ: 12 Lê Lợi, tổ 3" in text
    assert f"Số điện thoại: {PHONE}" in text
    assert "Nội dung yêu cầu giải quyết: Cấp Phiếu lý lịch tư pháp" in text
    assert "Giấy tờ 1 Bản chính 2" in text
    assert "Giấy tờ 2 Bản sao có chứng thực 1" in text
    assert "3. Thời gian giải quyết hồ sơ theo quy định: 5 ngày làm việc" in text
    assert "4. Thời gian nhận hồ sơ: 09 giờ 00 phút, ngày 02 tháng 3 năm 2026" in text
    assert "Thời gian trả kết quả giải quyết hồ sơ: vào lúc 09 giờ 00 phút, ngày 09 tháng 3 năm 2026" in text
    assert "6. Đăng ký nhận kết quả tại: Nhận tại Bộ phận Một cửa" in text
    assert "Phí cấp phiếu: 200.000 đồng (Bằng chữ: Hai trăm nghìn đồng)" in text
    assert "NGƯỜI TIẾP NHẬN HỒ SƠ" in text
    assert "Trần Thị Lan" in text  # the officer who received it
    assert f"http://127.0.0.1:8000/tra-cuu/?code={CODE_1}" in text


def test_receipt_keeps_the_appointment_it_gave(world: World) -> None:
    # a supplement during processing pushes the due date back; the receipt still shows what was promised
    dossier = forwarded(world)
    services.dossier_request_supplement(
        dossier=dossier, actor=world.specialist.user, reason="Thiếu", components=["TP1"], at=at("2026-03-03 09:00")
    )
    docs = [services.DocumentData(component="TP1", upload_id=upload_pdf(world.officer.user))]
    services.dossier_supplement(dossier=dossier, actor=world.officer.user, documents=docs, at=at("2026-03-05 09:00"))
    dossier = reload(dossier)
    assert dossier.due_at == at("2026-03-11 09:00")
    text = pdf_text(official_forms.render_form(dossier, "01"))
    assert "vào lúc 09 giờ 00 phút, ngày 09 tháng 3 năm 2026" in text
    assert "Giấy tờ 1 Bản chính 2" in text  # the supplemented scan was not received with the dossier


def test_receipt_qr_code_opens_the_public_lookup(world: World, settings: Any) -> None:
    settings.MOTCUA_PUBLIC_URL = "https://dichvucong.gialai.gov.vn"
    dossier = received(world)
    url = official_forms.public_lookup_url(dossier)
    assert url == f"https://dichvucong.gialai.gov.vn/tra-cuu/?code={CODE_1}"
    assert official_forms.qr_data_uri(url).startswith("data:image/png;base64,")

    pdf = official_forms.render_form(dossier, "01")
    images = PdfReader(io.BytesIO(pdf)).pages[0].images
    assert len(images) == 1
    # the embedded picture is exactly the QR code of the URL
    embedded = images[0].image
    assert embedded is not None
    buffer = io.BytesIO()
    segno.make(url, error="m", micro=False).save(buffer, kind="png", scale=4, border=2)
    expected = Image.open(io.BytesIO(buffer.getvalue())).convert("L")
    assert embedded.size == expected.size
    assert ImageChops.difference(embedded.convert("L"), expected).getbbox() is None


def test_forms_embed_one_serif_font_with_every_vietnamese_glyph(world: World) -> None:
    pdf = official_forms.render_form(received(world), "01")
    names = font_names(pdf)
    assert names, "no font embedded"
    assert all("DejaVu-Serif" in name for name in names), names
    text = pdf_text(pdf)
    for word in ("Nguyễn Văn An", "Tư pháp", "Hồ sơ", "hẹn trả", "Độc lập", "Hạnh phúc", "Phiếu", "đồng"):
        assert word.lower() in text.lower()


def test_forms_are_always_in_vietnamese(world: World) -> None:
    from django.utils import translation

    dossier = received(world)
    with translation.override("en"):
        text = pdf_text(official_forms.render_form(dossier, "01"))
    assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in text
    assert "Nhận tại Bộ phận Một cửa" in text


def test_applicant_text_is_escaped(world: World) -> None:
    data = services.SubmissionData(
        procedure=world.version.procedure.code,
        agency=world.department.code,
        channel="counter",
        applicant=applicant(full_name='Nguyễn <img src="http://example.invalid/x.png"> An'),
    )
    dossier = services.dossier_submit(actor=world.officer.user, data=data, at=at("2026-03-02 08:55"))
    services.dossier_receive(dossier=dossier, actor=world.officer.user, at=at("2026-03-02 09:00"))
    html = official_forms.form_html(reload(dossier), "01")
    assert "&lt;img" in html
    assert '<img src="http://' not in html
    pdf = official_forms.render_form(reload(dossier), "01")
    assert len(PdfReader(io.BytesIO(pdf)).pages[0].images) == 1  # only the QR code


# ---- 02 supplement request -------------------------------------------------------------------------------


def test_supplement_request_02(world: World) -> None:
    dossier = submit_with_documents(world, "2026-03-02 08:55")
    services.dossier_request_supplement(
        dossier=dossier,
        actor=world.officer.user,
        reason="Bản sao chưa được chứng thực",
        components=["TP2", "TP1"],
        at=at("2026-03-02 09:30"),
    )
    dossier = reload(dossier)
    assert official_forms.available_forms(dossier) == ["02"]
    pdf = official_forms.render_form(dossier, "02")
    assert_a5(pdf)
    text = pdf_text(pdf)
    assert_national_header(text)
    assert "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ" in text
    assert "Gia Lai, ngày 02 tháng 3 năm 2026" in text
    assert f"Mã hồ sơ: {CODE_1}" in text
    assert "Nguyễn Văn An" in text
    assert "Yêu cầu bổ sung, hoàn thiện hồ sơ gồm những nội dung sau: 1. Giấy tờ 2 2. Giấy tờ 1" in text
    assert "Lý do: Bản sao chưa được chứng thực" in text
    assert "NGƯỜI HƯỚNG DẪN" in text
    assert "Trần Thị Lan" in text


# ---- 03 refusal ------------------------------------------------------------------------------------------


def test_refusal_03(world: World) -> None:
    dossier = submit_counter(world, "2026-03-02 08:55")
    services.dossier_reject(
        dossier=dossier,
        actor=world.officer.user,
        reason="Không thuộc thẩm quyền giải quyết của tỉnh",
        at=at("2026-03-02 09:00"),
    )
    dossier = reload(dossier)
    assert official_forms.available_forms(dossier) == ["03"]
    pdf = official_forms.render_form(dossier, "03")
    assert_a5(pdf)
    text = pdf_text(pdf)
    assert_national_header(text)
    assert "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ" in text
    assert f"Mã hồ sơ: {CODE_1}" in text
    assert "tiếp nhận hồ sơ của: Nguyễn Văn An" in text
    assert "từ chối tiếp nhận, giải quyết hồ sơ này với lý do cụ thể như sau: " in text
    assert "Không thuộc thẩm quyền giải quyết của tỉnh" in text
    with pytest.raises(NotFound):
        official_forms.render_form(dossier, "01")


# ---- 04 apology and new appointment ----------------------------------------------------------------------


def test_apology_04(world: World) -> None:
    dossier = forwarded(world)
    services.dossier_extend(
        dossier=dossier,
        actor=world.leader.user,
        new_due_at=at("2026-03-12 09:00"),
        reason="Cần xác minh thêm tại địa phương",
        at=at("2026-03-06 08:00"),
    )
    dossier = reload(dossier)
    assert official_forms.available_forms(dossier) == ["01", "04", "05"]
    pdf = official_forms.render_form(dossier, "04")
    assert_a5(pdf)
    text = pdf_text(pdf)
    assert_national_header(text)
    assert "SỞ TƯ PHÁP" in text  # the competent agency apologises
    assert "Gia Lai, ngày 06 tháng 3 năm 2026" in text
    assert "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ" in text
    assert "Kính gửi: Nguyễn Văn An" in text
    assert "Ngày 02 tháng 3 năm 2026, Trung tâm Phục vụ hành chính công tỉnh tiếp nhận hồ sơ" in text
    assert f"Mã hồ sơ: {CODE_1}" in text
    assert "hẹn trả kết quả giải quyết hồ sơ: vào lúc 09 giờ 00 phút, ngày 09 tháng 3 năm 2026" in text
    assert "Lý do: Cần xác minh thêm tại địa phương" in text
    assert "Sở Tư pháp xin lỗi ông/bà" in text
    assert "vào lúc 09 giờ 00 phút, ngày 12 tháng 3 năm 2026" in text
    assert "THỦ TRƯỞNG CƠ QUAN" in text


# ---- 05 control sheet ------------------------------------------------------------------------------------


def test_control_sheet_rows(world: World) -> None:
    dossier = returned(world)
    rows = official_forms.control_sheet_rows(dossier)
    parties = [
        (r.number, r.giver.label, r.giver.person, r.receiver.label, r.receiver.agency, r.receiver.person) for r in rows
    ]
    officer, specialist, head, leader = (str(s) for s in (world.officer, world.specialist, world.head, world.leader))
    centre, department = "Trung tâm Phục vụ hành chính công tỉnh", "Sở Tư pháp"
    assert parties == [
        (1, "Người nộp hồ sơ", "Nguyễn Văn An", "Tiếp nhận hồ sơ", centre, officer),
        (2, "Tiếp nhận hồ sơ", officer, "Chuyên viên thẩm định hồ sơ", department, specialist),
        (3, "Chuyên viên thẩm định hồ sơ", specialist, "Lãnh đạo phòng xem xét", department, head),
        (4, "Lãnh đạo phòng xem xét", head, "Lãnh đạo cơ quan phê duyệt", department, leader),
        (5, "Lãnh đạo cơ quan phê duyệt", leader, "Trả kết quả", centre, officer),
        (6, "Trả kết quả", officer, "Người nhận kết quả", "", "Lê Thị Bình"),
    ]
    assert [(r.handed_at, r.due, r.finished, r.status) for r in rows] == [
        ("02/03/2026 09:00", "", "02/03/2026 09:10", "Đúng hạn"),  # reception has no allotted time
        ("02/03/2026 09:10", "05/03/2026 15:10", "03/03/2026 10:00", "Trước hạn"),  # a day ahead
        ("03/03/2026 10:00", "04/03/2026 08:00", "04/03/2026 09:00", "Quá hạn"),  # an hour late
        ("04/03/2026 09:00", "04/03/2026 17:00", "04/03/2026 10:00", "Đúng hạn"),  # on the due day
        ("04/03/2026 10:00", "", "05/03/2026 08:00", "Đúng hạn"),
        ("05/03/2026 08:00", "", "", ""),  # the result handed to the recipient
    ]


def test_control_sheet_05(world: World) -> None:
    dossier = returned(world)
    pdf = official_forms.render_form(dossier, "05")
    assert_a5(pdf)
    text = pdf_text(pdf)
    assert_national_header(text)
    assert "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ" in text
    assert f"Mã hồ sơ: {CODE_1}" in text
    assert "Người nộp hồ sơ: Nguyễn Văn An" in text
    assert "Thời gian trả kết quả giải quyết hồ sơ: vào lúc 09 giờ 00 phút, ngày 09 tháng 3 năm 2026" in text
    for row in official_forms.control_sheet_rows(dossier):
        for moment in (row.handed_at, row.due, row.finished):
            assert moment in text
    assert text.count("Quá hạn") == 1
    assert text.count("Trước hạn") == 2  # the specialist's step and the dossier
    assert text.count("Đúng hạn") == 3
    assert "Kết quả giải quyết hồ sơ: Trước hạn" in text


# ---- hand-over record ------------------------------------------------------------------------------------


def test_handover_record(world: World) -> None:
    dossier = returned(world)
    pdf = official_forms.render_form(dossier, "handover")
    assert_a5(pdf)
    text = pdf_text(pdf)
    assert_national_header(text)
    assert "BIÊN BẢN GIAO NHẬN KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH" in text
    assert "Gia Lai, ngày 05 tháng 3 năm 2026" in text
    assert "Hôm nay, vào lúc 08 giờ 00 phút, ngày 05 tháng 3 năm 2026" in text
    assert "Bên giao: Trần Thị Lan" in text
    assert "Bên nhận: Lê Thị Bình, số định danh cá nhân: 052090009999" in text
    assert f"Mã hồ sơ: {CODE_1}" in text
    assert "Người nộp hồ sơ: Nguyễn Văn An" in text
    assert "Thủ tục: Cấp Phiếu lý lịch tư pháp" in text
    assert "Kết quả giải quyết: Giải quyết" in text
    assert "Ngày có kết quả: 10 giờ 00 phút, ngày 04 tháng 3 năm 2026" in text
    assert "Ghi chú: Nhận thay theo giấy ủy quyền" in text
    assert "NGƯỜI GIAO" in text
    assert "NGƯỜI NHẬN" in text


# ---- formatting ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (dt.date(2026, 3, 2), "ngày 02 tháng 3 năm 2026"),
        (dt.date(2026, 1, 15), "ngày 15 tháng 01 năm 2026"),
        (dt.date(2026, 2, 9), "ngày 09 tháng 02 năm 2026"),
        (dt.date(2026, 12, 31), "ngày 31 tháng 12 năm 2026"),
        (dt.datetime(2026, 3, 1, 18, 30, tzinfo=dt.UTC), "ngày 02 tháng 3 năm 2026"),  # 01:30 in Vietnam
    ],
)
def test_long_date(value: dt.date, expected: str) -> None:
    assert official_forms.long_date(value) == expected


def test_time_and_date_is_in_vietnam_time() -> None:
    moment = dt.datetime(2026, 3, 9, 2, 5, tzinfo=dt.UTC)
    assert official_forms.time_and_date(moment) == "09 giờ 05 phút, ngày 09 tháng 3 năm 2026"


# ---- tracking book (form 06) -----------------------------------------------------------------------------


@pytest.fixture
def book(world: World) -> list[Dossier]:
    """Three dossiers received in the week of 2 March (one returned), one the week after, one not received."""
    first = returned(world)  # received 02/03 09:00
    second = submit_counter(world, "2026-03-03 10:00")
    services.dossier_receive(dossier=second, actor=world.officer.user, at=at("2026-03-03 10:05"))
    third = submit_counter(world, "2026-03-06 16:50")
    services.dossier_receive(dossier=third, actor=world.officer.user, at=at("2026-03-06 16:55"))
    later = submit_counter(world, "2026-03-09 08:00")
    services.dossier_receive(dossier=later, actor=world.officer.user, at=at("2026-03-09 08:05"))
    submit_counter(world, "2026-03-04 08:00")  # never received
    return [first, reload(second), reload(third)]


def test_tracking_rows(world: World, book: list[Dossier]) -> None:
    rows = tracking_book.tracking_rows(world.centre, dt.date(2026, 3, 2), dt.date(2026, 3, 6))
    assert [(r.number, r.code) for r in rows] == [(n, d.code) for n, d in enumerate(book, start=1)]
    assert [r.code for r in rows] == [
        "000.00.01.H21-260302-0001",
        "000.00.01.H21-260303-0001",
        "000.00.01.H21-260306-0001",
    ]
    first = rows[0]
    assert (first.procedure, first.quantity, first.applicant, first.address_phone) == (
        "Cấp Phiếu lý lịch tư pháp",
        1,
        "Nguyễn Văn An",
        f"12 Lê Lợi, tổ 3 - {PHONE}",
    )
    assert (first.lead_agency, first.received_at, first.due_at, first.transferred_at) == (
        "Sở Tư pháp",
        at("2026-03-02 09:00"),
        at("2026-03-09 09:00"),
        at("2026-03-02 09:10"),
    )
    assert (first.finished_at, first.returned_at, first.progress, first.signature) == (
        at("2026-03-04 10:00"),
        at("2026-03-05 08:00"),
        "Trước hạn",
        "",
    )
    assert (rows[1].transferred_at, rows[1].finished_at, rows[1].progress) == (None, None, "")
    assert tracking_book.tracking_rows(world.department, dt.date(2026, 3, 2), dt.date(2026, 3, 6)) == []
    assert [r.code for r in tracking_book.tracking_rows(world.centre, dt.date(2026, 3, 9), dt.date(2026, 3, 9))] == [
        "000.00.01.H21-260309-0001"
    ]


def test_tracking_book_xlsx(world: World, book: list[Dossier]) -> None:
    content = tracking_book.tracking_book_xlsx(world.centre, dt.date(2026, 3, 2), dt.date(2026, 3, 6))
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    assert sheet is not None
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    flat = [v for row in values for v in row if v is not None]
    assert "SỔ THEO DÕI HỒ SƠ" in flat
    assert "Từ ngày 02/03/2026 đến ngày 06/03/2026" in flat
    header = tracking_book.HEADER_ROW
    assert values[header - 1][:3] == ["STT", "Mã hồ sơ", "Tên thủ tục hành chính"]
    assert sheet.cell(header, 1).font.bold
    data = values[header:]
    assert [row[1] for row in data] == [
        "000.00.01.H21-260302-0001",
        "000.00.01.H21-260303-0001",
        "000.00.01.H21-260306-0001",
    ]
    first = data[0]
    assert first[:7] == [
        1,
        "000.00.01.H21-260302-0001",
        "Cấp Phiếu lý lịch tư pháp",
        1,
        "Nguyễn Văn An",
        f"12 Lê Lợi, tổ 3 - {PHONE}",
        "Sở Tư pháp",
    ]
    # real datetimes, naive Vietnam time, shown dd/mm/yyyy hh:mm
    assert first[7:12] == [
        dt.datetime(2026, 3, 2, 9, 0),
        dt.datetime(2026, 3, 9, 9, 0),
        dt.datetime(2026, 3, 2, 9, 10),
        dt.datetime(2026, 3, 4, 10, 0),
        dt.datetime(2026, 3, 5, 8, 0),
    ]
    assert first[12] == "Trước hạn"
    assert sheet.cell(header + 1, 8).number_format == "dd/mm/yyyy hh:mm"
    assert data[1][9:12] == [None, None, None]
    assert sheet.column_dimensions["B"].width >= 24


def test_tracking_book_pdf(world: World, book: list[Dossier]) -> None:
    pdf = tracking_book.tracking_book_pdf(world.centre, dt.date(2026, 3, 2), dt.date(2026, 3, 6))
    width, height = page_size(pdf)
    assert (round(width, 1), round(height, 1)) == (round(A4_LANDSCAPE[0], 1), round(A4_LANDSCAPE[1], 1))
    text = pdf_text(pdf)
    assert_national_header(text)
    assert "SỔ THEO DÕI HỒ SƠ" in text
    assert "Từ ngày 02/03/2026 đến ngày 06/03/2026" in text
    for dossier in book:
        assert dossier.code in text
    assert "000.00.01.H21-260309-0001" not in text
    assert "02/03/2026 09:00" in text
    assert "Trước hạn" in text


def test_rendering_loads_nothing_but_data_uris(tmp_path: Any) -> None:
    picture = tmp_path / "x.png"
    segno.make("x").save(str(picture), kind="png", scale=4)
    data_uri = official_forms.qr_data_uri("x")
    html = (
        f'<p>a</p><img src="{picture.as_uri()}"><img src="http://127.0.0.1:9/x.png">'
        f'<link rel="stylesheet" href="{picture.as_uri()}"><img src="{data_uri}">'
    )
    pdf = official_forms.html_to_pdf(html)
    assert len(PdfReader(io.BytesIO(pdf)).pages[0].images) == 1  # only the data: URI
