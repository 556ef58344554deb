"""E-forms (tờ khai điện tử) of a procedure version: JSON Schema (Draft 2020-12) plus UI hints.

A version's `eform_schema` describes the data (an object whose properties are the fields); `eform_ui` maps a
field's path (`"full_name"`, `"mother.full_name"`, `"children.full_name"` for the fields of an array's
items) to UI hints: `widget`, `order`, `help`, `placeholder`, `prefill` (a source key such as
`profile.full_name`, `population.full_name` or `previous.<field>`), `rows` (array rows shown) and
`pattern_message` (the message shown when `pattern` fails).

Supported subset (`schema_check` refuses anything else, so that every accepted form can be rendered):
properties of type string (formats `date`, `email`; `enum` or `oneOf` of `{"const", "title"}`;
`minLength`, `maxLength`, `pattern`), integer and number (`minimum`, `maximum`, exclusive bounds, choices),
boolean (`const: true` for a box that must be ticked), and one level of nesting: an object of such fields,
or an array of such objects (`minItems`, `maxItems`).

Pure domain code: rendering uses templates of this app only; the portal, back office and API call
`fields`, `prefill`, `render_eform`, `parse_post` and `validate`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.template.loader import render_to_string
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import SchemaError

from motcua.core.errors import FieldError

DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"
WIDGETS = ("text", "textarea", "date", "select", "radio", "checkbox", "number", "email", "tel")
PREFILL_SOURCES = ("profile", "population", "previous")
SCALAR_TYPES = ("string", "integer", "number", "boolean")
STRING_FORMATS = ("date", "email")
UI_KEYS = frozenset({"widget", "order", "help", "placeholder", "prefill", "rows", "pattern_message"})
INPUT_PREFIX = "form-"
MAX_ARRAY_ROWS = 20

NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,49}$")
PREFILL_RE = re.compile(r"^(profile|population|previous)\.[a-z0-9_]+(\.[a-z0-9_]+)*$")
ISO_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
VN_DATE_RE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
TRUE_WORDS = frozenset({"on", "true", "1", "yes", "có", "x"})
FALSE_WORDS = frozenset({"off", "false", "0", "no", "không"})

ROOT_KEYWORDS = frozenset({"$schema", "$id", "title", "description", "type", "properties", "required"})
COMMON_KEYWORDS = frozenset({"type", "title", "description", "default"})
KEYWORDS: dict[str, frozenset[str]] = {
    "string": COMMON_KEYWORDS | {"format", "enum", "oneOf", "minLength", "maxLength", "pattern"},
    "integer": COMMON_KEYWORDS | {"enum", "oneOf", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"},
    "number": COMMON_KEYWORDS | {"enum", "oneOf", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"},
    "boolean": COMMON_KEYWORDS | {"const"},
    "object": COMMON_KEYWORDS | {"properties", "required"},
    "array": COMMON_KEYWORDS | {"items", "minItems", "maxItems"},
}
ITEM_KEYWORDS = frozenset({"type", "title", "description", "properties", "required"})


# ---- checking a schema ---------------------------------------------------------------------------------


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _value_fits(kind: str, value: Any) -> bool:
    if kind == "string":
        return isinstance(value, str)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return _is_number(value)
    return False


def _check_scalar(path: str, prop: dict[str, Any], problems: list[str]) -> None:
    kind = prop["type"]
    if "enum" in prop and "oneOf" in prop:
        problems.append(_("Trường %(path)s: chỉ dùng một trong enum hoặc oneOf.") % {"path": path})
    if "enum" in prop and (
        not isinstance(prop["enum"], list) or not prop["enum"] or not all(_value_fits(kind, v) for v in prop["enum"])
    ):
        problems.append(_("Trường %(path)s: enum phải là danh sách giá trị cùng kiểu với trường.") % {"path": path})
    if "oneOf" in prop:
        options = prop["oneOf"]
        if (
            not isinstance(options, list)
            or not options
            or not all(
                isinstance(o, dict)
                and set(o) == {"const", "title"}
                and _value_fits(kind, o["const"])
                and isinstance(o["title"], str)
                and o["title"].strip()
                for o in options
            )
        ):
            problems.append(
                _('Trường %(path)s: oneOf chỉ gồm các lựa chọn dạng {"const": giá trị, "title": nhãn}.')
                % {"path": path}
            )
    if kind == "string":
        if "format" in prop and prop["format"] not in STRING_FORMATS:
            problems.append(
                _("Trường %(path)s: định dạng %(format)s không được hỗ trợ (chỉ date, email).")
                % {"path": path, "format": prop["format"]}
            )
        if "pattern" in prop:
            try:
                re.compile(prop["pattern"])
            except (re.error, TypeError):
                problems.append(_("Trường %(path)s: biểu thức pattern không hợp lệ.") % {"path": path})
        shortest, longest = prop.get("minLength"), prop.get("maxLength")
        if isinstance(shortest, int) and isinstance(longest, int) and shortest > longest:
            problems.append(_("Trường %(path)s: minLength lớn hơn maxLength.") % {"path": path})
    if kind in ("integer", "number"):
        low: Any = prop.get("minimum")
        high: Any = prop.get("maximum")
        if _is_number(low) and _is_number(high) and low > high:
            problems.append(_("Trường %(path)s: minimum lớn hơn maximum.") % {"path": path})
    if kind == "boolean" and "const" in prop and prop["const"] is not True:
        problems.append(_("Trường %(path)s: với kiểu boolean, const chỉ được là true.") % {"path": path})


def _check_properties(
    prefix: str, node: dict[str, Any], problems: list[str], paths: dict[str, dict[str, Any]], depth: int
) -> None:
    properties = node.get("properties")
    where = prefix or _("gốc")
    if not isinstance(properties, dict) or not properties:
        problems.append(_("%(path)s: cần ít nhất một trường trong properties.") % {"path": where})
        return
    required = node.get("required", [])
    if isinstance(required, list):
        for name in required:
            if name not in properties:
                problems.append(
                    _("%(path)s: trường bắt buộc %(name)s không có trong properties.") % {"path": where, "name": name}
                )
    for name, prop in properties.items():
        path = f"{prefix}.{name}" if prefix else name
        if not NAME_RE.match(name):
            problems.append(
                _("Tên trường %(path)s không hợp lệ: dùng chữ thường không dấu, chữ số và dấu gạch dưới.")
                % {"path": path}
            )
            continue
        if not isinstance(prop, dict):
            problems.append(_("Trường %(path)s phải là một đối tượng JSON.") % {"path": path})
            continue
        kind = prop.get("type")
        if not isinstance(kind, str) or kind not in KEYWORDS:
            problems.append(
                _("Trường %(path)s: kiểu phải là một trong string, integer, number, boolean, object, array.")
                % {"path": path}
            )
            continue
        if not isinstance(prop.get("title"), str) or not prop["title"].strip():
            problems.append(_("Trường %(path)s thiếu nhãn (title).") % {"path": path})
        unknown = sorted(set(prop) - KEYWORDS[kind])
        if unknown:
            problems.append(
                _("Trường %(path)s: từ khóa không được hỗ trợ: %(keys)s.") % {"path": path, "keys": ", ".join(unknown)}
            )
        paths[path] = prop
        if kind in SCALAR_TYPES:
            _check_scalar(path, prop, problems)
        elif depth > 0:
            problems.append(_("Trường %(path)s: chỉ cho phép một cấp lồng nhau.") % {"path": path})
        elif kind == "object":
            _check_properties(path, prop, problems, paths, depth + 1)
        else:
            items = prop.get("items")
            if not isinstance(items, dict) or items.get("type") != "object":
                problems.append(_("Trường %(path)s: items phải là một đối tượng (type object).") % {"path": path})
                continue
            unknown = sorted(set(items) - ITEM_KEYWORDS)
            if unknown:
                problems.append(
                    _("Trường %(path)s: từ khóa không được hỗ trợ: %(keys)s.")
                    % {"path": path, "keys": ", ".join(unknown)}
                )
            low, high = prop.get("minItems"), prop.get("maxItems")
            if isinstance(high, int) and high > MAX_ARRAY_ROWS:
                problems.append(_("Trường %(path)s: maxItems tối đa là %(n)s.") % {"path": path, "n": MAX_ARRAY_ROWS})
            if isinstance(low, int) and isinstance(high, int) and low > high:
                problems.append(_("Trường %(path)s: minItems lớn hơn maxItems.") % {"path": path})
            _check_properties(path, items, problems, paths, depth + 1)


def _choices_of(prop: dict[str, Any]) -> list[Any]:
    if isinstance(prop.get("enum"), list):
        return list(prop["enum"])
    if isinstance(prop.get("oneOf"), list):
        return [o.get("const") for o in prop["oneOf"] if isinstance(o, dict)]
    return []


def _check_ui(ui: Any, paths: dict[str, dict[str, Any]], problems: list[str]) -> None:
    if not isinstance(ui, dict):
        problems.append(_("Gợi ý giao diện phải là một đối tượng JSON."))
        return
    for path, hints in ui.items():
        prop = paths.get(path)
        if prop is None:
            problems.append(_("Gợi ý giao diện cho trường không có trong lược đồ: %(path)s.") % {"path": path})
            continue
        if not isinstance(hints, dict):
            problems.append(_("Gợi ý giao diện của %(path)s phải là một đối tượng JSON.") % {"path": path})
            continue
        unknown = sorted(set(hints) - UI_KEYS)
        if unknown:
            problems.append(
                _("Gợi ý giao diện của %(path)s có khóa không được hỗ trợ: %(keys)s.")
                % {"path": path, "keys": ", ".join(unknown)}
            )
        kind = prop.get("type")
        widget = hints.get("widget")
        if widget is not None:
            if widget not in WIDGETS:
                problems.append(
                    _("%(path)s: kiểu nhập %(widget)s không được hỗ trợ; chọn trong: %(allowed)s.")
                    % {"path": path, "widget": widget, "allowed": ", ".join(WIDGETS)}
                )
            elif not _widget_fits(str(widget), prop):
                problems.append(
                    _("%(path)s: kiểu nhập %(widget)s không phù hợp với kiểu dữ liệu %(type)s.")
                    % {"path": path, "widget": widget, "type": kind}
                )
        if "order" in hints and (not isinstance(hints["order"], int) or isinstance(hints["order"], bool)):
            problems.append(_("%(path)s: order phải là số nguyên.") % {"path": path})
        for key in ("help", "placeholder", "pattern_message"):
            if key in hints and not isinstance(hints[key], str):
                problems.append(_("%(path)s: %(key)s phải là chuỗi ký tự.") % {"path": path, "key": key})
        if "rows" in hints and (
            kind != "array" or not isinstance(hints["rows"], int) or not 1 <= hints["rows"] <= MAX_ARRAY_ROWS
        ):
            problems.append(
                _("%(path)s: rows chỉ dùng cho danh sách, từ 1 đến %(n)s.") % {"path": path, "n": MAX_ARRAY_ROWS}
            )
        prefill_key = hints.get("prefill")
        if prefill_key is not None and (not isinstance(prefill_key, str) or not PREFILL_RE.match(prefill_key)):
            problems.append(
                _(
                    "%(path)s: nguồn điền sẵn %(key)s không hợp lệ; dùng profile.<khóa>, population.<khóa> hoặc previous.<trường>."
                )
                % {"path": path, "key": prefill_key}
            )


def _widget_fits(widget: str, prop: dict[str, Any]) -> bool:
    kind = prop.get("type")
    if widget in ("select", "radio"):
        return bool(_choices_of(prop))
    if widget == "checkbox":
        return kind == "boolean"
    if widget == "number":
        return kind in ("integer", "number") and not _choices_of(prop)
    if widget == "date":
        return kind == "string" and prop.get("format") == "date"
    return kind == "string" and not _choices_of(prop)


def schema_check(schema: Any, ui: Any = None) -> list[str]:
    """The problems of an e-form definition (empty list: usable). An empty schema means "no e-form"."""
    if schema in (None, {}):
        return [] if not ui else [_("Có gợi ý giao diện nhưng chưa có lược đồ tờ khai.")]
    if not isinstance(schema, dict):
        return [_("Lược đồ tờ khai phải là một đối tượng JSON.")]
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        where = "/".join(str(p) for p in exc.absolute_path) or _("gốc")
        return [
            _("Lược đồ không hợp lệ theo JSON Schema 2020-12 (tại %(where)s): %(detail)s")
            % {"where": where, "detail": exc.message}
        ]
    problems: list[str] = []
    if "$schema" in schema and schema["$schema"] != DRAFT_2020_12:
        problems.append(_("$schema phải là %(uri)s.") % {"uri": DRAFT_2020_12})
    if schema.get("type") != "object":
        problems.append(_("Lược đồ tờ khai phải có type là object."))
    unknown = sorted(set(schema) - ROOT_KEYWORDS)
    if unknown:
        problems.append(_("Gốc lược đồ có từ khóa không được hỗ trợ: %(keys)s.") % {"keys": ", ".join(unknown)})
    paths: dict[str, dict[str, Any]] = {}
    _check_properties("", schema, problems, paths, 0)
    if ui not in (None, {}):
        _check_ui(ui, paths, problems)
    return problems


# ---- fields ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    value: Any
    label: str


@dataclass(frozen=True)
class EField:
    """One field of an e-form. `path` is dotted from the root (array item fields without an index)."""

    name: str
    path: str
    label: str
    type: str
    widget: str
    required: bool
    choices: tuple[Choice, ...] = ()
    help: str = ""
    placeholder: str = ""
    order: int = 0
    prefill: str = ""
    format: str = ""
    pattern_message: str = ""
    minimum: float | None = None
    maximum: float | None = None
    min_length: int | None = None
    max_length: int | None = None
    min_items: int = 0
    max_items: int = MAX_ARRAY_ROWS
    rows: int = 1
    default: Any = None
    children: tuple[EField, ...] = field(default_factory=tuple)

    @property
    def is_group(self) -> bool:
        return self.type in ("object", "array")

    @property
    def must_be_ticked(self) -> bool:
        return self.type == "boolean" and self.required


def _default_widget(prop: dict[str, Any]) -> str:
    kind = prop.get("type")
    choices = _choices_of(prop)
    if kind == "boolean":
        return "checkbox"
    if choices:
        return "radio" if len(choices) <= 3 else "select"
    if kind in ("integer", "number"):
        return "number"
    if prop.get("format") == "date":
        return "date"
    if prop.get("format") == "email":
        return "email"
    max_length = prop.get("maxLength")
    if isinstance(max_length, int) and max_length > 255:
        return "textarea"
    return "text"


def _make_fields(node: dict[str, Any], ui: Mapping[str, Any], prefix: str) -> list[EField]:
    properties = node.get("properties") or {}
    required = set(node.get("required") or [])
    made: list[tuple[int, int, EField]] = []
    for index, (name, prop) in enumerate(properties.items()):
        path = f"{prefix}.{name}" if prefix else name
        hints = ui.get(path) or {}
        kind = str(prop.get("type", "string"))
        if prop.get("oneOf"):
            choices = tuple(Choice(o["const"], str(o["title"])) for o in prop["oneOf"])
        else:
            choices = tuple(Choice(v, str(v)) for v in prop.get("enum") or [])
        children: tuple[EField, ...] = ()
        min_items = int(prop.get("minItems", 0))
        max_items = min(int(prop.get("maxItems", MAX_ARRAY_ROWS)), MAX_ARRAY_ROWS)
        if kind == "object":
            children = tuple(_make_fields(prop, ui, path))
        elif kind == "array":
            children = tuple(_make_fields(prop.get("items") or {}, ui, path))
        minimum = prop.get("minimum", prop.get("exclusiveMinimum"))
        maximum = prop.get("maximum", prop.get("exclusiveMaximum"))
        item = EField(
            name=name,
            path=path,
            label=str(prop.get("title") or name),
            type=kind,
            widget="" if kind in ("object", "array") else str(hints.get("widget") or _default_widget(prop)),
            # a box that must be ticked is `const: true`; a "required" boolean is only present (true or false)
            required=(kind == "boolean" and prop.get("const") is True) or (kind != "boolean" and name in required),
            choices=choices,
            help=str(hints.get("help") or prop.get("description") or ""),
            placeholder=str(hints.get("placeholder") or ""),
            order=int(hints.get("order", index)),
            prefill=str(hints.get("prefill") or ""),
            format=str(prop.get("format") or ""),
            pattern_message=str(hints.get("pattern_message") or ""),
            minimum=minimum,
            maximum=maximum,
            min_length=prop.get("minLength"),
            max_length=prop.get("maxLength"),
            min_items=min_items,
            max_items=max_items,
            rows=max(1, min(int(hints.get("rows", max(min_items, 1))), max_items)),
            default=prop.get("default"),
            children=children,
        )
        made.append((item.order, index, item))
    return [item for _order, _index, item in sorted(made, key=lambda t: (t[0], t[1]))]


def fields(source: Any, ui: Mapping[str, Any] | None = None) -> list[EField]:
    """The fields of an e-form, in display order.

    `source` is a ProcedureVersion (its `eform_schema` and `eform_ui` are used) or a schema dict with `ui`.
    """
    if hasattr(source, "eform_schema"):
        schema = source.eform_schema or {}
        ui = ui if ui is not None else (source.eform_ui or {})
    else:
        schema = source or {}
    if not isinstance(schema, dict) or schema.get("type") != "object":
        return []
    return _make_fields(schema, ui or {}, "")


def with_order(schema: Any, ui: Any) -> Any:
    """`ui` with an explicit `order` for every field that has none: its place in the schema as written.

    PostgreSQL stores JSON as jsonb, which does not keep the order of object keys; the model calls this
    before saving so that the fields keep the order the author wrote them in.
    """
    if not isinstance(schema, dict) or not isinstance(ui, dict):
        return ui
    result: dict[str, Any] = {key: dict(value) if isinstance(value, dict) else value for key, value in ui.items()}

    def visit(node: Any, prefix: str) -> None:
        properties = node.get("properties") if isinstance(node, dict) else None
        if not isinstance(properties, dict):
            return
        for index, (name, prop) in enumerate(properties.items()):
            path = f"{prefix}.{name}" if prefix else name
            hints = result.get(path)
            if hints is None:
                result[path] = hints = {}
            if isinstance(hints, dict) and "order" not in hints:
                hints["order"] = index
            if isinstance(prop, dict) and not prefix:
                visit(prop if prop.get("type") == "object" else prop.get("items"), path)

    visit(schema, "")
    return result


def walk(items: Iterable[EField]) -> Iterable[EField]:
    """Every field, groups first and then their children."""
    for item in items:
        yield item
        yield from walk(item.children)


# ---- coercion and validation ------------------------------------------------------------------------


def parse_date(text: str) -> dt.date | None:
    """'2026-03-02' or '02/03/2026' (day/month/year, also with '-' or '.') as a date; None if neither."""
    text = text.strip()
    try:
        if ISO_DATE_RE.match(text):
            return dt.date.fromisoformat(text)
        match = VN_DATE_RE.match(text)
        if match:
            day, month, year = (int(g) for g in match.groups())
            return dt.date(year, month, day)
    except ValueError:
        return None
    return None


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _coerce_scalar(prop: dict[str, Any], value: Any) -> Any:
    kind = prop.get("type")
    if isinstance(value, dt.date):
        value = value.isoformat()
    if kind == "string":
        if not isinstance(value, str):
            return value
        value = value.strip()
        if prop.get("format") == "date":
            parsed = parse_date(value)
            return parsed.isoformat() if parsed else value
        return value
    if kind in ("integer", "number") and isinstance(value, str):
        text = value.strip().replace(" ", "")
        if kind == "number" and text.count(",") == 1 and "." not in text:
            text = text.replace(",", ".")
        try:
            number = Decimal(text)
        except InvalidOperation:
            return value
        if not number.is_finite():
            return value
        if number == number.to_integral_value():
            return int(number)
        return value if kind == "integer" else float(number)
    if kind in ("integer", "number") and isinstance(value, float) and value.is_integer():
        return int(value)
    if kind == "boolean" and isinstance(value, str):
        word = value.strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
    return value


def _coerce_object(node: dict[str, Any], data: Mapping[str, Any]) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    for name, prop in (node.get("properties") or {}).items():
        if name not in data or _empty(data[name]):
            continue
        value = data[name]
        kind = prop.get("type")
        if kind == "object":
            if isinstance(value, Mapping):
                inner = _coerce_object(prop, value)
                if inner:
                    cleaned[name] = inner
            else:
                cleaned[name] = value
        elif kind == "array":
            if isinstance(value, list):
                rows = [
                    _coerce_object(prop.get("items") or {}, row) if isinstance(row, Mapping) else row for row in value
                ]
                cleaned[name] = [row for row in rows if row != {}]
            else:
                cleaned[name] = value
        else:
            cleaned[name] = _coerce_scalar(prop, value)
    return cleaned


def coerce(schema: Mapping[str, Any], data: Mapping[str, Any]) -> dict[str, Any]:
    """Form strings to JSON values: '' is missing, dates to ISO, numbers, 'on' to true; unknown keys dropped."""
    return _coerce_object(dict(schema), data)


_FORMATS = FormatChecker(formats=())


@_FORMATS.checks("date")
def _is_date(instance: object) -> bool:
    if not isinstance(instance, str):
        return True
    if not ISO_DATE_RE.match(instance):
        return False
    try:
        dt.date.fromisoformat(instance)
    except ValueError:
        return False
    return True


@_FORMATS.checks("email")
def _is_email(instance: object) -> bool:
    return not isinstance(instance, str) or bool(EMAIL_RE.match(instance))


def _path(parts: Iterable[Any]) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _subschema(schema: Mapping[str, Any], parts: Iterable[Any]) -> dict[str, Any]:
    node: Any = schema
    for part in parts:
        children = {"": node.get("items")} if isinstance(part, int) else (node.get("properties") or {})
        node = children.get("" if isinstance(part, int) else part) or {}
    return node if isinstance(node, dict) else {}


def _ui_path(parts: Iterable[Any]) -> str:
    return ".".join(str(p) for p in parts if not isinstance(p, int))


def _message(error: Any, prop: dict[str, Any], ui: Mapping[str, Any]) -> str:
    kind = error.validator
    value = error.validator_value
    if kind == "type":
        expected = value if isinstance(value, str) else ""
        if expected == "integer":
            return _("Phải là số nguyên.")
        if expected == "number":
            return _("Phải là số.")
        if expected == "boolean":
            return _("Phải là có hoặc không.")
        if expected == "string":
            return _("Phải là chuỗi ký tự.")
        return _("Giá trị không hợp lệ.")
    if kind == "format":
        if value == "date":
            return _("Phải là ngày theo dạng ngày/tháng/năm.")
        if value == "email":
            return _("Địa chỉ thư điện tử không hợp lệ.")
    if kind == "const" and prop.get("type") == "boolean":
        return _("Cần đánh dấu vào ô này.")
    if kind in ("enum", "oneOf", "const"):
        return _("Giá trị không nằm trong danh sách cho phép.")
    if kind == "minLength":
        return _("Tối thiểu %(n)s ký tự.") % {"n": value}
    if kind == "maxLength":
        return _("Tối đa %(n)s ký tự.") % {"n": value}
    if kind == "pattern":
        custom = (ui.get(_ui_path(error.absolute_path)) or {}).get("pattern_message")
        return str(custom) if custom else _("Giá trị không đúng định dạng.")
    if kind == "minimum":
        return _("Giá trị nhỏ nhất là %(n)s.") % {"n": value}
    if kind == "maximum":
        return _("Giá trị lớn nhất là %(n)s.") % {"n": value}
    if kind == "exclusiveMinimum":
        return _("Phải lớn hơn %(n)s.") % {"n": value}
    if kind == "exclusiveMaximum":
        return _("Phải nhỏ hơn %(n)s.") % {"n": value}
    if kind == "minItems":
        return _("Cần ít nhất %(n)s dòng.") % {"n": value}
    if kind == "maxItems":
        return _("Tối đa %(n)s dòng.") % {"n": value}
    return _("Giá trị không hợp lệ.")


def validate(
    schema: Mapping[str, Any], data: Any, ui: Mapping[str, Any] | None = None
) -> tuple[dict[str, Any], list[FieldError]]:
    """Coerce and check `data` against the e-form; errors carry the field's path and a Vietnamese message.

    Paths look like `full_name`, `mother.id_number`, `children[0].full_name`; one error per field, in the
    order of the schema. An empty schema (no e-form) accepts the data as it is.
    """
    if not schema:
        return (dict(data) if isinstance(data, Mapping) else {}), []
    if not isinstance(data, Mapping):
        return {}, [FieldError("", _("Dữ liệu tờ khai phải là một đối tượng JSON."))]
    cleaned = coerce(schema, data)
    validator = Draft202012Validator(dict(schema), format_checker=_FORMATS)
    found: dict[str, FieldError] = {}
    for error in validator.iter_errors(cleaned):
        parts = list(error.absolute_path)
        if error.validator == "required":
            instance = error.instance if isinstance(error.instance, Mapping) else {}
            for name in error.validator_value:
                if name not in instance:
                    path = _path([*parts, name])
                    found.setdefault(path, FieldError(path, _("Trường này là bắt buộc.")))
            continue
        path = _path(parts)
        if path not in found:
            found[path] = FieldError(path, _message(error, _subschema(schema, parts), ui or {}))
    order = {f.path: index for index, f in enumerate(walk(fields(schema, ui or {})))}

    def position(item: FieldError) -> tuple[int, str]:
        return order.get(re.sub(r"\[\d+\]", "", item.field), len(order)), item.field

    return cleaned, sorted(found.values(), key=position)


# ---- prefill ---------------------------------------------------------------------------------------------


class Prefilled(dict[str, Any]):
    """Initial values of an e-form (a dict usable as `values`), with `origin`: path -> source that filled it."""

    def __init__(self) -> None:
        super().__init__()
        self.origin: dict[str, str] = {}


def _lookup(sources: Mapping[str, Any], key: str) -> Any:
    node: Any = sources
    for part in key.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def _prefill_value(item: EField, value: Any) -> Any:
    if _empty(value):
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        value = value.isoformat()
    if item.type == "string" and not isinstance(value, str):
        value = str(value)
    if item.type in SCALAR_TYPES:
        value = _coerce_scalar({"type": item.type, "format": item.format}, value)
    if item.choices and value not in {c.value for c in item.choices}:
        return None
    if item.type == "array" and not isinstance(value, list):
        return None
    if item.type == "object" and not isinstance(value, Mapping):
        return None
    return value


def prefill(items: Iterable[EField], sources: Mapping[str, Mapping[str, Any] | None]) -> Prefilled:
    """Initial values from the sources named by each field's prefill key (e.g. 'profile.full_name').

    `sources` maps a source name ('profile', 'population', 'previous') to its data; a missing source, key or
    empty value leaves the field empty (or at the schema's `default`, origin 'default'), and a value
    outside a field's choices is not used.
    """
    result = Prefilled()
    available = {name: data for name, data in sources.items() if data}

    def fill(group: Iterable[EField], target: dict[str, Any]) -> None:
        for item in group:
            if item.prefill:
                value = _prefill_value(item, _lookup(available, item.prefill))
                if value is not None:
                    target[item.name] = value
                    result.origin[item.path] = item.prefill.split(".", 1)[0]
                    continue
            if item.default is not None and item.type in SCALAR_TYPES:
                target[item.name] = item.default
                result.origin[item.path] = "default"
                continue
            if item.type == "object":
                inner: dict[str, Any] = {}
                fill(item.children, inner)
                if inner:
                    target[item.name] = inner

    fill(items, result)
    return result


def profile_source(profile: Any) -> dict[str, Any]:
    """The 'profile' prefill source from an account profile (attributes of accounts.Profile)."""
    keys = ("full_name", "id_number", "birth_date", "gender", "phone", "email", "permanent_address", "current_address")
    data = {key: getattr(profile, key, None) for key in keys}
    for key in ("permanent_ward", "current_ward"):
        ward = getattr(profile, key, None)
        data[f"{key}_code"] = getattr(ward, "code", None)
    return {key: value for key, value in data.items() if not _empty(value)}


def previous_source(forms: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The 'previous' prefill source: form data of earlier dossiers, newest first; the newest value wins."""
    merged: dict[str, Any] = {}
    for form in forms:
        for key, value in form.items():
            if key not in merged and not _empty(value):
                merged[key] = value
    return merged


# ---- HTML form -------------------------------------------------------------------------------------------


def _dom_id(key: str) -> str:
    return "eform-" + key.replace(".", "-")


def _error_index(errors: Any) -> dict[str, str]:
    """Errors keyed by dotted path with indexes as parts ('children.0.full_name'); 'form.' prefix removed."""
    pairs: Iterable[tuple[str, str]]
    if isinstance(errors, Mapping):
        pairs = ((str(k), str(v)) for k, v in errors.items())
    else:
        pairs = ((e.field, e.message) for e in errors or [])
    index: dict[str, str] = {}
    for path, message in pairs:
        if path == "form" or path.startswith("form."):
            path = path[5:]
        key = re.sub(r"\[(\d+)\]", r".\1", path)
        index.setdefault(key, message)
    return index


def _display(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "on" if value else ""
    return str(value)


def _bind(
    item: EField, key: str, value: Any, errors: dict[str, str], used: dict[str, str], enforce: bool = True
) -> dict[str, Any]:
    """Template context of one field; `enforce`: whether the browser may enforce `required` (not for the
    fields of an optional group or of array rows, which may be left entirely empty)."""
    dom_id = _dom_id(key)
    error = errors.get(key, "")
    if error:
        used[key] = item.label
    bound: dict[str, Any] = {
        "field": item,
        "id": dom_id,
        "name": INPUT_PREFIX + key,
        "value": _display(value),
        "error": error,
        "help_id": f"{dom_id}-help" if item.help else "",
        "error_id": f"{dom_id}-error" if error else "",
        "checked": value is True or (isinstance(value, str) and value.strip().lower() in TRUE_WORDS),
        "input_type": {"date": "date", "number": "number", "email": "email", "tel": "tel"}.get(item.widget, "text"),
        "step": "1" if item.type == "integer" else "any",
        "html_required": enforce and item.required,
    }
    bound["describedby"] = " ".join(x for x in (bound["help_id"], bound["error_id"]) if x)
    bound["choices"] = [
        {
            "value": _display(choice.value),
            "label": choice.label,
            "id": f"{dom_id}-{position}",
            "selected": value is not None and _display(value) == _display(choice.value),
        }
        for position, choice in enumerate(item.choices)
    ]
    if item.type == "object":
        inner = value if isinstance(value, Mapping) else {}
        bound["children"] = [
            _bind(child, f"{key}.{child.name}", inner.get(child.name), errors, used, enforce and item.required)
            for child in item.children
        ]
    elif item.type == "array":
        rows = value if isinstance(value, list) else []
        count = min(max(len(rows), item.rows), item.max_items)
        bound["rows"] = []
        for position in range(count):
            row = rows[position] if position < len(rows) and isinstance(rows[position], Mapping) else {}
            bound["rows"].append(
                {
                    "number": position + 1,
                    "children": [
                        _bind(child, f"{key}.{position}.{child.name}", row.get(child.name), errors, used, False)
                        for child in item.children
                    ],
                }
            )
    return bound


def render_eform(items: Iterable[EField], values: Mapping[str, Any] | None = None, errors: Any = None) -> SafeString:
    """The e-form as accessible HTML (no <form> element, no JavaScript): the caller adds the form and buttons.

    `values` are the current values (prefilled, posted or stored form data); `errors` are FieldErrors
    (their field may start with 'form.', as raised by dossier_submit) or a mapping path -> message.
    """
    values = values or {}
    index = _error_index(errors)
    used: dict[str, str] = {}
    bound = [_bind(item, item.name, values.get(item.name), index, used) for item in items]
    summary = [
        {"id": _dom_id(key), "label": used[key], "message": message} for key, message in index.items() if key in used
    ]
    other = [message for key, message in index.items() if key not in used]
    return render_to_string("catalog/eform/form.html", {"items": bound, "summary": summary, "other_errors": other})


def _posted(querydict: Any, name: str) -> str | None:
    value = querydict.get(name)
    return None if value is None else str(value)


def _parse_items(items: Iterable[EField], querydict: Any, prefix: str) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for item in items:
        key = f"{prefix}{item.name}"
        if item.type == "object":
            inner = _parse_items(item.children, querydict, f"{key}.")
            if any(not _empty(v) and v is not False for v in inner.values()):
                data[item.name] = inner
        elif item.type == "array":
            rows = []
            for position in range(item.max_items):
                row = _parse_items(item.children, querydict, f"{key}.{position}.")
                if any(not _empty(v) and v is not False for v in row.values()):
                    rows.append(row)
            if rows:
                data[item.name] = rows
        elif item.widget == "checkbox":
            posted = _posted(querydict, INPUT_PREFIX + key)
            data[item.name] = posted is not None and posted.strip().lower() in TRUE_WORDS
        else:
            posted = _posted(querydict, INPUT_PREFIX + key)
            if posted is not None:
                data[item.name] = posted
    return data


def parse_post(items: Iterable[EField], querydict: Any) -> dict[str, Any]:
    """Read the e-form's inputs (`form-<path>`) back from a POST; values stay strings (see `validate`).

    An unticked checkbox is false; array rows left empty are dropped.
    """
    return _parse_items(items, querydict, "")
