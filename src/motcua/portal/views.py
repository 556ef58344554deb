"""Citizen pages: home and search, catalogue, procedure page, form template downloads."""

from __future__ import annotations

import mimetypes
from pathlib import PurePosixPath

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from motcua.catalog import selectors as catalog_selectors
from motcua.catalog.models import Field, OnlineMode, ProcedureVersion, Subject
from motcua.org import selectors as org_selectors

PAGE_SIZE = 20


def _fields() -> QuerySet[Field]:
    # Alphabetical the Vietnamese way: "Đất đai" with the Ds, not after "Y" as by code point.
    return catalog_selectors.fields_with_procedures().order_by("name_folded", "name")


def _published(code: str) -> ProcedureVersion:
    if "\x00" in code:  # PostgreSQL text cannot hold NUL; no code has one
        raise Http404("No published procedure with this code")
    version = catalog_selectors.procedure_detail(code=code)
    if version is None:
        raise Http404("No published procedure with this code")
    return version


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/home.html", {"fields": _fields()})


def _text_param(request: HttpRequest, name: str, limit: int = 200) -> str:
    # NUL characters are dropped: PostgreSQL text cannot hold them.
    return request.GET.get(name, "").replace("\x00", "").strip()[:limit]


@require_GET
def procedure_list(request: HttpRequest) -> HttpResponse:
    filters = {
        "q": _text_param(request, "q"),
        "agency": _text_param(request, "agency", 30),
        "field": _text_param(request, "field", 30),
        "online_mode": _text_param(request, "online_mode", 10),
        "subject": _text_param(request, "subject", 30),
    }
    if filters["online_mode"] not in OnlineMode.values:
        filters["online_mode"] = ""
    if filters["subject"] not in Subject.values:
        filters["subject"] = ""
    versions = catalog_selectors.procedure_search(**filters).prefetch_related("agencies")
    paginator = Paginator(versions, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "filters": filters,
        "query": query.urlencode(),
        "fields": _fields(),
        "agencies": org_selectors.agency_search()
        .filter(procedure_versions__in=catalog_selectors.published_versions())
        .distinct(),
        "online_modes": OnlineMode.choices,
        "subjects": Subject.choices,
    }
    return render(request, "portal/procedure_list.html", context)


@require_GET
def procedure_detail(request: HttpRequest, code: str) -> HttpResponse:
    version = _published(code)
    return render(request, "portal/procedure_detail.html", {"version": version})


@require_GET
def template_download(request: HttpRequest, code: str, component_id: int) -> FileResponse:
    """Form templates of published procedures are public; other files never are."""
    version = _published(code)
    component = next((c for c in version.components.all() if c.pk == component_id), None)
    if component is None or not component.template:
        raise Http404("No template")
    filename = component.template_name or PurePosixPath(component.template.name).name
    content_type = mimetypes.guess_type(component.template.name)[0] or "application/octet-stream"
    return FileResponse(component.template.open("rb"), as_attachment=True, filename=filename, content_type=content_type)
