import copy
import io
import json
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from motcua.catalog.exchange import (
    ImportFailed,
    RowError,
    export_document,
    export_json,
    export_xlsx,
    import_document,
    import_json,
    import_xlsx,
    validate_document,
)
from motcua.catalog.models import Component, FeeLine, Field, Procedure, ProcedureVersion
from motcua.catalog.services import procedure_version_create_draft, procedure_version_publish, procedure_withdraw
from motcua.org.models import Agency
from tests.factories import AgencyFactory, FieldFactory, ProcedureFactory, make_staff, make_version

pytestmark = pytest.mark.django_db

Status = ProcedureVersion.Status


def build(
    code: str,
    *,
    name: str,
    field: Field,
    agencies: list[Agency],
    components: list[dict[str, Any]],
    fees: list[dict[str, Any]] | None = None,
    publish: bool = True,
    **values: Any,
) -> ProcedureVersion:
    procedure = Procedure.objects.filter(code=code).first() or ProcedureFactory(code=code)
    version = make_version(
        procedure=procedure,
        name=name,
        field=field,
        agencies=agencies,
        components=0,
        fees=fees,
        publish=False,
        **values,
    )
    for order, component in enumerate(components):
        Component.objects.create(version=version, order=order, **component)
    if publish:
        procedure_version_publish(version=version)
    version.refresh_from_db()
    return version


@pytest.fixture
def agencies() -> dict[str, Agency]:
    return {
        "justice": AgencyFactory(code="000.00.05.H21", name="Sở Tư pháp"),
        "environment": AgencyFactory(code="000.00.06.H21", name="Sở Nông nghiệp và Môi trường"),
        "ward": AgencyFactory(code="000.10.30.H21", name="UBND phường Quy Nhơn", level=Agency.Level.COMMUNE),
    }


@pytest.fixture
def catalogue(agencies) -> list[str]:
    """A small catalogue with the shapes the exchange must keep; returns the exported codes in order."""
    civil = FieldFactory(code="HT", name="Hộ tịch")
    land = FieldFactory(code="DD", name="Đất đai")
    justice, environment, ward = agencies["justice"], agencies["environment"], agencies["ward"]
    build(
        "1.001193",
        name="Thủ tục đăng ký khai sinh",
        field=civil,
        agencies=[ward, justice],
        subjects=["citizen", "foreigner"],
        competence_levels=["commune"],
        methods=["counter", "online", "post"],
        steps=["Bước 1: nộp hồ sơ", "Bước 2: nhận kết quả"],
        legal_bases=["Luật Hộ tịch số 60/2014/QH13", "Nghị định 123/2015/NĐ-CP"],
        processing_time_value=Decimal(1),
        local_time_value=Decimal("0.5"),
        local_time_unit="working_days",
        requirements="Khai sinh đúng hạn",
        result="Giấy khai sinh",
        online_mode="full",
        online_only=True,
        any_reception_point=True,
        components=[
            {
                "code": "TP1",
                "name": "Tờ khai đăng ký khai sinh",
                "copy_kinds": ["original", "electronic"],
                "template_name": "to-khai-khai-sinh.docx",
            },
            {"code": "TP2", "name": "Giấy chứng sinh", "copy_kinds": ["original"], "quantity": 2},
            {"code": "TP3", "name": "Văn bản ủy quyền", "copy_kinds": ["certified_copy"], "required": False},
        ],
        fees=[
            {"name": "Lệ phí đăng ký khai sinh", "kind": "le_phi", "amount": 8000, "online_amount": 4000},
            {
                "name": "Phí cấp bản sao trích lục",
                "kind": "phi",
                "amount": 3000,
                "collected_at": "result",
                "note": "mỗi bản",
            },
        ],
    )
    build(
        "1.004889",
        name="Đăng ký đất đai lần đầu",
        field=land,
        agencies=[environment],
        subjects=["citizen", "business"],
        competence_levels=["province"],
        processing_time_value=Decimal(30),
        processing_time_unit="calendar_days",
        local_time_value=Decimal(20),
        local_time_unit="calendar_days",
        online_mode="partial",
        components=[
            {"code": "TP1", "name": "Đơn đăng ký", "copy_kinds": ["original"]},
            {"code": "TP2", "name": "Giấy tờ về quyền sử dụng đất", "copy_kinds": ["photocopy", "certified_copy"]},
        ],
        fees=[{"name": "Lệ phí cấp giấy chứng nhận", "kind": "le_phi", "amount": 100000, "online_amount": 100000}],
    )
    build(
        "2.000635.000.00.05.H21",
        name="Cấp phiếu lý lịch tư pháp",
        field=civil,
        agencies=[justice],
        processing_time_value=Decimal(10),
        online_mode="none",
        methods=["counter"],
        components=[{"code": "TP1", "name": "Tờ khai", "copy_kinds": ["original"]}],
    )
    # republished: the export carries version 2
    first = build(
        "1.000656",
        name="Thay đổi hộ tịch (cũ)",
        field=civil,
        agencies=[ward],
        components=[{"code": "TP1", "name": "Tờ khai", "copy_kinds": ["original"]}],
    )
    draft = procedure_version_create_draft(procedure=first.procedure)
    draft.name = "Thay đổi, cải chính hộ tịch"
    draft.save()
    Component.objects.create(version=draft, code="TP2", name="Giấy tờ chứng minh", copy_kinds=["photocopy"], order=1)
    procedure_version_publish(version=draft)
    # only a draft: exported with status draft
    build(
        "1.000001",
        name="Thủ tục đang soạn",
        field=land,
        agencies=[environment, ward],
        publish=False,
        components=[{"code": "TP1", "name": "Đơn", "copy_kinds": ["original"]}],
    )
    # withdrawn: not exported
    gone = build(
        "1.999999",
        name="Thủ tục đã bãi bỏ",
        field=civil,
        agencies=[ward],
        components=[{"code": "TP1", "name": "Đơn", "copy_kinds": ["original"]}],
    )
    procedure_withdraw(procedure=gone.procedure)
    return ["1.000001", "1.000656", "1.001193", "1.004889", "2.000635.000.00.05.H21"]


