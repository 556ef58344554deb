"""Every figure of a month with known dossiers, asserted exactly (domain.md §6, index-766.md)."""

from __future__ import annotations

import datetime as dt

import pytest

from motcua.dossiers.models import Dossier
from motcua.reports import query
from tests.reports.conftest import LATER, MARCH, World

pytestmark = pytest.mark.django_db


def test_every_figure_of_the_month(world: World, month: dict[str, Dossier]) -> None:
    f = query.figures(query.Selection.of(world.department), *MARCH, today=LATER)
    assert (f.received_online, f.received_counter, f.received_postal, f.carried_over) == (2, 7, 0, 1)
    assert (f.received_in_period, f.received_total) == (9, 10)
    assert (f.resolved_early, f.resolved_on_time, f.resolved_late, f.resolved) == (2, 0, 3, 5)
    assert (f.in_progress, f.in_progress_within_time, f.in_progress_overdue) == (3, 2, 1)
    p = f.period
    assert (p.refused, p.withdrawn, p.stopped, p.rejected) == (1, 1, 1, 1)
    assert (p.supplement_requests, p.multi_supplement) == (3, 1)
    assert f.on_time_rate == 40.0
    assert f.online_rate == 22.22
    # working minutes, pauses excluded: A 540, B 2,930, H 2,460 - 960, I 3,420, L 1,020
    assert p.processing_minutes == 9410
    assert f.average_processing_days == 3.92
    assert (p.with_fees, p.paid_online, f.paid_online_rate) == (9, 0, 0.0)
    assert (p.electronic_result, p.reused, p.population_data) == (0, 0, 0)
    assert (p.rated, p.rating_points, p.very_satisfied, p.not_satisfied, f.satisfaction_points) == (1, 16, 1, 0, 16.0)


def test_the_drill_down_lists_the_dossiers(world: World, month: dict[str, Dossier]) -> None:
    selection = query.Selection.of(world.department)

    def codes(name: str) -> set[str]:
        ids = query.drill_down(selection, name, *MARCH, today=LATER).values_list("dossier_id", flat=True)
        return set(Dossier.objects.filter(pk__in=list(ids)).values_list("code", flat=True))

    def of(*letters: str) -> set[str]:
        return {month[x].code for x in letters}

    assert codes("carried_over") == of("C")
    assert codes("received_online") == of("A", "K")
    assert codes("resolved_late") == of("B", "H", "I")
    assert codes("in_progress_overdue") == of("C")
    assert codes("in_progress_within_time") == of("D", "G")
    assert codes("multi_supplement") == of("H")
    assert codes("rejected") == of("E")


def test_a_running_period_judges_overdue_today(world: World, month: dict[str, Dossier]) -> None:
    # on 17 March: C (due 3 March) is overdue; B was closed late on 10 March; G is paused
    f = query.figures(
        query.Selection.of(world.department), dt.date(2026, 3, 1), dt.date(2026, 3, 31), today=dt.date(2026, 3, 17)
    )
    assert f.in_progress_overdue == 1


def test_parents_count_their_agencies_and_others_count_nothing(world: World, month: dict[str, Dossier]) -> None:
    parent = query.figures(query.Selection.of(world.committee), *MARCH, today=LATER)
    assert (parent.received_total, parent.resolved, parent.in_progress) == (10, 5, 3)
    other = query.figures(query.Selection.of(world.other_department), *MARCH, today=LATER)
    assert (other.received_total, other.resolved, other.on_time_rate) == (0, 0, None)


def test_periods_of_any_shape_add_up(world: World, month: dict[str, Dossier]) -> None:
    selection = query.Selection.of(world.department)
    halves = [
        query.figures(selection, dt.date(2026, 3, 1), dt.date(2026, 3, 15), today=LATER),
        query.figures(selection, dt.date(2026, 3, 16), dt.date(2026, 3, 31), today=LATER),
    ]
    whole = query.figures(selection, *MARCH, today=LATER)
    assert sum(h.received_in_period for h in halves) == whole.received_in_period
    assert sum(h.resolved for h in halves) == whole.resolved
    assert halves[1].carried_over == halves[0].in_progress
    year = query.figures(selection, dt.date(2026, 1, 1), dt.date(2026, 12, 31), today=dt.date(2027, 1, 1))
    assert year.received_in_period == 11 and year.carried_over == 0
