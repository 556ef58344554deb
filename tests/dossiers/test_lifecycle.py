"""Full paths of a dossier through its life, with exact statuses, national codes, due instants, timeliness.

Dates are real: the week of Monday 2 March 2026 has no holiday. The procedure takes 5 working days; the
department has a division head, so the default process is specialist (28 h) → division head (6 h) →
leader (6 h).
"""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from motcua.core import audit
from motcua.core.errors import Conflict, InvalidInput
from motcua.core.outbox import OutboxEvent
from motcua.dossiers import services
from motcua.dossiers.models import Dossier, DossierStep, Status
from tests.dossiers.conftest import World, at, submit_counter, submit_online, upload_pdf


def _reload(dossier: Dossier) -> Dossier:
    return Dossier.objects.get(pk=dossier.pk)


def _received_and_forwarded(world: World) -> Dossier:
    dossier = submit_counter(world, "2026-03-02 08:55")
    services.dossier_receive(dossier=dossier, actor=world.officer.user, at=at("2026-03-02 09:00"))
    services.dossier_forward(dossier=dossier, actor=world.officer.user, at=at("2026-03-02 09:10"))
    return _reload(dossier)


def test_counter_path_from_submission_to_return(world: World) -> None:
    dossier = submit_counter(world, "2026-03-02 08:55")
    assert dossier.code == "000.00.01.H21-260302-0001"
    assert (dossier.status, dossier.status_code, dossier.channel_code) == (Status.SUBMITTED, 1, 1)
    assert dossier.receiving_agency == world.centre
    assert dossier.competent_agency == world.department
    assert [(f.name, f.amount) for f in dossier.fees.all()] == [("Phí cấp phiếu", 200000)]

    services.dossier_receive(dossier=dossier, actor=world.officer.user, at=at("2026-03-02 09:00"))
    dossier = _reload(dossier)
    assert (dossier.status, dossier.status_code) == (Status.RECEIVED, 2)
    assert dossier.received_at == at("2026-03-02 09:00")
    assert dossier.due_at == at("2026-03-09 09:00")

    services.dossier_forward(dossier=dossier, actor=world.officer.user, at=at("2026-03-02 09:10"))
    dossier = _reload(dossier)
    assert (dossier.status, dossier.status_code) == (Status.PROCESSING, 4)
    step = dossier.current_step
    assert step is not None
    assert (step.role, step.assignee, step.due_at) == ("specialist", world.specialist, at("2026-03-05 15:10"))

    services.dossier_forward(dossier=dossier, actor=world.specialist.user, at=at("2026-03-03 10:00"))
    dossier = _reload(dossier)
    assert dossier.current_step is not None
    assert (dossier.current_step.assignee, dossier.current_step.due_at) == (world.head, at("2026-03-04 08:00"))

    services.dossier_forward(dossier=dossier, actor=world.head.user, at=at("2026-03-03 15:00"))
    dossier = _reload(dossier)
    assert dossier.current_step is not None
    assert (dossier.current_step.assignee, dossier.current_step.due_at) == (world.leader, at("2026-03-04 11:00"))
    services.dossier_approve(dossier=dossier, actor=world.leader.user, outcome="granted", at=at("2026-03-04 10:00"))
    dossier = _reload(dossier)
    assert (dossier.status, dossier.status_code, dossier.outcome) == (Status.PROCESSED, 9, "granted")
    assert dossier.finished_at == at("2026-03-04 10:00")
    assert dossier.timeliness == "early"

    services.dossier_return_result(dossier=dossier, actor=world.officer.user, at=at("2026-03-05 08:00"))
    dossier = _reload(dossier)
    assert (dossier.status, dossier.status_code) == (Status.RETURNED, 10)
    assert dossier.returned_at == at("2026-03-05 08:00")
    steps = list(dossier.steps.order_by("sequence").values_list("name", "state", "on_time"))
    assert [s[1] for s in steps] == ["done"] * 5
    assert all(s[2] for s in steps)
    actions = [e.action for e in audit.AuditEvent.objects.filter(stream=f"dossier:{dossier.pk}").order_by("seq")]
    assert actions == ["submit", "receive", "forward", "forward", "forward", "approve", "return_result"]
    assert audit.verify(f"dossier:{dossier.pk}") == []
    topics = list(OutboxEvent.objects.filter(subject=dossier.code).order_by("pk").values_list("topic", flat=True))
    assert topics[0] == "dossier.submitted"
    assert topics[-1] == "dossier.return_result"
    assert len(topics) == 7


