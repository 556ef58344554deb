"""Public catalogue API: health, agencies, procedures, the schema and the docs (see docs/api-contract)."""

from __future__ import annotations

import base64
import datetime as dt
import json
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.db import DatabaseError, OperationalError, connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test.utils import CaptureQueriesContext

from motcua.catalog.models import Component
from motcua.catalog.services import procedure_version_create_draft, procedure_withdraw
from motcua.org.models import Agency
from tests.factories import (
    SMALL_PDF,
    AgencyFactory,
    CommuneFactory,
    ComponentFactory,
    FieldFactory,
    ProcedureFactory,
    ProvinceFactory,
    make_version,
    publish,
)

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"
VN = ZoneInfo("Asia/Ho_Chi_Minh")


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    """The response is an RFC 9457 problem with `status`; returns its body."""
    assert response.status_code == status
    assert response["Content-Type"] == PROBLEM
    body = json.loads(response.content)
    assert body["status"] == status
    assert body["type"] == "about:blank"
    assert isinstance(body["title"], str)
    assert body["title"]
    assert isinstance(body["detail"], str)
    assert body["detail"]
    return body


def cursor_of(payload: Any) -> str:
    """A syntactically valid base64 cursor wrapping any JSON value (to forge bad cursors)."""
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


def codes(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["code"] for item in response.json()["items"]]


# --- health -------------------------------------------------------------------------------------------


def test_health_is_ok_when_the_database_answers(client):
    response = client.get("/api/v1/health")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"status": "ok", "database": "ok"}


@pytest.mark.parametrize("error", [DatabaseError, OperationalError])
def test_health_is_503_when_the_database_cursor_fails(client, monkeypatch, error):
    def broken_cursor(self: BaseDatabaseWrapper) -> Any:
        raise error("connection refused")

    monkeypatch.setattr(BaseDatabaseWrapper, "cursor", broken_cursor)

    response = client.get("/api/v1/health")

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "unavailable"}
    assert b"connection refused" not in response.content


