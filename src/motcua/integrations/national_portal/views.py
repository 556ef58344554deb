"""The simulator over HTTP: `/mo-phong/dvcqg/<endpoint>` (404 unless MOTCUA_NATIONAL_PORTAL_SIMULATOR)."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from motcua.integrations.national_portal import simulator


@csrf_exempt
@require_POST
def simulated_portal(request: HttpRequest, endpoint: str) -> HttpResponse:
    if not getattr(settings, "MOTCUA_NATIONAL_PORTAL_SIMULATOR", False):
        raise Http404
    headers = {"Idempotency-Key": request.headers.get("Idempotency-Key", "")}
    answer = simulator.handle(endpoint, request.body, headers)
    return HttpResponse(answer.body, status=answer.status, content_type="application/json; charset=utf-8")
