import pytest

from tests.factories import make_version

pytestmark = pytest.mark.django_db


def test_health_reports_database_ok(client):
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_search_ignores_diacritics(client):
    make_version(name="Đăng ký khai sinh")
    make_version(name="Cấp phiếu lý lịch tư pháp")
    response = client.get("/api/v1/procedures", {"q": "dang ky khai sinh"})
    assert response.status_code == 200
    assert [item["name"] for item in response.json()["items"]] == ["Đăng ký khai sinh"]
