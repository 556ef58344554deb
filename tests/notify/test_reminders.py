"""Reminders to applicants who leave a supplement request unanswered, once per period of working days."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from motcua.dossiers import services as dossier_services
from motcua.notify import reminders
from motcua.notify.models import Message
from tests.dossiers.conftest import applicant
from tests.notify.conftest import World, at

pytestmark = pytest.mark.django_db


def waiting_for_supplement(world: World) -> Any:
    data = dossier_services.SubmissionData(
        procedure=world.version.procedure.code,
        agency=world.department.code,
        channel="counter",
        applicant=applicant(email="an@example.vn", phone=""),
    )
    dossier = dossier_services.dossier_submit(actor=world.officer.user, data=data, at=at("2026-03-02 08:30"))
    dossier_services.dossier_receive(dossier=dossier, actor=world.officer.user, at=at("2026-03-02 09:00"))
    # Monday 2 March 2026, 10:00: the clock stops until the applicant supplements
    return dossier_services.dossier_request_supplement(
        dossier=dossier, actor=world.officer.user, reason="Thiếu tờ khai", components=["TP1"], at=at("2026-03-02 10:00")
    )


def reminders_sent(code: str) -> int:
    return Message.objects.filter(dossier_code=code, event="reminder").count()


def test_one_reminder_per_three_working_days_of_waiting(world: World, settings: Any) -> None:
    settings.MOTCUA_REMINDER_AFTER_DAYS = 3
    dossier = waiting_for_supplement(world)
    assert reminders.remind_waiting_applicants(now=at("2026-03-04 17:00")).reminded == []  # 2.75 working days
    assert reminders.remind_waiting_applicants(now=at("2026-03-05 10:00")).reminded == [dossier.code]
    assert reminders.remind_waiting_applicants(now=at("2026-03-05 16:00")).reminded == []  # same period: nothing new
    assert reminders_sent(dossier.code) == 1  # the second run created nothing
    # Saturday and Sunday do not count: six working days are up on Tuesday 10 March, 10:00
    reminders.remind_waiting_applicants(now=at("2026-03-10 09:59"))
    assert reminders_sent(dossier.code) == 1
    reminders.remind_waiting_applicants(now=at("2026-03-10 10:00"))
    assert reminders_sent(dossier.code) == 2


def test_no_reminder_once_the_applicant_supplemented(world: World, relay: Callable[..., Any], settings: Any) -> None:
    from tests.dossiers.conftest import upload_pdf

    dossier = waiting_for_supplement(world)
    dossier_services.dossier_supplement(
        dossier=dossier,
        actor=world.officer.user,
        documents=[dossier_services.DocumentData(component="TP1", upload_id=upload_pdf(world.officer.user))],
        at=at("2026-03-03 09:00"),
    )
    assert reminders.remind_waiting_applicants(now=at("2026-03-20 10:00")).reminded == []
    del relay, settings
