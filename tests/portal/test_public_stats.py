"""The public figures page /thong-ke/ and its open data: province totals only, for everyone, cached."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client

from motcua.dossiers import services
from motcua.dossiers.models import Dossier
from tests.portal.conftest import World, at, submit_counter, submit_online

pytestmark = pytest.mark.django_db

TODAY = "2026-04-15 10:00"  # the page is read on 15 April 2026


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


def received(world: World, dossier: Dossier, when: str) -> Dossier:
    return services.dossier_receive(dossier=dossier, actor=world.officer.user, at=at(when))


def decided(world: World, dossier: Dossier, when: str) -> Dossier:
    moment = at(when)
    for actor in (world.officer, world.specialist, world.head):
        services.dossier_forward(dossier=dossier, actor=actor.user, at=moment)
    return services.dossier_approve(dossier=dossier, actor=world.leader.user, outcome="granted", at=moment)


@pytest.fixture
def march(world: World) -> dict[str, Dossier]:
    d: dict[str, Dossier] = {}
    # online, received 2 March, decided the next day: early
    d["early"] = received(world, submit_online(world, "2026-03-02 08:00"), "2026-03-02 09:00")
    decided(world, d["early"], "2026-03-03 10:00")
    # at the counter 2 March, decided 10 March after its due instant: late
    d["late"] = received(world, submit_counter(world, "2026-03-02 09:10"), "2026-03-02 09:10")
    decided(world, d["late"], "2026-03-10 10:00")
    # received in December 2025: in the last 12 months, not in this year
    d["december"] = received(world, submit_counter(world, "2025-12-01 09:00"), "2025-12-01 09:00")
    for dossier in d.values():
        dossier.refresh_from_db()
    return d


def get(url: str) -> object:
    with time_machine.travel(at(TODAY), tick=False):
        return Client().get(url)


def test_page_shows_province_figures_to_anyone(world: World, march: dict[str, Dossier]) -> None:
    response = get("/thong-ke/")
    assert response.status_code == 200  # type: ignore[attr-defined]
    rows = {row["label"]: row["values"] for row in response.context["figures"]}  # type: ignore[attr-defined]
    # this year so far: 2 received (1 online), 2 resolved (1 early, 1 late); last 12 months: 3 received
    assert rows == {
        "Hồ sơ tiếp nhận": ["2", "3"],
        "Tỷ lệ tiếp nhận trực tuyến": ["50 %", "33,33 %"],
        "Hồ sơ đã giải quyết": ["2", "2"],
        "Tỷ lệ giải quyết đúng hạn": ["50 %", "50 %"],
        "Điểm hài lòng trung bình (thang 18 điểm)": ["N/A", "N/A"],
    }
    html = response.content.decode()  # type: ignore[attr-defined]
    assert "33,33 %" in html
    assert "Chỉ số phục vụ người dân, doanh nghiệp (Quyết định 766)" in html
    assert "Tiến độ giải quyết" in html  # a group of the index
    assert 'role="img"' in html  # the trend chart
    assert 'href="/thong-ke/du-lieu-mo.csv"' in html and 'href="/thong-ke/du-lieu-mo.json"' in html
    assert "CC BY 4.0" in html


def test_page_has_no_personal_data_nor_dossier_codes(world: World, march: dict[str, Dossier]) -> None:
    html = get("/thong-ke/").content.decode()  # type: ignore[attr-defined]
    assert march["early"].applicant_name == "Nguyễn Văn An"
    assert "Nguyễn Văn An" not in html
    assert "052090001234" not in html
    for dossier in march.values():
        assert dossier.code not in html
    assert "/can-bo/" not in html


def test_page_is_cached_for_five_minutes(world: World, march: dict[str, Dossier]) -> None:
    first = get("/thong-ke/")
    received(world, submit_counter(world, "2026-04-01 09:00"), "2026-04-01 09:00")
    again = get("/thong-ke/")
    assert again.context["figures"][0]["values"] == first.context["figures"][0]["values"] == ["2", "3"]  # type: ignore[attr-defined]
    cache.clear()
    assert get("/thong-ke/").context["figures"][0]["values"] == ["3", "4"]  # type: ignore[attr-defined]


def test_open_data_csv(world: World, march: dict[str, Dossier]) -> None:
    response = get("/thong-ke/du-lieu-mo.csv")
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert response["Content-Type"] == "text/csv; charset=utf-8"  # type: ignore[index]
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8"))))  # type: ignore[attr-defined]
    assert [row["month"] for row in rows][:2] == ["2024-05", "2024-06"]
    assert len(rows) == 24 and rows[-1]["month"] == "2026-04"
    by_month = {row["month"]: row for row in rows}
    assert (by_month["2026-03"]["received_online"], by_month["2026-03"]["resolved"]) == ("1", "2")
    assert by_month["2026-03"]["on_time_rate"] == "50.0"
    assert by_month["2025-12"]["received_counter_or_postal"] == "1"
    assert by_month["2025-06"]["on_time_rate"] == ""  # nothing resolved: N/A is empty


def test_open_data_json(world: World, march: dict[str, Dossier]) -> None:
    response = get("/thong-ke/du-lieu-mo.json")
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert response["Content-Type"] == "application/json"  # type: ignore[index]
    data = json.loads(response.content)  # type: ignore[attr-defined]
    assert data["licence"] == "CC BY 4.0"
    assert len(data["rows"]) == 24
    march_row = next(row for row in data["rows"] if row["month"] == "2026-03")
    assert (march_row["received_online"], march_row["resolved"], march_row["on_time_rate"]) == (1, 2, 50.0)
    assert data["rows"][0]["on_time_rate"] is None
    assert "Nguyễn Văn An" not in response.content.decode()  # type: ignore[attr-defined]


def test_page_in_english_is_cached_apart(world: World, march: dict[str, Dossier]) -> None:
    vietnamese = get("/thong-ke/").content.decode()  # type: ignore[attr-defined]
    with time_machine.travel(at(TODAY), tick=False):
        english = Client(headers={"Accept-Language": "en"}).get("/thong-ke/")
    assert english.status_code == 200
    assert "33,33 %" in vietnamese
    assert "33.33 %" in english.content.decode()