def test_online_path_and_the_eight_hour_reception_clock(world: World) -> None:
    # submitted on Friday 16:00: 1 working hour left on Friday, 7 more on Monday (4.5 + 2.5) -> Monday 16:00
    dossier = submit_online(world, "2026-03-06 16:00")
    assert dossier.channel_code == 2
    assert dossier.receiving_agency == world.centre
    assert dossier.account == world.citizen
    assert dossier.reception_due_at == at("2026-03-09 16:00")
    assert [(f.amount) for f in dossier.fees.all()] == [100000]  # the online amount
    assert dossier.documents.count() == 2

    assert services.flag_overdue_online_receptions(now=at("2026-03-09 15:59")) == []
    assert services.flag_overdue_online_receptions(now=at("2026-03-09 16:01")) == [dossier.code]
    assert (dossier.reception_overdue(at("2026-03-09 15:59")), dossier.reception_overdue(at("2026-03-09 16:01"))) == (
        False,
        True,
    )

    services.dossier_receive(dossier=dossier, actor=world.officer.user, at=at("2026-03-09 16:30"))
    dossier = _reload(dossier)
    assert dossier.due_at == at("2026-03-16 16:30")
    assert services.flag_overdue_online_receptions(now=at("2026-03-10 08:00")) == []


def test_reception_outside_office_hours_counts_from_next_opening(world: World) -> None:
    dossier = submit_counter(world, "2026-03-02 11:40")
    services.dossier_receive(dossier=dossier, actor=world.officer.user, at=at("2026-03-02 12:00"))
    # counted from 13:30; the 40th working hour ends at Monday's 11:30 closing, which is the appointment
    assert _reload(dossier).due_at == at("2026-03-09 11:30")


def test_supplement_stops_the_clock_and_pushes_the_due_date(world: World) -> None:
    dossier = _received_and_forwarded(world)
    assert dossier.due_at == at("2026-03-09 09:00")
    services.dossier_request_supplement(
        dossier=dossier,
        actor=world.specialist.user,
        reason="Thiếu bản sao",
        components=["TP1"],
        at=at("2026-03-03 09:00"),
    )
    dossier = _reload(dossier)
    assert (dossier.status, dossier.status_code, dossier.paused) == (Status.AWAITING_SUPPLEMENT, 5, True)
    with pytest.raises(Conflict):
        services.dossier_forward(dossier=dossier, actor=world.specialist.user, at=at("2026-03-04 09:00"))

    documents = [services.DocumentData(component="TP1", upload_id=upload_pdf(world.officer.user))]
    services.dossier_supplement(
        dossier=dossier, actor=world.officer.user, documents=documents, at=at("2026-03-05 09:00")
    )
    dossier = _reload(dossier)
    assert (dossier.status, dossier.paused) == (Status.PROCESSING, False)
    assert dossier.paused_minutes == 16 * 60
    assert dossier.due_at == at("2026-03-11 09:00")  # pushed back by the two paused working days
    assert dossier.current_step is not None
    assert dossier.current_step.due_at == at("2026-03-09 15:10")

    services.dossier_forward(dossier=dossier, actor=world.specialist.user, at=at("2026-03-09 10:00"))
    services.dossier_forward(dossier=dossier, actor=world.head.user, at=at("2026-03-10 09:00"))
    services.dossier_approve(dossier=dossier, actor=world.leader.user, outcome="granted", at=at("2026-03-11 08:30"))
    dossier = _reload(dossier)
    assert dossier.timeliness == "on_time"  # before the pushed-back due instant, less than a working day


def test_second_supplement_request_counts_against_the_agency(world: World) -> None:
    dossier = _received_and_forwarded(world)
    for day in ("03", "04"):
        services.dossier_request_supplement(
            dossier=dossier,
            actor=world.specialist.user,
            reason="Thiếu",
            components=["TP1"],
            at=at(f"2026-03-{day} 09:00"),
        )
        documents = [services.DocumentData(component="TP1", upload_id=upload_pdf(world.officer.user))]
        services.dossier_supplement(
            dossier=dossier, actor=world.officer.user, documents=documents, at=at(f"2026-03-{day} 10:00")
        )
    dossier = _reload(dossier)
    assert dossier.supplement_during_processing == 2
    events = audit.AuditEvent.objects.filter(stream=f"dossier:{dossier.pk}", action="request_supplement")
    assert [e.data["counts_against_agency"] for e in events.order_by("seq")] == [False, True]
    services.dossier_forward(dossier=dossier, actor=world.specialist.user, at=at("2026-03-04 11:00"))
    services.dossier_forward(dossier=dossier, actor=world.head.user, at=at("2026-03-04 13:30"))
    services.dossier_approve(dossier=dossier, actor=world.leader.user, outcome="granted", at=at("2026-03-04 14:00"))
    assert _reload(dossier).timeliness == "late"  # more than one supplement request: late whatever the time