def test_health_runs_a_real_query(client, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = client.get("/api/v1/health")
    assert response.status_code == 200


# --- agencies -----------------------------------------------------------------------------------------


@pytest.fixture
def agencies() -> dict[str, Agency]:
    province = ProvinceFactory()
    commune_unit = CommuneFactory(code="23425", name="Xã Đăk Đoa")
    committee = AgencyFactory(
        code="000.00.00.H21",
        name="Ủy ban nhân dân tỉnh Gia Lai",
        kind=Agency.Kind.PEOPLES_COMMITTEE,
        administrative_unit=province,
        address="02 Trần Phú, Quy Nhơn",
        phone="0256 3822 222",
        email="ubnd@gialai.gov.vn",
    )
    centre = AgencyFactory(
        code="000.00.01.H21",
        name="Trung tâm Phục vụ hành chính công tỉnh",
        kind=Agency.Kind.SERVICE_CENTRE,
        parent=committee,
        administrative_unit=province,
    )
    commune = AgencyFactory(
        code="000.01.02.H21",
        name="Ủy ban nhân dân xã Đăk Đoa",
        level=Agency.Level.COMMUNE,
        kind=Agency.Kind.COMMUNE_COMMITTEE,
        parent=committee,
        administrative_unit=commune_unit,
    )
    commune_centre = AgencyFactory(
        code="000.01.03.H21",
        name="Trung tâm Phục vụ hành chính công xã Đăk Đoa",
        level=Agency.Level.COMMUNE,
        kind=Agency.Kind.SERVICE_CENTRE,
        parent=commune,
        administrative_unit=commune_unit,
    )
    AgencyFactory(code="000.00.09.H21", name="Sở đã giải thể", is_active=False, administrative_unit=province)
    return {"committee": committee, "centre": centre, "commune": commune, "commune_centre": commune_centre}


def test_agencies_list_every_active_agency_with_its_public_fields(client, agencies):
    response = client.get("/api/v1/agencies")

    assert response.status_code == 200
    body = response.json()
    assert body["next"] is None
    assert [item["code"] for item in body["items"]] == [
        "000.00.00.H21",
        "000.00.01.H21",
        "000.01.02.H21",
        "000.01.03.H21",
    ]  # ordered by code; the inactive 000.00.09.H21 is left out
    assert body["items"][0] == {
        "code": "000.00.00.H21",
        "name": "Ủy ban nhân dân tỉnh Gia Lai",
        "level": "province",
        "kind": "peoples_committee",
        "parent": None,
        "is_service_centre": False,
        "administrative_unit": "52",
        "address": "02 Trần Phú, Quy Nhơn",
        "phone": "0256 3822 222",
        "email": "ubnd@gialai.gov.vn",
    }
    assert body["items"][1] == {
        "code": "000.00.01.H21",
        "name": "Trung tâm Phục vụ hành chính công tỉnh",
        "level": "province",
        "kind": "service_centre",
        "parent": "000.00.00.H21",
        "is_service_centre": True,
        "administrative_unit": "52",
        "address": "",
        "phone": "",
        "email": "",
    }


def test_agencies_filter_by_level(client, agencies):
    assert codes(client.get("/api/v1/agencies", {"level": "commune"})) == ["000.01.02.H21", "000.01.03.H21"]
    assert codes(client.get("/api/v1/agencies", {"level": "province"})) == ["000.00.00.H21", "000.00.01.H21"]
    assert codes(client.get("/api/v1/agencies", {"level": "central"})) == []


@pytest.mark.parametrize("q", ["dak doa", "ĐĂK ĐOA", "Đăk Đoa", "  dak   DOA "])
def test_agencies_search_ignores_case_and_diacritics(client, agencies, q):
    assert codes(client.get("/api/v1/agencies", {"q": q})) == ["000.01.02.H21", "000.01.03.H21"]


def test_agencies_search_needs_every_word_and_combines_with_the_level(client, agencies):
    assert codes(client.get("/api/v1/agencies", {"q": "trung tam phuc vu"})) == ["000.00.01.H21", "000.01.03.H21"]
    assert codes(client.get("/api/v1/agencies", {"q": "trung tam dak doa"})) == ["000.01.03.H21"]
    assert codes(client.get("/api/v1/agencies", {"q": "trung tam", "level": "province"})) == ["000.00.01.H21"]
    assert codes(client.get("/api/v1/agencies", {"q": "000.01.02"})) == ["000.01.02.H21"]
    assert codes(client.get("/api/v1/agencies", {"q": "khong co co quan nay"})) == []


@pytest.mark.parametrize("level", ["district", "COMMUNE", "xa", "1"])
def test_agencies_invalid_level_is_a_422_problem_naming_the_field(client, agencies, level):
    response = client.get("/api/v1/agencies", {"level": level})

    body = assert_problem(response, 422)
    assert [error["field"] for error in body["errors"]] == ["level"]
    assert all(isinstance(error["message"], str) and error["message"] for error in body["errors"])


def test_agencies_are_cursor_paginated(client, agencies):
    first = client.get("/api/v1/agencies", {"page_size": 3}).json()
    assert [item["code"] for item in first["items"]] == ["000.00.00.H21", "000.00.01.H21", "000.01.02.H21"]
    assert isinstance(first["next"], str)

    second = client.get("/api/v1/agencies", {"page_size": 3, "cursor": first["next"]}).json()
    assert second == {"items": second["items"], "next": None}
    assert [item["code"] for item in second["items"]] == ["000.01.03.H21"]


def test_agencies_list_has_a_bounded_number_of_queries(client, django_assert_max_num_queries):
    province = ProvinceFactory()
    parent = AgencyFactory(administrative_unit=province)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/api/v1/agencies", {"page_size": 100})
        assert response.status_code == 200
        return len(queries)

    AgencyFactory.create_batch(4, parent=parent, administrative_unit=CommuneFactory())
    few = count()
    AgencyFactory.create_batch(20, parent=parent, administrative_unit=CommuneFactory())
    with django_assert_max_num_queries(1):
        many_response = client.get("/api/v1/agencies", {"page_size": 100})
    assert len(many_response.json()["items"]) == 25
    assert count() == few == 1


# --- procedure list -----------------------------------------------------------------------------------


def test_procedures_list_only_published_procedures(client):
    published = make_version(procedure=ProcedureFactory(code="1.000001"), name="Đăng ký khai sinh")
    make_version(procedure=ProcedureFactory(code="1.000002"), name="Thủ tục dự thảo", publish=False)
    withdrawn = make_version(procedure=ProcedureFactory(code="1.000003"), name="Thủ tục đã bãi bỏ")
    procedure_withdraw(procedure=withdrawn.procedure)
    # a published procedure with a newer draft keeps showing the published content
    with_draft = make_version(procedure=ProcedureFactory(code="1.000004"), name="Cấp bản sao trích lục hộ tịch")
    draft = procedure_version_create_draft(procedure=with_draft.procedure)
    draft.name = "Tên mới chưa công bố"
    draft.save()

    response = client.get("/api/v1/procedures")

    assert response.status_code == 200
    assert response.json() == {
        "items": [
            {
                "code": "1.000001",
                "name": "Đăng ký khai sinh",
                "field": {"code": published.field.code, "name": published.field.name},
                "online_mode": "full",
                "processing_time": {"value": 5.0, "unit": "working_days"},
            },
            {
                "code": "1.000004",
                "name": "Cấp bản sao trích lục hộ tịch",
                "field": {"code": with_draft.field.code, "name": with_draft.field.name},
                "online_mode": "full",
                "processing_time": {"value": 5.0, "unit": "working_days"},
            },
        ],
        "next": None,
    }


def test_procedures_list_shows_the_latest_published_version(client):
    first = make_version(procedure=ProcedureFactory(code="1.000001"), name="Tên cũ")
    make_version(procedure=first.procedure, name="Tên mới", processing_time_value=Decimal("2.5"))

    items = client.get("/api/v1/procedures").json()["items"]

    assert [(item["code"], item["name"], item["processing_time"]) for item in items] == [
        ("1.000001", "Tên mới", {"value": 2.5, "unit": "working_days"})
    ]


@pytest.fixture
def catalogue() -> dict[str, Any]:
    civil = FieldFactory(code="HT", name="Hộ tịch")
    judicial = FieldFactory(code="LLTP", name="Lý lịch tư pháp")
    land = FieldFactory(code="DD", name="Đất đai")
    justice = AgencyFactory(code="000.00.10.H21", name="Sở Tư pháp")
    commune = AgencyFactory(code="000.01.20.H21", name="Ủy ban nhân dân xã Ia Grai", level=Agency.Level.COMMUNE)
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
    )
    make_version(
        procedure=ProcedureFactory(code="1.004227"),
        name="Đăng ký đất đai lần đầu",
        field=land,
        agencies=[justice, commune],
        online_mode="none",
        subjects=["citizen", "business", "organisation"],
        methods=["counter"],
    )
    make_version(
        procedure=ProcedureFactory(code="1.000999"),
        name="Đăng ký khai sinh có yếu tố nước ngoài",
        field=civil,
        agencies=[justice],
        publish=False,
    )
    return {"justice": justice, "commune": commune}


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("dang ky khai sinh", ["1.001193"]),
        ("Đăng ký khai sinh", ["1.001193"]),
        ("ĐĂNG KÝ KHAI SINH", ["1.001193"]),
        ("khai sinh dang ky", ["1.001193"]),  # every word, in any order
        ("  dang   ky  ", ["1.001022", "1.001193", "1.004227"]),
        ("ly lich tu phap", ["2.000488"]),
        ("ho tich", ["1.001022", "1.001193"]),  # the field name is searched too
        ("dat dai", ["1.004227"]),
        ("1.001193", ["1.001193"]),  # and the code
        ("nuoc ngoai", []),  # only in a draft
        ("khai sinh ket hon", []),
        ("", ["1.001022", "1.001193", "1.004227", "2.000488"]),
    ],
)
def test_procedures_search_ignores_case_and_diacritics(client, catalogue, q, expected):
    assert codes(client.get("/api/v1/procedures", {"q": q})) == expected


