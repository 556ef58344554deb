"""Biểu 06 (tình hình, kết quả giải quyết TTHC) as XLSX and PDF; the province's monthly figures as open data.

Biểu 06 is an official form: always in Vietnamese, with the national header, one line per field grouped by
level of agencies (a bold line per level with its subtotal), then the total. The workbook holds real numbers
(integers, rates as numbers with two decimals, N/A as an empty cell) under two merged header rows, frozen,
printed A4 landscape; the PDF (WeasyPrint, like the tracking book) shows the same table.

Open data (CSV and JSON) holds aggregate figures only, one row per month, under stable English snake_case
column names; it carries no personal data. Missing rates (nothing to divide by) are empty in the CSV and
null in the JSON. Licence CC BY 4.0.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone, translation
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from motcua.core.money import group_thousands
from motcua.dossiers.official_forms import LANGUAGE, Header, html_to_pdf, local, long_date
from motcua.reports.figures import Figures, Form06, Form06Row, combine

# ---- Biểu 06 ------------------------------------------------------------------------------------------------

SHEET_TITLE = "Biểu 06"
TITLE = "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH"
COUNTRY = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
TOTAL_LABEL = "Tổng cộng"
HEADER_ROW = 8  # first of the two rows of column titles in the workbook; data lines start two rows below
RATE_FORMAT = "0.00"
COUNT_FORMAT = "#,##0"

# the figures of a line, in column order after STT and Lĩnh vực
COUNT_COLUMNS: tuple[str, ...] = (
    "received_total",
    "received_online",
    "received_counter_or_postal",
    "carried_over",
    "resolved",
    "resolved_early",
    "resolved_on_time",
    "resolved_late",
    "in_progress",
    "in_progress_within_time",
    "in_progress_overdue",
)
RATE_COLUMNS: tuple[str, ...] = ("on_time_rate", "online_rate")

# (group title spanning its columns, [(column title, width)]); a group without title spans both header rows
COLUMN_GROUPS: list[tuple[str, list[tuple[str, int]]]] = [
    ("", [("STT", 6)]),
    ("", [("Lĩnh vực", 34)]),
    (
        "Số hồ sơ nhận giải quyết",
        [("Tổng số", 10), ("Trực tuyến", 10), ("Trực tiếp, dịch vụ bưu chính", 12), ("Từ kỳ trước chuyển qua", 11)],
    ),
    (
        "Kết quả giải quyết: Số hồ sơ đã giải quyết",
        [("Tổng số", 10), ("Trả trước hạn", 10), ("Trả đúng hạn", 10), ("Trả quá hạn", 10)],
    ),
    ("Số hồ sơ đang giải quyết", [("Tổng số", 10), ("Trong hạn", 10), ("Quá hạn", 10)]),
    ("", [("Tỷ lệ đúng hạn (%)", 11)]),
    ("", [("Tỷ lệ trực tuyến (%)", 11)]),
]
COLUMN_COUNT = sum(len(columns) for _group, columns in COLUMN_GROUPS)

Cell = int | float | str | None


@dataclass(frozen=True)
class Form06Line:
    """One printed line of Biểu 06: a field, the subtotal of a level, or the total."""

    kind: str  # "level" | "field" | "total"
    number: str  # STT: I, II... for levels, 1, 2... for fields, blank for the total
    label: str
    figures: Figures

    @property
    def bold(self) -> bool:
        return self.kind != "field"

    def cells(self) -> list[Cell]:
        counts: list[Cell] = [int(getattr(self.figures, name)) for name in COUNT_COLUMNS]
        rates: list[Cell] = [getattr(self.figures, name) for name in RATE_COLUMNS]
        number: Cell = int(self.number) if self.number.isdigit() else (self.number or None)
        return [number, self.label, *counts, *rates]


def _roman(number: int) -> str:
    numerals = ((10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))
    text = ""
    for value, numeral in numerals:
        while number >= value:
            text += numeral
            number -= value
    return text


def form06_lines(form: Form06) -> list[Form06Line]:
    """The lines of the form: per level (in the order of `form.rows`) its subtotal then its fields; the total."""
    levels: dict[str, list[Form06Row]] = {}
    for row in form.rows:
        levels.setdefault(row.level, []).append(row)
    lines: list[Form06Line] = []
    for index, rows in enumerate(levels.values(), start=1):
        subtotal = combine(form.start, form.end, [row.figures for row in rows])
        lines.append(Form06Line("level", _roman(index), rows[0].level_label, subtotal))
        lines.extend(
            Form06Line("field", str(number), row.field_name, row.figures) for number, row in enumerate(rows, start=1)
        )
    lines.append(Form06Line("total", "", TOTAL_LABEL, form.total))
    return lines


def period_line(form: Form06) -> str:
    return f"Kỳ báo cáo: từ {form.start:%d/%m/%Y} đến {form.end:%d/%m/%Y}"


def agency_line(form: Form06) -> str:
    return f"Cơ quan báo cáo: {form.agency_name} (mã {form.agency_code})"


def generated_line(form: Form06) -> str:
    moment = local(form.generated_at) if timezone.is_aware(form.generated_at) else form.generated_at
    return f"Số liệu tổng hợp lúc {moment:%H:%M} ngày {moment:%d/%m/%Y}."


def form06_header(form: Form06) -> Header:
    """The left column of the national header. Form06 carries the agency's name only, not its parent's."""
    return Header(parent="", agency=form.agency_name.upper())


def _write_header(sheet: Worksheet, bold: Font, box: Border, centre: Alignment) -> None:
    column = 1
    top, below = HEADER_ROW, HEADER_ROW + 1
    for group, columns in COLUMN_GROUPS:
        first, last = column, column + len(columns) - 1
        if group:
            sheet.cell(top, first, group)
            if last > first:
                sheet.merge_cells(start_row=top, start_column=first, end_row=top, end_column=last)
            for offset, (title, width) in enumerate(columns):
                sheet.cell(below, first + offset, title)
                sheet.column_dimensions[get_column_letter(first + offset)].width = width
        else:
            title, width = columns[0]
            sheet.cell(top, first, title)
            sheet.merge_cells(start_row=top, start_column=first, end_row=below, end_column=first)
            sheet.column_dimensions[get_column_letter(first)].width = width
        column = last + 1
    for row in (top, below):
        for index in range(1, COLUMN_COUNT + 1):
            cell = sheet.cell(row, index)
            cell.font = bold
            cell.alignment = centre
            cell.border = box
    sheet.row_dimensions[top].height = 32
    sheet.row_dimensions[below].height = 48


def form06_xlsx(form: Form06) -> bytes:
    """Biểu 06 as an Excel workbook: one sheet "Biểu 06"."""
    last = get_column_letter(COLUMN_COUNT)
    bold = Font(bold=True)
    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    centre = Alignment(horizontal="center", vertical="center", wrap_text=True)
    header = form06_header(form)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = SHEET_TITLE
    sheet.merge_cells("A1:E1")
    sheet.merge_cells("A2:E2")
    sheet.merge_cells(f"H1:{last}1")
    sheet.merge_cells(f"H2:{last}2")
    for row in (4, 5, 6):
        sheet.merge_cells(f"A{row}:{last}{row}")
    sheet["A1"] = header.parent or None
    sheet["A2"] = header.agency
    sheet["A2"].font = bold
    sheet["H1"] = COUNTRY
    sheet["H1"].font = bold
    sheet["H2"] = MOTTO
    sheet["H2"].font = bold
    sheet["A4"] = TITLE
    sheet["A4"].font = Font(bold=True, size=14)
    sheet["A5"] = agency_line(form)
    sheet["A6"] = period_line(form)
    sheet["A6"].font = Font(italic=True)
    for name in ("A1", "A2", "H1", "H2", "A4", "A5", "A6"):
        sheet[name].alignment = Alignment(horizontal="center")
    _write_header(sheet, bold, box, centre)
    row_number = HEADER_ROW + 2
    for line in form06_lines(form):
        for index, value in enumerate(line.cells(), start=1):
            cell = sheet.cell(row_number, index, value)
            cell.border = box
            if line.bold:
                cell.font = bold
            if index == 2:
                cell.alignment = Alignment(vertical="top", wrap_text=True)
            elif index == 1:
                cell.alignment = Alignment(horizontal="center", vertical="top")
            else:
                cell.alignment = Alignment(horizontal="right", vertical="top")
                cell.number_format = RATE_FORMAT if index > 2 + len(COUNT_COLUMNS) else COUNT_FORMAT
        row_number += 1
    sheet.cell(row_number + 1, 1, generated_line(form)).font = Font(italic=True, size=9)
    sheet.freeze_panes = f"C{HEADER_ROW + 2}"
    sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW + 1}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    fit = sheet.sheet_properties.pageSetUpPr
    if fit is not None:
        fit.fitToPage = True
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _rate_text(value: float | None) -> str:
    return f"{value:.2f}".replace(".", ",") if value is not None else ""


def _printed(line: Form06Line) -> list[str]:
    counts = [group_thousands(int(getattr(line.figures, name))) for name in COUNT_COLUMNS]
    rates = [_rate_text(getattr(line.figures, name)) for name in RATE_COLUMNS]
    return [line.number, line.label, *counts, *rates]


def _date_line(form: Form06) -> str:
    day = local(form.generated_at).date() if timezone.is_aware(form.generated_at) else form.generated_at.date()
    text = long_date(day)
    return text[:1].upper() + text[1:]


def form06_html(form: Form06) -> str:
    """The HTML that `form06_pdf` prints (reports/form06.html)."""
    widths = [width for _group, columns in COLUMN_GROUPS for _title, width in columns]
    total = sum(widths)
    with translation.override(LANGUAGE):
        return render_to_string(
            "reports/form06.html",
            {
                "title": TITLE,
                "header": form06_header(form),
                "date_line": _date_line(form),
                "agency_line": agency_line(form),
                "period": period_line(form),
                "generated": generated_line(form),
                "groups": [
                    {"title": group, "span": len(columns), "columns": [title for title, _width in columns]}
                    for group, columns in COLUMN_GROUPS
                ],
                "widths": [f"{100 * width / total:.2f}" for width in widths],
                "lines": [{"kind": line.kind, "cells": _printed(line)} for line in form06_lines(form)],
            },
        )


def form06_pdf(form: Form06) -> bytes:
    """Biểu 06 as PDF, A4 landscape."""
    return html_to_pdf(form06_html(form))


# ---- open data ---------------------------------------------------------------------------------------------

LICENCE = "CC BY 4.0"
_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


@dataclass(frozen=True)
class OpenDataRow:
    """The province's figures of one month ("YYYY-MM") for the public."""

    month: str
    figures: Figures = field(repr=False)

    def __post_init__(self) -> None:
        if not _MONTH.fullmatch(self.month):
            raise ValueError(f"month must be YYYY-MM, not {self.month!r}")


