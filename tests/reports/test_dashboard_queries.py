"""The statistics dashboard of the back office reads a fixed number of queries, whatever the number of ranked
units: the per-unit figures, index 766 and targets are read grouped by agency, not unit by unit."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from motcua.dossiers.models import Dossier
from tests.reports.conftest import World
from tests.reports.province import add_targets, add_units

pytestmark = pytest.mark.django_db

DASHBOARD = "/can-bo/thong-ke/"
#: the province view must stay under this many queries, whatever the number of units
MOST = 40


def render(world: World, params: dict[str, str]) -> tuple[int, Any]:
    client = Client()
    client.force_login(world.monitor.user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(DASHBOARD, params)
    assert response.status_code == 200
    return len(queries), response


@pytest.mark.parametrize(
    "params",
    [
        pytest.param({"kind": "year", "year": "2026"}, id="province-year"),
        pytest.param({"kind": "month", "year": "2026", "number": "3"}, id="province-month"),
        pytest.param({"agency": "000.00.00.H21", "from": "2026-01-15", "to": "2026-03-20"}, id="committee-range"),
    ],
)
def test_queries_do_not_grow_with_units(world: World, month: dict[str, Dossier], params: dict[str, str]) -> None:
    units = add_units(world, 3)
    add_targets(world, units)
    # an agency's view also shows the gaps of the agency itself
    itself = 1 if "agency" in params else 0
    few, response = render(world, params)
    # the two departments of the small province and the three new units are ranked, each with targets
    assert len(response.context["ranking"]["rows"]) == 5
    assert len(response.context["gaps"]) == (5 + itself) * 2 + 1
    add_units(world, 3)
    many, response = render(world, params)
    assert len(response.context["ranking"]["rows"]) == 8
    assert len(response.context["gaps"]) == (8 + itself) * 2 + 1
    assert many == few
    assert many <= MOST


def test_a_dozen_units_render_time(world: World, month: dict[str, Dossier]) -> None:
    """Informative: the time of one render of the province with a dozen units (printed with -s, not asserted)."""
    add_targets(world, add_units(world, 12))
    render(world, {"kind": "year", "year": "2026"})  # warm up (translations, templates)
    began = time.perf_counter()
    count, response = render(world, {"kind": "year", "year": "2026"})
    elapsed = time.perf_counter() - began
    assert len(response.context["ranking"]["rows"]) == 14
    print(f"\nprovince dashboard, 14 units: {count} queries, {elapsed * 1000:.0f} ms")  # noqa: T201
