"""An officer's inbox: to do, due today, overdue, paused, sent back, and online dossiers awaiting reception."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from motcua.dossiers import selectors, services
from motcua.dossiers.models import OPEN_STATUSES, Dossier, DossierStep, Status
from motcua.org import access
from motcua.org.models import Role
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


def _at_the_specialist(world: World, *dossiers: Dossier) -> None:
    """Received at the counter and forwarded to the specialist's step."""
    for dossier in dossiers:
        services.dossier_receive(dossier=dossier, actor=world.officer.user, at=at("2026-03-02 09:00"))
        services.dossier_forward(dossier=dossier, actor=world.officer.user, at=at("2026-03-02 09:10"))


def _sent_back_by_the_head(world: World, dossier: Dossier) -> None:
    """Forwarded by the specialist to the head, who sends it back."""
    services.dossier_forward(dossier=dossier, actor=world.specialist.user, at=at("2026-03-03 10:00"))
    services.dossier_send_back(dossier=dossier, actor=world.head.user, comment="Xem lại", at=at("2026-03-03 11:00"))


def test_a_dossier_sent_back_is_in_the_tab_of_the_officer_who_holds_it_again(world: World) -> None:
    kept = submit_counter(world, "2026-03-02 08:40")
    returned = submit_counter(world, "2026-03-02 08:55")
    _at_the_specialist(world, kept, returned)
    services.dossier_forward(dossier=kept, actor=world.specialist.user, at=at("2026-03-03 10:00"))
    _sent_back_by_the_head(world, returned)

    box = selectors.inbox(world.specialist.user, now=at("2026-03-03 11:30"))
    assert _codes(box.to_do) == [returned.code]
    assert _codes(box.sent_back) == [returned.code]
    # the head holds the other one, which was never sent back
    head = selectors.inbox(world.head.user, now=at("2026-03-03 11:30"))
    assert kept.code in _codes(head.to_do)
    assert head.sent_back == []


def test_only_the_dossiers_of_the_soonest_steps_are_read_and_more_when_some_are_closed(world: World) -> None:
    """The inbox reads the dossiers of its `limit` soonest steps (with their ties), then more only while fewer
    than `limit` of them are open: the same first `limit` as reading them all."""
    dossiers = []
    for minute in range(6):
        dossier = submit_counter(world, f"2026-03-02 08:{minute:02d}")
        services.dossier_receive(dossier=dossier, actor=world.officer.user, at=at(f"2026-03-02 09:{minute:02d}"))
        services.dossier_forward(dossier=dossier, actor=world.officer.user, at=at(f"2026-03-02 09:{minute:02d}"))
        dossiers.append(Dossier.objects.get(pk=dossier.pk))
    # the fourth and fifth steps due at the very same instant as the third: the dossiers' due instants decide
    third_due = DossierStep.objects.get(pk=dossiers[2].current_step_id).due_at
    DossierStep.objects.filter(pk__in=[d.current_step_id for d in dossiers[3:5]]).update(due_at=third_due)
    DossierStep.objects.filter(pk=dossiers[5].current_step_id).update(due_at=None)  # no due instant: last
    steps = {step.pk: (step.due_at, False) for step in DossierStep.objects.filter(dossier__in=dossiers, state="active")}
    assert len(steps) == 6
    now = at("2026-03-03 08:00")
    scope = access.agency_ids_in_scope(world.specialist.user, access.Permission.VIEW_AGENCY_DATA)
    reads: list[int] = []
    inner = selectors._inbox_reads(100)
    spy = SimpleNamespace(
        dossiers=SimpleNamespace(
            all=lambda using, **values: reads.append(len(values["steps"])) or inner.dossiers.all(using, **values)
        )
    )

    def soonest_open(limit: int) -> list[str]:
        rows = selectors._dossiers_of_soonest(spy, scope, steps, limit, now, "default")  # type: ignore[arg-type]
        open_rows = [row for row in rows if row[5] in OPEN_STATUSES]
        open_rows.sort(key=lambda row: (steps[row[4]][0] is None, steps[row[4]][0] or now, row[3]))
        return [row[1] for row in open_rows][:limit]

    everything = soonest_open(100)
    assert sorted(everything) == sorted(d.code for d in dossiers) and reads == [6]
    assert everything[0] == dossiers[0].code and everything[-1] == dossiers[5].code
    assert selectors._dossiers_of_soonest(spy, scope, {}, 5, now, "default") == []  # type: ignore[arg-type]
    for limit, read in ((1, 1), (2, 2), (3, 5), (4, 5), (5, 5), (6, 6)):  # with 3 and 4, the ties come along
        reads.clear()
        assert soonest_open(limit) == everything[:limit]
        assert reads == [read], limit
        # the inbox itself (one statement on PostgreSQL, these reads on SQLite): the same soonest, in order
        assert _codes(selectors.inbox(world.specialist.user, now=now, limit=limit).to_do) == everything[:limit]
    # the two soonest dossiers closed (their steps still active): the next steps' dossiers are read too
    Dossier.objects.filter(code__in=everything[:2]).update(status=Status.STOPPED)
    reads.clear()
    assert soonest_open(2) == everything[2:4]
    assert reads == [2, 4]  # the second read takes all the other steps
    assert selectors.inbox(world.specialist.user, now=now).counts()["to_do"] == 4
    assert _codes(selectors.inbox(world.specialist.user, now=now, limit=6).to_do) == everything[2:]


