"""The counters kept up to date by every dossier event equal those `rebuild_stats` computes from scratch,
and every figure equals the number of dossiers its drill-down lists."""

from __future__ import annotations

import contextlib
import datetime as dt
import random
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db.models import Sum

from motcua.core.errors import DomainError
from motcua.dossiers import online, services
from motcua.dossiers.lifecycle import Action
from motcua.dossiers.models import Dossier, SatisfactionRating, Status
from motcua.reports import query
from motcua.reports.models import COUNTERS, DayFigures, DossierFacts, MonthFigures, YearFigures
from motcua.reports.rebuild import rebuild
from tests.dossiers.conftest import upload_pdf
from tests.reports.conftest import World, submit_counter, submit_online

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 1, 5, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))


def snapshot() -> dict[str, set[tuple[Any, ...]]]:
    """Every non-zero counter row of every grain, and every dossier's facts."""
    tables: dict[str, set[tuple[Any, ...]]] = {}
    for model in (DayFigures, MonthFigures, YearFigures):
        rows = model.objects.values_list("period", "agency_id", "procedure_id", "field_id", "channel", *COUNTERS)
        tables[model.__name__] = {row for row in rows if any(row[5:])}
    tables["facts"] = set(DossierFacts.objects.values_list())
    return tables


def act(world: World, rng: random.Random, dossier: Dossier, when: dt.datetime) -> None:
    """One random action some user may take on the dossier now (or nothing)."""
    dossier.refresh_from_db()
    people = [world.officer, world.specialist, world.head, world.leader]
    options: list[tuple[Any, Action]] = []
    for staff in people:
        options += [(staff.user, action) for action in services.actions_for(staff.user, dossier, now=when)]
    options += [(world.citizen, a) for a in services.actions_for(world.citizen, dossier, now=when)]
    # the ends of a dossier are rarer than progress
    weighted = [o for o in options if o[1] not in (Action.STOP, Action.WITHDRAW, Action.REJECT)]
    if options and (not weighted or rng.random() < 0.06):
        weighted = options
    if not weighted:
        return
    user, action = rng.choice(weighted)
    kwargs: dict[str, Any] = {"dossier": dossier, "actor": user, "at": when}
    if action in (Action.REJECT, Action.STOP, Action.WITHDRAW):
        kwargs["reason"] = "Lý do kiểm thử"
    elif action == Action.REQUEST_SUPPLEMENT:
        kwargs |= {"reason": "Thiếu giấy tờ", "components": ["TP1"]}
    elif action == Action.SUPPLEMENT:
        kwargs["documents"] = [
            services.DocumentData(component="TP1", upload_id=upload_pdf(user), reused=rng.random() < 0.5)
        ]
    elif action == Action.SEND_BACK:
        kwargs["comment"] = "Xem lại"
    elif action == Action.REQUEST_PAYMENT:
        kwargs |= {"amount": 50_000, "reason": "Lệ phí"}
    elif action == Action.APPROVE:
        kwargs["outcome"] = rng.choice(["granted", "granted", "granted", "refused"])
    elif action == Action.EXTEND:
        if dossier.due_at is None:
            return
        kwargs |= {"new_due_at": dossier.due_at + dt.timedelta(days=3), "reason": "Cần xác minh thêm"}
    elif action == Action.ASSIGN:
        return
    function = getattr(services, f"dossier_{action.value}")
    with contextlib.suppress(DomainError, PermissionDenied):
        function(**kwargs)


def scenario(world: World, seed: int) -> list[Dossier]:
    rng = random.Random(seed)
    dossiers: list[Dossier] = []
    moment = START
    for _ in range(160):
        moment += dt.timedelta(hours=rng.choice([1, 2, 5, 20, 26]))
        roll = rng.random()
        if roll < 0.22 or not dossiers:
            label = moment.astimezone(START.tzinfo).strftime("%Y-%m-%d %H:%M")
            make = submit_online if rng.random() < 0.5 else submit_counter
            dossiers.append(make(world, label))
        else:
            act(world, rng, rng.choice(dossiers), moment)
    for dossier in dossiers:
        dossier.refresh_from_db()
        if dossier.status == Status.RETURNED and dossier.account_id == world.citizen.pk and rng.random() < 0.7:
            overall = rng.choice(list(SatisfactionRating.Overall.values))
            online.rating_submit(
                dossier=dossier, actor=world.citizen, scores=[rng.randint(0, 2) for _ in range(9)], overall=overall
            )
    return dossiers


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_maintained_counters_equal_a_rebuild(world: World, seed: int) -> None:
    dossiers = scenario(world, seed)
    statuses = {d.status for d in Dossier.objects.all()}
    assert len(statuses) >= 5, statuses  # the scenario reaches many states
    maintained = snapshot()
    assert maintained["DayFigures"], "events were counted as they happened"
    result = rebuild(chunk=7)  # several chunks: reading and writing alternate on one connection
    assert result.dossiers == len(dossiers)
    assert snapshot() == maintained


def test_the_command_rebuilds_lost_counters(world: World) -> None:
    scenario(world, 4)
    maintained = snapshot()
    DayFigures.objects.all().delete()
    DossierFacts.objects.all().delete()
    call_command("rebuild_stats", verbosity=0)
    assert snapshot() == maintained


@pytest.mark.parametrize(
    ("start", "end", "today"),
    [
        (dt.date(2026, 1, 1), dt.date(2026, 1, 31), dt.date(2026, 6, 1)),
        (dt.date(2026, 1, 12), dt.date(2026, 2, 20), dt.date(2026, 6, 1)),
        (dt.date(2026, 2, 1), dt.date(2026, 12, 31), dt.date(2026, 2, 10)),
        (dt.date(2025, 1, 1), dt.date(2026, 12, 31), dt.date(2027, 1, 1)),
    ],
)
def test_every_figure_is_the_count_of_its_drill_down(
    world: World, start: dt.date, end: dt.date, today: dt.date
) -> None:
    scenario(world, 5)
    for selection in (
        query.Selection(),
        query.Selection.of(world.department),
        query.Selection.of(world.other_department),
    ):
        figures = query.figures(selection, start, end, today=today)
        for name in query.DRILL_FIGURES:
            listed = query.drill_down(selection, name, start, end, today=today)
            if name == "supplement_requests":
                count = listed.aggregate(n=Sum("supplement_requests"))["n"] or 0
            else:
                count = listed.count()
            assert count == query.figure_value(figures, name), (name, selection)
    whole = query.figures(query.Selection(), start, end, today=today)
    assert whole.received_total - whole.resolved - whole.period.withdrawn - whole.period.stopped == whole.in_progress