def wipe_catalogue() -> None:
    Procedure.objects.all().delete()
    Field.objects.all().delete()
    assert ProcedureVersion.objects.count() == 0


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in (Field, Procedure, ProcedureVersion, Component, FeeLine)}


def valid_procedure(code: str, **changes: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "code": code,
        "name": "Đăng ký kết hôn",
        "field": "HT",
        "agencies": ["000.10.30.H21"],
        "processing_time": {"value": 5, "unit": "working_days"},
        "result": "Giấy chứng nhận kết hôn",
        "online_mode": "partial",
        "components": [{"code": "TP1", "name": "Tờ khai", "copy_kinds": ["original"]}],
        "fees": [{"name": "Lệ phí", "kind": "le_phi", "amount": 8000, "online_amount": 4000}],
    }
    item.update(changes)
    return item


# ---- export -----------------------------------------------------------------------------------------


def test_export_document_shape(catalogue):
    doc = export_document()
    assert doc["format"] == "motcua-catalog/1"
    assert doc["fields"] == [{"code": "DD", "name": "Đất đai"}, {"code": "HT", "name": "Hộ tịch"}]
    assert [p["code"] for p in doc["procedures"]] == catalogue
    birth = doc["procedures"][2]
    assert birth == {
        "code": "1.001193",
        "name": "Thủ tục đăng ký khai sinh",
        "field": "HT",
        "status": "published",
        "subjects": ["citizen", "foreigner"],
        "competence_levels": ["commune"],
        "agencies": ["000.00.05.H21", "000.10.30.H21"],
        "steps": ["Bước 1: nộp hồ sơ", "Bước 2: nhận kết quả"],
        "methods": ["counter", "online", "post"],
        "processing_time": {"value": 1, "unit": "working_days"},
        "local_time": {"value": 0.5, "unit": "working_days"},
        "result": "Giấy khai sinh",
        "legal_bases": ["Luật Hộ tịch số 60/2014/QH13", "Nghị định 123/2015/NĐ-CP"],
        "requirements": "Khai sinh đúng hạn",
        "online_mode": "full",
        "online_only": True,
        "any_reception_point": True,
        "components": [
            {
                "code": "TP1",
                "name": "Tờ khai đăng ký khai sinh",
                "copy_kinds": ["original", "electronic"],
                "quantity": 1,
                "required": True,
                "template_name": "to-khai-khai-sinh.docx",
            },
            {
                "code": "TP2",
                "name": "Giấy chứng sinh",
                "copy_kinds": ["original"],
                "quantity": 2,
                "required": True,
                "template_name": "",
            },
            {
                "code": "TP3",
                "name": "Văn bản ủy quyền",
                "copy_kinds": ["certified_copy"],
                "quantity": 1,
                "required": False,
                "template_name": "",
            },
        ],
        "fees": [
            {
                "name": "Lệ phí đăng ký khai sinh",
                "kind": "le_phi",
                "amount": 8000,
                "online_amount": 4000,
                "collected_at": "reception",
                "note": "",
            },
            {
                "name": "Phí cấp bản sao trích lục",
                "kind": "phi",
                "amount": 3000,
                "online_amount": None,
                "collected_at": "result",
                "note": "mỗi bản",
            },
        ],
    }
    assert doc["procedures"][1]["name"] == "Thay đổi, cải chính hộ tịch"
    assert doc["procedures"][0]["status"] == "draft"
    assert doc["procedures"][3]["local_time"] == {"value": 20, "unit": "calendar_days"}
    assert doc["procedures"][4]["local_time"] is None
    assert validate_document(doc, check_references=True) == []


