"""Import and export of the catalogue as JSON and XLSX (format `motcua-catalog/1`, docs/catalog-format.md).

An import is all or nothing: every row is validated first and each bad row is reported with its place
(JSON path or sheet and line) and the reason; when anything is invalid nothing is written. A procedure
whose content equals the version in force is left as it is; a changed one gets a new version.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from django.db import transaction
from openpyxl import Workbook, load_workbook
from pydantic import BaseModel, ConfigDict, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic import Field as PydanticField

from motcua.catalog import eforms, services
from motcua.catalog.models import (
    PROCEDURE_CODE_PATTERN,
    CompetenceLevel,
    Component,
    CopyKind,
    FeeCollection,
    FeeKind,
    FeeLine,
    Field,
    Method,
    OnlineMode,
    Procedure,
    ProcedureVersion,
    Subject,
    TimeUnit,
)
from motcua.org.models import Agency

FORMAT = "motcua-catalog/1"
MAX_IMPORT_BYTES = 20 * 1024 * 1024
JSON_COLUMNS = ("eform_schema", "eform_ui")  # the e-form: JSON values (JSON text in a workbook cell)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class TimeIn(_Strict):
    value: Decimal = PydanticField(gt=0, max_digits=6, decimal_places=1)
    unit: TimeUnit


class FieldIn(_Strict):
    code: str = PydanticField(min_length=1, max_length=30)
    name: str = PydanticField(min_length=1, max_length=255)


class ComponentIn(_Strict):
    code: str = PydanticField(min_length=1, max_length=30)
    name: str = PydanticField(min_length=1, max_length=500)
    copy_kinds: list[CopyKind] = PydanticField(min_length=1)
    quantity: int = PydanticField(1, ge=1, le=100)
    required: bool = True
    template_name: str = PydanticField("", max_length=255)


class FeeIn(_Strict):
    name: str = PydanticField(min_length=1, max_length=500)
    kind: FeeKind
    amount: int = PydanticField(ge=0, le=10**12)
    online_amount: int | None = PydanticField(None, ge=0, le=10**12)
    collected_at: FeeCollection = FeeCollection.AT_RECEPTION
    note: str = PydanticField("", max_length=500)

    @model_validator(mode="after")
    def online_not_above(self) -> FeeIn:
        if self.online_amount is not None and self.online_amount > self.amount:
            raise ValueError("online_amount must not exceed amount")
        return self


class ProcedureIn(_Strict):
    code: str = PydanticField(pattern=PROCEDURE_CODE_PATTERN, max_length=40)
    name: str = PydanticField(min_length=1, max_length=500)
    field: str = PydanticField(min_length=1, max_length=30)
    status: Literal["published", "draft"] = "published"
    subjects: list[Subject] = []
    competence_levels: list[CompetenceLevel] = []
    agencies: list[str] = PydanticField(min_length=1)
    steps: list[str] = []
    methods: list[Method] = []
    processing_time: TimeIn
    local_time: TimeIn | None = None
    result: str = PydanticField(min_length=1)
    legal_bases: list[str] = []
    requirements: str = ""
    online_mode: OnlineMode = OnlineMode.NONE
    online_only: bool = False
    any_reception_point: bool = False
    components: list[ComponentIn] = PydanticField(min_length=1)
    fees: list[FeeIn] = []
    eform_schema: dict[str, Any] = {}
    eform_ui: dict[str, Any] = {}

    @field_validator("eform_schema")
    @classmethod
    def usable_eform(cls, value: dict[str, Any]) -> dict[str, Any]:
        problems = eforms.schema_check(value)
        if problems:
            raise ValueError("; ".join(problems))
        return value

    @field_validator("eform_ui")
    @classmethod
    def usable_eform_ui(cls, value: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        schema = info.data.get("eform_schema")
        if schema is None:  # the schema itself is invalid and already reported
            return value
        problems = eforms.schema_check(schema, value)
        if problems:
            raise ValueError("; ".join(problems))
        return value

    @field_validator("steps", "legal_bases")
    @classmethod
    def no_blank_lines(cls, value: list[str]) -> list[str]:
        lines = [line.strip() for line in value]
        if any(not line for line in lines):
            raise ValueError("empty line")
        return lines

    @model_validator(mode="after")
    def consistent(self) -> ProcedureIn:
        if self.online_only and self.online_mode == OnlineMode.NONE:
            raise ValueError("online_only needs online_mode full or partial")
        codes = [c.code for c in self.components]
        if len(codes) != len(set(codes)):
            raise ValueError("component codes must be unique")
        return self


class DocumentIn(_Strict):
    format: Literal["motcua-catalog/1"]
    fields: list[FieldIn] = []
    procedures: list[ProcedureIn]


@dataclass
class RowError:
    where: str
    reason: str

    def __str__(self) -> str:
        return f"{self.where}: {self.reason}"


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


class ImportFailed(Exception):
    def __init__(self, errors: list[RowError]) -> None:
        super().__init__("; ".join(str(e) for e in errors[:10]))
        self.errors = errors


def _loc(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _pydantic_errors(exc: ValidationError, locate: Any = None) -> list[RowError]:
    errors = []
    for err in exc.errors():
        loc = tuple(err.get("loc", ()))
        where = locate(loc) if locate else _loc(loc)
        errors.append(RowError(where=where or "document", reason=str(err.get("msg", "invalid"))))
    return errors


def _stripped(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) else None


def _rows(data: Any, key: str) -> list[Any]:
    rows = data.get(key) if isinstance(data, dict) else None
    return rows if isinstance(rows, list) else []


def _check_references(data: Any, locate: Any = None) -> list[RowError]:
    """Cross-row rules: unique codes, known fields (in the file or the database), known agencies.

    Checked on the raw document, even when some rows break the schema, so that one run reports every bad
    row; values of the wrong type are left to the schema errors.
    """
    errors: list[RowError] = []

    def where(loc: tuple[Any, ...]) -> str:
        return locate(loc) if locate else _loc(loc)

    field_codes = [_stripped(f.get("code")) if isinstance(f, dict) else None for f in _rows(data, "fields")]
    known_fields = {code for code in field_codes if code} | set(Field.objects.values_list("code", flat=True))
    known_agencies = set(Agency.objects.values_list("code", flat=True))
    seen: set[str] = set()
    for index, proc in enumerate(_rows(data, "procedures")):
        if not isinstance(proc, dict):
            continue
        code = _stripped(proc.get("code"))
        if code:
            if code in seen:
                errors.append(RowError(where(("procedures", index, "code")), f"duplicate procedure code {code}"))
            seen.add(code)
        field_code = _stripped(proc.get("field"))
        if field_code and field_code not in known_fields:
            errors.append(RowError(where(("procedures", index, "field")), f"unknown field {field_code}"))
        agencies = proc.get("agencies")
        for a_index, agency in enumerate(agencies if isinstance(agencies, list) else []):
            agency_code = _stripped(agency)
            if agency_code and agency_code not in known_agencies:
                errors.append(
                    RowError(where(("procedures", index, "agencies", a_index)), f"unknown agency {agency_code}")
                )
    for index, code in enumerate(field_codes):
        if code and field_codes.index(code) != index:
            errors.append(RowError(where(("fields", index, "code")), f"duplicate field code {code}"))
    return errors


def validate_document(data: Any, *, check_references: bool = False) -> list[RowError]:
    """Validate a parsed JSON document; the database is consulted only with `check_references`."""
    errors: list[RowError] = []
    try:
        DocumentIn.model_validate(data)
    except ValidationError as exc:
        errors = _pydantic_errors(exc)
    return errors + _check_references(data) if check_references else errors


# ---- export -------------------------------------------------------------------------------------------


def _time_out(value: Decimal | None, unit: str) -> dict[str, Any] | None:
    if value is None:
        return None
    number = int(value) if value == value.to_integral_value() else float(value)
    return {"value": number, "unit": unit}


def version_to_dict(version: ProcedureVersion) -> dict[str, Any]:
    data = {
        "code": version.procedure.code,
        "name": version.name,
        "field": version.field.code,
        "status": "published" if version.status == ProcedureVersion.Status.PUBLISHED else "draft",
        "subjects": list(version.subjects),
        "competence_levels": list(version.competence_levels),
        "agencies": sorted(a.code for a in version.agencies.all()),
        "steps": list(version.steps),
        "methods": list(version.methods),
        "processing_time": _time_out(version.processing_time_value, version.processing_time_unit),
        "local_time": _time_out(version.local_time_value, version.local_time_unit),
        "result": version.result,
        "legal_bases": list(version.legal_bases),
        "requirements": version.requirements,
        "online_mode": version.online_mode,
        "online_only": version.online_only,
        "any_reception_point": version.any_reception_point,
        "components": [
            {
                "code": c.code,
                "name": c.name,
                "copy_kinds": list(c.copy_kinds),
                "quantity": c.quantity,
                "required": c.required,
                "template_name": c.template_name,
            }
            for c in version.components.order_by("order", "code")
        ],
        "fees": [
            {
                "name": f.name,
                "kind": f.kind,
                "amount": f.amount,
                "online_amount": f.online_amount,
                "collected_at": f.collected_at,
                "note": f.note,
            }
            for f in version.fees.order_by("order", "pk")
        ],
    }
    # the e-form only when the version has one, so that documents without e-forms keep their shape
    for key in JSON_COLUMNS:
        if getattr(version, key):
            data[key] = getattr(version, key)
    return data


def export_document() -> dict[str, Any]:
    """The catalogue in force: every procedure's current version (or its draft when it has none)."""
    procedures = []
    for procedure in Procedure.objects.order_by("code"):
        version = procedure.current_version or procedure.versions.order_by("-number").first()
        if version is None or version.status == ProcedureVersion.Status.WITHDRAWN:
            continue
        procedures.append(version_to_dict(version))
    used_fields = {p["field"] for p in procedures}
    fields = [{"code": f.code, "name": f.name} for f in Field.objects.order_by("code") if f.code in used_fields]
    return {"format": FORMAT, "fields": fields, "procedures": procedures}