def test_procedures_filter_by_agency_field_online_mode_and_subject(client, catalogue):
    def search(**params: str) -> list[str]:
        return codes(client.get("/api/v1/procedures", params))

    assert search(agency="000.00.10.H21") == ["1.004227", "2.000488"]
    assert search(agency="000.01.20.H21") == ["1.001022", "1.001193", "1.004227"]
    assert search(agency="000.99.99.H99") == []
    assert search(field="HT") == ["1.001022", "1.001193"]
    assert search(field="DD") == ["1.004227"]
    assert search(field="KHONG") == []
    assert search(online_mode="full") == ["1.001193", "2.000488"]
    assert search(online_mode="partial") == ["1.001022"]
    assert search(online_mode="none") == ["1.004227"]
    assert search(subject="foreigner") == ["2.000488"]
    assert search(subject="business") == ["1.004227"]
    assert search(agency="000.01.20.H21", field="HT", online_mode="partial", q="ket hon") == ["1.001022"]
    assert search(agency="000.00.10.H21", subject="citizen") == ["1.004227", "2.000488"]
    assert search(agency="000.00.10.H21", online_mode="partial") == []


@pytest.mark.parametrize("online_mode", ["online", "FULL", "4", "toan trinh"])
def test_procedures_invalid_online_mode_is_a_422_problem(client, catalogue, online_mode):
    body = assert_problem(client.get("/api/v1/procedures", {"online_mode": online_mode}), 422)
    assert [error["field"] for error in body["errors"]] == ["online_mode"]


