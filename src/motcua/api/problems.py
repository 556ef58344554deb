"""problem+json (RFC 9457) for every API error."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from motcua.core.errors import DomainError

PROBLEM_CONTENT_TYPE = "application/problem+json"


def problem(
    request: HttpRequest,
    api: NinjaAPI,
    *,
    status: int,
    title: str,
    detail: str,
    errors: list[dict[str, str]] | None = None,
) -> HttpResponse:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    if errors is not None:
        body["errors"] = errors
    response = api.create_response(request, body, status=status)
    response["Content-Type"] = PROBLEM_CONTENT_TYPE
    return response


def _field_path(loc: list[Any] | tuple[Any, ...]) -> str:
    parts = [str(item) for item in loc]
    # Ninja prefixes the location with where the value came from ("body", "query", "path") and the
    # parameter name; keep what a client sent.
    if parts and parts[0] in {"body", "query", "path", "header", "form", "file"}:
        parts = parts[1:]
        if len(parts) > 1 and parts[0] in {"payload", "body", "filters", "params"}:
            parts = parts[1:]
    return ".".join(parts)


def install(api: NinjaAPI) -> None:
    @api.exception_handler(ValidationError)
    def on_validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        errors = [{"field": _field_path(e.get("loc", ())), "message": str(e.get("msg", ""))} for e in exc.errors]
        return problem(
            request, api, status=422, title="Invalid input", detail="Some values are invalid.", errors=errors
        )

    @api.exception_handler(DomainError)
    def on_domain(request: HttpRequest, exc: DomainError) -> HttpResponse:
        errors = [{"field": e.field, "message": e.message} for e in exc.errors] if exc.errors else None
        return problem(request, api, status=exc.status, title=exc.title, detail=exc.detail, errors=errors)

    @api.exception_handler(Http404)
    def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return problem(request, api, status=404, title="Not found", detail=str(exc) or "Not found.")

    @api.exception_handler(PermissionDenied)
    def on_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return problem(request, api, status=403, title="Forbidden", detail="You may not do this.")

    @api.exception_handler(AuthenticationError)
    def on_auth(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return problem(request, api, status=401, title="Unauthorized", detail="Missing or invalid credentials.")

    @api.exception_handler(HttpError)
    def on_http(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return problem(request, api, status=exc.status_code, title=str(exc.message), detail=str(exc.message))