def export_json() -> bytes:
    return json.dumps(export_document(), ensure_ascii=False, indent=1).encode()


SHEETS: dict[str, list[str]] = {
    "fields": ["code", "name"],
    "procedures": [
        "code",
        "name",
        "field",
        "status",
        "subjects",
        "competence_levels",
        "agencies",
        "steps",
        "methods",
        "processing_time_value",
        "processing_time_unit",
        "local_time_value",
        "local_time_unit",
        "result",
        "legal_bases",
        "requirements",
        "online_mode",
        "online_only",
        "any_reception_point",
        "eform_schema",
        "eform_ui",
    ],
    "components": ["procedure", "code", "name", "copy_kinds", "quantity", "required", "template_name"],
    "fees": ["procedure", "name", "kind", "amount", "online_amount", "collected_at", "note"],
}
OPTIONAL_COLUMNS = set(JSON_COLUMNS)  # workbooks made before e-forms have no such columns
LIST_COLUMNS = {"subjects", "competence_levels", "agencies", "steps", "methods", "legal_bases", "copy_kinds"}


def _cell(value: Any) -> Any:
    if isinstance(value, list):
        return "\n".join(str(v) for v in value)
    if isinstance(value, bool):
        return "x" if value else ""
    return value


def export_xlsx() -> bytes:
    doc = export_document()
    workbook = Workbook()
    workbook.remove(workbook.active)  # type: ignore[arg-type]
    sheets = {name: workbook.create_sheet(name) for name in SHEETS}
    for name, columns in SHEETS.items():
        sheets[name].append(columns)
    for f in doc["fields"]:
        sheets["fields"].append([f["code"], f["name"]])
    for p in doc["procedures"]:
        row = dict(p)
        row["processing_time_value"] = p["processing_time"]["value"]
        row["processing_time_unit"] = p["processing_time"]["unit"]
        row["local_time_value"] = p["local_time"]["value"] if p["local_time"] else None
        row["local_time_unit"] = p["local_time"]["unit"] if p["local_time"] else None
        for column in JSON_COLUMNS:
            row[column] = json.dumps(p[column], ensure_ascii=False) if p.get(column) else None
        sheets["procedures"].append([_cell(row.get(c)) for c in SHEETS["procedures"]])
        for c in p["components"]:
            sheets["components"].append([_cell({**c, "procedure": p["code"]}.get(k)) for k in SHEETS["components"]])
        for fee in p["fees"]:
            sheets["fees"].append([_cell({**fee, "procedure": p["code"]}.get(k)) for k in SHEETS["fees"]])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# ---- parsing XLSX into the JSON document shape ------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _split(value: Any) -> list[str]:
    return [line.strip() for line in _text(value).replace(";", "\n").splitlines() if line.strip()]


