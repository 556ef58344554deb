"""E-forms of procedure versions: schema check, validation, rendering, prefill, admin, exchange, submission."""

from __future__ import annotations

import copy
import datetime as dt
import json
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.test import Client
from django.urls import reverse

from motcua.catalog import eforms
from motcua.catalog.exchange import ImportFailed, export_document, export_xlsx, import_document, import_xlsx
from motcua.catalog.models import ProcedureVersion
from motcua.catalog.services import procedure_version_create_draft, procedure_version_publish
from motcua.core.errors import FieldError, InvalidInput
from motcua.dossiers import services as dossier_services
from motcua.dossiers.models import Dossier
from motcua.org.models import Role
from tests.dossiers.conftest import World, applicant, at
from tests.dossiers.conftest import world as _dossier_world  # noqa: F401  registers the fixture `_dossier_world`
from tests.factories import PASSWORD, UserFactory, make_staff, make_version

DEMO = json.loads(
    (Path(__file__).resolve().parents[2] / "src/motcua/demo/data/catalog.json").read_text(encoding="utf-8")
)


def demo_form(code: str) -> tuple[dict[str, Any], dict[str, Any]]:
    procedure = next(p for p in DEMO["procedures"] if p["code"] == code)
    return procedure["eform_schema"], procedure["eform_ui"]


SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["full_name", "birth_date", "copies", "kind", "agree"],
    "properties": {
        "full_name": {"type": "string", "title": "Họ và tên", "maxLength": 5},
        "birth_date": {"type": "string", "format": "date", "title": "Ngày sinh"},
        "copies": {"type": "integer", "title": "Số bản", "minimum": 1, "maximum": 10},
        "weight": {"type": "number", "title": "Cân nặng (kg)"},
        "kind": {
            "type": "integer",
            "title": "Loại phiếu",
            "oneOf": [{"const": 1, "title": "Phiếu số 1"}, {"const": 2, "title": "Phiếu số 2"}],
        },
        "email": {"type": "string", "format": "email", "title": "Thư điện tử"},
        "id_number": {"type": "string", "title": "Số định danh", "pattern": "^[0-9]{12}$"},
        "city": {"type": "string", "title": "Tỉnh", "enum": ["Gia Lai", "Đắk Lắk", "Kon Tum", "Phú Yên"]},
        "paper": {"type": "boolean", "title": "Nhận bản giấy"},
        "agree": {"type": "boolean", "const": True, "title": "Tôi cam đoan"},
        "mother": {
            "type": "object",
            "title": "Người mẹ",
            "required": ["full_name"],
            "properties": {"full_name": {"type": "string", "title": "Họ tên mẹ"}},
        },
        "children": {
            "type": "array",
            "title": "Con",
            "maxItems": 3,
            "items": {
                "type": "object",
                "required": ["name"],
                "properties": {
                    "name": {"type": "string", "title": "Tên con"},
                    "year": {"type": "integer", "title": "Năm sinh con"},
                },
            },
        },
    },
}
UI: dict[str, Any] = {
    "full_name": {"prefill": "profile.full_name", "help": "Như trên thẻ Căn cước.", "order": 0},
    "birth_date": {"prefill": "population.birth_date"},
    "id_number": {"prefill": "profile.id_number", "pattern_message": "Số định danh gồm 12 chữ số."},
    "city": {"prefill": "previous.city"},
    "kind": {"widget": "radio"},
    "mother.full_name": {"prefill": "population.mother_name"},
    "children": {"rows": 2},
}


# ---- schema_check -----------------------------------------------------------------------------------


def test_schema_check_accepts_the_sample_and_the_demo_forms() -> None:
    assert eforms.schema_check(SCHEMA, UI) == []
    assert eforms.schema_check(*demo_form("1.001193")) == []
    assert eforms.schema_check(*demo_form("1.001078")) == []


def test_an_empty_schema_means_no_eform() -> None:
    assert eforms.schema_check({}) == []
    assert eforms.schema_check({}, {}) == []
    assert eforms.schema_check({}, {"a": {}}) == ["Có gợi ý giao diện nhưng chưa có lược đồ tờ khai."]


def _with(**properties: Any) -> dict[str, Any]:
    return {"type": "object", "properties": properties}


