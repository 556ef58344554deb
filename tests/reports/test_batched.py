"""The figures read together for many units (grouped by agency, then added up per unit) are those read unit by
unit: figures, index 766, catalogue, procedures, months of the trend, targets and gaps."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from motcua.dossiers.models import Dossier
from motcua.org.models import Agency
from motcua.reports import index766, query, targets
from motcua.reports.models import Target
from tests.reports.conftest import LATER, World
from tests.reports.province import add_targets, add_units

pytestmark = pytest.mark.django_db

#: (start, end, today): a past month, a month still running, a year still running, days across months, a
#: period with nothing before it
PERIODS = [
    pytest.param(dt.date(2026, 3, 1), dt.date(2026, 3, 31), LATER, id="march"),
    pytest.param(dt.date(2026, 3, 1), dt.date(2026, 3, 31), dt.date(2026, 3, 16), id="march-running"),
    pytest.param(dt.date(2026, 1, 1), dt.date(2026, 12, 31), dt.date(2026, 3, 22), id="year-running"),
    pytest.param(dt.date(2026, 2, 9), dt.date(2026, 3, 24), LATER, id="days"),
    pytest.param(dt.date(2025, 1, 1), dt.date(2025, 12, 31), LATER, id="year-before"),
]


@pytest.fixture
def units(world: World, month: dict[str, Dossier]) -> list[Agency]:
    """The ranked units of the province: its two departments, five more with agencies under them, and the
    provincial committee, whose agencies include all the others."""
    add_units(world, 5)
    return [world.committee, *index766.province_units()]


@pytest.mark.parametrize(("start", "end", "today"), PERIODS)
def test_figures_of_units_are_their_own_figures(
    units: list[Agency], start: dt.date, end: dt.date, today: dt.date
) -> None:
    selections = [query.Selection.of(unit) for unit in units]
    together = query.figures_of(selections, start, end, today=today)
    alone = [query.figures(selection, start, end, today=today) for selection in selections]
    assert together == alone
    # not all zeros: the units differ
    assert len({(f.received_in_period, f.in_progress, f.in_progress_overdue) for f in alone}) > 3


@pytest.mark.parametrize(("start", "end", "today"), PERIODS)
def test_index_of_units_is_their_own_index(units: list[Agency], start: dt.date, end: dt.date, today: dt.date) -> None:
    together = index766.indexes(units, start, end, today=today)
    alone = [index766.compute(query.Selection.of(unit), start, end, today=today) for unit in units]
    assert [index.as_dict() for index in together] == [index.as_dict() for index in alone]
    assert len({index.total for index in alone}) > 3
    ranked = index766.ranking(units, start, end, today=today)
    expected = sorted(zip(units, alone, strict=True), key=lambda pair: (-pair[1].total, pair[0].name))
    assert [(unit, index.as_dict()) for unit, index in ranked] == [(u, i.as_dict()) for u, i in expected]


@pytest.mark.parametrize(("start", "end", "today"), PERIODS)
def test_catalogue_and_procedures_of_units(units: list[Agency], start: dt.date, end: dt.date, today: dt.date) -> None:
    selections = [query.Selection.of(unit) for unit in units]
    catalogues = index766.catalogues(selections, start, end)
    assert catalogues == [index766.catalogue(selection, start, end) for selection in selections]
    assert len({c.total for c in catalogues}) > 2 and any(c.with_fees for c in catalogues)
    used = query.procedures_of(selections, start, end)
    for selection, found in zip(selections, used, strict=True):
        assert found["online"] == query.online_services_used(selection, start, end)
        for counter in ("paid_online", "population_data"):
            sums = query._sums(selection, start, end, ("procedure_id",), (counter,))
            assert found[counter] == {key[0] for key, values in sums.items() if values[counter] > 0}
        assert query.procedures_used(selection, start, end) == found
    # dossiers received in the period, but none online (the procedures received by post in 2025 only)
    assert any(
        found["online"] != received(selection, start, end) for selection, found in zip(selections, used, strict=True)
    )
    if start.year == 2026:
        assert any(found["paid_online"] for found in used) and any(found["population_data"] for found in used)


def received(selection: query.Selection, start: dt.date, end: dt.date) -> set[int]:
    sums = query._sums(selection, start, end, ("procedure_id",), ("received",))
    return {key[0] for key, values in sums.items() if values["received"] > 0}


def test_a_catalogue_of_every_agency(units: list[Agency]) -> None:
    """`catalogue` of no agency in particular counts the versions of every agency (and those of none)."""
    start, end = dt.date(2026, 1, 1), dt.date(2026, 12, 31)
    everything = index766.catalogue(query.Selection(), start, end)
    every_agency = frozenset(Agency.objects.values_list("pk", flat=True))
    assert index766.catalogue(query.Selection(every_agency), start, end).total == everything.total


@pytest.mark.parametrize("today", [LATER, dt.date(2026, 3, 16), dt.date(2026, 2, 1), dt.date(2025, 11, 5)])
def test_months_of_the_trend_are_the_figures_of_each_month(units: list[Agency], today: dt.date) -> None:
    months = query.last_months(12, today=dt.date(2026, 4, 30))
    for selection in (query.Selection.of(units[0]), query.Selection.of(units[3]), query.Selection()):
        together = query.monthly(selection, months, today=today)
        alone = [query.figures(selection, first, query._month_end(first), today=today) for first in months]
        assert together == alone
    assert sum(f.received_in_period for f in together) > 0 and sum(f.in_progress_overdue for f in together) > 0
    # months in any order, across years, and a month not given by its first day
    odd = [dt.date(2026, 3, 1), dt.date(2025, 11, 1), dt.date(2026, 2, 1)]
    assert query.monthly(query.Selection(), odd, today=today) == [
        query.figures(query.Selection(), first, query._month_end(first), today=today) for first in odd
    ]
    assert query.monthly(query.Selection(), [dt.date(2026, 3, 2)], today=today) == [
        query.figures(query.Selection(), dt.date(2026, 3, 2), dt.date(2026, 3, 31), today=today)
    ]
    assert query.monthly(query.Selection(), []) == []


def test_targets_of_many_agencies(world: World, units: list[Agency]) -> None:
    add_targets(world, units[3:])
    Target.objects.create(year=2026, agency=units[4], indicator=Target.Indicator.ON_TIME, value=Decimal(80))
    found = targets.targets_of(units, 2026)
    for unit in units:
        expected = targets.targets_for(unit, 2026)
        assert list(found[unit.pk].items()) == list(expected.items())  # same values, same order
    assert found[units[3].pk]["online_rate"] == Decimal(70) and found[units[4].pk]["on_time_rate"] == Decimal(80)
    assert targets.targets_of(units, 2024) == {unit.pk: {} for unit in units}


def reference_gaps(units: list[Any], year: int, start: dt.date, end: dt.date, today: dt.date) -> list[targets.Gap]:
    """The gaps as they were computed before the units were read together: unit by unit."""
    out = []
    labels = dict(Target.Indicator.choices)
    scored = [(unit, index766.compute(query.Selection.of(unit), start, end, today=today)) for unit in units]
    for unit, index in sorted(scored, key=lambda pair: (-pair[1].total, pair[0].name)):
        by_code = {i.code: i for i in index.indicators}
        for indicator, value in targets.targets_for(unit, year).items():
            actual = by_code[targets.INDICATOR_CODE[Target.Indicator(indicator)]].ratio
            gap = round((actual or 0.0) - float(value), 2)
            out.append(targets.Gap(unit, indicator, str(labels[indicator]), value, actual, gap))
    return sorted(out, key=lambda g: (g.gap, g.agency.name, g.indicator))


@pytest.mark.parametrize(("start", "end", "today"), PERIODS[:3])
def test_gaps_of_units(world: World, units: list[Agency], start: dt.date, end: dt.date, today: dt.date) -> None:
    add_targets(world, units[3:])
    found = targets.gaps(units, 2026, start, end, today=today)
    assert found == reference_gaps(units, 2026, start, end, today)
    assert len(found) == 2 * len(units) + 1
    assert {gap.met for gap in found} == {True, False}


@pytest.mark.parametrize(("start", "end", "today"), PERIODS[:3])
def test_overview_is_the_figures_and_indexes(
    world: World, units: list[Agency], start: dt.date, end: dt.date, today: dt.date
) -> None:
    every_agency = query.Selection(frozenset(Agency.objects.values_list("pk", flat=True)))
    by_field = query.Selection(every_agency.agency_ids, field_id=world.version.field_id)
    for selection in (every_agency, query.Selection.of(units[2]), by_field, query.Selection()):
        found = index766.overview(selection, units[1:], start, end, today=today)
        assert found.figures == query.figures(selection, start, end, today=today)
        assert found.index.as_dict() == index766.compute(selection, start, end, today=today).as_dict()
        assert [i.as_dict() for i in found.units] == [
            index766.compute(query.Selection.of(unit), start, end, today=today).as_dict() for unit in units[1:]
        ]


def test_selections_read_together_must_differ_by_agencies_only(units: list[Agency]) -> None:
    start, end = dt.date(2026, 3, 1), dt.date(2026, 3, 31)
    with pytest.raises(ValueError, match="agencies"):
        query.figures_of([query.Selection()], start, end)
    with pytest.raises(ValueError, match="field"):
        query.figures_of([query.Selection(frozenset({1})), query.Selection(frozenset({1}), field_id=2)], start, end)
    assert query.figures_of([], start, end) == [] and index766.indexes([], start, end) == []
