"""Deadline jobs with time travel: steps due soon and late, late dossiers, late online receptions, apologies.

The specialist's step of a dossier received and forwarded on Monday 2026-03-02 at 09:00 gets 28 of the 40
working hours of the procedure: it is due on Thursday 2026-03-05 at 15:00; the dossier is due on Monday
2026-03-09 at 09:00 (office hours 07:00-11:30 and 13:30-17:00).
"""

from __future__ import annotations

from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from motcua.core.outbox import OutboxEvent
from motcua.dossiers import deadlines, selectors, services, tasks
from motcua.dossiers.models import DeadlineAlert, Dossier
from motcua.org.models import Role
from tests.dossiers.conftest import World, at, submit_counter, submit_online
from tests.factories import make_staff

Kind = DeadlineAlert.Kind


def _processing(world: World, when: str = "2026-03-02 09:00") -> Dossier:
    dossier = submit_counter(world, "2026-03-02 08:00")
    services.dossier_receive(dossier=dossier, actor=world.officer.user, at=at(when))
    services.dossier_forward(dossier=dossier, actor=world.officer.user, at=at(when))
    dossier.refresh_from_db()
    return dossier


def _alerts(**filters: Any) -> list[tuple[str, str, str | None]]:
    """(kind, recipient, step name) of the alerts, sorted."""
    return sorted(
        (alert.kind, alert.recipient.user.username, alert.step.name if alert.step else None)
        for alert in DeadlineAlert.objects.filter(**filters).select_related("recipient__user", "step")
    )


def _alert_events() -> list[dict[str, Any]]:
    return sorted(
        (event.payload for event in OutboxEvent.objects.filter(topic="staff.alert")),
        key=lambda payload: (payload["kind"], payload["recipient"]),
    )


def test_the_step_dates_of_the_scenario(world: World) -> None:
    dossier = _processing(world)
    assert dossier.current_step is not None
    assert (dossier.current_step.due_at, dossier.due_at) == (at("2026-03-05 15:00"), at("2026-03-09 09:00"))
    assert dossier.current_step.assignee == world.specialist


def test_sweep_alerts_the_assignee_and_the_unit_head_inside_the_lead_window_then_when_late(world: World) -> None:
    dossier = _processing(world)
    step_name = dossier.current_step.name if dossier.current_step else ""
    # 4 working hours before Thursday 15:00 is Thursday 09:00
    report = deadlines.sweep_deadlines(now=at("2026-03-05 08:59"))
    assert (report.examined, report.total) == (0, 0)
    assert deadlines.sweep_deadlines(now=at("2026-03-04 16:00")).total == 0

    report = deadlines.sweep_deadlines(now=at("2026-03-05 09:00"))
    assert (report.examined, report.as_dict()["created"]) == (1, {"step_due_soon": 2})
    assert _alerts() == [
        (Kind.STEP_DUE_SOON, "chuyenvien", step_name),
        (Kind.STEP_DUE_SOON, "truongphong", step_name),
    ]
    alert = DeadlineAlert.objects.get(recipient=world.specialist)
    assert (alert.dossier, alert.step, alert.due_at, alert.created_at, alert.read_at) == (
        dossier,
        dossier.current_step,
        at("2026-03-05 15:00"),
        at("2026-03-05 09:00"),
        None,
    )
    assert _alert_events() == [
        {
            "kind": "step_due_soon",
            "code": dossier.code,
            "recipient": "chuyenvien",
            "due_at": "2026-03-05T08:00:00+00:00",
        },
        {
            "kind": "step_due_soon",
            "code": dossier.code,
            "recipient": "truongphong",
            "due_at": "2026-03-05T08:00:00+00:00",
        },
    ]
    assert set(OutboxEvent.objects.filter(topic="staff.alert").values_list("subject", flat=True)) == {dossier.code}

    # running again (and again later in the window) alerts nobody twice and emits nothing more
    assert deadlines.sweep_deadlines(now=at("2026-03-05 09:00")).total == 0
    assert deadlines.sweep_deadlines(now=at("2026-03-05 14:59")).total == 0
    assert DeadlineAlert.objects.count() == 2
    assert OutboxEvent.objects.filter(topic="staff.alert").count() == 2

    # the step is late at 15:00 and one instant: the same two people hear about it, once
    assert deadlines.sweep_deadlines(now=at("2026-03-05 15:00")).total == 0
    report = deadlines.sweep_deadlines(now=at("2026-03-05 15:01"))
    assert report.as_dict()["created"] == {"step_overdue": 2}
    assert deadlines.sweep_deadlines(now=at("2026-03-06 10:00")).total == 0
    assert _alerts(kind=Kind.STEP_OVERDUE) == [
        (Kind.STEP_OVERDUE, "chuyenvien", step_name),
        (Kind.STEP_OVERDUE, "truongphong", step_name),
    ]

    # the dossier itself is late after Monday 09:00
    assert deadlines.sweep_deadlines(now=at("2026-03-09 09:00")).total == 0
    report = deadlines.sweep_deadlines(now=at("2026-03-09 09:30"))
    assert report.as_dict()["created"] == {"dossier_overdue": 2}
    assert _alerts(kind=Kind.DOSSIER_OVERDUE) == [
        (Kind.DOSSIER_OVERDUE, "chuyenvien", None),
        (Kind.DOSSIER_OVERDUE, "truongphong", None),
    ]
    assert deadlines.sweep_deadlines(now=at("2026-03-10 09:30")).total == 0
    assert DeadlineAlert.objects.count() == OutboxEvent.objects.filter(topic="staff.alert").count() == 6