@pytest.mark.parametrize(
    ("schema", "problem"),
    [
        ([], "Lược đồ tờ khai phải là một đối tượng JSON."),
        ({"type": "array", "items": {}}, "Lược đồ tờ khai phải có type là object."),
        ({"type": "object", "properties": {}}, "gốc: cần ít nhất một trường trong properties."),
        (_with(a={"type": "string"}), "Trường a thiếu nhãn (title)."),
        (
            _with(a={"type": "null", "title": "A"}),
            "Trường a: kiểu phải là một trong string, integer, number, boolean, object, array.",
        ),
        (_with(A={"type": "string", "title": "A"}), "Tên trường A không hợp lệ"),
        (_with(a={"type": "string", "title": "A", "if": {}}), "Trường a: từ khóa không được hỗ trợ: if."),
        (
            _with(a={"type": "string", "title": "A", "format": "uri"}),
            "Trường a: định dạng uri không được hỗ trợ (chỉ date, email).",
        ),
        (
            _with(a={"type": "integer", "title": "A", "enum": ["1"]}),
            "Trường a: enum phải là danh sách giá trị cùng kiểu với trường.",
        ),
        (
            _with(a={"type": "string", "title": "A", "pattern": "("}),
            "Lược đồ không hợp lệ theo JSON Schema 2020-12 (tại properties/a/pattern): '(' is not a 'regex'",
        ),
        (
            _with(a={"type": "integer", "title": "A", "minimum": 5, "maximum": 1}),
            "Trường a: minimum lớn hơn maximum.",
        ),
        (
            _with(a={"type": "array", "title": "A", "items": {"type": "string"}}),
            "Trường a: items phải là một đối tượng (type object).",
        ),
        (
            {"type": "object", "required": ["b"], "properties": {"a": {"type": "string", "title": "A"}}},
            "gốc: trường bắt buộc b không có trong properties.",
        ),
        (_with(a={"type": "strin", "title": "A"}), "Lược đồ không hợp lệ theo JSON Schema 2020-12"),
    ],
)
def test_schema_check_rejects(schema: Any, problem: str) -> None:
    problems = eforms.schema_check(schema)
    assert any(p.startswith(problem) for p in problems), problems


def test_two_levels_of_nesting_are_rejected() -> None:
    inner = {"type": "object", "title": "B", "properties": {"c": {"type": "string", "title": "C"}}}
    schema = _with(a={"type": "object", "title": "A", "properties": {"b": inner}})
    assert eforms.schema_check(schema) == ["Trường a.b: chỉ cho phép một cấp lồng nhau."]


@pytest.mark.parametrize(
    ("ui", "problem"),
    [
        ({"nope": {}}, "Gợi ý giao diện cho trường không có trong lược đồ: nope."),
        (
            {"full_name": {"widget": "slider"}},
            "full_name: kiểu nhập slider không được hỗ trợ; chọn trong: text, textarea, date, select, radio, "
            "checkbox, number, email, tel.",
        ),
        ({"copies": {"widget": "checkbox"}}, "copies: kiểu nhập checkbox không phù hợp với kiểu dữ liệu integer."),
        ({"full_name": {"widget": "select"}}, "full_name: kiểu nhập select không phù hợp với kiểu dữ liệu string."),
        ({"full_name": {"prefill": "bank.balance"}}, "full_name: nguồn điền sẵn bank.balance không hợp lệ"),
        ({"full_name": {"colour": "red"}}, "Gợi ý giao diện của full_name có khóa không được hỗ trợ: colour."),
        ({"full_name": {"order": "1"}}, "full_name: order phải là số nguyên."),
    ],
)
def test_schema_check_rejects_bad_ui_hints(ui: dict[str, Any], problem: str) -> None:
    problems = eforms.schema_check(SCHEMA, ui)
    assert any(p.startswith(problem) for p in problems), problems


# ---- fields ------------------------------------------------------------------------------------------