def _flag(value: Any) -> bool:
    return _text(value).lower() in {"x", "1", "true", "yes", "có", "co"}


def _number(value: Any) -> Any:
    text = _text(value)
    return text if text else None


class XlsxDocument:
    """The rows of a catalogue workbook turned into the JSON shape, remembering each row's sheet line."""

    def __init__(self, content: bytes) -> None:
        self.origin: dict[tuple[Any, ...], str] = {}
        self.errors: list[RowError] = []
        try:
            workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many types for a damaged file
            self.errors.append(RowError("file", f"not a readable XLSX workbook ({type(exc).__name__})"))
            self.data: dict[str, Any] = {}
            return
        rows: dict[str, list[tuple[int, dict[str, Any]]]] = {}
        for name, columns in SHEETS.items():
            if name not in workbook.sheetnames:
                if name in {"procedures", "components"}:
                    self.errors.append(RowError(f"sheet {name}", "missing"))
                rows[name] = []
                continue
            sheet = workbook[name]
            iterator = sheet.iter_rows(values_only=True)
            header = [_text(h) for h in next(iterator, ())]
            missing = [c for c in columns if c not in header and c not in OPTIONAL_COLUMNS]
            if missing:
                self.errors.append(RowError(f"sheet {name}, line 1", f"missing columns: {', '.join(missing)}"))
                rows[name] = []
                continue
            parsed = []
            for line, values in enumerate(iterator, start=2):
                if all(v is None or _text(v) == "" for v in values):
                    continue
                parsed.append((line, {h: v for h, v in zip(header, values, strict=False) if h}))
            rows[name] = parsed
        workbook.close()
        self.data = self._assemble(rows)

    def _assemble(self, rows: dict[str, list[tuple[int, dict[str, Any]]]]) -> dict[str, Any]:
        fields = []
        for index, (line, row) in enumerate(rows["fields"]):
            self.origin[("fields", index)] = f"sheet fields, line {line}"
            fields.append({"code": _text(row.get("code")), "name": _text(row.get("name"))})
        procedures: list[dict[str, Any]] = []
        by_code: dict[str, dict[str, Any]] = {}
        for index, (line, row) in enumerate(rows["procedures"]):
            self.origin[("procedures", index)] = f"sheet procedures, line {line}"
            local_value = _number(row.get("local_time_value"))
            proc: dict[str, Any] = {
                "code": _text(row.get("code")),
                "name": _text(row.get("name")),
                "field": _text(row.get("field")),
                "status": _text(row.get("status")) or "published",
                "processing_time": {
                    "value": _number(row.get("processing_time_value")),
                    "unit": _text(row.get("processing_time_unit")),
                },
                "local_time": {"value": local_value, "unit": _text(row.get("local_time_unit"))}
                if local_value is not None
                else None,
                "result": _text(row.get("result")),
                "requirements": _text(row.get("requirements")),
                "online_mode": _text(row.get("online_mode")) or "none",
                "online_only": _flag(row.get("online_only")),
                "any_reception_point": _flag(row.get("any_reception_point")),
                "components": [],
                "fees": [],
            }
            for column in ("subjects", "competence_levels", "agencies", "steps", "methods", "legal_bases"):
                proc[column] = _split(row.get(column))
            for column in JSON_COLUMNS:
                text = _text(row.get(column))
                try:
                    proc[column] = json.loads(text) if text else {}
                except json.JSONDecodeError as exc:
                    self.errors.append(RowError(f"sheet procedures, line {line} ({column})", f"not valid JSON: {exc}"))
                    proc[column] = {}
            procedures.append(proc)
            by_code.setdefault(proc["code"], proc)
        for kind in ("components", "fees"):
            for line, row in rows[kind]:
                code = _text(row.get("procedure"))
                owner = by_code.get(code)
                if owner is None:
                    self.errors.append(RowError(f"sheet {kind}, line {line}", f"unknown procedure {code}"))
                    continue
                position = (kind, line)
                if kind == "components":
                    item: dict[str, Any] = {
                        "code": _text(row.get("code")),
                        "name": _text(row.get("name")),
                        "copy_kinds": _split(row.get("copy_kinds")),
                        "quantity": _number(row.get("quantity")) or 1,
                        "required": _flag(row.get("required")),
                        "template_name": _text(row.get("template_name")),
                    }
                else:
                    item = {
                        "name": _text(row.get("name")),
                        "kind": _text(row.get("kind")),
                        "amount": _number(row.get("amount")),
                        "online_amount": _number(row.get("online_amount")),
                        "collected_at": _text(row.get("collected_at")) or "reception",
                        "note": _text(row.get("note")),
                    }
                proc_index = procedures.index(owner)
                self.origin[("procedures", proc_index, kind, len(owner[kind]))] = f"sheet {kind}, line {position[1]}"
                owner[kind].append(item)
        return {"format": FORMAT, "fields": fields, "procedures": procedures}

    def locate(self, loc: tuple[Any, ...]) -> str:
        for size in range(len(loc), 0, -1):
            if loc[:size] in self.origin:
                rest = [str(p) for p in loc[size:] if not isinstance(p, int)]
                return self.origin[loc[:size]] + (f" ({'.'.join(rest)})" if rest else "")
        return _loc(loc)