def test_export_json_is_utf8_without_escapes(catalogue):
    content = export_json()
    assert "Thủ tục đăng ký khai sinh".encode() in content
    assert b"\\u" not in content
    assert json.loads(content) == export_document()


# ---- round trips --------------------------------------------------------------------------------------


def test_json_round_trip(catalogue):
    first = export_json()
    wipe_catalogue()

    report = import_json(first)

    assert sorted(report.created) == catalogue
    assert (report.updated, report.unchanged) == ([], [])
    assert export_json() == first
    # one version each; the draft stays a draft and is not current
    assert list(
        ProcedureVersion.objects.order_by("procedure__code").values_list("procedure__code", "number", "status")
    ) == [
        ("1.000001", 1, "draft"),
        ("1.000656", 1, "published"),
        ("1.001193", 1, "published"),
        ("1.004889", 1, "published"),
        ("2.000635.000.00.05.H21", 1, "published"),
    ]
    assert Procedure.objects.get(code="1.000001").current_version is None
    assert set(Field.objects.values_list("code", "name")) == {("HT", "Hộ tịch"), ("DD", "Đất đai")}
    birth = Procedure.objects.get(code="1.001193").current_version
    assert birth.local_time_value == Decimal("0.5")
    assert list(birth.fees.values_list("name", "amount", "online_amount", "order")) == [
        ("Lệ phí đăng ký khai sinh", 8000, 4000, 1),
        ("Phí cấp bản sao trích lục", 3000, None, 2),
    ]


def test_xlsx_round_trip(catalogue):
    first = export_document()
    workbook = export_xlsx()
    wipe_catalogue()

    report = import_xlsx(workbook)

    assert sorted(report.created) == catalogue
    assert export_document() == first


def test_xlsx_sheets_and_lines(catalogue):
    workbook = load_workbook(io.BytesIO(export_xlsx()))
    assert workbook.sheetnames == ["fields", "procedures", "components", "fees"]
    procedures = list(workbook["procedures"].iter_rows(values_only=True))
    header = procedures[0]
    row = dict(zip(header, procedures[3], strict=True))
    assert row["code"] == "1.001193"
    assert row["agencies"] == "000.00.05.H21\n000.10.30.H21"
    assert (row["processing_time_value"], row["local_time_value"]) == (1, 0.5)
    assert (row["online_only"], row["any_reception_point"]) == ("x", "x")
    fees = list(workbook["fees"].iter_rows(values_only=True))
    assert fees[1] == ("1.001193", "Lệ phí đăng ký khai sinh", "le_phi", 8000, 4000, "reception", None)