def test_fields_follow_order_and_hints() -> None:
    items = eforms.fields(SCHEMA, UI)
    assert [f.name for f in items][:3] == ["full_name", "birth_date", "copies"]
    by_path = {f.path: f for f in eforms.walk(items)}
    assert by_path["full_name"].label == "Họ và tên"
    assert by_path["full_name"].help == "Như trên thẻ Căn cước."
    assert by_path["full_name"].prefill == "profile.full_name"
    assert (by_path["birth_date"].widget, by_path["copies"].widget) == ("date", "number")
    assert by_path["kind"].widget == "radio"
    assert [(c.value, c.label) for c in by_path["kind"].choices] == [(1, "Phiếu số 1"), (2, "Phiếu số 2")]
    assert by_path["city"].widget == "select"  # four choices: a list, not radio buttons
    assert (by_path["paper"].widget, by_path["paper"].required) == ("checkbox", False)
    assert (by_path["agree"].widget, by_path["agree"].required) == ("checkbox", True)
    assert by_path["email"].widget == "email"
    assert by_path["mother.full_name"].required is True
    assert [c.path for c in by_path["children"].children] == ["children.name", "children.year"]
    assert by_path["children"].rows == 2


def test_saved_order_survives_a_database_that_reorders_keys() -> None:
    ui = eforms.with_order(SCHEMA, UI)
    assert ui["full_name"] == {**UI["full_name"], "order": 0}
    assert ui["kind"] == {"widget": "radio", "order": 4}
    assert ui["children.year"] == {"order": 1}
    assert UI["kind"] == {"widget": "radio"}  # not changed in place
    # jsonb (PostgreSQL) gives object keys back sorted by length: the saved orders still rule
    shuffled = copy.deepcopy(SCHEMA)
    shuffled["properties"] = dict(sorted(SCHEMA["properties"].items(), key=lambda kv: (len(kv[0]), kv[0])))
    assert [f.name for f in eforms.fields(shuffled, ui)] == list(SCHEMA["properties"])
    assert [f.name for f in eforms.fields(shuffled, UI)] != list(SCHEMA["properties"])


@pytest.mark.django_db
def test_the_model_saves_the_order_of_the_fields() -> None:
    version = make_version(publish=False, eform_schema=SCHEMA, eform_ui=UI)
    version.refresh_from_db()
    assert version.eform_ui == eforms.with_order(SCHEMA, UI)
    assert [f.name for f in eforms.fields(version)] == list(SCHEMA["properties"])


def test_fields_of_a_version_use_its_ui() -> None:
    version = ProcedureVersion(eform_schema=SCHEMA, eform_ui=UI)
    assert eforms.fields(version)[0].prefill == "profile.full_name"
    assert eforms.fields(ProcedureVersion()) == []


# ---- validate ------------------------------------------------------------------------------------------


def test_validate_gives_one_vietnamese_message_per_field_in_form_order() -> None:
    cleaned, errors = eforms.validate(
        SCHEMA,
        {
            "full_name": "Nguyễn Văn An",
            "birth_date": "31/02/2026",
            "copies": "11",
            "weight": "nặng",
            "kind": "3",
            "email": "an.example.com",
            "id_number": "12345",
            "agree": "",
            "mother": {"full_name": ""},
            "children": [{"name": "", "year": ""}, {"year": "2020"}],
        },
        UI,
    )
    assert [(e.field, e.message) for e in errors] == [
        ("full_name", "Tối đa 5 ký tự."),
        ("birth_date", "Phải là ngày theo dạng ngày/tháng/năm."),
        ("copies", "Giá trị lớn nhất là 10."),
        ("weight", "Phải là số."),
        ("kind", "Giá trị không nằm trong danh sách cho phép."),
        ("email", "Địa chỉ thư điện tử không hợp lệ."),
        ("id_number", "Số định danh gồm 12 chữ số."),
        ("agree", "Trường này là bắt buộc."),
        ("children[0].name", "Trường này là bắt buộc."),
    ]
    assert cleaned["copies"] == 11
    assert cleaned["children"] == [{"year": 2020}]  # the empty row is dropped
    assert "mother" not in cleaned  # a group left empty is missing (and optional here)