# ---- import --------------------------------------------------------------------------------------------


def _parse(data: Any, locate: Any = None) -> DocumentIn:
    doc: DocumentIn | None = None
    errors: list[RowError] = []
    try:
        doc = DocumentIn.model_validate(data)
    except ValidationError as exc:
        errors = _pydantic_errors(exc, locate)
    errors += _check_references(data, locate)
    if errors or doc is None:
        raise ImportFailed(errors)
    return doc


def _same_content(version: ProcedureVersion, incoming: ProcedureIn) -> bool:
    current = version_to_dict(version)
    wanted = incoming.model_dump(mode="json")
    wanted["agencies"] = sorted(wanted["agencies"])
    for time_key in ("processing_time", "local_time"):
        if wanted[time_key] is not None:
            value = Decimal(str(wanted[time_key]["value"]))
            wanted[time_key]["value"] = int(value) if value == value.to_integral_value() else float(value)
    current["status"] = wanted["status"]
    if wanted["eform_schema"]:  # as saved by the model
        wanted["eform_ui"] = eforms.with_order(wanted["eform_schema"], wanted["eform_ui"])
    for key in JSON_COLUMNS:
        if not wanted[key]:
            del wanted[key]
    return current == wanted


def _write_version(procedure: Procedure, incoming: ProcedureIn, fields: dict[str, Field]) -> ProcedureVersion:
    last = procedure.versions.order_by("-number").values_list("number", flat=True).first()
    procedure.versions.filter(status=ProcedureVersion.Status.DRAFT).delete()
    version = ProcedureVersion.objects.create(
        procedure=procedure,
        number=(last or 0) + 1,
        name=incoming.name,
        field=fields[incoming.field],
        subjects=[s.value for s in incoming.subjects],
        competence_levels=[c.value for c in incoming.competence_levels],
        steps=incoming.steps,
        methods=[m.value for m in incoming.methods],
        processing_time_value=incoming.processing_time.value,
        processing_time_unit=incoming.processing_time.unit.value,
        local_time_value=incoming.local_time.value if incoming.local_time else None,
        local_time_unit=incoming.local_time.unit.value if incoming.local_time else "",
        result=incoming.result,
        legal_bases=incoming.legal_bases,
        requirements=incoming.requirements,
        online_mode=incoming.online_mode.value,
        online_only=incoming.online_only,
        any_reception_point=incoming.any_reception_point,
        eform_schema=incoming.eform_schema,
        eform_ui=incoming.eform_ui,
    )
    version.agencies.set(Agency.objects.filter(code__in=incoming.agencies))
    previous_templates: dict[str, tuple[str, str]] = {}
    if procedure.current_version is not None:
        services.copy_process(list(procedure.current_version.process_steps.all()), version)
        for c in procedure.current_version.components.all():
            if c.template:
                previous_templates[c.code] = (c.template.name, c.template_name)
    for order, comp in enumerate(incoming.components, start=1):
        template, template_name = previous_templates.get(comp.code, ("", ""))
        Component.objects.create(
            version=version,
            code=comp.code,
            name=comp.name,
            copy_kinds=[k.value for k in comp.copy_kinds],
            quantity=comp.quantity,
            required=comp.required,
            template=template if template_name == comp.template_name else "",
            template_name=comp.template_name,
            order=order,
        )
    for order, fee in enumerate(incoming.fees, start=1):
        FeeLine.objects.create(
            version=version,
            name=fee.name,
            kind=fee.kind.value,
            amount=fee.amount,
            online_amount=fee.online_amount,
            collected_at=fee.collected_at.value,
            note=fee.note,
            order=order,
        )
    return version


