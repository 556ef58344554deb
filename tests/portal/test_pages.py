"""Citizen pages: home, catalogue, procedure page, form template download, language, page weight."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.staticfiles import finders
from django.core.files.base import ContentFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from pytest_django.asserts import assertContains, assertNotContains

from motcua.catalog.services import procedure_version_create_draft, procedure_withdraw
from motcua.org.models import Agency
from tests.factories import (
    SMALL_PDF,
    AgencyFactory,
    ComponentFactory,
    FieldFactory,
    ProcedureFactory,
    make_version,
    publish,
)

pytestmark = pytest.mark.django_db

VN = ZoneInfo("Asia/Ho_Chi_Minh")
PAGE_BUDGET_BYTES = 60 * 1024


def html_of(response: Any) -> str:
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "text/html; charset=utf-8"
    return response.content.decode()


def result_codes(html: str) -> list[str]:
    """Codes of the procedures listed on a catalogue page, in order."""
    return re.findall(r'class="result-title" href="/thu-tuc/([^/"]+)/"', html)


def site_css() -> bytes:
    path = finders.find("portal/site.css")
    assert path is not None
    return Path(path).read_bytes()


# --- home ---------------------------------------------------------------------------------------------


def test_home_is_vietnamese_with_a_search_form_and_fields_as_links(client):
    civil = FieldFactory(code="HT", name="Hộ tịch")
    land = FieldFactory(code="DD", name="Đất đai")
    make_version(field=civil)
    make_version(field=land)
    make_version(field=civil)
    make_version(field=FieldFactory(code="NHAP", name="Lĩnh vực chỉ có dự thảo"), publish=False)

    html = html_of(client.get("/"))

    assert '<html lang="vi">' in html
    assert "<h1>Làm thủ tục hành chính trực tuyến, nhanh và rõ ràng</h1>" in html
    assert "Tìm thủ tục hành chính" in html
    assert re.search(r'<form class="search" action="/thu-tuc/" method="get" role="search">', html)
    assert re.search(r'<input id="q" name="q" type="search"', html)
    # fields with published procedures, each once, sorted by name, linking to the filtered catalogue
    links = re.findall(r'<li><a href="/thu-tuc/\?field=([^"]+)">([^<]+)</a></li>', html)
    assert links == [("DD", "Đất đai"), ("HT", "Hộ tịch")]
    assert "Lĩnh vực chỉ có dự thảo" not in html


def test_home_without_procedures_says_so(client):
    make_version(publish=False)

    html = html_of(client.get("/"))

    assert "Chưa có thủ tục nào được công bố." in html


def test_home_refuses_post(client):
    assert client.post("/").status_code == 405


# --- catalogue ----------------------------------------------------------------------------------------


@pytest.fixture
def catalogue() -> dict[str, Any]:
    civil = FieldFactory(code="HT", name="Hộ tịch")
    judicial = FieldFactory(code="LLTP", name="Lý lịch tư pháp")
    justice = AgencyFactory(code="000.00.10.H21", name="Sở Tư pháp")
    commune = AgencyFactory(code="000.01.20.H21", name="Ủy ban nhân dân xã Ia Grai", level=Agency.Level.COMMUNE)
    draft_only_agency = AgencyFactory(code="000.00.30.H21", name="Sở chỉ có dự thảo")
    make_version(procedure=ProcedureFactory(code="1.001193"), name="Đăng ký khai sinh", field=civil, agencies=[commune])
    make_version(
        procedure=ProcedureFactory(code="1.001022"),
        name="Đăng ký kết hôn",
        field=civil,
        agencies=[commune],
        online_mode="partial",
    )
    make_version(
        procedure=ProcedureFactory(code="2.000488"),
        name="Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam",
        field=judicial,
        agencies=[justice],
        subjects=["citizen", "foreigner"],
        online_mode="none",
    )
    make_version(
        procedure=ProcedureFactory(code="1.000999"),
        name="Thủ tục dự thảo bí mật",
        field=FieldFactory(code="NHAP", name="Lĩnh vực dự thảo"),
        agencies=[draft_only_agency],
        publish=False,
    )
    withdrawn = make_version(procedure=ProcedureFactory(code="1.000998"), name="Thủ tục đã bãi bỏ", field=civil)
    procedure_withdraw(procedure=withdrawn.procedure)
    return {"justice": justice, "commune": commune}


def test_catalogue_lists_published_procedures_only(client, catalogue):
    html = html_of(client.get("/thu-tuc/"))

    assert result_codes(html) == ["1.001022", "1.001193", "2.000488"]
    assert '<p class="count" role="status">3 thủ tục</p>' in html
    assert '<a class="result-title" href="/thu-tuc/1.001193/">Đăng ký khai sinh</a>' in html
    assert '<span class="badge badge-partial">Một phần</span>' in html
    assert '<span class="badge badge-none">Không cung cấp trực tuyến</span>' in html
    for hidden in ("Thủ tục dự thảo bí mật", "1.000999", "Thủ tục đã bãi bỏ", "1.000998", "Lĩnh vực dự thảo"):
        assert hidden not in html


def test_catalogue_filters_offer_only_what_has_published_procedures(client, catalogue):
    html = html_of(client.get("/thu-tuc/"))

    agency_options = re.findall(r'<option value="(000[^"]+)" >([^<]+)</option>', html)
    assert agency_options == [("000.00.10.H21", "Sở Tư pháp"), ("000.01.20.H21", "Ủy ban nhân dân xã Ia Grai")]
    field_options = re.findall(r'<option value="([A-Z]+)" >([^<]+)</option>', html)
    assert field_options == [("HT", "Hộ tịch"), ("LLTP", "Lý lịch tư pháp")]
    assert "Sở chỉ có dự thảo" not in html


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("dang ky khai sinh", ["1.001193"]),
        ("ĐĂNG KÝ KHAI SINH", ["1.001193"]),
        ("khai sinh", ["1.001193"]),
        ("dang ky", ["1.001022", "1.001193"]),
        ("ly lich tu phap", ["2.000488"]),
        ("1.001022", ["1.001022"]),
        ("bi mat", []),  # draft
        ("khong ton tai", []),
    ],
)
def test_catalogue_search_ignores_case_and_diacritics(client, catalogue, q, expected):
    html = html_of(client.get("/thu-tuc/", {"q": q}))

    assert result_codes(html) == expected
    assert f'<p class="count" role="status">{len(expected)} thủ tục</p>' in html
    if not expected:
        assert "Không tìm thấy thủ tục phù hợp." in html


def test_catalogue_keeps_the_search_words_in_the_form(client, catalogue):
    html = html_of(client.get("/thu-tuc/", {"q": "khai sinh <b>"}))

    assert 'value="khai sinh &lt;b&gt;"' in html
    assert "<b>" not in html


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"agency": "000.00.10.H21"}, ["2.000488"]),
        ({"agency": "000.01.20.H21"}, ["1.001022", "1.001193"]),
        ({"field": "HT"}, ["1.001022", "1.001193"]),
        ({"field": "LLTP"}, ["2.000488"]),
        ({"online_mode": "full"}, ["1.001193"]),
        ({"online_mode": "partial"}, ["1.001022"]),
        ({"online_mode": "none"}, ["2.000488"]),
        ({"subject": "foreigner"}, ["2.000488"]),
        ({"subject": "citizen"}, ["1.001022", "1.001193", "2.000488"]),
        ({"subject": "business"}, []),
        ({"agency": "000.01.20.H21", "online_mode": "full", "q": "dang ky"}, ["1.001193"]),
        ({"agency": "000.00.30.H21"}, []),  # only a draft there
    ],
)
def test_catalogue_filters(client, catalogue, params, expected):
    html = html_of(client.get("/thu-tuc/", params))

    assert result_codes(html) == expected
    assert '<details class="filters" open>' in html


def test_catalogue_marks_the_chosen_filters_as_selected(client, catalogue):
    html = html_of(client.get("/thu-tuc/", {"agency": "000.01.20.H21", "online_mode": "partial", "subject": "citizen"}))

    assert '<option value="000.01.20.H21" selected>' in html
    assert '<option value="partial" selected>' in html
    assert '<option value="citizen" selected>' in html


@pytest.mark.parametrize(
    "params",
    [
        {"online_mode": "toan-trinh"},
        {"online_mode": "FULL"},
        {"subject": "alien"},
        {"page": "abc"},
        {"page": "-1"},
        {"page": "0"},
        {"page": "999"},
        {"q": "x" * 5000},
        {"agency": "x" * 500},
        {"online_mode": ["full", "none"]},
    ],
)
def test_catalogue_ignores_invalid_filter_values(client, catalogue, params):
    response = client.get("/thu-tuc/", params)

    assert response.status_code == 200


def test_catalogue_ignores_an_invalid_online_mode_and_subject(client, catalogue):
    html = html_of(client.get("/thu-tuc/", {"online_mode": "muc-do-4", "subject": "alien"}))

    assert result_codes(html) == ["1.001022", "1.001193", "2.000488"]


@pytest.mark.parametrize("name", ["q", "agency", "field", "subject", "online_mode"])
def test_catalogue_ignores_nul_characters(client, catalogue, name):
    # PostgreSQL refuses NUL in text; the page must not fail with a 500
    response = client.get("/thu-tuc/", {name: "\x00"})

    assert result_codes(html_of(response)) == ["1.001022", "1.001193", "2.000488"]


def test_catalogue_paginates_by_20(client):
    field = FieldFactory(code="HT", name="Hộ tịch")
    agency = AgencyFactory()
    for number in range(1, 24):
        make_version(procedure=ProcedureFactory(code=f"1.{number:06d}"), field=field, agencies=[agency])

    first = html_of(client.get("/thu-tuc/", {"q": "dang ky"}))
    assert result_codes(first) == [f"1.{number:06d}" for number in range(1, 21)]
    assert '<p class="count" role="status">23 thủ tục</p>' in first
    assert "Trang 1/2" in first
    assert '<a rel="next" href="?q=dang+ky&amp;page=2">' in first
    assert 'rel="prev"' not in first

    second = html_of(client.get("/thu-tuc/", {"q": "dang ky", "page": "2"}))
    assert result_codes(second) == ["1.000021", "1.000022", "1.000023"]
    assert "Trang 2/2" in second
    assert '<a rel="prev" href="?q=dang+ky&amp;page=1">' in second
    assert 'rel="next"' not in second

    # out-of-range and garbage page numbers fall back to the last and the first page
    assert result_codes(html_of(client.get("/thu-tuc/", {"page": "99"}))) == result_codes(second)
    assert result_codes(html_of(client.get("/thu-tuc/", {"page": "abc"}))) == result_codes(first)


def test_catalogue_without_enough_results_has_no_pager(client, catalogue):
    assert "Phân trang" not in html_of(client.get("/thu-tuc/"))


def test_catalogue_has_the_same_number_of_queries_for_5_and_20_rows(client):
    field = FieldFactory()
    agency = AgencyFactory()

    def count() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            html = html_of(client.get("/thu-tuc/"))
        return len(queries), len(result_codes(html))

    for number in range(5):
        make_version(procedure=ProcedureFactory(code=f"1.{number:06d}"), field=field, agencies=[agency])
    few, rows = count()
    assert rows == 5
    for number in range(5, 20):
        make_version(procedure=ProcedureFactory(code=f"1.{number:06d}"), field=FieldFactory(), agencies=[agency])
    many, rows = count()
    assert rows == 20
    assert many == few
    assert few == 5  # count, page, prefetched agencies, fields and agencies of the filter form


# --- procedure page -----------------------------------------------------------------------------------


@pytest.fixture
def birth_registration() -> dict[str, Any]:
    """Đăng ký khai sinh, published at 01:00 on 2026-03-02 in Vietnam (still 1 March in UTC)."""
    field = FieldFactory(code="HT", name="Hộ tịch")
    commune = AgencyFactory(code="000.01.20.H21", name="Ủy ban nhân dân xã Ia Grai", level=Agency.Level.COMMUNE)
    centre = AgencyFactory(
        code="000.00.01.H21", name="Trung tâm Phục vụ hành chính công tỉnh", kind=Agency.Kind.SERVICE_CENTRE
    )
    version = make_version(
        procedure=ProcedureFactory(code="1.001193"),
        name="Đăng ký khai sinh",
        field=field,
        agencies=[commune, centre],
        publish=False,
        components=0,
        fees=[
            {"name": "Lệ phí đăng ký khai sinh", "kind": "le_phi", "amount": 50000, "online_amount": 25000, "order": 1},
            {"name": "Phí cấp bản sao trích lục", "kind": "phi", "amount": 1250000, "order": 2, "note": "Mỗi bản"},
        ],
        processing_time_value=Decimal(5),
        local_time_value=Decimal(3),
        local_time_unit="working_days",
        subjects=["citizen", "foreigner"],
        competence_levels=["commune"],
        methods=["counter", "online"],
        steps=["Nộp hồ sơ tại Bộ phận Một cửa", "Công chức tư pháp - hộ tịch kiểm tra", "Trả kết quả"],
        legal_bases=["Luật Hộ tịch số 60/2014/QH13", "Nghị định 123/2015/NĐ-CP"],
        result="Giấy khai sinh (bản chính)",
        requirements="Người đi đăng ký xuất trình giấy tờ tùy thân.",
        online_mode="full",
    )
    form = ComponentFactory(
        version=version,
        code="TP1",
        name="Tờ khai đăng ký khai sinh",
        copy_kinds=["original", "electronic"],
        order=1,
        template=ContentFile(SMALL_PDF, name="to-khai-khai-sinh.pdf"),
        template_name="To khai dang ky khai sinh.pdf",
    )
    certificate = ComponentFactory(
        version=version,
        code="TP2",
        name="Giấy chứng sinh",
        copy_kinds=["original", "certified_copy"],
        quantity=2,
        order=2,
    )
    ComponentFactory(
        version=version, code="TP3", name="Văn bản ủy quyền", copy_kinds=["certified_copy"], required=False, order=3
    )
    with time_machine.travel(dt.datetime(2026, 3, 2, 1, 0, tzinfo=VN), tick=False):
        version = publish(version)
    return {"version": version, "form": form, "certificate": certificate}


def test_procedure_page_shows_the_whole_procedure(client, birth_registration):
    html = html_of(client.get("/thu-tuc/1.001193/"))

    assert "<title>Đăng ký khai sinh · motcua</title>" in html
    assert "<h1>Đăng ký khai sinh</h1>" in html
    assert "Mã thủ tục: <strong>1.001193</strong>" in html
    assert '<span class="badge badge-full">Toàn trình</span>' in html
    assert "(mức độ 4 theo cách phân loại cũ)" in html
    assert "<dd>5 ngày làm việc<br><small>Cam kết tại địa phương: 3 ngày làm việc</small></dd>" in html
    assert "<dd>Hộ tịch</dd>" in html
    assert "<dd>Cấp xã</dd>" in html
    assert "<dd>Công dân Việt Nam, Người nước ngoài</dd>" in html
    assert "<dd>Trực tiếp, Trực tuyến</dd>" in html
    # agencies by name
    assert "<ul><li>Trung tâm Phục vụ hành chính công tỉnh</li><li>Ủy ban nhân dân xã Ia Grai</li></ul>" in html
    assert (
        '<ol class="steps"><li>Nộp hồ sơ tại Bộ phận Một cửa</li>'
        "<li>Công chức tư pháp - hộ tịch kiểm tra</li><li>Trả kết quả</li></ol>"
    ) in html
    assert "<p>Giấy khai sinh (bản chính)</p>" in html
    assert "<p>Người đi đăng ký xuất trình giấy tờ tùy thân.</p>" in html
    assert "<ul><li>Luật Hộ tịch số 60/2014/QH13</li><li>Nghị định 123/2015/NĐ-CP</li></ul>" in html
    # the local date of publication, not the UTC one
    assert "Phiên bản 1, áp dụng từ 02/03/2026." in html


def test_procedure_page_lists_components_with_copy_kinds_quantity_and_template(client, birth_registration):
    form = birth_registration["form"]

    html = html_of(client.get("/thu-tuc/1.001193/"))

    rows = re.findall(r"<tr>\s*<td>(.*?)</td>\s*<td>(.*?)</td>\s*<td>(\d+)</td>\s*<td>(.*?)</td>\s*</tr>", html)
    assert rows == [
        (
            "Tờ khai đăng ký khai sinh",
            "Bản chính; Bản điện tử",
            "1",
            f'<a href="/thu-tuc/1.001193/mau/{form.pk}/" download>Tải mẫu'
            '<span class="sr"> Tờ khai đăng ký khai sinh</span></a>',
        ),
        ("Giấy chứng sinh", "Bản chính; Bản sao có chứng thực", "2", ""),
        ("Văn bản ủy quyền <small>(nếu có)</small>", "Bản sao có chứng thực", "1", ""),
    ]


def test_procedure_page_formats_fees_in_dong(client, birth_registration):
    html = html_of(client.get("/thu-tuc/1.001193/"))

    fees = re.findall(r"<tr><td>(.*?)</td>\s*<td>(.*?)</td><td>(.*?)</td></tr>", html)
    assert fees == [
        ("Lệ phí: Lệ phí đăng ký khai sinh", "50.000 đ", "25.000 đ"),
        ("Phí: Phí cấp bản sao trích lục<br><small>Mỗi bản</small>", "1.250.000 đ", "1.250.000 đ"),
    ]


def test_procedure_page_without_fees_says_so(client):
    make_version(procedure=ProcedureFactory(code="2.000488"))

    assert "Không thu phí, lệ phí." in html_of(client.get("/thu-tuc/2.000488/"))


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"online_mode": "partial"}, ["Một phần", "(mức độ 3 theo cách phân loại cũ)"]),
        ({"online_mode": "none"}, ["Không cung cấp trực tuyến", "(mức độ 2 theo cách phân loại cũ)"]),
        ({"online_only": True}, ["Chỉ tiếp nhận trực tuyến"]),
        ({"processing_time_value": Decimal("0.5")}, ["<dd>0,5 ngày làm việc</dd>"]),
        (
            {"processing_time_value": Decimal(8), "processing_time_unit": "working_hours"},
            ["<dd>8 giờ làm việc</dd>"],
        ),
        ({"processing_time_value": Decimal(30), "processing_time_unit": "calendar_days"}, ["<dd>30 ngày</dd>"]),
        (
            {"any_reception_point": True},
            ["Bất kỳ điểm tiếp nhận nào trong tỉnh (không phụ thuộc địa giới hành chính)"],
        ),
    ],
)
def test_procedure_page_modes_and_periods(client, values, expected):
    make_version(procedure=ProcedureFactory(code="2.000488"), **values)

    response = client.get("/thu-tuc/2.000488/")

    for text in expected:
        assertContains(response, text)
    assertNotContains(response, "Cam kết tại địa phương")


def test_procedure_page_shows_the_version_in_force_not_the_draft(client):
    first = make_version(procedure=ProcedureFactory(code="1.001193"), name="Đăng ký khai sinh")
    draft = procedure_version_create_draft(procedure=first.procedure)
    draft.name = "Tên dự thảo chưa công bố"
    draft.save()

    response = client.get("/thu-tuc/1.001193/")

    assertContains(response, "<h1>Đăng ký khai sinh</h1>")
    assertNotContains(response, "Tên dự thảo chưa công bố")


@pytest.mark.parametrize("code", ["9.999999", "1.001193x", "khai-sinh", "1.001193%00"])
def test_procedure_page_of_an_unknown_code_is_404(client, birth_registration, code):
    assert client.get(f"/thu-tuc/{code}/").status_code == 404


def test_procedure_page_of_a_draft_only_procedure_is_404(client):
    make_version(procedure=ProcedureFactory(code="1.000777"), name="Thủ tục dự thảo", publish=False)

    response = client.get("/thu-tuc/1.000777/")

    assert response.status_code == 404
    assertNotContains(response, "Thủ tục dự thảo", status_code=404)


def test_procedure_page_of_a_withdrawn_procedure_is_404(client):
    version = make_version(procedure=ProcedureFactory(code="1.000778"))
    procedure_withdraw(procedure=version.procedure)

    assert client.get("/thu-tuc/1.000778/").status_code == 404


# --- form template download ---------------------------------------------------------------------------


def test_template_download_sends_the_file_as_an_attachment(client, birth_registration):
    form = birth_registration["form"]

    response = client.get(f"/thu-tuc/1.001193/mau/{form.pk}/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="To khai dang ky khai sinh.pdf"'
    assert response["Content-Length"] == str(len(SMALL_PDF))
    assert b"".join(response.streaming_content) == SMALL_PDF


def test_template_download_keeps_a_vietnamese_file_name(client):
    version = make_version(procedure=ProcedureFactory(code="1.001022"), publish=False, components=0)
    form = ComponentFactory(
        version=version,
        template=ContentFile(SMALL_PDF, name="to-khai.pdf"),
        template_name="Tờ khai đăng ký kết hôn.pdf",
    )
    publish(version)

    response = client.get(f"/thu-tuc/1.001022/mau/{form.pk}/")

    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; ")
    assert "filename*=utf-8''T%E1%BB%9D%20khai%20%C4%91%C4%83ng%20k%C3%BD%20k%E1%BA%BFt%20h%C3%B4n.pdf" in disposition
    assert b"".join(response.streaming_content) == SMALL_PDF


def test_template_download_without_a_template_name_uses_the_stored_file_name(client):
    version = make_version(procedure=ProcedureFactory(code="1.001022"), publish=False, components=0)
    form = ComponentFactory(version=version, template=ContentFile(SMALL_PDF, name="mau-01.pdf"))
    publish(version)

    response = client.get(f"/thu-tuc/1.001022/mau/{form.pk}/")

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="mau-01.pdf"'


def test_template_download_of_a_component_without_template_is_404(client, birth_registration):
    certificate = birth_registration["certificate"]

    assert client.get(f"/thu-tuc/1.001193/mau/{certificate.pk}/").status_code == 404


def test_template_download_of_another_procedures_component_is_404(client, birth_registration):
    other = make_version(procedure=ProcedureFactory(code="2.000488"), publish=False, components=0)
    other_form = ComponentFactory(version=other, template=ContentFile(SMALL_PDF, name="other.pdf"))
    publish(other)
    form = birth_registration["form"]

    assert client.get(f"/thu-tuc/1.001193/mau/{other_form.pk}/").status_code == 404
    assert client.get(f"/thu-tuc/2.000488/mau/{form.pk}/").status_code == 404
    assert client.get(f"/thu-tuc/2.000488/mau/{other_form.pk}/").status_code == 200


def test_template_download_of_a_draft_is_404(client):
    version = make_version(procedure=ProcedureFactory(code="1.000777"), publish=False, components=0)
    form = ComponentFactory(version=version, template=ContentFile(SMALL_PDF, name="draft.pdf"))

    assert client.get(f"/thu-tuc/1.000777/mau/{form.pk}/").status_code == 404


def test_template_download_of_an_unknown_component_is_404(client, birth_registration):
    assert client.get("/thu-tuc/1.001193/mau/999999/").status_code == 404
    assert client.get("/thu-tuc/9.999999/mau/1/").status_code == 404
    assert client.get(f"/thu-tuc/1.001193%00/mau/{birth_registration['form'].pk}/").status_code == 404


def test_template_download_of_a_new_draft_component_is_404_until_published(client, birth_registration):
    draft = procedure_version_create_draft(procedure=birth_registration["version"].procedure)
    new_form = ComponentFactory(version=draft, code="TP9", template=ContentFile(SMALL_PDF, name="moi.pdf"))

    assert client.get(f"/thu-tuc/1.001193/mau/{new_form.pk}/").status_code == 404

    publish(draft)

    assert client.get(f"/thu-tuc/1.001193/mau/{new_form.pk}/").status_code == 200
    # the component of the superseded version is no longer offered
    assert client.get(f"/thu-tuc/1.001193/mau/{birth_registration['form'].pk}/").status_code == 404


# --- language -----------------------------------------------------------------------------------------


def test_language_switch_to_english_and_back(birth_registration):
    browser = Client(enforce_csrf_checks=True)
    home = html_of(browser.get("/"))
    assert '<html lang="vi">' in home
    assert '<button name="language" value="en" lang="en">English</button>' in home
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', home)
    assert token is not None

    switched = browser.post("/i18n/setlang/", {"language": "en", "next": "/", "csrfmiddlewaretoken": token.group(1)})

    assert switched.status_code == 302
    assert switched["Location"] == "/"
    english = html_of(browser.get("/"))
    assert '<html lang="en">' in english
    assert '<button name="language" value="vi" lang="vi">Tiếng Việt</button>' in english
    assert '<html lang="en">' in html_of(browser.get("/thu-tuc/1.001193/"))

    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', english)
    assert token is not None
    browser.post("/i18n/setlang/", {"language": "vi", "next": "/", "csrfmiddlewaretoken": token.group(1)})
    assert '<html lang="vi">' in html_of(browser.get("/"))


def test_language_switch_without_csrf_token_is_refused(client):
    browser = Client(enforce_csrf_checks=True)

    assert browser.post("/i18n/setlang/", {"language": "en", "next": "/"}).status_code == 403
    assert '<html lang="vi">' in html_of(browser.get("/"))


def test_language_follows_the_browser_when_not_chosen(client):
    assert '<html lang="en">' in html_of(client.get("/", headers={"accept-language": "en-GB,en;q=0.9"}))
    assert '<html lang="vi">' in html_of(client.get("/", headers={"accept-language": "fr"}))


# --- page weight and external resources ---------------------------------------------------------------


@pytest.fixture
def full_catalogue() -> None:
    """Twenty-five published procedures in six fields: a full first catalogue page."""
    fields = [FieldFactory(code=f"LV{index}", name=f"Lĩnh vực thử nghiệm số {index}") for index in range(6)]
    agencies = AgencyFactory.create_batch(3)
    for number in range(25):
        make_version(
            procedure=ProcedureFactory(code=f"1.{number:06d}"),
            name=f"Cấp giấy chứng nhận đăng ký hoạt động thử nghiệm số {number}",
            field=fields[number % 6],
            agencies=agencies,
            components=4,
            fees=[{"name": "Lệ phí", "kind": "le_phi", "amount": 50000, "online_amount": 25000}],
        )


@pytest.mark.parametrize("url", ["/", "/thu-tuc/", "/thu-tuc/1.000001/"])
def test_page_html_plus_css_is_below_60_kb(client, full_catalogue, url):
    html = client.get(url)
    assert html.status_code == 200

    weight = len(html.content) + len(site_css())

    assert weight < PAGE_BUDGET_BYTES, f"{url}: {weight} bytes"


def test_pages_use_no_external_scripts_or_styles(client, full_catalogue, birth_registration):
    external = re.compile(r"""<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", re.I)
    for url in ("/", "/thu-tuc/", "/thu-tuc/1.001193/", "/thu-tuc/?q=khai+sinh"):
        html = html_of(client.get(url))
        assert not external.search(html), url
        assert re.findall(r'<link rel="stylesheet" href="([^"]+)">', html) == ["/static/portal/site.css"], url
        assert "<script" not in html, url
    css = site_css().decode()
    assert "@import" not in css
    assert not re.search(r"url\(\s*[\"']?\s*(?:https?:)?//", css)
    assert "@font-face" not in css