def test_validate_messages_for_missing_wrong_type_and_unticked_box() -> None:
    _cleaned, errors = eforms.validate(
        SCHEMA, {"full_name": "An", "birth_date": "2026-03-02", "copies": "2.5", "kind": 1, "agree": False}
    )
    assert [(e.field, e.message) for e in errors] == [
        ("copies", "Phải là số nguyên."),
        ("agree", "Cần đánh dấu vào ô này."),
    ]
    _cleaned, errors = eforms.validate(SCHEMA, {"mother": {"full_name": " "}, "children": [{"year": "x"}]})
    assert [(e.field, e.message) for e in errors] == [
        ("full_name", "Trường này là bắt buộc."),
        ("birth_date", "Trường này là bắt buộc."),
        ("copies", "Trường này là bắt buộc."),
        ("kind", "Trường này là bắt buộc."),
        ("agree", "Trường này là bắt buộc."),
        ("children[0].name", "Trường này là bắt buộc."),
        ("children[0].year", "Phải là số nguyên."),
    ]
    _cleaned, errors = eforms.validate(SCHEMA, {"full_name": "An", "copies": 0, "kind": 2, "agree": True})
    assert ("copies", "Giá trị nhỏ nhất là 1.") in [(e.field, e.message) for e in errors]
    assert ("id_number", "Giá trị không đúng định dạng.") in [
        (e.field, e.message) for e in eforms.validate(SCHEMA, {"id_number": "1"})[1]
    ]


@pytest.mark.parametrize(
    ("posted", "stored"),
    [
        ("2026-03-02", "2026-03-02"),
        ("02/03/2026", "2026-03-02"),
        ("2/3/2026", "2026-03-02"),
        ("02-03-2026", "2026-03-02"),
    ],
)
def test_dates_are_stored_in_iso_form(posted: str, stored: str) -> None:
    cleaned, errors = eforms.validate(SCHEMA, {"birth_date": posted})
    assert cleaned["birth_date"] == stored
    assert "birth_date" not in {e.field for e in errors}


def test_a_valid_form_is_coerced() -> None:
    cleaned, errors = eforms.validate(
        SCHEMA,
        {
            "full_name": " An ",
            "birth_date": "02/03/1990",
            "copies": "2",
            "weight": "3,5",
            "kind": "1",
            "email": "",
            "paper": "on",
            "agree": "on",
            "unknown": "dropped",
            "mother": {"full_name": "Trần Thị Cúc"},
        },
    )
    assert errors == []
    assert cleaned == {
        "full_name": "An",
        "birth_date": "1990-03-02",
        "copies": 2,
        "weight": 3.5,
        "kind": 1,
        "paper": True,
        "agree": True,
        "mother": {"full_name": "Trần Thị Cúc"},
    }


def test_validate_refuses_data_that_is_not_an_object() -> None:
    assert eforms.validate(SCHEMA, ["x"]) == ({}, [FieldError("", "Dữ liệu tờ khai phải là một đối tượng JSON.")])
    assert eforms.validate({}, {"free": "text"}) == ({"free": "text"}, [])


# ---- rendering -----------------------------------------------------------------------------------------


class FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.controls: list[dict[str, str | None]] = []
        self.labels: dict[str, str] = {}
        self.ids: dict[str, str] = {}
        self._label_for: str | None = None
        self._text_of: str | None = None
        self.legends = 0
        self.fieldsets = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in ("input", "select", "textarea"):
            self.controls.append({"tag": tag, **values})
        if tag == "label":
            self._label_for = values.get("for")
            if self._label_for:
                self.labels[self._label_for] = ""
        if values.get("id"):
            self._text_of = values["id"]
            self.ids[self._text_of] = ""
        self.legends += tag == "legend"
        self.fieldsets += tag == "fieldset"

    def handle_endtag(self, tag: str) -> None:
        self._text_of = None
        if tag == "label":
            self._label_for = None

    def handle_data(self, data: str) -> None:
        if self._label_for:
            self.labels[self._label_for] += data
        if self._text_of:
            self.ids[self._text_of] += data


def parse(html: str) -> FormParser:
    parser = FormParser()
    parser.feed(html)
    return parser


def test_every_input_has_a_label_and_the_prefix_name() -> None:
    html = eforms.render_eform(eforms.fields(SCHEMA, UI))
    form = parse(html)
    assert len(form.controls) == 2 + 1 + 1 + 2 + 1 + 1 + 1 + 1 + 1 + 1 + 2 * 2  # kind is two radios
    for control in form.controls:
        assert control["id"] in form.labels, control
        assert str(control["name"]).startswith("form-")
    assert form.labels["eform-full_name"].startswith("Họ và tên")
    assert form.labels["eform-kind-0"] == "Phiếu số 1"
    assert {c["name"] for c in form.controls if c["tag"] == "input" and c["type"] == "radio"} == {"form-kind"}
    # radio group, the mother's group, the children group and its two rows: fieldsets with legends
    assert form.fieldsets == form.legends == 5
    assert "<legend>Loại phiếu" in html
    assert "Con, dòng 2" in html