def test_procedures_too_long_search_is_a_422_problem(client):
    body = assert_problem(client.get("/api/v1/procedures", {"q": "a" * 201}), 422)
    assert [error["field"] for error in body["errors"]] == ["q"]


@pytest.mark.parametrize("name", ["q", "agency", "field", "subject"])
def test_procedures_text_filter_with_a_nul_character_is_a_422_problem(client, catalogue, name):
    # PostgreSQL refuses NUL in text; the API must say "invalid input", not fail with a 500
    body = assert_problem(client.get("/api/v1/procedures", {name: "khai\x00sinh"}), 422)
    assert [error["field"] for error in body["errors"]] == [name]


def test_agencies_search_with_a_nul_character_is_a_422_problem(client, agencies):
    body = assert_problem(client.get("/api/v1/agencies", {"q": "\x00"}), 422)
    assert [error["field"] for error in body["errors"]] == ["q"]


@pytest.fixture
def five_procedures() -> list[str]:
    field = FieldFactory()
    agency = AgencyFactory()
    codes = ["1.000005", "1.000001", "1.000004", "1.000002", "1.000003"]  # created out of order
    for code in codes:
        make_version(procedure=ProcedureFactory(code=code), field=field, agencies=[agency])
    return sorted(codes)


def test_procedures_cursor_pagination_chains_pages_until_next_is_null(client, five_procedures):
    first = client.get("/api/v1/procedures", {"page_size": 2})
    assert first.status_code == 200
    assert [item["code"] for item in first.json()["items"]] == ["1.000001", "1.000002"]
    first_next = first.json()["next"]
    assert isinstance(first_next, str)
    assert "1.000002" not in first_next  # opaque, not the raw key

    second = client.get("/api/v1/procedures", {"page_size": 2, "cursor": first_next})
    assert [item["code"] for item in second.json()["items"]] == ["1.000003", "1.000004"]
    second_next = second.json()["next"]
    assert isinstance(second_next, str)
    assert second_next != first_next

    third = client.get("/api/v1/procedures", {"page_size": 2, "cursor": second_next})
    assert [item["code"] for item in third.json()["items"]] == ["1.000005"]
    assert third.json()["next"] is None


def test_procedures_last_full_page_has_no_next_cursor(client, five_procedures):
    body = client.get("/api/v1/procedures", {"page_size": 5}).json()
    assert [item["code"] for item in body["items"]] == five_procedures
    assert body["next"] is None


def test_procedures_cursor_keeps_working_with_a_filter(client, catalogue):
    first = client.get("/api/v1/procedures", {"q": "dang ky", "page_size": 2}).json()
    assert [item["code"] for item in first["items"]] == ["1.001022", "1.001193"]
    second = client.get("/api/v1/procedures", {"q": "dang ky", "page_size": 2, "cursor": first["next"]}).json()
    assert second == {"items": second["items"], "next": None}
    assert [item["code"] for item in second["items"]] == ["1.004227"]