def test_the_inbox_shows_only_dossiers_in_the_officers_scope(world: World) -> None:
    """A step of the officer's queue whose dossier their agency neither received, decides nor saw pass (no
    step elsewhere, `_seen_from`) is not in their inbox; with a step at their agency recorded as passing
    through, it is."""
    dossier = submit_counter(world, "2026-03-02 08:00")
    _at_the_specialist(world, dossier)
    now = at("2026-03-03 08:00")
    assert _codes(selectors.inbox(world.specialist.user, now=now).to_do) == [dossier.code]
    other = world.other_department
    Dossier.objects.filter(pk=dossier.pk).update(receiving_agency=other, competent_agency=other, crosses_agencies=False)
    assert selectors.inbox(world.specialist.user, now=now).to_do == []
    Dossier.objects.filter(pk=dossier.pk).update(crosses_agencies=True)  # its active step is at the department
    assert _codes(selectors.inbox(world.specialist.user, now=now).to_do) == [dossier.code]
    # a step the specialist holds, but every step of the dossier at an agency outside their scope: not theirs
    DossierStep.objects.filter(dossier=dossier).update(agency=world.committee)
    assert DossierStep.objects.get(dossier=dossier, state=DossierStep.State.ACTIVE).assignee_id == world.specialist.pk
    assert selectors.inbox(world.specialist.user, now=now).to_do == []


def _work(world: World, *specs: tuple[bool, int | None, int]) -> list[str]:
    """A dossier at the specialist's step for each (held, step due, dossier due): the step held by the specialist
    or queued for their role in their agency, the hours after 10 March 2026 08:00 (None: no due instant).
    Returns their codes."""
    codes = []
    for index, (held, step_due, dossier_due) in enumerate(specs):
        dossier = submit_counter(world, f"2026-03-02 08:{index:02d}")
        _at_the_specialist(world, dossier)
        dossier.refresh_from_db()
        DossierStep.objects.filter(pk=dossier.current_step_id).update(
            assignee=world.specialist if held else None,
            due_at=None if step_due is None else _hours(step_due),
        )
        Dossier.objects.filter(pk=dossier.pk).update(due_at=_hours(dossier_due))
        codes.append(dossier.code)
    return codes


def _hours(hours: int) -> dt.datetime:
    return at("2026-03-10 08:00") + dt.timedelta(hours=hours)