def test_required_fields_are_marked_and_help_is_described() -> None:
    html = eforms.render_eform(eforms.fields(SCHEMA, UI))
    form = parse(html)
    controls = {c["id"]: c for c in form.controls}
    assert "required" in controls["eform-full_name"]
    assert controls["eform-full_name"]["aria-required"] == "true"
    assert "required" not in controls["eform-weight"]
    assert "required" in controls["eform-agree"]  # a box that must be ticked
    assert "required" not in controls["eform-paper"]
    # a row of the children may be left empty: its fields are marked, not enforced by the browser
    assert "required" not in controls["eform-children-1-name"]
    # the note, five fields, the mother's name, the child's name in each of the two rows
    assert html.count('<abbr class="req" title="bắt buộc">*</abbr>') == 1 + 5 + 1 + 2
    assert controls["eform-full_name"]["aria-describedby"] == "eform-full_name-help"
    assert form.ids["eform-full_name-help"] == "Như trên thẻ Căn cước."


def test_errors_are_linked_to_their_fields() -> None:
    items = eforms.fields(SCHEMA, UI)
    errors = [
        FieldError("form.full_name", "Tối đa 5 ký tự."),
        FieldError("form.kind", "Trường này là bắt buộc."),
        FieldError("form.children[1].name", "Trường này là bắt buộc."),
        FieldError("form", "Dữ liệu tờ khai phải là một đối tượng JSON."),
    ]
    html = eforms.render_eform(items, {"full_name": "Nguyễn Văn An"}, errors)
    form = parse(html)
    controls = {c["id"]: c for c in form.controls}
    assert controls["eform-full_name"]["aria-invalid"] == "true"
    assert controls["eform-full_name"]["aria-describedby"] == "eform-full_name-help eform-full_name-error"
    assert controls["eform-full_name"]["value"] == "Nguyễn Văn An"
    assert form.ids["eform-full_name-error"] == "Tối đa 5 ký tự."
    for radio in ("eform-kind-0", "eform-kind-1"):
        assert controls[radio]["aria-invalid"] == "true"
        assert controls[radio]["aria-describedby"] == "eform-kind-error"
    assert controls["eform-children-1-name"]["aria-describedby"] == "eform-children-1-name-error"
    assert "aria-invalid" not in controls["eform-copies"]
    assert '<a href="#eform-full_name">Họ và tên: Tối đa 5 ký tự.</a>' in html
    assert "<li>Dữ liệu tờ khai phải là một đối tượng JSON.</li>" in html  # not tied to a field


def test_values_are_shown_and_escaped() -> None:
    items = eforms.fields(SCHEMA, UI)
    values = {"full_name": '<b>"An"</b>', "kind": 2, "city": "Kon Tum", "agree": True, "children": [{"name": "Bé"}]}
    html = eforms.render_eform(items, values)
    controls = {c["id"]: c for c in parse(html).controls}
    assert "<b>" not in html
    assert controls["eform-full_name"]["value"] == '<b>"An"</b>'
    assert "checked" in controls["eform-kind-1"] and "checked" not in controls["eform-kind-0"]
    assert '<option value="Kon Tum" selected>Kon Tum</option>' in html
    assert "checked" in controls["eform-agree"]
    assert controls["eform-children-0-name"]["value"] == "Bé"


def test_parse_post_reads_back_what_was_rendered() -> None:
    items = eforms.fields(SCHEMA, UI)
    post = QueryDict(mutable=True)
    post.update(
        {
            "form-full_name": "An",
            "form-birth_date": "02/03/1990",
            "form-copies": "2",
            "form-kind": "2",
            "form-agree": "on",
            "form-mother.full_name": "Trần Thị Cúc",
            "form-children.0.name": "",
            "form-children.1.name": "Bé Na",
            "form-children.1.year": "2020",
            "csrfmiddlewaretoken": "ignored",
            "applicant_name": "ignored",
        }
    )
    data = eforms.parse_post(items, post)
    assert data == {
        "full_name": "An",
        "birth_date": "02/03/1990",
        "copies": "2",
        "kind": "2",
        "paper": False,
        "agree": True,
        "mother": {"full_name": "Trần Thị Cúc"},
        "children": [{"name": "Bé Na", "year": "2020"}],
    }
    cleaned, errors = eforms.validate(SCHEMA, data)
    assert errors == []
    assert cleaned["children"] == [{"name": "Bé Na", "year": 2020}]
    assert cleaned["birth_date"] == "1990-03-02"


