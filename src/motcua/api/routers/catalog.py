"""Agencies and the procedure catalogue (public, read-only)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils import timezone
from ninja import Query, Router, Schema
from pydantic import AfterValidator
from pydantic import Field as PydanticField

from motcua.api.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, keyset_page
from motcua.api.schemas import AgencyPage, ProcedureOut, ProcedurePage
from motcua.catalog import selectors as catalog_selectors
from motcua.catalog.models import ProcedureVersion
from motcua.org import selectors as org_selectors
from motcua.org.models import Agency

router = Router(tags=["catalogue"])


def _without_nul(value: str) -> str:
    # PostgreSQL text cannot hold NUL: refuse it as invalid input instead of failing in the database.
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


FilterText = Annotated[str, AfterValidator(_without_nul)]


class AgencyFilters(Schema):
    level: Literal["central", "province", "commune"] | None = None
    q: FilterText = PydanticField("", max_length=200)
    cursor: str | None = PydanticField(None, max_length=500)
    page_size: int = PydanticField(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)


class ProcedureFilters(Schema):
    q: FilterText = PydanticField("", max_length=200)
    agency: FilterText = PydanticField("", max_length=30)
    field: FilterText = PydanticField("", max_length=30)
    online_mode: Literal["full", "partial", "none", ""] = ""
    subject: FilterText = PydanticField("", max_length=30)
    cursor: str | None = PydanticField(None, max_length=500)
    page_size: int = PydanticField(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)


def _agency_out(agency: Agency) -> dict[str, Any]:
    return {
        "code": agency.code,
        "name": agency.name,
        "level": agency.level,
        "kind": agency.kind,
        "parent": agency.parent.code if agency.parent is not None else None,
        "is_service_centre": agency.is_service_centre,
        "administrative_unit": agency.administrative_unit.code,
        "address": agency.address,
        "phone": agency.phone,
        "email": agency.email,
    }


@router.get("/agencies", response=AgencyPage, summary="List agencies")
def list_agencies(request: HttpRequest, filters: Query[AgencyFilters]) -> dict[str, Any]:
    agencies = org_selectors.agency_search(level=filters.level or "", q=filters.q)
    rows, next_cursor = keyset_page(agencies, key="code", cursor=filters.cursor, page_size=filters.page_size)
    return {"items": [_agency_out(a) for a in rows], "next": next_cursor}


def _time(value: Any, unit: str) -> dict[str, Any] | None:
    if value is None:
        return None
    return {"value": float(value), "unit": unit}


@router.get("/procedures", response=ProcedurePage, summary="Search published procedures")
def list_procedures(request: HttpRequest, filters: Query[ProcedureFilters]) -> dict[str, Any]:
    versions = catalog_selectors.procedure_search(
        q=filters.q,
        agency=filters.agency,
        field=filters.field,
        online_mode=filters.online_mode,
        subject=filters.subject,
    )
    rows, next_cursor = keyset_page(versions, key="procedure__code", cursor=filters.cursor, page_size=filters.page_size)
    items = [
        {
            "code": v.procedure.code,
            "name": v.name,
            "field": {"code": v.field.code, "name": v.field.name},
            "online_mode": v.online_mode,
            "processing_time": _time(v.processing_time_value, v.processing_time_unit),
        }
        for v in rows
    ]
    return {"items": items, "next": next_cursor}


def procedure_out(version: ProcedureVersion) -> dict[str, Any]:
    code = version.procedure.code
    return {
        "code": code,
        "name": version.name,
        "version": version.number,
        "field": {"code": version.field.code, "name": version.field.name},
        "online_mode": version.online_mode,
        "legacy_level": version.legacy_level,
        "online_only": version.online_only,
        "any_reception_point": version.any_reception_point,
        "processing_time": _time(version.processing_time_value, version.processing_time_unit),
        "local_processing_time": _time(version.local_time_value, version.local_time_unit),
        "components": [
            {
                "code": c.code,
                "name": c.name,
                "copy_kinds": list(c.copy_kinds),
                "quantity": c.quantity,
                "required": c.required,
                "template_url": reverse("portal:template", args=[code, c.pk]) if c.template else None,
            }
            for c in version.components.all()
        ],
        "fees": [
            {
                "name": f.name,
                "kind": f.kind,
                "amount": f.amount,
                "online_amount": f.online_amount,
                "collected_at": f.collected_at,
            }
            for f in version.fees.all()
        ],
        "agencies": [{"code": a.code, "name": a.name} for a in version.agencies.all()],
        "subjects": list(version.subjects),
        "competence_levels": list(version.competence_levels),
        "methods": list(version.methods),
        "result": version.result,
        "legal_bases": list(version.legal_bases),
        "requirements": version.requirements,
        "steps": list(version.steps),
        "effective_from": timezone.localtime(version.effective_from).isoformat() if version.effective_from else None,
    }


@router.get("/procedures/{code}", response=ProcedureOut, summary="One published procedure")
def get_procedure(request: HttpRequest, code: str) -> dict[str, Any]:
    version = catalog_selectors.procedure_detail(code=code) if "\x00" not in code else None
    if version is None:
        raise Http404("No published procedure with this code.")
    return procedure_out(version)
