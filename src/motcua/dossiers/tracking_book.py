"""The tracking book (Sổ theo dõi hồ sơ, form 06 of TT 01/2018) of a receiving agency, as PDF and XLSX.

One row per dossier received by the agency in a period (by the local date of reception), in order of
reception. The PDF is A4 landscape with the national header; the workbook has the same header, real
date-times (naive, in Vietnam time, since Excel has no time zones) and a frozen header row.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

from django.db.models import Min, Q
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from motcua.dossiers.models import Dossier
from motcua.dossiers.official_forms import (
    LANGUAGE,
    LOCAL_ZONE,
    agency_header,
    applicant_address,
    html_to_pdf,
    local,
    short_datetime,
    timeliness_label,
)
from motcua.org.models import Agency

TITLE = _("Sổ theo dõi hồ sơ")
HEADER_ROW = 7  # the row of the column titles in the workbook; data rows follow
DATETIME_FORMAT = "dd/mm/yyyy hh:mm"

# column title and width (in characters) in the workbook
COLUMNS: list[tuple[Promise, int]] = [
    (_("STT"), 5),
    (_("Mã hồ sơ"), 36),
    (_("Tên thủ tục hành chính"), 30),
    (_("Số lượng hồ sơ (bộ)"), 9),
    (_("Tên cá nhân, tổ chức"), 22),
    (_("Địa chỉ, số điện thoại"), 28),
    (_("Cơ quan chủ trì giải quyết"), 24),
    (_("Nhận hồ sơ"), 16),
    (_("Hẹn trả kết quả"), 16),
    (_("Chuyển hồ sơ đến cơ quan giải quyết"), 16),
    (_("Ngày có kết quả"), 16),
    (_("Trả kết quả"), 16),
    (_("Tiến độ"), 11),
    (_("Ký nhận"), 12),
]


@dataclass(frozen=True)
class TrackingRow:
    """One line of the tracking book."""

    number: int
    code: str
    procedure: str
    quantity: int
    applicant: str
    address_phone: str
    lead_agency: str  # cơ quan chủ trì giải quyết: the competent agency
    received_at: dt.datetime
    due_at: dt.datetime | None
    transferred_at: dt.datetime | None  # when the dossier went to the competent agency's first step
    finished_at: dt.datetime | None
    returned_at: dt.datetime | None
    progress: str  # Trước hạn / Đúng hạn / Quá hạn, blank while open
    signature: str = ""  # ký nhận: signed on paper


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=LOCAL_ZONE)


def tracking_rows(agency: Agency, start: dt.date, end: dt.date) -> list[TrackingRow]:
    """Dossiers received by `agency` from `start` to `end` (local dates, both included), oldest first."""
    dossiers = (
        Dossier.objects.filter(
            receiving_agency=agency,
            received_at__gte=_day_start(start),
            received_at__lt=_day_start(end + dt.timedelta(days=1)),
        )
        .select_related("procedure_version", "competent_agency", "applicant_ward__parent")
        .annotate(transferred=Min("steps__started_at", filter=Q(steps__position__gte=1)))
        .order_by("received_at", "pk")
    )
    with translation.override(LANGUAGE):
        rows = []
        for number, dossier in enumerate(dossiers, start=1):
            assert dossier.received_at is not None
            contact = [applicant_address(dossier), dossier.applicant_phone]
            rows.append(
                TrackingRow(
                    number=number,
                    code=dossier.code,
                    procedure=dossier.procedure_version.name,
                    quantity=1,
                    applicant=dossier.applicant_name,
                    address_phone=" - ".join(part for part in contact if part),
                    lead_agency=dossier.competent_agency.name,
                    received_at=dossier.received_at,
                    due_at=dossier.due_at,
                    transferred_at=dossier.transferred,
                    finished_at=dossier.finished_at,
                    returned_at=dossier.returned_at,
                    progress=timeliness_label(dossier.timeliness),
                )
            )
    return rows


def _period(start: dt.date, end: dt.date) -> str:
    return gettext("Từ ngày %(start)s đến ngày %(end)s") % {
        "start": start.strftime("%d/%m/%Y"),
        "end": end.strftime("%d/%m/%Y"),
    }


CellValue = int | str | dt.datetime | None


def _cells(row: TrackingRow) -> list[CellValue]:
    return [
        row.number,
        row.code,
        row.procedure,
        row.quantity,
        row.applicant,
        row.address_phone,
        row.lead_agency,
        row.received_at,
        row.due_at,
        row.transferred_at,
        row.finished_at,
        row.returned_at,
        row.progress,
        row.signature,
    ]


def _percentages(widths: list[int]) -> list[str]:
    total = sum(widths)
    return [f"{100 * width / total:.2f}" for width in widths]


def tracking_book_pdf(agency: Agency, start: dt.date, end: dt.date) -> bytes:
    """The tracking book as PDF, A4 landscape."""
    rows = tracking_rows(agency, start, end)
    with translation.override(LANGUAGE):
        lines = [[short_datetime(c) if isinstance(c, dt.datetime) else c for c in _cells(row)] for row in rows]
        html = render_to_string(
            "dossiers/official/tracking_book.html",
            {
                "title": str(TITLE).upper(),
                "header": agency_header(agency),
                "date_line": "",
                "period": _period(start, end),
                "columns": [str(title) for title, _width in COLUMNS],
                "widths": _percentages([width for _title, width in COLUMNS]),
                "lines": lines,
            },
        )
    return html_to_pdf(html)


def _naive_local(value: CellValue) -> CellValue:
    """Excel has no time zones: date-times are written as naive Vietnam time."""
    if isinstance(value, dt.datetime):
        return local(value).replace(tzinfo=None)
    return value


def tracking_book_xlsx(agency: Agency, start: dt.date, end: dt.date) -> bytes:
    """The tracking book as an Excel workbook (one sheet)."""
    rows = tracking_rows(agency, start, end)
    last_column = get_column_letter(len(COLUMNS))
    bold = Font(bold=True)
    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    centre = Alignment(horizontal="center", vertical="center", wrap_text=True)
    with translation.override(LANGUAGE):
        header = agency_header(agency)
        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.title = str(TITLE)
        sheet.merge_cells("A1:E1")
        sheet.merge_cells("A2:E2")
        sheet.merge_cells(f"I1:{last_column}1")
        sheet.merge_cells(f"I2:{last_column}2")
        sheet.merge_cells(f"A4:{last_column}4")
        sheet.merge_cells(f"A5:{last_column}5")
        sheet["A1"] = header.parent
        sheet["A2"] = header.agency
        sheet["A2"].font = bold
        sheet["I1"] = gettext("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
        sheet["I1"].font = bold
        sheet["I2"] = gettext("Độc lập - Tự do - Hạnh phúc")
        sheet["I2"].font = bold
        sheet["A4"] = str(TITLE).upper()
        sheet["A4"].font = Font(bold=True, size=14)
        sheet["A5"] = _period(start, end)
        sheet["A5"].font = Font(italic=True)
        for name in ("A1", "A2", "I1", "I2", "A4", "A5"):
            sheet[name].alignment = Alignment(horizontal="center")
        for index, (title, width) in enumerate(COLUMNS, start=1):
            title_cell = sheet.cell(HEADER_ROW, index, str(title))
            title_cell.font = bold
            title_cell.alignment = centre
            title_cell.border = box
            sheet.column_dimensions[get_column_letter(index)].width = width
        sheet.row_dimensions[HEADER_ROW].height = 45
        for offset, row in enumerate(rows, start=1):
            for index, value in enumerate(_cells(row), start=1):
                cell = sheet.cell(HEADER_ROW + offset, index, _naive_local(value))
                cell.border = box
                cell.alignment = Alignment(vertical="top", wrap_text=True)
                if isinstance(value, dt.datetime):
                    cell.number_format = DATETIME_FORMAT
        sheet.freeze_panes = f"A{HEADER_ROW + 1}"
        sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
        buffer = io.BytesIO()
        book.save(buffer)
    return buffer.getvalue()
