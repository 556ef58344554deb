"""Input and output schemas of the public API."""

from __future__ import annotations

from ninja import Schema


class Page(Schema):
    next: str | None


class HealthOut(Schema):
    status: str
    database: str


class AgencyRef(Schema):
    code: str
    name: str


class AgencyOut(Schema):
    code: str
    name: str
    level: str
    kind: str
    parent: str | None
    is_service_centre: bool
    administrative_unit: str
    address: str
    phone: str
    email: str


class AgencyPage(Page):
    items: list[AgencyOut]


class FieldOut(Schema):
    code: str
    name: str


class TimeOut(Schema):
    value: float
    unit: str


class ComponentOut(Schema):
    code: str
    name: str
    copy_kinds: list[str]
    quantity: int
    required: bool
    template_url: str | None


class FeeOut(Schema):
    name: str
    kind: str
    amount: int
    online_amount: int | None
    collected_at: str


class ProcedureSummaryOut(Schema):
    code: str
    name: str
    field: FieldOut
    online_mode: str
    processing_time: TimeOut


class ProcedurePage(Page):
    items: list[ProcedureSummaryOut]


class ProcedureOut(Schema):
    code: str
    name: str
    version: int
    field: FieldOut
    online_mode: str
    legacy_level: int
    online_only: bool
    any_reception_point: bool
    processing_time: TimeOut
    local_processing_time: TimeOut | None
    components: list[ComponentOut]
    fees: list[FeeOut]
    agencies: list[AgencyRef]
    subjects: list[str]
    competence_levels: list[str]
    methods: list[str]
    result: str
    legal_bases: list[str]
    requirements: str
    steps: list[str]
    effective_from: str | None
