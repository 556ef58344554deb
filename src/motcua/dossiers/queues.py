"""Reads for the officers' work screens: reception help, unit queues, approval and return lists."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from django.db.models import Q, QuerySet
from django.utils import timezone

from motcua.catalog.models import ProcedureVersion
from motcua.core.errors import NotFound
from motcua.core.workingtime import WorkingCalendar
from motcua.dossiers import clock, process, selectors
from motcua.dossiers.models import OPEN_STATUSES, Document, Dossier, DossierStep, Status
from motcua.dossiers.selectors import ListRow, dossier_for, dossiers_visible_to
from motcua.org import access
from motcua.org.models import Role, Staff


@dataclass(frozen=True)
class KnownApplicant:
    """What the agency already holds about an applicant, from their latest dossier it can see."""

    kind: str
    full_name: str
    id_number: str
    birth_date: dt.date | None
    phone: str
    email: str
    ward_code: str
    address_line: str
    last_dossier: str


def previous_applicant(user: Any, id_number: str) -> KnownApplicant | None:
    """The applicant with this ID number as recorded on the latest dossier `user` may see (staff only)."""
    if access.staff_of(user) is None or not id_number.strip():
        return None
    dossier = (
        dossiers_visible_to(user)
        .filter(applicant_id_number=id_number.strip())
        .select_related("applicant_ward")
        .order_by("-submitted_at")
        .first()
    )
    if dossier is None:
        return None
    return KnownApplicant(
        kind=dossier.applicant_kind,
        full_name=dossier.applicant_name,
        id_number=dossier.applicant_id_number,
        birth_date=dossier.applicant_birth_date,
        phone=dossier.applicant_phone,
        email=dossier.applicant_email,
        ward_code=dossier.applicant_ward.code if dossier.applicant_ward else "",
        address_line=dossier.applicant_address,
        last_dossier=dossier.code,
    )


def reception_due_preview(version: ProcedureVersion, *, at: dt.datetime | None = None) -> dt.datetime:
    """The appointment a dossier of `version` received at `at` (now) would get."""
    moment = at or timezone.now()
    return clock.period_due(version, clock.effective_start(moment))


class ReceptionClocked(Protocol):
    """What the reception clock reads of a dossier: a `Dossier`, or an inbox row (`selectors.InboxRow`)."""

    @property
    def reception_due_at(self) -> dt.datetime | None: ...

    @property
    def status(self) -> str: ...


def reception_hours_left(
    dossier: ReceptionClocked, *, now: dt.datetime | None = None, calendar: WorkingCalendar | None = None
) -> dt.timedelta | None:
    """Working time left on an online dossier's 8-hour reception clock (negative when overdue)."""
    if dossier.reception_due_at is None or dossier.status != Status.SUBMITTED:
        return None
    moment = now or timezone.now()
    cal = calendar or clock.calendar()
    if moment <= dossier.reception_due_at:
        return cal.between(moment, dossier.reception_due_at)
    return -cal.between(dossier.reception_due_at, moment)


def reception_clocks(
    dossiers: Sequence[ReceptionClocked], *, now: dt.datetime | None = None
) -> list[dt.timedelta | None]:
    """`reception_hours_left` of each dossier, with one calendar (read only when a dossier has the clock)."""
    if not any(d.reception_due_at is not None and d.status == Status.SUBMITTED for d in dossiers):
        return [None] * len(dossiers)
    cal = clock.calendar()
    return [reception_hours_left(d, now=now, calendar=cal) for d in dossiers]


def _open_with_active_step() -> Q:
    return Q(status__in=OPEN_STATUSES, current_step__state=DossierStep.State.ACTIVE)


def unit_queue(user: Any, *, limit: int = 200) -> list[Dossier]:
    """The open dossiers of the units a head (or agency leader) assigns work in, soonest step due first."""
    staff = access.staff_of(user)
    if staff is None:
        return []
    scope = access.agencies_in_scope(user, access.Permission.ASSIGN_DOSSIER)
    dossiers = dossiers_visible_to(user).filter(_open_with_active_step(), current_step__agency__in=scope)
    dossiers = dossiers.exclude(current_step__role=Role.ONE_STOP_OFFICER)
    if Role.AGENCY_LEADER not in staff.role_set and not user.is_superuser and staff.unit_id is not None:
        dossiers = dossiers.filter(Q(current_step__unit=staff.unit) | Q(current_step__unit__isnull=True))
    return list(dossiers.order_by("current_step__due_at", "due_at")[:limit])


def assignable_staff(dossier: Dossier) -> list[Staff]:
    step = dossier.current_step
    if step is None or step.state != DossierStep.State.ACTIVE:
        return []
    return process.candidates(agency=step.agency, role=step.role, unit=step.unit)