def test_procedures_page_size_defaults_to_20_and_accepts_100(client):
    field = FieldFactory()
    agency = AgencyFactory()
    for number in range(1, 23):
        make_version(procedure=ProcedureFactory(code=f"1.{number:06d}"), field=field, agencies=[agency])

    default = client.get("/api/v1/procedures").json()
    assert len(default["items"]) == 20
    assert default["items"][-1]["code"] == "1.000020"
    rest = client.get("/api/v1/procedures", {"cursor": default["next"]}).json()
    assert [item["code"] for item in rest["items"]] == ["1.000021", "1.000022"]
    assert rest["next"] is None

    largest = client.get("/api/v1/procedures", {"page_size": 100}).json()
    assert len(largest["items"]) == 22
    assert largest["next"] is None


@pytest.mark.parametrize("page_size", ["0", "101", "-1", "abc", "2.5"])
def test_procedures_page_size_out_of_range_is_a_422_problem(client, five_procedures, page_size):
    body = assert_problem(client.get("/api/v1/procedures", {"page_size": page_size}), 422)
    assert [error["field"] for error in body["errors"]] == ["page_size"]


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        "!!!",
        "%%%",
        "eyJhZnRlciI6",  # truncated base64 of '{"after":'
        cursor_of([1, 2]),
        cursor_of(5),
        cursor_of("1.000002"),
        cursor_of({"before": "1.000002"}),
        cursor_of({"after": 3}),
        cursor_of({"after": None}),
        cursor_of({"after": "1.00\x000"}),
        base64.urlsafe_b64encode(b"\xff\xfe\xfd").decode(),  # not UTF-8
    ],
)
def test_procedures_garbage_cursor_is_a_400_problem(client, five_procedures, cursor):
    assert_problem(client.get("/api/v1/procedures", {"cursor": cursor}), 400)


def test_agencies_garbage_cursor_is_a_400_problem(client, agencies):
    assert_problem(client.get("/api/v1/agencies", {"cursor": "not-a-cursor"}), 400)


def test_procedures_overlong_cursor_is_a_422_problem(client, five_procedures):
    body = assert_problem(client.get("/api/v1/procedures", {"cursor": "A" * 501}), 422)
    assert [error["field"] for error in body["errors"]] == ["cursor"]


def test_procedures_list_has_the_same_number_of_queries_for_5_and_25_rows(client, django_assert_max_num_queries):
    field = FieldFactory()
    agency = AgencyFactory()

    def count(**params: Any) -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/api/v1/procedures", {"page_size": 100, **params})
        assert response.status_code == 200
        return len(queries)

    for number in range(5):
        make_version(procedure=ProcedureFactory(code=f"1.{number:06d}"), field=FieldFactory(), agencies=[agency])
    few = count()
    few_filtered = count(agency=agency.code, subject="citizen", q="dang ky")

    for number in range(5, 25):
        make_version(procedure=ProcedureFactory(code=f"1.{number:06d}"), field=field, agencies=[agency])
    with django_assert_max_num_queries(few):
        response = client.get("/api/v1/procedures", {"page_size": 100})
    assert len(response.json()["items"]) == 25

    assert count() == few
    assert count(agency=agency.code, subject="citizen", q="dang ky") == few_filtered
    assert few == 1
    assert few_filtered == 2  # the subject filter reads the candidates once, then the page


# --- one procedure ------------------------------------------------------------------------------------