def test_extension_once_before_the_due_date(world: World) -> None:
    dossier = _received_and_forwarded(world)
    with pytest.raises(InvalidInput):
        services.dossier_extend(
            dossier=dossier,
            actor=world.leader.user,
            new_due_at=at("2026-03-06 09:00"),
            reason="Xác minh",
            at=at("2026-03-06 08:00"),
        )
    services.dossier_extend(
        dossier=dossier,
        actor=world.leader.user,
        new_due_at=at("2026-03-12 09:00"),
        reason="Cần xác minh thêm",
        at=at("2026-03-06 08:00"),
    )
    dossier = _reload(dossier)
    assert dossier.due_at == at("2026-03-12 09:00")
    assert dossier.original_due_at == at("2026-03-09 09:00")
    with pytest.raises(Conflict):
        services.dossier_extend(
            dossier=dossier,
            actor=world.leader.user,
            new_due_at=at("2026-03-13 09:00"),
            reason="Lần hai",
            at=at("2026-03-09 08:00"),
        )
    services.dossier_forward(dossier=dossier, actor=world.specialist.user, at=at("2026-03-10 09:00"))
    services.dossier_forward(dossier=dossier, actor=world.head.user, at=at("2026-03-10 10:00"))
    services.dossier_approve(dossier=dossier, actor=world.leader.user, outcome="granted", at=at("2026-03-11 09:00"))
    dossier = _reload(dossier)
    # the apology gives a new appointment but the dossier is still counted late against the first one
    assert (dossier.status, dossier.timeliness) == (Status.PROCESSED, "late")


def test_extension_after_the_due_date_is_refused(world: World) -> None:
    dossier = _received_and_forwarded(world)
    with pytest.raises(Conflict):
        services.dossier_extend(
            dossier=dossier,
            actor=world.leader.user,
            new_due_at=at("2026-03-13 09:00"),
            reason="Trễ",
            at=at("2026-03-09 10:00"),
        )
    assert _reload(dossier).extended_at is None


def test_refusal_at_reception(world: World) -> None:
    dossier = submit_counter(world, "2026-03-02 08:55")
    with pytest.raises(InvalidInput):
        services.dossier_reject(dossier=dossier, actor=world.officer.user, reason="  ", at=at("2026-03-02 09:00"))
    services.dossier_reject(
        dossier=dossier, actor=world.officer.user, reason="Không thuộc thẩm quyền", at=at("2026-03-02 09:00")
    )
    dossier = _reload(dossier)
    assert (dossier.status, dossier.status_code) == (Status.REJECTED, 3)
    assert (dossier.finished_at, dossier.due_at, dossier.timeliness) == (at("2026-03-02 09:00"), None, "")
    with pytest.raises(Conflict):
        services.dossier_receive(dossier=dossier, actor=world.officer.user, at=at("2026-03-02 09:05"))


def test_refusal_in_processing(world: World) -> None:
    dossier = _received_and_forwarded(world)
    services.dossier_forward(dossier=dossier, actor=world.specialist.user, at=at("2026-03-03 10:00"))
    services.dossier_forward(dossier=dossier, actor=world.head.user, at=at("2026-03-03 11:00"))
    with pytest.raises(InvalidInput):  # a refusal needs its reason
        services.dossier_approve(dossier=dossier, actor=world.leader.user, outcome="refused", at=at("2026-03-03 14:00"))
    services.dossier_approve(
        dossier=dossier,
        actor=world.leader.user,
        outcome="refused",
        comment="Không đủ điều kiện",
        at=at("2026-03-03 14:00"),
    )
    dossier = _reload(dossier)
    assert (dossier.status, dossier.status_code, dossier.outcome) == (Status.PROCESSED, 9, "refused")
    assert dossier.outcome_reason == "Không đủ điều kiện"
    assert dossier.timeliness == "early"


