"""Biểu 06 figures for an agency and a period: `reports.summary` and `GET /api/v1/stats/summary`."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from motcua.api.auth import issue_token
from motcua.dossiers import services
from motcua.dossiers.models import Dossier
from motcua.reports.summary import summary
from tests.reports.conftest import World, at, submit_counter, submit_online

pytestmark = pytest.mark.django_db

MARCH = {"agency": "000.00.02.H21", "from": "2026-03-01", "to": "2026-03-31"}


def received(world: World, dossier: Dossier, when: str) -> Dossier:
    return services.dossier_receive(dossier=dossier, actor=world.officer.user, at=at(when))


def decided(world: World, dossier: Dossier, when: str) -> Dossier:
    moment = at(when)
    for actor in (world.officer, world.specialist, world.head):
        services.dossier_forward(dossier=dossier, actor=actor.user, at=moment)
    return services.dossier_approve(dossier=dossier, actor=world.leader.user, outcome="granted", at=moment)


@pytest.fixture
def march(world: World) -> World:
    # online, received Monday 2 March 09:00 (due 9 March 09:00), decided the next day: early
    early = submit_online(world, "2026-03-02 08:00")
    received(world, early, "2026-03-02 09:00")
    decided(world, early, "2026-03-03 10:00")
    # at the counter 2 March, decided 10 March, after its due instant: late
    late = submit_counter(world, "2026-03-02 09:10")
    received(world, late, "2026-03-02 09:10")
    decided(world, late, "2026-03-10 10:00")
    # received in February and still open at the end of March: carried over, overdue
    carried = submit_counter(world, "2026-02-24 09:00")
    received(world, carried, "2026-02-24 09:00")
    # received 30 March, due 6 April: in progress within time at the end of March
    recent = submit_counter(world, "2026-03-30 09:00")
    received(world, recent, "2026-03-30 09:00")
    # refused at reception: never received; received in April: outside the period
    refused = submit_counter(world, "2026-03-05 09:00")
    services.dossier_reject(
        dossier=refused, actor=world.officer.user, reason="Không thuộc thẩm quyền", at=at("2026-03-05 09:05")
    )
    april = submit_counter(world, "2026-04-01 09:00")
    received(world, april, "2026-04-01 09:00")
    return world


EXPECTED = {
    "agency": "000.00.02.H21",
    "from": "2026-03-01",
    "to": "2026-03-31",
    "received": {"total": 4, "online": 1, "counter_or_postal": 2, "carried_over": 1},
    "resolved": {"total": 2, "early": 1, "on_time": 0, "late": 1},
    "in_progress": {"total": 2, "within_time": 1, "overdue": 1},
    "on_time_rate": 50.0,
    "online_rate": 33.33,
}


def test_summary_of_a_month(march: World) -> None:
    figures = summary(agency=march.department, start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 31))
    assert figures.as_contract() == EXPECTED


def test_a_parent_agency_counts_its_sub_agencies(march: World) -> None:
    figures = summary(agency=march.committee, start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 31)).as_contract()
    assert figures["received"] == EXPECTED["received"]
    assert figures["agency"] == "000.00.00.H21"


def test_another_agency_counts_none_of_them(march: World) -> None:
    figures = summary(agency=march.other_department, start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 31)).as_contract()
    assert figures["received"]["total"] == 0 and figures["on_time_rate"] == 0.0


def get(user: Any, **params: str) -> Any:
    headers = {"authorization": f"Bearer {issue_token(user)}"} if user is not None else {}
    return Client().get("/api/v1/stats/summary", {**MARCH, **params}, headers=headers)


def test_the_api_answers_in_the_contract_shape(march: World) -> None:
    response = get(march.monitor.user)
    assert response.status_code == 200
    assert response.json() == EXPECTED


@pytest.mark.parametrize(
    ("who", "status"),
    [("monitor", 200), ("leader", 200), ("other_leader", 403), ("officer", 403), ("specialist", 403), ("citizen", 403)],
)
def test_only_reporting_rights_over_the_agency_see_its_figures(march: World, who: str, status: int) -> None:
    assert get(march.users()[who]).status_code == status


def test_bad_requests(march: World) -> None:
    assert get(None).status_code == 401
    assert get(march.monitor.user, agency="000.99.99.H21").status_code == 404
    assert get(march.monitor.user, **{"from": "2026-04-01", "to": "2026-03-01"}).status_code == 422
    assert get(march.monitor.user, **{"from": "2026-13-01"}).status_code == 422