@pytest.fixture
def birth_registration() -> dict[str, Any]:
    """Đăng ký khai sinh, published on Monday 2026-03-02 at 10:00 Vietnam time."""
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
            {"name": "Phí cấp bản sao trích lục", "kind": "phi", "amount": 8000, "collected_at": "result", "order": 2},
        ],
        processing_time_value=Decimal(3),
        local_time_value=Decimal("1.5"),
        local_time_unit="working_days",
        subjects=["citizen", "foreigner"],
        competence_levels=["commune"],
        methods=["counter", "online", "post"],
        steps=["Nộp hồ sơ tại Bộ phận Một cửa", "Công chức tư pháp - hộ tịch kiểm tra", "Trả kết quả"],
        legal_bases=["Luật Hộ tịch số 60/2014/QH13", "Nghị định 123/2015/NĐ-CP"],
        result="Giấy khai sinh (bản chính)",
        requirements="Người đi đăng ký xuất trình giấy tờ tùy thân.",
        any_reception_point=True,
        online_only=False,
    )
    form = ComponentFactory(
        version=version,
        code="TP1",
        name="Tờ khai đăng ký khai sinh",
        copy_kinds=["original", "electronic"],
        quantity=1,
        order=1,
        template=ContentFile(SMALL_PDF, name="to-khai-khai-sinh.pdf"),
        template_name="Tờ khai đăng ký khai sinh.pdf",
    )
    ComponentFactory(
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
    with time_machine.travel(dt.datetime(2026, 3, 2, 10, 0, tzinfo=VN), tick=False):
        version = publish(version)
    return {"version": version, "form": form}


def test_procedure_detail_has_every_contract_field(client, birth_registration):
    form = birth_registration["form"]

    response = client.get("/api/v1/procedures/1.001193")

    assert response.status_code == 200
    assert response.json() == {
        "code": "1.001193",
        "name": "Đăng ký khai sinh",
        "version": 1,
        "field": {"code": "HT", "name": "Hộ tịch"},
        "online_mode": "full",
        "legacy_level": 4,
        "online_only": False,
        "any_reception_point": True,
        "processing_time": {"value": 3.0, "unit": "working_days"},
        "local_processing_time": {"value": 1.5, "unit": "working_days"},
        "components": [
            {
                "code": "TP1",
                "name": "Tờ khai đăng ký khai sinh",
                "copy_kinds": ["original", "electronic"],
                "quantity": 1,
                "required": True,
                "template_url": f"/thu-tuc/1.001193/mau/{form.pk}/",
            },
            {
                "code": "TP2",
                "name": "Giấy chứng sinh",
                "copy_kinds": ["original", "certified_copy"],
                "quantity": 2,
                "required": True,
                "template_url": None,
            },
            {
                "code": "TP3",
                "name": "Văn bản ủy quyền",
                "copy_kinds": ["certified_copy"],
                "quantity": 1,
                "required": False,
                "template_url": None,
            },
        ],
        "fees": [
            {
                "name": "Lệ phí đăng ký khai sinh",
                "kind": "le_phi",
                "amount": 50000,
                "online_amount": 25000,
                "collected_at": "reception",
            },
            {
                "name": "Phí cấp bản sao trích lục",
                "kind": "phi",
                "amount": 8000,
                "online_amount": None,
                "collected_at": "result",
            },
        ],
        # ordered by name
        "agencies": [
            {"code": "000.00.01.H21", "name": "Trung tâm Phục vụ hành chính công tỉnh"},
            {"code": "000.01.20.H21", "name": "Ủy ban nhân dân xã Ia Grai"},
        ],
        "subjects": ["citizen", "foreigner"],
        "competence_levels": ["commune"],
        "methods": ["counter", "online", "post"],
        "result": "Giấy khai sinh (bản chính)",
        "legal_bases": ["Luật Hộ tịch số 60/2014/QH13", "Nghị định 123/2015/NĐ-CP"],
        "requirements": "Người đi đăng ký xuất trình giấy tờ tùy thân.",
        "steps": ["Nộp hồ sơ tại Bộ phận Một cửa", "Công chức tư pháp - hộ tịch kiểm tra", "Trả kết quả"],
        "effective_from": "2026-03-02T10:00:00+07:00",
    }


def test_procedure_detail_template_url_downloads_the_template(client, birth_registration):
    url = client.get("/api/v1/procedures/1.001193").json()["components"][0]["template_url"]

    response = client.get(url)

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == SMALL_PDF


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"online_mode": "partial"}, {"online_mode": "partial", "legacy_level": 3, "local_processing_time": None}),
        ({"online_mode": "none"}, {"online_mode": "none", "legacy_level": 2, "local_processing_time": None}),
        (
            {"processing_time_value": Decimal(8), "processing_time_unit": "working_hours"},
            {"processing_time": {"value": 8.0, "unit": "working_hours"}},
        ),
        (
            {"processing_time_value": Decimal(30), "processing_time_unit": "calendar_days"},
            {"processing_time": {"value": 30.0, "unit": "calendar_days"}},
        ),
        ({"online_only": True}, {"online_only": True, "any_reception_point": False}),
    ],
)
def test_procedure_detail_reflects_modes_and_units(client, values, expected):
    make_version(procedure=ProcedureFactory(code="2.000488"), **values)

    body = client.get("/api/v1/procedures/2.000488").json()

    assert {key: body[key] for key in expected} == expected
    assert body["fees"] == []