def test_the_next_step_warns_its_own_people(world: World) -> None:
    dossier = _processing(world)
    services.dossier_forward(dossier=dossier, actor=world.specialist.user, at=at("2026-03-03 09:00"))
    dossier.refresh_from_db()
    step = dossier.current_step
    assert step is not None and step.assignee == world.head and step.due_at == at("2026-03-03 17:00")
    # due 17:00, warned from 11:00; the division head heads the unit: the agency leader hears about it
    assert deadlines.sweep_deadlines(now=at("2026-03-03 10:59")).total == 0
    assert deadlines.sweep_deadlines(now=at("2026-03-03 11:00")).as_dict()["created"] == {"step_due_soon": 2}
    assert _alerts() == [
        (Kind.STEP_DUE_SOON, "lanhdao", step.name),
        (Kind.STEP_DUE_SOON, "truongphong", step.name),
    ]


def test_the_lead_time_is_a_setting_in_working_hours(world: World, settings: Any) -> None:
    _processing(world)
    settings.MOTCUA_DEADLINE_LEAD_HOURS = 8
    # 8 working hours before Thursday 15:00 is Wednesday 15:00 (and not Wednesday night)
    assert deadlines.sweep_deadlines(now=at("2026-03-04 14:59")).total == 0
    assert deadlines.sweep_deadlines(now=at("2026-03-04 15:00")).total == 2


def test_an_unassigned_step_warns_every_candidate_and_the_agency_leader(world: World) -> None:
    make_staff(Role.SPECIALIST, agency=world.department, username="chuyenvien2")
    dossier = _processing(world)
    assert dossier.current_step is not None and dossier.current_step.assignee is None
    deadlines.sweep_deadlines(now=at("2026-03-05 10:00"))
    assert [(kind, user) for kind, user, _step in _alerts()] == [
        (Kind.STEP_DUE_SOON, "chuyenvien"),
        (Kind.STEP_DUE_SOON, "chuyenvien2"),
        (Kind.STEP_DUE_SOON, "lanhdao"),
    ]


def test_paused_and_finished_dossiers_get_nothing(world: World) -> None:
    paused = _processing(world)
    services.dossier_request_supplement(
        dossier=paused, actor=world.specialist.user, reason="Thiếu", components=["TP1"], at=at("2026-03-03 08:00")
    )
    stopped = _processing(world)
    services.dossier_stop(dossier=stopped, actor=world.leader.user, reason="Dừng", at=at("2026-03-03 08:00"))
    for when in ("2026-03-05 10:00", "2026-03-06 10:00", "2026-03-20 10:00"):
        assert deadlines.sweep_deadlines(now=at(when)).total == 0
        assert deadlines.flag_apology_needed(now=at(when)).total == 0
    assert DeadlineAlert.objects.count() == 0
    assert not OutboxEvent.objects.filter(topic="staff.alert").exists()


def test_an_online_dossier_not_received_within_8_working_hours_alerts_the_one_stop_officers(world: World) -> None:
    other_officer = make_staff(Role.ONE_STOP_OFFICER, agency=world.centre, username="tiepnhan2")
    make_staff(Role.SPECIALIST, agency=world.centre, username="khongphaimotcua")
    waiting = submit_online(world, "2026-03-02 08:00")
    received = submit_online(world, "2026-03-02 08:00")
    services.dossier_receive(dossier=received, actor=world.officer.user, at=at("2026-03-02 10:00"))
    assert (waiting.receiving_agency, waiting.reception_due_at) == (world.centre, at("2026-03-03 08:00"))

    assert deadlines.flag_reception_overdue(now=at("2026-03-03 08:00")).total == 0
    report = deadlines.flag_reception_overdue(now=at("2026-03-03 08:01"))
    assert (report.examined, report.as_dict()["created"]) == (1, {"reception_overdue": 2})
    assert deadlines.flag_reception_overdue(now=at("2026-03-04 08:00")).total == 0
    assert _alerts() == [(Kind.RECEPTION_OVERDUE, "tiepnhan", None), (Kind.RECEPTION_OVERDUE, "tiepnhan2", None)]
    assert {alert.dossier for alert in DeadlineAlert.objects.all()} == {waiting}
    assert [(p["kind"], p["code"], p["recipient"]) for p in _alert_events()] == [
        ("reception_overdue", waiting.code, "tiepnhan"),
        ("reception_overdue", waiting.code, other_officer.user.username),
    ]
    # received late: nothing more to flag
    services.dossier_receive(dossier=waiting, actor=world.officer.user, at=at("2026-03-04 09:00"))
    assert deadlines.flag_reception_overdue(now=at("2026-03-05 09:00")).examined == 0


