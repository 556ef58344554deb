"""Biểu 06 as XLSX and PDF, and the monthly open data as CSV and JSON, from figures built by hand."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from motcua.reports.exports import (
    OPEN_DATA_COLUMNS,
    OpenDataRow,
    form06_lines,
    form06_pdf,
    form06_xlsx,
    open_data_csv,
    open_data_json,
)
from motcua.reports.figures import Counters, Figures, Form06, Form06Row

START, END = dt.date(2026, 1, 1), dt.date(2026, 3, 31)
VN = ZoneInfo("Asia/Ho_Chi_Minh")


def figures(
    online: int,
    counter: int,
    postal: int,
    carried: int,
    early: int,
    on_time: int,
    late: int,
    in_progress: int,
    overdue: int,
    **counters: int,
) -> Figures:
    return Figures(
        start=START,
        end=END,
        received_online=online,
        received_counter=counter,
        received_postal=postal,
        carried_over=carried,
        in_progress=in_progress,
        in_progress_overdue=overdue,
        period=Counters(resolved_early=early, resolved_on_time=on_time, resolved_late=late, **counters),
    )


# Tư pháp: received 105 = 40 online + 50 counter + 10 post + 5 carried; resolved 93 = 30 + 50 + 13 (80/93 on time)
JUSTICE = figures(40, 50, 10, 5, 30, 50, 13, in_progress=12, overdue=2)
# Đất đai: received 8 = 7 counter + 1 carried; resolved 5 = 2 + 3
LAND = figures(0, 7, 0, 1, 2, 3, 0, in_progress=3, overdue=0)
# Hộ tịch (communes): received 2000 = 1200 online + 800 counter, nothing resolved yet: no on-time rate
CIVIL = figures(1200, 800, 0, 0, 0, 0, 0, in_progress=2000, overdue=0)
TOTAL = figures(1240, 857, 10, 6, 32, 53, 13, in_progress=2015, overdue=2)


@pytest.fixture
def form() -> Form06:
    return Form06(
        agency_code="000.00.00.H21",
        agency_name="Ủy ban nhân dân tỉnh Gia Lai",
        start=START,
        end=END,
        rows=[
            Form06Row("province", "Cấp tỉnh", "TP", "Tư pháp", JUSTICE),
            Form06Row("province", "Cấp tỉnh", "DD", "Đất đai", LAND),
            Form06Row("commune", "Cấp xã", "HT", "Hộ tịch", CIVIL),
        ],
        total=TOTAL,
        generated_at=dt.datetime(2026, 4, 1, 8, 30, tzinfo=VN),
    )


def test_lines_group_the_fields_by_level_with_subtotals(form: Form06) -> None:
    lines = form06_lines(form)
    assert [(line.kind, line.number, line.label) for line in lines] == [
        ("level", "I", "Cấp tỉnh"),
        ("field", "1", "Tư pháp"),
        ("field", "2", "Đất đai"),
        ("level", "II", "Cấp xã"),
        ("field", "1", "Hộ tịch"),
        ("total", "", "Tổng cộng"),
    ]


def test_form06_workbook(form: Form06) -> None:
    book = load_workbook(io.BytesIO(form06_xlsx(form)))
    assert book.sheetnames == ["Biểu 06"]
    sheet = book["Biểu 06"]
    assert sheet["A2"].value == "ỦY BAN NHÂN DÂN TỈNH GIA LAI"
    assert sheet["H1"].value == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    assert sheet["H2"].value == "Độc lập - Tự do - Hạnh phúc"
    assert sheet["A4"].value == "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH"
    assert sheet["A5"].value == "Cơ quan báo cáo: Ủy ban nhân dân tỉnh Gia Lai (mã 000.00.00.H21)"
    assert sheet["A6"].value == "Kỳ báo cáo: từ 01/01/2026 đến 31/03/2026"
    # two header rows: groups merged across, single columns merged down
    assert [sheet.cell(8, column).value for column in range(1, 16)] == [
        "STT",
        "Lĩnh vực",
        "Số hồ sơ nhận giải quyết",
        None,
        None,
        None,
        "Kết quả giải quyết: Số hồ sơ đã giải quyết",
        None,
        None,
        None,
        "Số hồ sơ đang giải quyết",
        None,
        None,
        "Tỷ lệ đúng hạn (%)",
        "Tỷ lệ trực tuyến (%)",
    ]
    assert [sheet.cell(9, column).value for column in range(3, 14)] == [
        "Tổng số",
        "Trực tuyến",
        "Trực tiếp, dịch vụ bưu chính",
        "Từ kỳ trước chuyển qua",
        "Tổng số",
        "Trả trước hạn",
        "Trả đúng hạn",
        "Trả quá hạn",
        "Tổng số",
        "Trong hạn",
        "Quá hạn",
    ]
    merged = {str(cells) for cells in sheet.merged_cells.ranges}
    assert {"A8:A9", "B8:B9", "C8:F8", "G8:J8", "K8:M8", "N8:N9", "O8:O9"} <= merged
    values = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=10, max_row=15, max_col=15)]
    # level subtotal: Tư pháp + Đất đai; 85 of 98 on time; 40 of 107 received in the period online
    assert values[0] == ["I", "Cấp tỉnh", 113, 40, 67, 6, 98, 32, 53, 13, 15, 13, 2, 86.73, 37.38]
    assert values[1] == [1, "Tư pháp", 105, 40, 60, 5, 93, 30, 50, 13, 12, 10, 2, 86.02, 40.0]
    assert values[2] == [2, "Đất đai", 8, 0, 7, 1, 5, 2, 3, 0, 3, 3, 0, 100.0, 0.0]
    assert values[3] == ["II", "Cấp xã", 2000, 1200, 800, 0, 0, 0, 0, 0, 2000, 2000, 0, None, 60.0]
    assert values[4] == [1, "Hộ tịch", 2000, 1200, 800, 0, 0, 0, 0, 0, 2000, 2000, 0, None, 60.0]
    assert values[5] == [None, "Tổng cộng", 2113, 1240, 867, 6, 98, 32, 53, 13, 2015, 2013, 2, 86.73, 58.85]
    assert isinstance(sheet["C11"].value, int)
    assert sheet["B10"].font.b and sheet["B15"].font.b and not sheet["B11"].font.b
    assert sheet["N11"].number_format == "0.00"
    assert sheet["A17"].value == "Số liệu tổng hợp lúc 08:30 ngày 01/04/2026."
    assert sheet.freeze_panes == "C10"
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.page_setup.paperSize == 9  # A4
    assert sheet.column_dimensions["B"].width == 34


def test_form06_pdf(form: Form06) -> None:
    pdf = form06_pdf(form)
    assert pdf.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(pdf))
    page = reader.pages[0]
    assert page.mediabox.width > page.mediabox.height  # landscape
    assert round(float(page.mediabox.width)) == 842  # A4: 297 mm
    text = " ".join(" ".join(p.extract_text().split()) for p in reader.pages)
    assert "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH" in text
    assert "Kỳ báo cáo: từ 01/01/2026 đến 31/03/2026" in text
    assert "Tư pháp" in text
    assert "Tổng cộng" in text
    assert "2.113" in text  # received, total line
    assert "86,73" in text


def month(name: str, item: Figures) -> OpenDataRow:
    return OpenDataRow(name, item)


@pytest.fixture
def open_rows() -> list[OpenDataRow]:
    january = figures(
        40,
        50,
        10,
        5,
        30,
        50,
        13,
        in_progress=12,
        overdue=2,
        electronic_result=25,
        with_fees=20,
        paid_online=5,
        rated=4,
        rating_points=66,
        processing_minutes=93 * 480 * 3,
    )
    # nothing received, resolved, paid or rated in February: every rate is N/A
    february = figures(0, 0, 0, 3, 0, 0, 0, in_progress=3, overdue=1)
    return [month("2026-01", january), month("2026-02", february)]


def test_open_data_csv(open_rows: list[OpenDataRow]) -> None:
    text = open_data_csv(open_rows)
    assert text.endswith("\r\n")
    records = list(csv.reader(io.StringIO(text, newline="")))
    assert records[0] == list(OPEN_DATA_COLUMNS)
    assert records[0] == [
        "month",
        "received",
        "received_online",
        "received_counter_or_postal",
        "carried_over",
        "resolved",
        "resolved_early",
        "resolved_on_time",
        "resolved_late",
        "in_progress",
        "in_progress_overdue",
        "on_time_rate",
        "online_rate",
        "average_processing_days",
        "electronic_result_rate",
        "paid_online_rate",
        "satisfaction_points",
    ]
    assert records[1] == [
        "2026-01", "105", "40", "60", "5", "93", "30", "50", "13", "12", "2",
        "86.02", "40.0", "3.0", "25.0", "25.0", "16.5",
    ]  # fmt: skip
    assert records[2] == ["2026-02", "3", "0", "0", "3", "0", "0", "0", "0", "3", "1", "", "", "", "", "", ""]
    assert len(records) == 3


def test_open_data_json(open_rows: list[OpenDataRow]) -> None:
    data = open_data_json(open_rows, generated_at=dt.datetime(2026, 3, 1, 7, 0, tzinfo=VN))
    assert json.loads(json.dumps(data)) == data  # serialisable as is
    assert data["generated_at"] == "2026-03-01T07:00:00+07:00"
    assert data["licence"] == "CC BY 4.0"
    assert [item["name"] for item in data["fields"]] == list(OPEN_DATA_COLUMNS)
    assert data["fields"][12] == {"name": "online_rate", "description_vi": "Tỷ lệ hồ sơ tiếp nhận trực tuyến (%)"}
    assert data["rows"][0]["received"] == 105
    assert data["rows"][0]["on_time_rate"] == 86.02
    assert data["rows"][0]["electronic_result_rate"] == 25.0
    assert data["rows"][1] == {
        "month": "2026-02",
        "received": 3,
        "received_online": 0,
        "received_counter_or_postal": 0,
        "carried_over": 3,
        "resolved": 0,
        "resolved_early": 0,
        "resolved_on_time": 0,
        "resolved_late": 0,
        "in_progress": 3,
        "in_progress_overdue": 1,
        "on_time_rate": None,
        "online_rate": None,
        "average_processing_days": None,
        "electronic_result_rate": None,
        "paid_online_rate": None,
        "satisfaction_points": None,
    }
    assert '"on_time_rate": null' in json.dumps(data["rows"][1])


def test_open_data_rows_name_a_month() -> None:
    with pytest.raises(ValueError, match="YYYY-MM"):
        OpenDataRow("2026-13", figures(0, 0, 0, 0, 0, 0, 0, 0, 0))