def test_the_inbox_takes_the_soonest_of_held_and_queued_steps_ties_across_both_by_the_dossiers_due(
    world: World,
) -> None:
    """The held and the queued steps are merged by due instant; steps due at the same instant, one of each,
    are ordered by their dossiers' due instants, also where the limit falls between them."""
    now = at("2026-03-03 08:00")
    for first_of_tie in (True, False):  # the held step's dossier due first, then the queued one's
        Dossier.objects.all().delete()
        held_1, queued_2, held_3, queued_3, queued_4 = _work(
            world,
            (True, 1, 5),
            (False, 2, 5),
            (True, 3, 1 if first_of_tie else 9),
            (False, 3, 9 if first_of_tie else 1),
            (False, 4, 5),
        )
        tie = [held_3, queued_3] if first_of_tie else [queued_3, held_3]
        everything = [held_1, queued_2, *tie, queued_4]
        for limit in range(1, 6):
            assert _codes(selectors.inbox(world.specialist.user, now=now, limit=limit).to_do) == everything[:limit]
        steps_of = {d.code: d.current_step_id for d in Dossier.objects.all()}
        assert DossierStep.objects.get(pk=steps_of[held_3]).assignee_id == world.specialist.pk
        assert DossierStep.objects.get(pk=steps_of[queued_3]).assignee_id is None


def test_the_inbox_keeps_the_oldest_of_steps_due_at_the_same_instant(world: World) -> None:
    """Where the limit falls among steps (and dossiers) due at the same instants, the oldest are kept, whatever
    the order of their rows on disk (the oldest step rewritten, so PostgreSQL keeps it after the others)."""
    codes = _work(world, (False, 2, 5), (False, 2, 5), (False, 2, 5))
    oldest = Dossier.objects.get(code=codes[0])
    DossierStep.objects.filter(pk=oldest.current_step_id).update(name="Thẩm định lại")
    now = at("2026-03-03 08:00")
    for limit in (1, 2, 3):
        assert _codes(selectors.inbox(world.specialist.user, now=now, limit=limit).to_do) == codes[:limit]


def test_the_inbox_counts_open_dossiers_toward_its_limit(world: World) -> None:
    """A closed dossier whose step is still active (a step left behind) takes no place among the soonest."""
    closed, queued_2, held_3, queued_4, _queued_5 = _work(
        world, (True, 1, 5), (False, 2, 5), (True, 3, 5), (False, 4, 5), (False, 5, 5)
    )
    Dossier.objects.filter(code=closed).update(status=Status.STOPPED)
    box = selectors.inbox(world.specialist.user, now=at("2026-03-03 08:00"), limit=3)
    assert _codes(box.to_do) == [queued_2, held_3, queued_4]


def test_the_inbox_queues_only_steps_of_the_officers_roles_in_their_agency(world: World) -> None:
    """An unassigned step for another role at their agency, or for their role at another agency, is not theirs."""
    mine, for_the_head, elsewhere = _work(world, (False, 1, 5), (False, 2, 5), (False, 3, 5))
    steps_of = {d.code: d.current_step_id for d in Dossier.objects.all()}
    DossierStep.objects.filter(pk=steps_of[for_the_head]).update(role=Role.DIVISION_HEAD)
    DossierStep.objects.filter(pk=steps_of[elsewhere]).update(agency=world.other_department)
    now = at("2026-03-03 08:00")
    assert _codes(selectors.inbox(world.specialist.user, now=now).to_do) == [mine]
    assert for_the_head in _codes(selectors.inbox(world.head.user, now=now).to_do)


