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


# --- Content-Security-Policy and the other browser security headers (issue 9) ---------------------------------
# Every page of motcua is served without inline script or style (the templates link static files only), so the
# policy below forbids both. A response that sets its own policy (the file views send "default-src 'none';
# sandbox") keeps it. The Django admin under /quan-tri/ gets the same policy except that inline style
# attributes are allowed there (a few admin previews format text with `style=`); it has no inline scripts.

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'self'; form-action 'self'{form_action}; frame-ancestors 'none'"
)
ADMIN_STYLE_SOURCES = "style-src 'self' 'unsafe-inline'"
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=()"
)


def _origin(url: str) -> str:
    """`https://host[:port]` of a URL, or "" when it is not an absolute http(s) URL."""
    from urllib.parse import urlsplit

    parts = urlsplit(url or "")
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        return ""
    return f"{parts.scheme}://{parts.netloc}"


def form_action_origins() -> list[str]:
    """Other origins a form may lead to: the payment gateways a payment form redirects to after its POST."""
    from django.conf import settings

    found: list[str] = []
    for name in ("MOTCUA_VNPAY_PAYMENT_URL", "MOTCUA_PAYGOV_URL"):
        origin = _origin(str(getattr(settings, name, "") or ""))
        if origin and origin not in found:
            found.append(origin)
    return found


def content_security_policy(path: str) -> str:
    extra = "".join(f" {origin}" for origin in form_action_origins())
    policy = CONTENT_SECURITY_POLICY.format(form_action=extra)
    if path.startswith("/quan-tri/"):
        policy = policy.replace("style-src 'self'", ADMIN_STYLE_SOURCES, 1)
    return policy


class SecurityHeadersMiddleware:
    """Content-Security-Policy, Permissions-Policy and Cross-Origin-Opener-Policy on every response.

    Django's SecurityMiddleware already sends nosniff, Referrer-Policy and HSTS, and XFrameOptionsMiddleware
    X-Frame-Options; this adds what Django 5.2 does not. Applied to every response (JSON and files too: a
    policy on a non-HTML answer costs nothing and protects a browser that renders one by mistake), except
    that a response carrying its own Content-Security-Policy keeps it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from django.conf import settings

        response = self.get_response(request)
        # with DEBUG on, Django's technical error pages use inline style and script: leave them readable
        debug_page = settings.DEBUG and response.status_code >= 400
        if "Content-Security-Policy" not in response and not debug_page:
            response["Content-Security-Policy"] = content_security_policy(request.path)
        if "Permissions-Policy" not in response:
            response["Permissions-Policy"] = PERMISSIONS_POLICY
        if "Cross-Origin-Opener-Policy" not in response:
            response["Cross-Origin-Opener-Policy"] = "same-origin"
        return response


class InputGuardMiddleware:
    """Refuse two kinds of input before any view sees them (issue 9).

    - A NUL character in the path (`/api/v1/dossiers/%00`): no code or id holds one, and PostgreSQL cannot
      compare text with one (a server error). The API answers a 404 problem, a page its 404 page.
    - An API request whose body is over DATA_UPLOAD_MAX_MEMORY_SIZE: Django refuses such a body only when it
      is read, with a plain 400 page; under /api/ the client gets a 413 problem+json before anything reads
      it. Multipart bodies (uploads) are left to Django and to the upload checks: their files do not count
      against that limit.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    @staticmethod
    def _problem(status: int, title: str, detail: str) -> HttpResponse:
        body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status, "detail": detail}
        return HttpResponse(json.dumps(body), status=status, content_type="application/problem+json")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from django.conf import settings
        from django.http import Http404
        from django.utils.translation import gettext as _

        api = request.path.startswith("/api/")
        if NUL in request.path:
            if not api:
                raise Http404
            # no resource has a NUL in its code: "not found", as the routers answer for one they see
            return self._problem(404, "Not found", _("Không tìm thấy (đường dẫn chứa ký tự NUL)."))
        limit = getattr(settings, "DATA_UPLOAD_MAX_MEMORY_SIZE", None)
        kind = request.META.get("CONTENT_TYPE", "").split(";", 1)[0].strip().lower()
        if not api or limit is None or kind == "multipart/form-data":
            return self.get_response(request)
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length <= limit:
            return self.get_response(request)
        megabytes = max(1, limit // (1024 * 1024))
        return self._problem(
            413, "Payload too large", _("Nội dung yêu cầu quá lớn (tối đa %(mb)s MB).") % {"mb": megabytes}
        )