def assignable_staff_of(dossiers: list[Dossier]) -> list[list[Staff]]:
    """`assignable_staff` of each dossier, one query per distinct (agency, role, unit) of their steps."""
    found: dict[tuple[int, str, int | None], list[Staff]] = {}
    result: list[list[Staff]] = []
    for dossier in dossiers:
        step = dossier.current_step
        if step is None or step.state != DossierStep.State.ACTIVE:
            result.append([])
            continue
        key = (step.agency_id, step.role, step.unit_id)
        if key not in found:
            found[key] = process.candidates(agency=step.agency, role=step.role, unit=step.unit)
        result.append(found[key])
    return result


def awaiting_approval(user: Any, *, limit: int = 200) -> list[Dossier]:
    """Dossiers at a leader's approval step that this leader may decide now (theirs or unassigned)."""
    staff = access.staff_of(user)
    if staff is None:
        return []
    scope = access.agencies_in_scope(user, access.Permission.APPROVE_DOSSIER)
    dossiers = dossiers_visible_to(user).filter(
        status=Status.PROCESSING,
        current_step__state=DossierStep.State.ACTIVE,
        current_step__role=Role.AGENCY_LEADER,
        current_step__agency__in=scope,
        competent_agency__in=scope,
    )
    dossiers = dossiers.filter(Q(current_step__assignee=staff) | Q(current_step__assignee__isnull=True))
    found = dossiers.order_by("current_step__due_at", "due_at")[:limit]
    # (JSON containment is not portable to SQLite: the step's actions are checked here)
    return [d for d in found if d.current_step is not None and "approve" in d.current_step.allowed_actions]


def awaiting_return(user: Any, *, limit: int = 200) -> list[Dossier]:
    """Processed dossiers whose results the one-stop officer's agency hands over."""
    scope = access.agencies_in_scope(user, access.Permission.RETURN_RESULT)
    return list(
        dossiers_visible_to(user)
        .filter(status=Status.PROCESSED, receiving_agency__in=scope)
        .order_by("finished_at")[:limit]
    )


def agency_dossiers(user: Any, *, status: str = "", query: str = "", overdue: bool = False) -> QuerySet[Dossier]:
    """The dossiers an officer may see, newest first, filtered by status, code or applicant, or overdue.

    Rows carry only what the list shows (backoffice/dossier_list.html).
    """
    dossiers = (
        dossiers_visible_to(user)
        .select_related(None)
        .select_related("procedure_version")
        .only("code", "status", "applicant_name", "submitted_at", "due_at", "procedure_version__name")
    )
    if status:
        dossiers = dossiers.filter(status=status)
    if query.strip():
        text = query.strip()
        dossiers = dossiers.filter(
            Q(code__icontains=text) | Q(applicant_name__icontains=text) | Q(applicant_id_number=text)
        )
    if overdue:
        dossiers = dossiers.filter(status__in=OPEN_STATUSES, paused_at__isnull=True, due_at__lt=timezone.now())
    return dossiers.order_by("-submitted_at", "-pk")


class AgencyList:
    """An officer's agency list with a status or overdue filter, as `CappedPaginator` reads it: counted by the
    ORM (`agency_dossiers`, which the paginator does once a minute for a long list), each page read by a
    statement compiled once (`selectors.staff_list_rows`). Building and compiling the ORM's read of every
    page was a quarter of the page's CPU (docs/performance.md, ninth session). A search goes through
    `agency_dossiers` whole."""

    ordered = True  # newest first, as `agency_dossiers`

    def __init__(self, user: Any, *, status: str = "", overdue: bool = False) -> None:
        self.user, self.status, self.overdue = user, status, overdue

    def __getitem__(self, part: slice) -> AgencyListPart:
        if not isinstance(part, slice) or part.step is not None or part.stop is None:
            raise TypeError("an agency list is read by pages")
        return AgencyListPart(self, part.start or 0, part.stop)


@dataclass(frozen=True)
class AgencyListPart:
    whole: AgencyList
    start: int
    stop: int

    def count(self) -> int:
        dossiers = agency_dossiers(self.whole.user, status=self.whole.status, overdue=self.whole.overdue)
        return int(dossiers[self.start : self.stop].count())

    def rows(self) -> list[ListRow]:
        found = selectors.staff_list_rows(
            self.whole.user,
            selectors.LIST_ROW_COLUMNS,
            selectors.ListFilters(status=self.whole.status, overdue=True if self.whole.overdue else None),
            offset=self.start,
            limit=max(self.stop - self.start, 0),
        )
        return [ListRow(*row) for row in found]


def document_for(user: Any, code: str, document_id: int) -> Document:
    """A document of a dossier `user` may see; NotFound otherwise (also for paper-only components)."""
    dossier = dossier_for(user, code)
    document = dossier.documents.filter(pk=document_id).exclude(file="").first()
    if document is None:
        raise NotFound("No document with this id.")
    return document