# ---- prefill -------------------------------------------------------------------------------------------


def test_prefill_maps_each_field_from_its_source() -> None:
    items = eforms.fields(SCHEMA, UI)
    values = eforms.prefill(
        items,
        {
            "profile": {"full_name": "Nguyễn Văn An", "id_number": "052090001234"},
            "population": {"birth_date": dt.date(1990, 3, 2), "mother_name": "Trần Thị Cúc"},
            "previous": {"city": "Atlantis"},  # not one of the choices: not used
        },
    )
    assert dict(values) == {
        "full_name": "Nguyễn Văn An",
        "birth_date": "1990-03-02",
        "id_number": "052090001234",
        "mother": {"full_name": "Trần Thị Cúc"},
    }
    assert values.origin == {
        "full_name": "profile",
        "birth_date": "population",
        "id_number": "profile",
        "mother.full_name": "population",
    }


def test_prefill_without_sources_uses_schema_defaults_only() -> None:
    schema, ui = demo_form("1.001193")
    items = eforms.fields(schema, ui)
    values = eforms.prefill(items, {"profile": None})
    assert dict(values) == {
        "child_ethnicity": "Kinh",
        "child_nationality": "Việt Nam",
        "mother": {"nationality": "Việt Nam"},
    }
    assert values.origin["child_ethnicity"] == "default"


def test_prefill_of_the_birth_form_from_profile_and_previous_dossier() -> None:
    schema, ui = demo_form("1.001193")
    items = eforms.fields(schema, ui)
    profile = type(
        "P",
        (),
        {"full_name": "Lê Thị Hồng Nhung", "id_number": "052192004567", "phone": "0912345678", "permanent_ward": None},
    )()
    previous = eforms.previous_source(
        [{"mother": {"full_name": "Lê Thị Hồng Nhung", "birth_year": 1992}}, {"mother": {"full_name": "old"}}]
    )
    values = eforms.prefill(items, {"profile": eforms.profile_source(profile), "previous": previous})
    assert values["declarant_name"] == "Lê Thị Hồng Nhung"
    assert values["declarant_id_number"] == "052192004567"
    assert values["declarant_phone"] == "0912345678"
    assert values["mother"] == {"full_name": "Lê Thị Hồng Nhung", "birth_year": 1992, "nationality": "Việt Nam"}
    assert values.origin["mother.birth_year"] == "previous"


# ---- the model, publication, drafts -------------------------------------------------------------------


@pytest.mark.django_db
def test_publishing_refuses_an_invalid_eform_and_accepts_a_valid_one() -> None:
    version = make_version(publish=False, eform_schema=_with(a={"type": "string"}), eform_ui={})
    with pytest.raises(InvalidInput) as caught:
        procedure_version_publish(version=version)
    assert [(e.field, e.message) for e in caught.value.errors] == [("eform_schema", "Trường a thiếu nhãn (title).")]
    version.refresh_from_db()
    assert version.status == ProcedureVersion.Status.DRAFT
    version.eform_schema = SCHEMA
    version.eform_ui = {"nope": {}}
    with pytest.raises(ValidationError) as invalid:
        version.full_clean()
    assert invalid.value.message_dict == {"eform_ui": ["Gợi ý giao diện cho trường không có trong lược đồ: nope."]}
    version.eform_ui = UI
    version.save()
    procedure_version_publish(version=version)
    version.refresh_from_db()
    assert version.status == ProcedureVersion.Status.PUBLISHED
    assert version.eform_schema == SCHEMA


@pytest.mark.django_db
def test_a_new_draft_copies_the_eform_and_the_published_one_stays() -> None:
    version = make_version(eform_schema=SCHEMA, eform_ui=UI)
    version.eform_ui = {}
    with pytest.raises(ValidationError):
        version.save()
    draft = procedure_version_create_draft(procedure=version.procedure)
    assert (draft.eform_schema, draft.eform_ui) == (SCHEMA, eforms.with_order(SCHEMA, UI))
    draft.eform_ui = {}
    draft.save()
    version.refresh_from_db()
    assert version.eform_ui == eforms.with_order(SCHEMA, UI)


