"""An officer's inbox: to do, due today, overdue, paused, sent back, and online dossiers awaiting reception."""

from __future__ import annotations

from motcua.dossiers import selectors, services
from tests.dossiers.conftest import World, at, submit_counter, submit_online


def _codes(dossiers: list) -> list[str]:  # type: ignore[type-arg]
    return [d.code for d in dossiers]


def test_inbox_sorts_work_by_step_due_instant_and_counts_it(world: World) -> None:
    first = submit_counter(world, "2026-03-02 08:00")
    second = submit_counter(world, "2026-03-02 08:30")
    third = submit_counter(world, "2026-03-02 08:40")
    for dossier, when in ((second, "2026-03-02 09:00"), (first, "2026-03-02 10:00"), (third, "2026-03-02 10:30")):
        services.dossier_receive(dossier=dossier, actor=world.officer.user, at=at(when))
        services.dossier_forward(dossier=dossier, actor=world.officer.user, at=at(when))
    # the specialist's step lasts 28 working hours: second due Thu 15:00, first Thu 16:00, third Thu 16:30
    services.dossier_request_supplement(
        dossier=third, actor=world.specialist.user, reason="Thiếu", components=["TP1"], at=at("2026-03-03 08:00")
    )
    waiting = submit_online(world, "2026-03-05 08:00")

    box = selectors.inbox(world.specialist.user, now=at("2026-03-05 15:30"))
    assert _codes(box.to_do) == [second.code, first.code]
    assert _codes(box.overdue) == [second.code]
    assert _codes(box.due_today) == [first.code]
    assert _codes(box.paused) == [third.code]
    assert box.counts() == {
        "to_do": 2,
        "due_today": 1,
        "overdue": 1,
        "paused": 1,
        "sent_back": 0,
        "awaiting_reception": 0,
    }
    assert _codes(selectors.inbox(world.officer.user, now=at("2026-03-05 15:30")).awaiting_reception) == [waiting.code]
    assert selectors.inbox(world.head.user, now=at("2026-03-05 15:30")).counts()["to_do"] == 0
    assert selectors.inbox(world.citizen, now=at("2026-03-05 15:30")).counts()["to_do"] == 0


def test_a_dossier_sent_back_is_in_the_tab_of_the_officer_who_holds_it_again(world: World) -> None:
    kept = submit_counter(world, "2026-03-02 08:40")
    returned = submit_counter(world, "2026-03-02 08:55")
    for dossier in (kept, returned):
        services.dossier_receive(dossier=dossier, actor=world.officer.user, at=at("2026-03-02 09:00"))
        services.dossier_forward(dossier=dossier, actor=world.officer.user, at=at("2026-03-02 09:10"))
        services.dossier_forward(dossier=dossier, actor=world.specialist.user, at=at("2026-03-03 10:00"))
    services.dossier_send_back(dossier=returned, actor=world.head.user, comment="Xem lại", at=at("2026-03-03 11:00"))

    box = selectors.inbox(world.specialist.user, now=at("2026-03-03 11:30"))
    assert _codes(box.to_do) == [returned.code]
    assert _codes(box.sent_back) == [returned.code]
    # the head holds the other one, which was never sent back
    head = selectors.inbox(world.head.user, now=at("2026-03-03 11:30"))
    assert kept.code in _codes(head.to_do)
    assert head.sent_back == []
