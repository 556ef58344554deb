"""A NUL character in a query string or a JSON or form body is refused before any view (PostgreSQL cannot
store it, so it would otherwise end as a server error)."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_nul_in_api_json_is_a_400_problem() -> None:
    response = Client().post(
        "/api/v1/auth/token", '{"username": "a\\u0000b", "password": "x"}', content_type="application/json"
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json" and "NUL" in response.json()["detail"]


def test_nul_in_query_or_form_is_a_400() -> None:
    assert Client().get("/api/v1/lookup", {"code": "a\x00b", "id_number": "1"}).status_code == 400
    assert Client().post("/dang-nhap/", {"username": "a\x00", "password": "x"}).status_code == 400


def test_ordinary_input_passes() -> None:
    response = Client().post(
        "/api/v1/auth/token", '{"username": "khong-co", "password": "x"}', content_type="application/json"
    )
    assert response.status_code == 401