def test_reimport_of_the_same_json_changes_nothing(catalogue):
    content = export_json()
    before = list(ProcedureVersion.objects.order_by("pk").values_list("pk", "number", "status", "effective_to"))

    report = import_json(content)

    assert sorted(report.unchanged) == catalogue
    assert (report.created, report.updated) == ([], [])
    assert list(ProcedureVersion.objects.order_by("pk").values_list("pk", "number", "status", "effective_to")) == before


def test_reimport_of_the_same_xlsx_changes_nothing(catalogue):
    content = export_xlsx()
    before = counts()
    report = import_xlsx(content)
    assert sorted(report.unchanged) == catalogue
    assert (report.created, report.updated) == ([], [])
    assert counts() == before


def test_changed_name_creates_and_publishes_version_2(catalogue):
    doc = export_document()
    doc["procedures"][2]["name"] = "Đăng ký khai sinh (sửa đổi)"
    old = Procedure.objects.get(code="1.001193").current_version

    report = import_document(doc)

    assert report.updated == ["1.001193"]
    assert sorted(report.unchanged) == [c for c in catalogue if c != "1.001193"]
    procedure = Procedure.objects.get(code="1.001193")
    new = procedure.current_version
    assert (new.number, new.status, new.name) == (2, Status.PUBLISHED, "Đăng ký khai sinh (sửa đổi)")
    old.refresh_from_db()
    assert old.status == Status.PUBLISHED
    assert old.effective_to == new.effective_from
    assert list(new.components.values_list("code", flat=True)) == ["TP1", "TP2", "TP3"]
    assert export_document()["procedures"][2] == doc["procedures"][2]


def test_changed_fee_creates_a_new_version(catalogue):
    doc = export_document()
    doc["procedures"][3]["fees"][0]["online_amount"] = 50000
    report = import_document(doc)
    assert report.updated == ["1.004889"]
    current = Procedure.objects.get(code="1.004889").current_version
    assert current.number == 2
    assert list(current.fees.values_list("amount", "online_amount")) == [(100000, 50000)]


def test_draft_row_becomes_a_draft_of_a_published_procedure(catalogue):
    doc = export_document()
    doc["procedures"][4]["status"] = "draft"
    doc["procedures"][4]["name"] = "Cấp phiếu lý lịch tư pháp (dự thảo)"
    report = import_document(doc)
    assert report.updated == ["2.000635.000.00.05.H21"]
    procedure = Procedure.objects.get(code="2.000635.000.00.05.H21")
    assert procedure.current_version.name == "Cấp phiếu lý lịch tư pháp"
    assert list(procedure.versions.order_by("number").values_list("number", "status")) == [
        (1, "published"),
        (2, "draft"),
    ]
    # importing the same draft again leaves it alone
    assert import_document(doc).updated == []
    assert procedure.versions.count() == 2


def test_component_template_is_kept_while_its_name_is_unchanged(catalogue):
    doc = export_document()
    current = Procedure.objects.get(code="1.001193").current_version
    template = current.components.get(code="TP1")
    template.template.save("to-khai.pdf", ContentFile(b"%PDF-1.4 blank"), save=False)
    Component.objects.filter(pk=template.pk).update(template=template.template.name)
    stored = template.template.name

    doc["procedures"][2]["name"] = "Đăng ký khai sinh (sửa đổi)"
    import_document(doc)
    kept = Procedure.objects.get(code="1.001193").current_version.components.get(code="TP1")
    assert kept.template.name == stored

    doc["procedures"][2]["components"][0]["template_name"] = "mau-moi.docx"
    import_document(doc)
    renamed = Procedure.objects.get(code="1.001193").current_version.components.get(code="TP1")
    assert (renamed.template.name, renamed.template_name) == ("", "mau-moi.docx")