def test_the_inbox_reads_its_steps_and_their_dossiers_in_few_statements(world: World) -> None:
    """The held and queued steps and their dossiers, with whether a step was sent back, in one statement on
    PostgreSQL; on SQLite the held steps, the queued ones and their dossiers in three."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    returned = submit_counter(world, "2026-03-02 08:55")
    queued = submit_counter(world, "2026-03-02 08:56")
    _at_the_specialist(world, returned, queued)
    _sent_back_by_the_head(world, returned)
    access.staff_of(world.specialist.user).role_set  # noqa: B018  (the roles, read with the user in a request)
    with CaptureQueriesContext(connection) as queries:
        box = selectors.inbox(world.specialist.user, now=at("2026-03-03 11:30"))
    assert len(queries) == (1 if connection.vendor == "postgresql" else 3), [q["sql"] for q in queries]
    assert _codes(box.sent_back) == [returned.code]
    # a dossier once sent back, now at a step of the queue (not held by the officer): not in their tab
    DossierStep.objects.filter(dossier=queued, state=DossierStep.State.ACTIVE).update(assignee=None)
    queued_steps = DossierStep.objects.filter(dossier=queued).exclude(state=DossierStep.State.ACTIVE)
    assert queued_steps.update(state=DossierStep.State.SENT_BACK) >= 1
    again = selectors.inbox(world.specialist.user, now=at("2026-03-03 11:30"))
    assert _codes(again.sent_back) == [returned.code] and again.counts()["sent_back"] == 1
    assert sorted(_codes(again.to_do)) == sorted([returned.code, queued.code])
    assert sorted(_codes(box.to_do)) == sorted([returned.code, queued.code])


def _row_values(row: selectors.InboxRow) -> tuple:  # type: ignore[type-arg]
    step = row.current_step
    return (
        row.code,
        row.status,
        row.applicant_name,
        row.due_at,
        row.paused_at,
        row.reception_due_at,
        row.procedure_version.name,
        None if step is None else (step.name, step.due_at),
    )


def test_the_inbox_brings_the_rows_it_shows(world: World) -> None:
    """The inbox's items carry their rows (read with the dossiers and their steps): showing a page of them
    reads nothing more, and the rows are those the dossiers' own read gives (held, queued, paused, sent back)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    returned = submit_counter(world, "2026-03-02 08:55")
    queued = submit_counter(world, "2026-03-02 08:56")
    paused = submit_counter(world, "2026-03-02 08:57")
    _at_the_specialist(world, returned, queued, paused)
    _sent_back_by_the_head(world, returned)
    services.dossier_request_supplement(
        dossier=paused, actor=world.specialist.user, reason="Thiếu", components=["TP1"], at=at("2026-03-03 11:10")
    )
    queued.refresh_from_db()
    DossierStep.objects.filter(pk=queued.current_step_id).update(name="Thẩm định <hồ sơ> & đối chiếu")
    box = selectors.inbox(world.specialist.user, now=at("2026-03-03 11:30"))
    items = [*box.to_do, *box.paused]
    assert sorted(_codes(items)) == sorted([returned.code, queued.code, paused.code])
    assert all(item.row is not None for item in items)
    with CaptureQueriesContext(connection) as queries:
        carried = selectors.inbox_rows(items)
    assert queries.captured_queries == []
    # the same items without their rows: read by the page's own statement
    read = selectors.inbox_rows([selectors.InboxItem(item.pk, item.code, item.due) for item in items])
    assert [_row_values(row) for row in carried] == [_row_values(row) for row in read]
    names = {row.code: row.current_step.name for row in carried if row.current_step is not None}
    assert names[queued.code] == "Thẩm định <hồ sơ> & đối chiếu"
    assert {row.code: row.procedure_version.name for row in carried}[paused.code] == paused.procedure_version.name
    # items with and without their rows, in their order
    mixed = [items[0], selectors.InboxItem(items[1].pk, items[1].code, items[1].due), *items[2:]]
    with CaptureQueriesContext(connection) as queries:
        assert [_row_values(row) for row in selectors.inbox_rows(mixed)] == [_row_values(row) for row in read]
    assert len(queries.captured_queries) == 1