@transaction.atomic
def import_document(data: Any, *, actor: Any = None, locate: Any = None) -> ImportReport:
    """Import a parsed document; raises ImportFailed (nothing written) when any row is invalid."""
    from motcua.org import access

    if actor is not None:
        access.require(actor, access.Permission.MANAGE_CATALOG)
    doc = _parse(data, locate)
    fields: dict[str, Field] = {}
    for item in doc.fields:
        field_obj, _created = Field.objects.get_or_create(code=item.code, defaults={"name": item.name})
        if field_obj.name != item.name:
            field_obj.name = item.name
            field_obj.save()
        fields[item.code] = field_obj
    for code in {p.field for p in doc.procedures} - set(fields):
        fields[code] = Field.objects.get(code=code)
    report = ImportReport()
    for incoming in doc.procedures:
        procedure, created = Procedure.objects.select_for_update().get_or_create(code=incoming.code)
        # a published row is compared with the version in force, a draft row with the open draft
        current = (
            procedure.current_version
            if incoming.status == "published"
            else procedure.versions.filter(status=ProcedureVersion.Status.DRAFT).first()
        )
        if current is not None and _same_content(current, incoming):
            report.unchanged.append(incoming.code)
            continue
        version = _write_version(procedure, incoming, fields)
        if incoming.status == "published":
            services.procedure_version_publish(version=version)
        (report.created if created else report.updated).append(incoming.code)
    return report


def import_json(content: bytes, *, actor: Any = None) -> ImportReport:
    if len(content) > MAX_IMPORT_BYTES:
        raise ImportFailed([RowError("file", "larger than 20 MB")])
    try:
        data = json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ImportFailed([RowError("file", f"not valid UTF-8 JSON: {exc}")]) from exc
    return import_document(data, actor=actor)


def import_xlsx(content: bytes, *, actor: Any = None) -> ImportReport:
    if len(content) > MAX_IMPORT_BYTES:
        raise ImportFailed([RowError("file", "larger than 20 MB")])
    workbook = XlsxDocument(content)
    if workbook.errors:
        # report the other bad rows of a readable workbook too, not only the ones found while reading it
        others: list[RowError] = []
        if workbook.data:
            try:
                _parse(workbook.data, workbook.locate)
            except ImportFailed as exc:
                others = exc.errors
        raise ImportFailed(workbook.errors + others)
    return import_document(workbook.data, actor=actor, locate=workbook.locate)
