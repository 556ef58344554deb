"""Deadline alerts (cảnh báo hạn xử lý): the periodic jobs that tell staff a step or a dossier is due soon or late.

Run by the Celery beat schedule (`motcua.dossiers.tasks`), each job is a service that can run any number of
times: an alert is unique per dossier, step, kind and recipient, and each new alert emits one `staff.alert`
outbox event in the same transaction (the notification channels deliver it).

- `sweep_deadlines`: running dossiers (open, not paused) whose current step is due within
  `MOTCUA_DEADLINE_LEAD_HOURS` working hours (step_due_soon), past its due instant (step_overdue), or whose
  own due instant is past (dossier_overdue). Recipients: the step's assignee (while unassigned, every
  candidate for the step) and the head of the unit the work sits in (division heads of the step's unit,
  else of the assignee's unit); the agency's leaders when there is no unit or when the assignee heads it.
- `flag_reception_overdue`: online dossiers neither received nor sent back within their 8 working hours;
  the one-stop officers of the receiving agency are told.
- `flag_apology_needed`: dossiers in reception or processing, not extended yet, with less than one working
  day (8 working hours) left: the competent agency's leaders (who sign the apology letter, form 04) and the
  current step's assignee are told.

"Due soon" and "overdue" are not stored on the dossier: they follow from the due instants and the clock
(see the `overdue` filter of `selectors.dossier_list` and the inbox); the alerts record who was told, when.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from motcua.core import outbox
from motcua.dossiers import clock
from motcua.dossiers.models import OPEN_STATUSES, Channel, DeadlineAlert, Dossier, DossierStep, Status
from motcua.org import access
from motcua.org.models import Role, Staff

ALERT_TOPIC = "staff.alert"
APOLOGY_WINDOW_HOURS = Decimal(8)  # one working day
CHUNK = 500
_LOCK_KEY = 0x6D6F7463_7561  # "motcua": serialises the alert jobs on PostgreSQL

Kind = DeadlineAlert.Kind


@dataclass
class SweepReport:
    """What a job looked at and the alerts it created, by kind."""

    examined: int = 0
    created: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.created.values())

    def as_dict(self) -> dict[str, Any]:
        return {"examined": self.examined, "created": dict(self.created)}


@dataclass(frozen=True)
class _Person:
    pk: int
    username: str


@dataclass(frozen=True)
class _Wanted:
    dossier: Dossier
    step: DossierStep | None
    kind: str
    recipient: _Person
    due_at: dt.datetime

    @property
    def key(self) -> tuple[int, int | None, str, int]:
        return (self.dossier.pk, self.step.pk if self.step else None, self.kind, self.recipient.pk)


class _People:
    """Active staff of some agencies holding some roles, loaded in one query."""

    def __init__(self, agency_ids: Iterable[int], roles: Iterable[str]) -> None:
        self._by_role: dict[tuple[int, str], list[tuple[int | None, _Person]]] = defaultdict(list)
        agency_ids, roles = set(agency_ids), set(roles)
        if not agency_ids or not roles:
            return
        rows = (
            Staff.objects.filter(agency_id__in=agency_ids, is_active=True, user__is_active=True, roles__role__in=roles)
            .order_by("user__username")
            .values_list("pk", "agency_id", "unit_id", "roles__role", "user__username")
        )
        for pk, agency_id, unit_id, role, username in rows:
            self._by_role[(agency_id, role)].append((unit_id, _Person(pk, username)))

    def holders(self, agency_id: int, role: str, unit_id: int | None = None) -> list[_Person]:
        return [
            person
            for person_unit, person in self._by_role.get((agency_id, role), [])
            if unit_id is None or person_unit == unit_id
        ]


def _active_assignee(step: DossierStep | None) -> Staff | None:
    if step is None or step.assignee is None:
        return None
    assignee = step.assignee
    return assignee if assignee.is_active and assignee.user.is_active else None


def _person(staff: Staff) -> _Person:
    return _Person(staff.pk, staff.user.get_username())


def _step_people(step: DossierStep, people: _People) -> list[_Person]:
    """Who hears about a step: its assignee (or its candidates) and the head above them."""
    assignee = _active_assignee(step)
    if assignee is not None:
        workers = [_person(assignee)]
        unit_id = step.unit_id or assignee.unit_id
    else:
        workers = people.holders(step.agency_id, step.role, step.unit_id)
        unit_id = step.unit_id
    taken = {person.pk for person in workers}
    heads: list[_Person] = []
    if unit_id is not None:
        heads = [p for p in people.holders(step.agency_id, Role.DIVISION_HEAD, unit_id) if p.pk not in taken]
    if not heads:
        heads = [p for p in people.holders(step.agency_id, Role.AGENCY_LEADER) if p.pk not in taken]
    return workers + heads


def _chunks(dossiers: QuerySet[Dossier]) -> Iterator[list[Dossier]]:
    """The dossiers in pages of CHUNK, by primary key (each page a fresh query: no long-lived cursor)."""
    last = 0
    while True:
        page = list(dossiers.filter(pk__gt=last).order_by("pk")[:CHUNK])
        if not page:
            return
        yield page
        last = page[-1].pk


def _serialise() -> None:
    """Only one alert job writes at a time (SQLite's immediate transactions already serialise writers)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])


def _create(wanted: Sequence[_Wanted], moment: dt.datetime, report: SweepReport) -> list[DeadlineAlert]:
    """Insert the alerts not given yet and emit one `staff.alert` outbox event for each, in one transaction."""
    if not wanted:
        return []
    with transaction.atomic():
        _serialise()
        existing = set(
            DeadlineAlert.objects.filter(
                dossier_id__in={w.dossier.pk for w in wanted}, kind__in={w.kind for w in wanted}
            ).values_list("dossier_id", "step_id", "kind", "recipient_id")
        )
        fresh: dict[tuple[int, int | None, str, int], _Wanted] = {}
        for item in wanted:
            if item.key not in existing:
                fresh.setdefault(item.key, item)
        alerts = [
            DeadlineAlert(
                dossier=item.dossier,
                step=item.step,
                kind=item.kind,
                recipient_id=item.recipient.pk,
                created_at=moment,
                due_at=item.due_at,
            )
            for item in fresh.values()
        ]
        DeadlineAlert.objects.bulk_create(alerts, ignore_conflicts=True, batch_size=CHUNK)
        outbox.emit_many(
            ALERT_TOPIC,
            (
                (
                    item.dossier.code,
                    {
                        "kind": item.kind,
                        "code": item.dossier.code,
                        "recipient": item.recipient.username,
                        "due_at": item.due_at.isoformat(),
                    },
                )
                for item in fresh.values()
            ),
        )
    report.created.update(item.kind for item in fresh.values())
    return alerts


def _run(
    candidates: QuerySet[Dossier],
    needs: Callable[[Dossier], Iterable[tuple[int, str]]],
    wanted_for: Callable[[Dossier, _People], Iterable[_Wanted]],
    moment: dt.datetime,
) -> SweepReport:
    report = SweepReport()
    for page in _chunks(candidates):
        report.examined += len(page)
        pairs = [need for dossier in page for need in needs(dossier)]
        people = _People({agency for agency, _role in pairs}, {role for _agency, role in pairs})
        _create([item for dossier in page for item in wanted_for(dossier, people)], moment, report)
    return report


def lead_hours() -> Decimal:
    """Working hours before a step's due instant at which its people are warned (`MOTCUA_DEADLINE_LEAD_HOURS`)."""
    return Decimal(str(getattr(settings, "MOTCUA_DEADLINE_LEAD_HOURS", 4)))


def sweep_deadlines(now: dt.datetime | None = None) -> SweepReport:
    """Alert the people of running steps due within the lead time or late, and of dossiers past their due instant."""
    moment = now or timezone.now()
    lead = lead_hours()
    horizon = clock.add_hours(moment, lead) if lead > 0 else moment
    candidates = (
        Dossier.objects.filter(
            status__in=OPEN_STATUSES, paused_at__isnull=True, current_step__state=DossierStep.State.ACTIVE
        )
        .filter(Q(current_step__due_at__lte=horizon) | Q(due_at__lt=moment))
        .select_related("current_step__assignee__user")
    )

    def needs(dossier: Dossier) -> list[tuple[int, str]]:
        """The (agency, role) pairs whose holders may hear about this dossier."""
        step = dossier.current_step
        assert step is not None
        pairs: list[tuple[int, str]] = [(step.agency_id, Role.DIVISION_HEAD), (step.agency_id, Role.AGENCY_LEADER)]
        if _active_assignee(step) is None:
            pairs.append((step.agency_id, step.role))
        return pairs

    def wanted_for(dossier: Dossier, people: _People) -> Iterator[_Wanted]:
        step = dossier.current_step
        assert step is not None
        recipients = _step_people(step, people)
        if step.due_at is not None and step.due_at < moment:
            yield from (_Wanted(dossier, step, Kind.STEP_OVERDUE, p, step.due_at) for p in recipients)
        elif step.due_at is not None and step.due_at <= horizon:
            yield from (_Wanted(dossier, step, Kind.STEP_DUE_SOON, p, step.due_at) for p in recipients)
        if dossier.due_at is not None and dossier.due_at < moment:
            yield from (_Wanted(dossier, None, Kind.DOSSIER_OVERDUE, p, dossier.due_at) for p in recipients)

    return _run(candidates, needs, wanted_for, moment)


def flag_reception_overdue(now: dt.datetime | None = None) -> SweepReport:
    """Alert the receiving agency's one-stop officers of online dossiers not received within 8 working hours."""
    moment = now or timezone.now()
    # the filter of services.flag_overdue_online_receptions
    candidates = Dossier.objects.filter(status=Status.SUBMITTED, channel=Channel.ONLINE, reception_due_at__lt=moment)

    def wanted_for(dossier: Dossier, people: _People) -> Iterator[_Wanted]:
        assert dossier.reception_due_at is not None
        for person in people.holders(dossier.receiving_agency_id, Role.ONE_STOP_OFFICER):
            yield _Wanted(dossier, None, Kind.RECEPTION_OVERDUE, person, dossier.reception_due_at)

    return _run(candidates, lambda d: [(d.receiving_agency_id, Role.ONE_STOP_OFFICER)], wanted_for, moment)


def flag_apology_needed(now: dt.datetime | None = None) -> SweepReport:
    """Alert the competent agency's leaders and the step's assignee when less than a working day is left.

    Only dossiers that can still be extended: received or in processing, not paused, not extended yet, due
    instant not past (an extension, with its apology letter, form 04, is given once, before the due instant).
    """
    moment = now or timezone.now()
    candidates = Dossier.objects.filter(
        status__in=[Status.RECEIVED, Status.PROCESSING],
        extended_at__isnull=True,
        paused_at__isnull=True,
        due_at__gt=moment,
        due_at__lt=clock.add_hours(moment, APOLOGY_WINDOW_HOURS),
    ).select_related("current_step__assignee__user")

    def wanted_for(dossier: Dossier, people: _People) -> Iterator[_Wanted]:
        assert dossier.due_at is not None
        recipients = people.holders(dossier.competent_agency_id, Role.AGENCY_LEADER)
        assignee = _active_assignee(dossier.current_step)
        if assignee is not None and assignee.pk not in {p.pk for p in recipients}:
            recipients.append(_person(assignee))
        for person in recipients:
            yield _Wanted(dossier, None, Kind.APOLOGY_NEEDED, person, dossier.due_at)

    return _run(candidates, lambda d: [(d.competent_agency_id, Role.AGENCY_LEADER)], wanted_for, moment)


def alert_mark_read(*, user: Any, alert_ids: Iterable[int], at: dt.datetime | None = None) -> int:
    """Mark the user's own unread alerts among `alert_ids` as read; returns how many changed."""
    staff = access.staff_of(user)
    ids = [int(pk) for pk in alert_ids]
    if staff is None or not ids:
        return 0
    return DeadlineAlert.objects.filter(recipient=staff, pk__in=ids, read_at__isnull=True).update(
        read_at=at or timezone.now()
    )
