"""Audit and Retry-After for API client calls (set up in MIDDLEWARE by settings)."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from motcua.clients import scopes, services
from motcua.core import ratelimit


class ApiClientCallMiddleware:
    """Writes an `ApiCall` for every request an API client made, and `Retry-After` on its 429 answers."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.monotonic()
        response = self.get_response(request)
        client = scopes.client_of(request)
        if client is None:
            return response
        retry_after = getattr(request, "api_retry_after", None)
        if response.status_code == 429 and retry_after is not None:
            response["Retry-After"] = str(retry_after)
        services.api_call_record(
            client=client,
            method=request.method or "",
            path=request.path,
            status=response.status_code,
            duration_ms=int((time.monotonic() - started) * 1000),
            remote_address=ratelimit.client_address(request),
        )
        return response
