"""The dossier tests' small province, reused by the statistics tests, and a month of known dossiers."""

from __future__ import annotations

import datetime as dt

import pytest

from motcua.dossiers import online, services
from motcua.dossiers.models import Dossier
from tests.dossiers.conftest import World, at, submit_counter, submit_online, upload_pdf, world

__all__ = ["LATER", "MARCH", "World", "at", "month", "submit_counter", "submit_online", "world"]


MARCH = (dt.date(2026, 3, 1), dt.date(2026, 3, 31))
LATER = dt.date(2026, 6, 1)


def receive(world: World, dossier: Dossier, when: str) -> Dossier:
    return services.dossier_receive(dossier=dossier, actor=world.officer.user, at=at(when))


def forward_to_specialist(world: World, dossier: Dossier, when: str) -> Dossier:
    return services.dossier_forward(dossier=dossier, actor=world.officer.user, at=at(when))


def decide(
    world: World, dossier: Dossier, when: str, outcome: str = "granted", *, from_officer: bool = True
) -> Dossier:
    moment = at(when)
    people = (world.officer, world.specialist, world.head) if from_officer else (world.specialist, world.head)
    for actor in people:
        services.dossier_forward(dossier=dossier, actor=actor.user, at=moment)
    return services.dossier_approve(
        dossier=dossier, actor=world.leader.user, outcome=outcome, comment="Lý do", at=moment
    )


def supplement_round(world: World, dossier: Dossier, asked: str, answered: str | None) -> Dossier:
    dossier = services.dossier_request_supplement(
        dossier=dossier, actor=world.specialist.user, reason="Thiếu bản sao", components=["TP1"], at=at(asked)
    )
    if answered is not None:
        dossier = services.dossier_supplement(
            dossier=dossier,
            actor=world.officer.user,
            documents=[services.DocumentData("TP1", upload_pdf(world.officer.user))],
            at=at(answered),
        )
    return dossier


@pytest.fixture
def month(world: World) -> dict[str, Dossier]:
    d: dict[str, Dossier] = {}
    # A: online, received Mon 2 March 09:00 (due 9 March), decided the next day (early), returned and rated
    d["A"] = receive(world, submit_online(world, "2026-03-02 08:00"), "2026-03-02 09:00")
    decide(world, d["A"], "2026-03-03 10:00")
    services.dossier_return_result(dossier=d["A"], actor=world.officer.user, at=at("2026-03-04 09:00"))
    online.rating_submit(
        dossier=d["A"], actor=world.citizen, scores=[2, 2, 2, 2, 2, 2, 1, 1, 2], overall="very_satisfied"
    )
    # B: counter, decided after its due instant: late
    d["B"] = receive(world, submit_counter(world, "2026-03-02 09:10"), "2026-03-02 09:10")
    decide(world, d["B"], "2026-03-10 10:00")
    # C: received in February, still open: carried over, overdue at the end of March
    d["C"] = receive(world, submit_counter(world, "2026-02-24 09:00"), "2026-02-24 09:00")
    # D: received 30 March (due 6 April): in progress within time
    d["D"] = receive(world, submit_counter(world, "2026-03-30 09:00"), "2026-03-30 09:00")
    # E: refused at reception: never received
    d["E"] = services.dossier_reject(
        dossier=submit_counter(world, "2026-03-05 09:00"),
        actor=world.officer.user,
        reason="Sai thẩm quyền",
        at=at("2026-03-05 09:05"),
    )
    # F: received in April: outside the period
    d["F"] = receive(world, submit_counter(world, "2026-04-01 09:00"), "2026-04-01 09:00")
    # G: received 9 March (due 16 March); supplement asked 10 March and never given: paused, not overdue
    d["G"] = receive(world, submit_counter(world, "2026-03-09 09:00"), "2026-03-09 09:00")
    forward_to_specialist(world, d["G"], "2026-03-09 10:00")
    supplement_round(world, d["G"], "2026-03-10 09:00", None)
    # H: two supplement requests during processing: late by the national rule, though decided in time
    d["H"] = receive(world, submit_counter(world, "2026-03-11 09:00"), "2026-03-11 09:00")
    forward_to_specialist(world, d["H"], "2026-03-11 10:00")
    supplement_round(world, d["H"], "2026-03-12 09:00", "2026-03-13 09:00")
    supplement_round(world, d["H"], "2026-03-16 09:00", "2026-03-17 09:00")
    decide(world, d["H"], "2026-03-18 10:00", from_officer=False)
    # I: extended on 18 March (apology), decided 23 March after the original due instant (19 March): late
    d["I"] = receive(world, submit_counter(world, "2026-03-12 09:00"), "2026-03-12 09:00")
    services.dossier_extend(
        dossier=d["I"],
        actor=world.leader.user,
        new_due_at=at("2026-03-26 09:00"),
        reason="Xác minh",
        at=at("2026-03-18 09:00"),
    )
    decide(world, d["I"], "2026-03-23 10:00")
    # J: stopped; K: online, withdrawn by the applicant; L: refused by the leader, early
    d["J"] = receive(world, submit_counter(world, "2026-03-16 09:00"), "2026-03-16 09:00")
    services.dossier_stop(dossier=d["J"], actor=world.leader.user, reason="Theo đề nghị", at=at("2026-03-18 09:00"))
    d["K"] = receive(world, submit_online(world, "2026-03-17 08:00"), "2026-03-17 09:00")
    services.dossier_withdraw(
        dossier=d["K"], actor=world.citizen, reason="Không còn nhu cầu", at=at("2026-03-19 09:00")
    )
    d["L"] = receive(world, submit_counter(world, "2026-03-17 09:00"), "2026-03-17 09:00")
    decide(world, d["L"], "2026-03-19 10:00", outcome="refused")
    return d
