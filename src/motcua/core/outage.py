"""Clean answers while the database is unreachable, and for any other unexpected error.

Registered as the project's `handler500` (urls.py): Django calls it for every exception no view or middleware
handled, wherever it was raised (a view, the session or authentication middleware, a template), with the
exception still current. A lost database (`OperationalError`, `InterfaceError`: the server restarting, a
failover, a network cut) is a temporary condition, not a bug: the answer is 503 with `Retry-After`, as
problem+json under /api/ and as a short Vietnamese page elsewhere. Any other error stays a 500, in the same
two forms. Neither shows a trace, a query or a server address (those go to the log), and neither touches the
database: the page is rendered without the request's context processors (no session, no user).

Recovery needs nothing from an operator: `CONN_HEALTH_CHECKS` (on with `DATABASE_URL`, see settings.py) makes
each request check a persistent connection before using it, so the first request after the server is back
opens a new one.
"""

from __future__ import annotations

import json
import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5
PROBLEM_CONTENT_TYPE = "application/problem+json"


def is_database_outage(exc: BaseException | None) -> bool:
    """A failure to reach or keep the database (not a constraint or a bad query: those are bugs)."""
    return isinstance(exc, OperationalError | InterfaceError)


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _problem(status: int, title: str, detail: str) -> HttpResponse:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    return HttpResponse(json.dumps(body, ensure_ascii=False), status=status, content_type=PROBLEM_CONTENT_TYPE)


def _page(template: str, status: int, fallback: str) -> HttpResponse:
    try:
        content = loader.get_template(template).render({"status": status})
    except Exception:  # an error page must never fail itself (a missing template or static manifest entry)
        logger.exception("error page %s could not be rendered", template)
        content = f"<!doctype html><title>{fallback}</title><h1>{fallback}</h1>"
    return HttpResponse(content, status=status, content_type="text/html; charset=utf-8")


def unavailable(request: HttpRequest) -> HttpResponse:
    """503 while the database is unreachable; clients retry after `Retry-After` seconds."""
    if _is_api(request):
        response = _problem(
            503,
            "Service Unavailable",
            _("Hệ thống tạm thời gián đoạn, vui lòng thử lại sau ít phút."),
        )
    else:
        response = _page("503.html", 503, _("Hệ thống tạm thời gián đoạn"))
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """`handler500`: 503 for a lost database, otherwise a plain 500; never a trace."""
    exc = sys.exc_info()[1]
    if is_database_outage(exc):
        logger.warning("database unavailable while serving %s %s: %s", request.method, request.path, exc)
        return unavailable(request)
    if _is_api(request):
        return _problem(500, "Internal Server Error", _("Đã có lỗi xảy ra; lỗi đã được ghi lại để xử lý."))
    return _page("500.html", 500, _("Đã có lỗi xảy ra"))
