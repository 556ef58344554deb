"""A NUL character in a query string or a JSON or form body is refused before any view (PostgreSQL cannot
store it, so it would otherwise end as a server error)."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_nul_in_api_json_is_a_422_problem_naming_the_field() -> None:
    response = Client().post(
        "/api/v1/auth/token",
        '{"username": "a\\u0000b", "password": "x", "more": [{"x": "\\u0000"}]}',
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == ["username", "more[0].x"]


def test_nul_in_query_or_form_is_refused() -> None:
    answer = Client().get("/api/v1/lookup", {"code": "a\x00b", "id_number": "1"})
    assert answer.status_code == 422 and answer.json()["errors"][0]["field"] == "code"
    # pages use forms, which refuse NUL with a readable message of their own
    page = Client().post("/dang-nhap/", {"username": "a\x00", "password": "x"})
    assert page.status_code in (200, 400) and page.status_code != 500


def test_ordinary_input_passes() -> None:
    response = Client().post(
        "/api/v1/auth/token", '{"username": "khong-co", "password": "x"}', content_type="application/json"
    )
    assert response.status_code == 401