def test_new_field_in_file_is_created_and_renamed_field_updated(catalogue):
    doc = {
        "format": "motcua-catalog/1",
        "fields": [{"code": "CT", "name": "Chứng thực"}, {"code": "HT", "name": "Hộ tịch (mới)"}],
        "procedures": [valid_procedure("1.000100", field="CT")],
    }
    report = import_document(doc)
    assert report.created == ["1.000100"]
    assert Field.objects.get(code="CT").name == "Chứng thực"
    assert Field.objects.get(code="HT").name == "Hộ tịch (mới)"


# ---- bad rows: nothing is written ----------------------------------------------------------------------


def test_bad_json_rows_are_all_reported_and_nothing_is_written(catalogue):
    doc = {
        "format": "motcua-catalog/1",
        "fields": [{"code": "CT", "name": "Chứng thực"}],
        "procedures": [
            valid_procedure("1.000100"),  # 0: fine (and new)
            valid_procedure("1.23"),  # 1: bad code pattern
            valid_procedure("1.000102", colour="đỏ"),  # 2: unknown key
            valid_procedure("1.000103", agencies=["000.10.30.H21", "000.99.99.H99"]),  # 3: unknown agency
            valid_procedure("1.000104", fees=[{"name": "Lệ phí", "kind": "le_phi", "amount": -1}]),  # 4
            valid_procedure(  # 5: online amount above amount
                "1.000105",
                fees=[
                    {"name": "Phí", "kind": "phi", "amount": 1000},
                    {"name": "Lệ phí", "kind": "le_phi", "amount": 8000, "online_amount": 9000},
                ],
            ),
            valid_procedure("1.000100"),  # 6: duplicate code
            valid_procedure("1.000107", components=[]),  # 7: no components
            valid_procedure("1.000108", field="ZZ"),  # 8: unknown field
            valid_procedure("1.001193", processing_time={"value": 0, "unit": "working_days"}),  # 9: existing
        ],
    }
    before = counts()
    before_names = list(ProcedureVersion.objects.order_by("pk").values_list("name", flat=True))

    with pytest.raises(ImportFailed) as excinfo:
        import_document(doc)

    places = [error.where for error in excinfo.value.errors]
    assert places == [
        "procedures[1].code",
        "procedures[2].colour",
        "procedures[4].fees[0].amount",
        "procedures[5].fees[1]",
        "procedures[7].components",
        "procedures[9].processing_time.value",
        "procedures[3].agencies[1]",
        "procedures[6].code",
        "procedures[8].field",
    ]
    reasons = {error.where: error.reason for error in excinfo.value.errors}
    assert reasons["procedures[1].code"].startswith("String should match pattern")
    assert reasons["procedures[2].colour"] == "Extra inputs are not permitted"
    assert reasons["procedures[4].fees[0].amount"] == "Input should be greater than or equal to 0"
    assert reasons["procedures[5].fees[1]"] == "Value error, online_amount must not exceed amount"
    assert reasons["procedures[7].components"] == "List should have at least 1 item after validation, not 0"
    assert reasons["procedures[9].processing_time.value"] == "Input should be greater than 0"
    assert reasons["procedures[3].agencies[1]"] == "unknown agency 000.99.99.H99"
    assert reasons["procedures[6].code"] == "duplicate procedure code 1.000100"
    assert reasons["procedures[8].field"] == "unknown field ZZ"
    assert str(excinfo.value).startswith("procedures[1].code: String should match pattern")
    assert counts() == before
    assert list(ProcedureVersion.objects.order_by("pk").values_list("name", flat=True)) == before_names
    assert not Field.objects.filter(code="CT").exists()
    assert not Procedure.objects.filter(code="1.000100").exists()


def test_json_import_of_bad_document_through_import_json(catalogue):
    doc = export_document()
    doc["procedures"][2]["fees"][0]["online_amount"] = 9000
    doc["procedures"][3]["agencies"] = ["000.00.06.H99"]
    before = counts()
    with pytest.raises(ImportFailed) as excinfo:
        import_json(json.dumps(doc).encode())
    assert [str(e) for e in excinfo.value.errors] == [
        "procedures[2].fees[0]: Value error, online_amount must not exceed amount",
        "procedures[3].agencies[0]: unknown agency 000.00.06.H99",
    ]
    assert counts() == before


