"""Refuse text input holding a NUL character before any view sees it.

No field of motcua accepts a NUL (U+0000): PostgreSQL cannot store one in text, so such a value would end
as a server error deep in a query. The query string and the bodies of JSON and form requests are checked
(file uploads are binary and are checked by their own rules), under /api/ only: the answer is a 422 problem
naming each field holding one, as the API's own validation does. (Pages use Django forms, whose text fields
refuse NUL already, and the catalogue search drops it.)
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from typing import Any

from django.http import HttpRequest, HttpResponse, QueryDict

NUL = "\x00"


def _walk(value: Any, path: str) -> Iterator[str]:
    if isinstance(value, str):
        if NUL in value:
            yield path or "body"
    elif isinstance(value, dict):
        for key, item in value.items():
            name = f"{path}.{key}" if path else str(key)
            if NUL in str(key):
                yield name
            yield from _walk(item, name)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk(item, f"{path}[{index}]")


def _in_query(query: QueryDict) -> list[str]:
    return [key for key, values in query.lists() if NUL in key or any(NUL in v for v in values)]


def nul_fields(request: HttpRequest) -> list[str]:
    """The fields of the request whose text holds a NUL character."""
    found = _in_query(request.GET)
    kind = request.META.get("CONTENT_TYPE", "").split(";", 1)[0].strip().lower()
    if kind == "application/json":
        with contextlib.suppress(ValueError, UnicodeDecodeError):  # not JSON: the view answers that
            found += list(_walk(json.loads(request.body or b"null"), ""))
    elif kind == "application/x-www-form-urlencoded":
        found += _in_query(request.POST)
    return found


class RejectNulMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        fields = nul_fields(request) if request.path.startswith("/api/") else []
        if not fields:
            return self.get_response(request)
        body = {
            "type": "about:blank",
            "title": "Invalid input",
            "status": 422,
            "detail": "Some values are invalid.",
            "errors": [{"field": field, "message": "A NUL character is not accepted."} for field in fields],
        }
        return HttpResponse(json.dumps(body), status=422, content_type="application/problem+json")