# ---- admin --------------------------------------------------------------------------------------------


@pytest.fixture
def superuser() -> Any:
    return UserFactory(username="quantri.eform", is_staff=True, is_superuser=True)


def _login(user: Any) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.mark.django_db
def test_admin_change_page_shows_a_disabled_preview(superuser: Any) -> None:
    version = make_version(publish=False, eform_schema=SCHEMA, eform_ui=UI)
    response = _login(superuser).get(reverse("admin:catalog_procedureversion_change", args=[version.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<fieldset disabled class="eform-preview">' in html
    assert 'name="form-full_name"' in html
    assert reverse("admin:catalog_procedureversion_eform", args=[version.pk]) in html
    assert "&quot;title&quot;: &quot;Họ và tên&quot;" in html  # the schema, indented, diacritics kept


@pytest.mark.django_db
def test_admin_refuses_an_invalid_schema_with_a_clear_message(superuser: Any) -> None:
    version = make_version(publish=False)
    url = reverse("admin:catalog_procedureversion_change", args=[version.pk])
    client = _login(superuser)
    page = client.get(url)
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data.update(
        {
            "eform_schema": json.dumps(_with(a={"type": "string", "title": "A", "format": "uri"})),
            "eform_ui": "{}",
            "subjects": json.dumps(version.subjects),
            "competence_levels": json.dumps(version.competence_levels),
            "steps": json.dumps(version.steps),
            "methods": json.dumps(version.methods),
            "legal_bases": json.dumps(version.legal_bases),
            "agencies": [a.pk for a in version.agencies.all()],
        }
    )
    for prefix in ("components", "fees"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    data["components-TOTAL_FORMS"] = data["components-INITIAL_FORMS"] = "1"
    component = version.components.get()
    data.update(
        {
            "components-0-id": component.pk,
            "components-0-version": version.pk,
            "components-0-order": component.order,
            "components-0-code": component.code,
            "components-0-name": component.name,
            "components-0-copy_kinds": json.dumps(component.copy_kinds),
            "components-0-quantity": 1,
            "components-0-required": "on",
        }
    )
    response = client.post(url, data)
    assert response.status_code == 200
    assert "Trường a: định dạng uri không được hỗ trợ (chỉ date, email)." in response.content.decode()
    version.refresh_from_db()
    assert version.eform_schema == {}
    data["eform_schema"] = json.dumps(SCHEMA)
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    version.refresh_from_db()
    assert version.eform_schema == SCHEMA


@pytest.mark.django_db
def test_admin_tryout_page_validates_without_saving(superuser: Any) -> None:
    version = make_version(eform_schema=SCHEMA, eform_ui=UI)
    url = reverse("admin:catalog_procedureversion_eform", args=[version.pk])
    client = _login(superuser)
    page = client.get(url)
    assert page.status_code == 200
    assert 'id="eform-full_name"' in page.content.decode()
    response = client.post(url, {"form-full_name": "Nguyễn Văn An", "form-copies": "0"})
    html = response.content.decode()
    assert '<p id="eform-full_name-error" class="err">Tối đa 5 ký tự.</p>' in html
    assert '<p id="eform-copies-error" class="err">Giá trị nhỏ nhất là 1.</p>' in html
    response = client.post(
        url,
        {
            "form-full_name": "An",
            "form-birth_date": "02/03/1990",
            "form-copies": "1",
            "form-kind": "1",
            "form-agree": "on",
        },
    )
    assert "&quot;birth_date&quot;: &quot;1990-03-02&quot;" in response.content.decode()


@pytest.mark.django_db
def test_admin_preview_is_refused_to_a_citizen_and_to_staff_without_catalogue_rights() -> None:
    version = make_version(eform_schema=SCHEMA, eform_ui=UI)
    url = reverse("admin:catalog_procedureversion_eform", args=[version.pk])
    citizen = UserFactory(username="congdan.eform")
    response = _login(citizen).get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    officer = make_staff(Role.ONE_STOP_OFFICER, username="tiepnhan.eform")
    officer.user.is_staff = True
    officer.user.save()
    assert _login(officer.user).get(url).status_code == 403
    admin = make_staff(Role.AGENCY_ADMIN, username="quantri.coquan")
    admin.user.is_staff = True
    admin.user.save()
    assert _login(admin.user).get(url).status_code == 200


# ---- exchange ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_export_import_round_trip_keeps_the_eform() -> None:
    version = make_version(eform_schema=SCHEMA, eform_ui=UI)
    doc = export_document()
    row = next(p for p in doc["procedures"] if p["code"] == version.procedure.code)
    assert (row["eform_schema"], row["eform_ui"]) == (SCHEMA, eforms.with_order(SCHEMA, UI))
    assert import_document(json.loads(json.dumps(doc))).unchanged == [version.procedure.code]
    assert import_xlsx(export_xlsx()).unchanged == [version.procedure.code]
    changed = copy.deepcopy(doc)
    changed["procedures"][0]["eform_ui"]["full_name"]["help"] = "Ghi chữ in hoa."
    assert import_document(changed).updated == [version.procedure.code]
    current = version.procedure.versions.order_by("-number").first()
    assert current is not None
    assert (current.number, current.eform_schema) == (2, SCHEMA)
    assert current.eform_ui["full_name"] == {"prefill": "profile.full_name", "help": "Ghi chữ in hoa.", "order": 0}
    assert [f.name for f in eforms.fields(current)] == list(SCHEMA["properties"])


@pytest.mark.django_db
def test_import_reports_an_invalid_eform_where_it_is() -> None:
    make_version()
    doc = export_document()
    doc["procedures"][0]["eform_schema"] = {"type": "object", "properties": {"a": {"type": "string"}}}
    with pytest.raises(ImportFailed) as failed:
        import_document(doc)
    assert [str(e) for e in failed.value.errors] == [
        "procedures[0].eform_schema: Value error, Trường a thiếu nhãn (title)."
    ]


# ---- submission ----------------------------------------------------------------------------------------


@pytest.fixture
def dossier_world(request: pytest.FixtureRequest) -> World:
    """The small province of the dossier tests (tests/dossiers/conftest.py)."""
    return request.getfixturevalue("_dossier_world")


def _with_eform(dossier_world: World) -> ProcedureVersion:
    draft = procedure_version_create_draft(procedure=dossier_world.version.procedure)
    draft.eform_schema = SCHEMA
    draft.eform_ui = UI
    draft.save()
    return procedure_version_publish(version=draft, at=at("2026-01-05 08:00"))


def _submit(dossier_world: World, form: dict[str, Any]) -> Dossier:
    data = dossier_services.SubmissionData(
        procedure=dossier_world.version.procedure.code,
        agency=dossier_world.department.code,
        channel="counter",
        applicant=applicant(),
        form=form,
    )
    return dossier_services.dossier_submit(actor=dossier_world.officer.user, data=data, at=at("2026-03-02 09:00"))


def test_submission_with_invalid_form_data_is_refused_and_creates_nothing(dossier_world: World) -> None:
    _with_eform(dossier_world)
    with pytest.raises(InvalidInput) as caught:
        _submit(dossier_world, {"full_name": "Nguyễn Văn An", "birth_date": "30/02/1990", "kind": "3"})
    assert [(e.field, e.message) for e in caught.value.errors] == [
        ("form.full_name", "Tối đa 5 ký tự."),
        ("form.birth_date", "Phải là ngày theo dạng ngày/tháng/năm."),
        ("form.copies", "Trường này là bắt buộc."),
        ("form.kind", "Giá trị không nằm trong danh sách cho phép."),
        ("form.agree", "Trường này là bắt buộc."),
    ]
    assert Dossier.objects.count() == 0


def test_submission_stores_the_coerced_form_data(dossier_world: World) -> None:
    _with_eform(dossier_world)
    dossier = _submit(
        dossier_world, {"full_name": "An", "birth_date": "02/03/1990", "copies": "2", "kind": "1", "agree": "on"}
    )
    dossier.refresh_from_db()
    assert dossier.form_data == {"full_name": "An", "birth_date": "1990-03-02", "copies": 2, "kind": 1, "agree": True}


def test_a_version_without_eform_keeps_the_form_data_as_given(dossier_world: World) -> None:
    dossier = _submit(dossier_world, {"note": "tự do"})
    dossier.refresh_from_db()
    assert dossier.form_data == {"note": "tự do"}