def test_duplicate_field_codes_in_file_are_reported(catalogue):
    doc = {
        "format": "motcua-catalog/1",
        "fields": [{"code": "CT", "name": "Chứng thực"}, {"code": "CT", "name": "Chứng thực 2"}],
        "procedures": [valid_procedure("1.000100", field="CT")],
    }
    with pytest.raises(ImportFailed) as excinfo:
        import_document(doc)
    assert excinfo.value.errors == [RowError("fields[1].code", "duplicate field code CT")]
    assert not Field.objects.filter(code="CT").exists()


def write_cell(sheet, line: int, column: str, value: Any) -> None:
    header = [cell.value for cell in sheet[1]]
    sheet.cell(row=line, column=header.index(column) + 1, value=value)


def test_bad_xlsx_rows_name_sheet_and_line_and_nothing_is_written(catalogue):
    workbook = load_workbook(io.BytesIO(export_xlsx()))
    procedures, components, fees = workbook["procedures"], workbook["components"], workbook["fees"]
    # procedures: line 2 is 1.000001, line 3 is 1.000656, line 4 is 1.001193, line 5 is 1.004889, line 6 2.000635…
    write_cell(procedures, 3, "processing_time_value", -2)
    write_cell(procedures, 5, "agencies", "000.00.06.H21\n000.77.77.H77")
    write_cell(procedures, 6, "online_mode", "level4")
    # a blank line and then a new, bad procedure: line numbers count the blank line
    write_cell(procedures, 8, "code", "9.12")
    for column, value in {
        "name": "Thủ tục sai mã",
        "field": "HT",
        "agencies": "000.00.05.H21",
        "processing_time_value": 3,
        "processing_time_unit": "working_days",
        "result": "Kết quả",
    }.items():
        write_cell(procedures, 8, column, value)
    components.append(["9.12", "TP1", "Đơn", "original", 1, "x", None])
    components.append(["9.12", "TP2", "Bản sao", "photocopy", 0, "x", None])
    # fees: line 2 = 1.001193 first fee, line 3 = second fee, line 4 = 1.004889
    write_cell(fees, 3, "amount", -5)
    write_cell(fees, 4, "online_amount", 200000)
    fees.append(["1.000000", "Lệ phí lạc", "le_phi", 1000, None, "reception", None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert components.max_row == 12  # 9 exported component rows after the header, then the two new ones
    before = counts()

    with pytest.raises(ImportFailed) as excinfo:
        import_xlsx(buffer.getvalue())

    assert [str(e) for e in excinfo.value.errors] == [
        "sheet fees, line 5: unknown procedure 1.000000",
        "sheet procedures, line 3 (processing_time.value): Input should be greater than 0",
        "sheet fees, line 3 (amount): Input should be greater than or equal to 0",
        "sheet fees, line 4: Value error, online_amount must not exceed amount",
        "sheet procedures, line 6 (online_mode): Input should be 'full', 'partial' or 'none'",
        "sheet procedures, line 8 (code): String should match pattern '^\\d\\.\\d{6}(\\.\\d{3}\\.\\d{2}\\.\\d{2}\\.[GH]\\d{2})?$'",
        "sheet components, line 12 (quantity): Input should be greater than or equal to 1",
        "sheet procedures, line 5 (agencies): unknown agency 000.77.77.H77",
    ]
    assert counts() == before


def test_xlsx_missing_sheet_and_columns(catalogue):
    workbook = load_workbook(io.BytesIO(export_xlsx()))
    del workbook["components"]
    workbook["fees"].delete_cols(4)  # amount
    buffer = io.BytesIO()
    workbook.save(buffer)
    with pytest.raises(ImportFailed) as excinfo:
        import_xlsx(buffer.getvalue())
    messages = [str(e) for e in excinfo.value.errors]
    assert messages[:2] == ["sheet components: missing", "sheet fees, line 1: missing columns: amount"]
    assert "sheet procedures, line 2 (components): List should have at least 1 item after validation, not 0" in messages


@pytest.mark.parametrize("content", [b"not a workbook", b"PK\x03\x04broken zip", b""])
def test_not_a_workbook_gives_one_clear_error(content):
    with pytest.raises(ImportFailed) as excinfo:
        import_xlsx(content)
    assert len(excinfo.value.errors) == 1
    error = excinfo.value.errors[0]
    assert error.where == "file"
    assert error.reason.startswith("not a readable XLSX workbook (")


@pytest.mark.parametrize("content", [b"{not json", b"\xff\xfe\x00", b""])
def test_invalid_json_gives_one_clear_error(content):
    with pytest.raises(ImportFailed) as excinfo:
        import_json(content)
    assert len(excinfo.value.errors) == 1
    assert excinfo.value.errors[0].where == "file"
    assert excinfo.value.errors[0].reason.startswith("not valid UTF-8 JSON: ")
    assert Procedure.objects.count() == 0


def test_wrong_format_and_wrong_top_level(agencies):
    with pytest.raises(ImportFailed) as excinfo:
        import_json(b'{"format": "motcua-catalog/2", "procedures": []}')
    assert [e.where for e in excinfo.value.errors] == ["format"]
    with pytest.raises(ImportFailed) as excinfo:
        import_json(b"[1, 2]")
    assert [e.where for e in excinfo.value.errors] == ["document"]


def test_too_large_file_is_refused(monkeypatch):
    monkeypatch.setattr("motcua.catalog.exchange.MAX_IMPORT_BYTES", 10)
    with pytest.raises(ImportFailed) as excinfo:
        import_json(b'{"format": "motcua-catalog/1"}')
    assert excinfo.value.errors == [RowError("file", "larger than 20 MB")]


def test_import_checks_the_actor_permission(catalogue, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    doc = copy.deepcopy(export_document())
    doc["procedures"][2]["name"] = "Tên khác"
    before = counts()
    with pytest.raises(PermissionDenied):
        import_document(doc, actor=make_staff("specialist").user)
    assert counts() == before
    report = import_document(doc, actor=make_staff("agency_admin").user)
    assert report.updated == ["1.001193"]


# ---- management commands ------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["json", "xlsx"])
def test_export_and_import_commands(catalogue, tmp_path, suffix):
    path = tmp_path / f"catalogue.{suffix}"
    out = io.StringIO()
    call_command("export_catalog", str(path), stdout=out)
    size = path.stat().st_size
    assert out.getvalue() == f"written {path} ({size} bytes)\n"
    first = export_document()
    wipe_catalogue()

    out = io.StringIO()
    call_command("import_catalog", str(path), stdout=out)

    assert out.getvalue() == "procedures: 5 created, 0 updated, 0 unchanged\n"
    assert export_document() == first
    out = io.StringIO()
    call_command("import_catalog", str(path), stdout=out)
    assert out.getvalue() == "procedures: 0 created, 0 updated, 5 unchanged\n"


def test_import_command_fails_on_bad_rows(catalogue, tmp_path):
    doc = export_document()
    doc["procedures"][1]["code"] = "abc"
    doc["procedures"][2]["fees"][1]["amount"] = -1
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    before = counts()
    err = io.StringIO()
    with pytest.raises(CommandError) as excinfo:
        call_command("import_catalog", str(path), stderr=err)
    assert str(excinfo.value) == "2 invalid row(s); nothing was imported"
    lines = err.getvalue().splitlines()
    assert [line.split(":")[0] for line in lines] == ["procedures[1].code", "procedures[2].fees[1].amount"]
    assert counts() == before


def test_import_command_fails_on_missing_file(tmp_path):
    with pytest.raises(CommandError) as excinfo:
        call_command("import_catalog", str(tmp_path / "none.json"))
    assert str(excinfo.value) == f"{tmp_path / 'none.json'}: no such file"
