"""Refuse text input holding a NUL character before any view sees it.

No field of motcua accepts a NUL (U+0000): PostgreSQL cannot store one in text, so such a value would end
as a server error deep in a query. The query string and the bodies of JSON and form requests are checked
(file uploads are binary and are checked by their own rules); the answer is a 400, problem+json under
/api/.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from urllib.parse import unquote_to_bytes

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest

TEXT_BODIES = ("application/json", "application/x-www-form-urlencoded")


def _has_nul(request: HttpRequest) -> bool:
    if b"\x00" in unquote_to_bytes(request.META.get("QUERY_STRING", "")):
        return True
    kind = request.META.get("CONTENT_TYPE", "").split(";", 1)[0].strip().lower()
    if kind not in TEXT_BODIES:
        return False
    body = request.body
    if kind == "application/json":
        return b"\x00" in body or b"\\u0000" in body
    return b"\x00" in unquote_to_bytes(body.replace(b"+", b" "))


class RejectNulMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _has_nul(request):
            detail = "The request holds a NUL character, which no field accepts."
            if request.path.startswith("/api/"):
                body = {"type": "about:blank", "title": "Bad request", "status": 400, "detail": detail}
                return HttpResponse(json.dumps(body), status=400, content_type="application/problem+json")
            return HttpResponseBadRequest(detail)
        return self.get_response(request)