def test_procedure_detail_shows_the_version_in_force_not_the_draft(client):
    first = make_version(procedure=ProcedureFactory(code="1.001193"), name="Đăng ký khai sinh (cũ)")
    second = make_version(procedure=first.procedure, name="Đăng ký khai sinh")
    draft = procedure_version_create_draft(procedure=second.procedure)
    draft.name = "Bản nháp"
    draft.save()

    body = client.get("/api/v1/procedures/1.001193").json()

    assert (body["name"], body["version"]) == ("Đăng ký khai sinh", 2)


@pytest.mark.parametrize("code", ["9.999999", "1.001193x", "khai-sinh", "1.001193.000.00.00.H21"])
def test_procedure_detail_unknown_code_is_a_404_problem(client, birth_registration, code):
    body = assert_problem(client.get(f"/api/v1/procedures/{code}"), 404)
    assert body["title"] == "Not found"


def test_procedure_detail_with_a_nul_character_is_a_404_problem(client, birth_registration):
    assert_problem(client.get("/api/v1/procedures/1.001193%00"), 404)


def test_procedure_detail_of_a_draft_only_procedure_is_a_404_problem(client):
    make_version(procedure=ProcedureFactory(code="1.000777"), name="Thủ tục dự thảo", publish=False)

    body = assert_problem(client.get("/api/v1/procedures/1.000777"), 404)

    assert "Thủ tục dự thảo" not in json.dumps(body, ensure_ascii=False)


def test_procedure_detail_of_a_withdrawn_procedure_is_a_404_problem(client):
    version = make_version(procedure=ProcedureFactory(code="1.000778"))
    procedure_withdraw(procedure=version.procedure)

    assert_problem(client.get("/api/v1/procedures/1.000778"), 404)


def test_procedure_detail_has_a_bounded_number_of_queries(client):
    small = make_version(procedure=ProcedureFactory(code="1.000001"), components=1)
    agencies = AgencyFactory.create_batch(6)
    fees = [{"name": f"Lệ phí {n}", "kind": "le_phi", "amount": 1000 * n} for n in range(1, 7)]
    make_version(procedure=ProcedureFactory(code="1.000002"), components=8, agencies=agencies, fees=fees)

    def count(code: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/api/v1/procedures/{code}")
        assert response.status_code == 200
        return len(queries)

    assert small.components.count() == 1
    assert Component.objects.filter(version__procedure__code="1.000002").count() == 8
    assert count("1.000001") == count("1.000002") == 4  # the version, then agencies, components, fees


# --- schema and docs ----------------------------------------------------------------------------------


def test_openapi_schema_is_3_1_with_the_public_paths(client):
    response = client.get("/api/v1/openapi.json")

    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.1.")
    assert schema["info"]["title"] == "motcua API"
    assert schema["info"]["version"] == "1.0.0"
    for path in ("/api/v1/health", "/api/v1/agencies", "/api/v1/procedures", "/api/v1/procedures/{code}"):
        assert "get" in schema["paths"][path], path
    list_parameters = {parameter["name"] for parameter in schema["paths"]["/api/v1/procedures"]["get"]["parameters"]}
    assert {"q", "agency", "field", "online_mode", "cursor", "page_size"} <= list_parameters
    agency_parameters = {parameter["name"] for parameter in schema["paths"]["/api/v1/agencies"]["get"]["parameters"]}
    assert {"level", "q", "cursor", "page_size"} <= agency_parameters
    assert set(schema["paths"]["/api/v1/health"]["get"]["responses"]) == {"200", "503"}


def test_docs_page_is_html_without_external_resources(client):
    response = client.get("/api/v1/docs")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert "/api/v1/openapi.json" in html
    assert "swagger-ui" in html
    assert "http://" not in html
    assert "https://" not in html