def test_withdrawal_by_the_applicant(world: World) -> None:
    dossier = submit_online(world, "2026-03-02 08:00")
    services.dossier_receive(dossier=dossier, actor=world.officer.user, at=at("2026-03-02 09:00"))
    with pytest.raises(PermissionDenied):
        services.dossier_withdraw(
            dossier=dossier, actor=world.other_citizen, reason="Không cần nữa", at=at("2026-03-03 09:00")
        )
    services.dossier_withdraw(dossier=dossier, actor=world.citizen, reason="Không cần nữa", at=at("2026-03-03 09:00"))
    dossier = _reload(dossier)
    assert (dossier.status, dossier.status_code, dossier.finished_at) == (Status.WITHDRAWN, 7, at("2026-03-03 09:00"))
    assert dossier.current_step is None
    assert not DossierStep.objects.filter(dossier=dossier, state="active").exists()


def test_stop_by_the_competent_leader(world: World) -> None:
    dossier = _received_and_forwarded(world)
    with pytest.raises(PermissionDenied):
        services.dossier_stop(dossier=dossier, actor=world.other_leader.user, reason="Dừng", at=at("2026-03-03 09:00"))
    services.dossier_stop(dossier=dossier, actor=world.leader.user, reason="Có tranh chấp", at=at("2026-03-03 09:00"))
    dossier = _reload(dossier)
    assert (dossier.status, dossier.status_code) == (Status.STOPPED, 8)
    with pytest.raises(Conflict):
        services.dossier_approve(dossier=dossier, actor=world.leader.user, outcome="granted", at=at("2026-03-03 10:00"))


def test_late_approval_is_late(world: World) -> None:
    dossier = _received_and_forwarded(world)
    services.dossier_forward(dossier=dossier, actor=world.specialist.user, at=at("2026-03-09 08:00"))
    services.dossier_forward(dossier=dossier, actor=world.head.user, at=at("2026-03-09 08:30"))
    services.dossier_approve(dossier=dossier, actor=world.leader.user, outcome="granted", at=at("2026-03-09 10:00"))
    dossier = _reload(dossier)
    assert dossier.timeliness == "late"
    specialist_step = dossier.steps.get(role="specialist")
    assert specialist_step.on_time is False


def test_send_back_returns_to_the_previous_handler(world: World) -> None:
    dossier = _received_and_forwarded(world)
    services.dossier_forward(dossier=dossier, actor=world.specialist.user, at=at("2026-03-03 10:00"))
    with pytest.raises(InvalidInput):
        services.dossier_send_back(dossier=dossier, actor=world.head.user, comment="", at=at("2026-03-03 11:00"))
    services.dossier_send_back(
        dossier=dossier, actor=world.head.user, comment="Xem lại trích lục", at=at("2026-03-03 11:00")
    )
    dossier = _reload(dossier)
    assert dossier.current_step is not None
    assert (dossier.current_step.role, dossier.current_step.assignee) == ("specialist", world.specialist)
    assert list(dossier.steps.order_by("sequence").values_list("state", flat=True)) == [
        "done",
        "done",
        "sent_back",
        "active",
    ]


def test_actions_not_allowed_in_the_state_change_nothing(world: World) -> None:
    dossier = submit_counter(world, "2026-03-02 08:55")
    before = (dossier.status, dossier.revision, audit.event_count(f"dossier:{dossier.pk}"))
    for call in (
        lambda: services.dossier_approve(dossier=dossier, actor=world.leader.user, outcome="granted"),
        lambda: services.dossier_return_result(dossier=dossier, actor=world.officer.user),
        lambda: services.dossier_forward(dossier=dossier, actor=world.officer.user),
        lambda: services.dossier_confirm_payment(dossier=dossier, actor=world.officer.user),
    ):
        with pytest.raises(Conflict):
            call()
    fresh = _reload(dossier)
    assert (fresh.status, fresh.revision, audit.event_count(f"dossier:{dossier.pk}")) == before


def test_financial_obligation_pauses_until_paid(world: World) -> None:
    dossier = _received_and_forwarded(world)
    services.dossier_request_payment(
        dossier=dossier,
        actor=world.specialist.user,
        amount=1500000,
        reason="Lệ phí trước bạ",
        at=at("2026-03-03 09:00"),
    )
    dossier = _reload(dossier)
    assert (dossier.status, dossier.status_code, dossier.paused) == (Status.AWAITING_PAYMENT, 6, True)
    services.dossier_confirm_payment(dossier=dossier, actor=world.officer.user, at=at("2026-03-03 17:00"))
    dossier = _reload(dossier)
    assert (dossier.status, dossier.paused_minutes) == (Status.PROCESSING, 6 * 60)  # 09:00-11:30, 13:30-17:00
    assert dossier.due_at == at("2026-03-09 17:00")