def test_apology_is_flagged_to_the_leaders_and_the_assignee_when_less_than_a_working_day_is_left(
    world: World,
) -> None:
    dossier = _processing(world)
    extended = _processing(world)
    # due Monday 09:00: eight working hours before is Friday 09:00
    assert deadlines.flag_apology_needed(now=at("2026-03-06 09:00")).total == 0
    services.dossier_extend(
        dossier=extended,
        actor=world.leader.user,
        new_due_at=at("2026-03-12 09:00"),
        reason="Cần xác minh",
        at=at("2026-03-06 08:00"),
    )
    report = deadlines.flag_apology_needed(now=at("2026-03-06 09:30"))
    assert (report.examined, report.as_dict()["created"]) == (1, {"apology_needed": 2})
    assert _alerts() == [(Kind.APOLOGY_NEEDED, "chuyenvien", None), (Kind.APOLOGY_NEEDED, "lanhdao", None)]
    assert {alert.dossier for alert in DeadlineAlert.objects.all()} == {dossier}
    assert {alert.due_at for alert in DeadlineAlert.objects.all()} == {at("2026-03-09 09:00")}
    assert deadlines.flag_apology_needed(now=at("2026-03-09 08:00")).total == 0
    assert OutboxEvent.objects.filter(topic="staff.alert").count() == 2
    # past the due instant an extension is no longer possible: nothing to flag
    assert deadlines.flag_apology_needed(now=at("2026-03-09 09:00")).examined == 0


def test_the_sweep_reads_a_page_of_dossiers_in_a_fixed_number_of_queries(world: World) -> None:
    make_staff(Role.SPECIALIST, agency=world.department, username="chuyenvien2")  # unassigned steps
    _processing(world)
    deadlines.sweep_deadlines(now=at("2026-03-05 10:00"))  # warm the calendar
    DeadlineAlert.objects.all().delete()
    with CaptureQueriesContext(connection) as one:
        deadlines.sweep_deadlines(now=at("2026-03-05 10:00"))
    for _ in range(4):
        _processing(world)
    DeadlineAlert.objects.all().delete()
    with CaptureQueriesContext(connection) as five:
        report = deadlines.sweep_deadlines(now=at("2026-03-05 10:00"))
    assert (report.examined, report.total) == (5, 15)
    assert len(five) == len(one)


def test_staff_read_their_own_alerts(world: World) -> None:
    dossier = _processing(world)
    deadlines.sweep_deadlines(now=at("2026-03-05 10:00"))
    deadlines.sweep_deadlines(now=at("2026-03-05 16:00"))
    alerts = selectors.alerts_for(world.specialist.user)
    assert [(a.kind, a.dossier.code) for a in alerts] == [
        (Kind.STEP_OVERDUE, dossier.code),
        (Kind.STEP_DUE_SOON, dossier.code),
    ]
    assert selectors.alert_count(world.specialist.user) == 2
    head_alert = DeadlineAlert.objects.filter(recipient=world.head).first()
    assert head_alert is not None
    # one's own only
    changed = deadlines.alert_mark_read(
        user=world.specialist.user, alert_ids=[alerts[1].pk, head_alert.pk], at=at("2026-03-05 16:05")
    )
    assert changed == 1
    assert selectors.alert_count(world.specialist.user) == 1
    assert selectors.alert_count(world.head.user) == 2
    assert [a.pk for a in selectors.alerts_for(world.specialist.user, unread_only=False)] == [a.pk for a in alerts]
    assert [a.pk for a in selectors.alerts_for(world.specialist.user)] == [alerts[0].pk]
    assert deadlines.alert_mark_read(user=world.citizen, alert_ids=[alerts[0].pk]) == 0
    assert selectors.alerts_for(world.citizen) == [] and selectors.alert_count(None) == 0


@pytest.mark.parametrize(
    ("task", "when", "created"),
    [
        (tasks.sweep_deadlines, "2026-03-05 10:00", {"step_due_soon": 2}),
        (tasks.flag_apology_needed, "2026-03-06 10:00", {"apology_needed": 2}),
    ],
)
def test_the_periodic_tasks_run_the_services_at_the_current_instant(
    world: World, task: Any, when: str, created: dict[str, int]
) -> None:
    _processing(world)
    with time_machine.travel(at(when), tick=False):
        assert task() == {"examined": 1, "created": created}
        assert task() == {"examined": 1, "created": {}}


def test_the_reception_task_runs_at_the_current_instant(world: World) -> None:
    submit_online(world, "2026-03-02 08:00")
    with time_machine.travel(at("2026-03-02 17:00"), tick=False):
        assert tasks.flag_reception_overdue() == {"examined": 0, "created": {}}
    with time_machine.travel(at("2026-03-03 09:00"), tick=False):
        assert tasks.flag_reception_overdue() == {"examined": 1, "created": {"reception_overdue": 1}}
