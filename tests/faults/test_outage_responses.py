"""The answers of `motcua.core.outage` (the project's handler500), in process: what the restart test relies on.

A lost database (`OperationalError`, `InterfaceError`) raised by a view, by the API or by a middleware is a 503
with `Retry-After`: problem+json under /api/, a Vietnamese page elsewhere; any other unexpected error is a
500 in the same two forms. Neither shows the exception, a query or a server address.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import InterfaceError, OperationalError
from django.test import Client

from motcua.catalog import selectors as catalog_selectors
from motcua.core import middleware
from motcua.portal import views as portal_views

pytestmark = pytest.mark.django_db

SECRET_DETAIL = 'connection to server at "10.0.0.5", port 5432 failed: FATAL: the database system is shutting down'


def _raiser(exc: BaseException) -> Any:
    def boom(*args: Any, **kwargs: Any) -> Any:
        raise exc

    return boom


def _clean(body: str) -> None:
    for leak in ("10.0.0.5", "5432", "FATAL", "Traceback", "OperationalError", "InterfaceError", "RuntimeError"):
        assert leak not in body


def test_a_page_meeting_a_lost_database_answers_a_vietnamese_503(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(portal_views, "_fields", _raiser(OperationalError(SECRET_DETAIL)))
    response = Client(raise_request_exception=False).get("/")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response["Content-Type"].startswith("text/html")
    body = response.content.decode()
    assert "Hệ thống tạm thời gián đoạn" in body
    assert "Vui lòng thử lại sau ít phút" in body
    # styled by a file, not inline: the Content-Security-Policy (style-src 'self') holds on error pages too
    assert 'rel="stylesheet"' in body and "core/error" in body and "<style" not in body
    _clean(body)


def test_the_api_meeting_a_lost_database_answers_a_503_problem(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(catalog_selectors, "procedure_search", _raiser(InterfaceError(SECRET_DETAIL)))
    response = Client(raise_request_exception=False).get("/api/v1/procedures")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response["Content-Type"] == "application/problem+json"
    problem = json.loads(response.content)
    assert (problem["status"], problem["title"], problem["type"]) == (503, "Service Unavailable", "about:blank")
    assert problem["detail"]
    _clean(response.content.decode())


def test_a_middleware_meeting_a_lost_database_answers_503_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(middleware.RejectNulMiddleware, "__call__", _raiser(OperationalError(SECRET_DETAIL)))
    client = Client(raise_request_exception=False)
    page = client.get("/thu-tuc/")
    assert (page.status_code, page["Retry-After"]) == (503, "5")
    assert "Hệ thống tạm thời gián đoạn" in page.content.decode()
    api = client.get("/api/v1/procedures")
    assert (api.status_code, api["Content-Type"]) == (503, "application/problem+json")


def test_any_other_error_stays_a_plain_500(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(portal_views, "_fields", _raiser(RuntimeError(SECRET_DETAIL)))
    monkeypatch.setattr(catalog_selectors, "procedure_search", _raiser(RuntimeError(SECRET_DETAIL)))
    client = Client(raise_request_exception=False)
    page = client.get("/")
    assert page.status_code == 500
    assert not page.has_header("Retry-After")
    assert "Đã có lỗi xảy ra" in page.content.decode()
    _clean(page.content.decode())
    api = client.get("/api/v1/procedures")
    assert (api.status_code, api["Content-Type"]) == (500, "application/problem+json")
    assert json.loads(api.content)["status"] == 500
    _clean(api.content.decode())