@dataclass(frozen=True)
class OpenDataField:
    name: str
    description_vi: str
    value: Callable[[OpenDataRow], int | float | str | None]


def _figure(name: str) -> Callable[[OpenDataRow], int | float | str | None]:
    def value(row: OpenDataRow) -> int | float | str | None:
        result: int | float | None = getattr(row.figures, name)
        return result

    return value


OPEN_DATA_FIELDS: tuple[OpenDataField, ...] = (
    OpenDataField("month", "Tháng (YYYY-MM)", lambda row: row.month),
    OpenDataField(
        "received", "Tổng số hồ sơ nhận giải quyết (kể cả từ kỳ trước chuyển qua)", _figure("received_total")
    ),
    OpenDataField("received_online", "Số hồ sơ tiếp nhận trực tuyến trong kỳ", _figure("received_online")),
    OpenDataField(
        "received_counter_or_postal",
        "Số hồ sơ tiếp nhận trực tiếp hoặc qua dịch vụ bưu chính trong kỳ",
        _figure("received_counter_or_postal"),
    ),
    OpenDataField("carried_over", "Số hồ sơ từ kỳ trước chuyển qua", _figure("carried_over")),
    OpenDataField("resolved", "Số hồ sơ đã giải quyết trong kỳ", _figure("resolved")),
    OpenDataField("resolved_early", "Số hồ sơ giải quyết trước hạn", _figure("resolved_early")),
    OpenDataField("resolved_on_time", "Số hồ sơ giải quyết đúng hạn", _figure("resolved_on_time")),
    OpenDataField("resolved_late", "Số hồ sơ giải quyết quá hạn", _figure("resolved_late")),
    OpenDataField("in_progress", "Số hồ sơ đang giải quyết cuối kỳ", _figure("in_progress")),
    OpenDataField("in_progress_overdue", "Số hồ sơ đang giải quyết đã quá hạn", _figure("in_progress_overdue")),
    OpenDataField("on_time_rate", "Tỷ lệ hồ sơ giải quyết trước và đúng hạn (%)", _figure("on_time_rate")),
    OpenDataField("online_rate", "Tỷ lệ hồ sơ tiếp nhận trực tuyến (%)", _figure("online_rate")),
    OpenDataField(
        "average_processing_days",
        "Thời gian giải quyết trung bình (ngày làm việc, không tính thời gian tạm dừng)",
        _figure("average_processing_days"),
    ),
    OpenDataField(
        "electronic_result_rate",
        "Tỷ lệ hồ sơ có kết quả giải quyết điện tử (%)",
        lambda row: row.figures.share("electronic_result"),
    ),
    OpenDataField(
        "paid_online_rate", "Tỷ lệ hồ sơ có phí, lệ phí được thanh toán trực tuyến (%)", _figure("paid_online_rate")
    ),
    OpenDataField(
        "satisfaction_points",
        "Điểm đánh giá mức độ hài lòng trung bình (thang 18 điểm)",
        _figure("satisfaction_points"),
    ),
)
OPEN_DATA_COLUMNS: tuple[str, ...] = tuple(item.name for item in OPEN_DATA_FIELDS)


def open_data_values(row: OpenDataRow) -> dict[str, int | float | str | None]:
    return {item.name: item.value(row) for item in OPEN_DATA_FIELDS}


def _csv_text(value: int | float | str | None) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)  # machine-readable: dot decimal, shortest exact form
    return str(value)


def open_data_csv(rows: Sequence[OpenDataRow]) -> str:
    """UTF-8 CSV text (RFC 4180: CRLF line ends, quotes only where needed), a header row, N/A empty."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(OPEN_DATA_COLUMNS)
    for row in rows:
        values = open_data_values(row)
        writer.writerow([_csv_text(values[name]) for name in OPEN_DATA_COLUMNS])
    return buffer.getvalue()


def open_data_json(rows: Sequence[OpenDataRow], *, generated_at: dt.datetime | None = None) -> dict[str, Any]:
    """The same figures as a JSON-ready dict, with the meaning of every field; N/A is None (null)."""
    moment = generated_at or timezone.now()
    return {
        "generated_at": moment.isoformat(timespec="seconds"),
        "licence": LICENCE,
        "fields": [{"name": item.name, "description_vi": item.description_vi} for item in OPEN_DATA_FIELDS],
        "rows": [open_data_values(row) for row in rows],
    }
