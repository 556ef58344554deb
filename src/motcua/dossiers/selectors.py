"""Reads of dossiers: who sees which, inboxes, the public lookup."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from typing import Any, cast

from django.core.exceptions import PermissionDenied
from django.db import connections, router
from django.db.models import Count, Exists, F, IntegerField, Model, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from motcua.core import rows
from motcua.core.audit import AuditEvent
from motcua.core.errors import NotFound
from motcua.dossiers.models import (
    OPEN_STATUSES,
    DeadlineAlert,
    Dossier,
    DossierFee,
    DossierStep,
    Status,
    steps_elsewhere,
)
from motcua.org import access
from motcua.org.models import Agency


def _base() -> QuerySet[Dossier]:
    return Dossier.objects.select_related(
        "procedure",
        "procedure_version",
        "receiving_agency",
        "competent_agency",
        "current_step__assignee__user",
    )


# Columns a list row never shows: the e-form answers and the procedure's long texts and JSON. Lists leave
# them out (decoding them was a third of an inbox's time at 200 rows); a detail page reads the dossier whole.
LIST_DEFERRED = (
    "form_data",
    *(
        f"procedure_version__{name}"
        for name in (
            "subjects",
            "competence_levels",
            "steps",
            "methods",
            "result",
            "legal_bases",
            "requirements",
            "eform_schema",
            "eform_ui",
            "search_text",
        )
    ),
)


def dossiers_visible_to(user: Any) -> QuerySet[Dossier]:
    """Staff: dossiers received by, decided by, or passing through an agency in their scope.

    Citizens: the dossiers of their own account. Anonymous: none.
    """
    if user is None or not getattr(user, "is_authenticated", False):
        return Dossier.objects.none()
    staff = access.staff_of(user)
    if staff is None and not user.is_superuser:
        return _base().filter(account=user)
    # The scope is resolved to ids first, and the pass-through test is a correlated EXISTS that the database
    # cannot turn into a hash of every step of the agency (its steps at the receiving or the competent agency
    # are excluded: those dossiers match the first two tests already). It then walks the newest dossiers by
    # index and probes the steps of the few that fail the first two tests, instead of hashing 170,000 step
    # rows per query at a million dossiers (docs/performance.md).
    return _base().filter(_seen_from(access.agency_ids_in_scope(user, access.Permission.VIEW_AGENCY_DATA)))


def _seen_from(scope: Any) -> Q:
    """Dossiers received by, decided by, or passing through an agency of `scope` (a list of agency ids, or the
    `rows.ParamList` of a compiled query). Only dossiers flagged `crosses_agencies` (a step was at a third
    agency) are probed for the third."""
    through_steps = Exists(steps_elsewhere().filter(agency_id__in=scope))
    crossing = cast(Q, Q(crosses_agencies=True) & through_steps)  # (the stubs type Q & Exists as Combinable)
    return Q(receiving_agency_id__in=scope) | Q(competent_agency_id__in=scope) | crossing


# a dossier's own columns that decide who sees it (`visible_dossier_id`), read by code: compiled once
_BY_CODE = rows.Prepared(
    lambda: Dossier.objects.filter(code=rows.param(Dossier, "code")).values_list(
        "pk", "account_id", "receiving_agency_id", "competent_agency_id", "crosses_agencies"
    )[:1]
)


def visible_dossier_id(user: Any, code: str) -> int | None:
    """The id of dossier `code` if `user` sees it, as `dossiers_visible_to(user).filter(code=code)` decides; else None.

    For an action, which needs no more than that: the dossier's own columns decide, read in one small statement
    compiled once; only a dossier that passed through agencies outside the caller's asks the database the
    pass-through question (`dossiers_visible_to`'s). The ORM query this replaces was a quarter of a forward's CPU.
    """
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    found = _BY_CODE.first(code=code)
    if found is None:
        return None
    pk, account_id, receiving_id, competent_id, crosses = found
    if access.staff_of(user) is None and not user.is_superuser:
        return int(pk) if account_id == user.pk else None
    scope = access.agency_ids_in_scope(user, access.Permission.VIEW_AGENCY_DATA)
    if receiving_id in scope or competent_id in scope:
        return int(pk)
    if crosses and scope and dossiers_visible_to(user).filter(pk=pk).exists():
        return int(pk)
    return None


_FEES = rows.Prepared(lambda: DossierFee.objects.filter(dossier=rows.param(DossierFee, "dossier")))


def fees_of(dossier_id: int) -> list[DossierFee]:
    """The dossier's fee lines (as `dossier.fees.all()`), read after every action: compiled once."""
    fees: list[DossierFee] = _FEES.all(dossier=dossier_id)
    return fees


def dossier_for(user: Any, code: str) -> Dossier:
    """The dossier `code` if `user` may see it; NotFound otherwise (also when it exists but is not theirs)."""
    dossier = dossiers_visible_to(user).filter(code=code).first()
    if dossier is None:
        raise NotFound("No dossier with this code.")
    return dossier


def narrowed(
    dossiers: QuerySet[Dossier],
    *,
    status: str | rows.Param = "",
    agency: str | rows.Param = "",
    overdue: bool | None = None,
    now: dt.datetime | rows.Param | None = None,
) -> QuerySet[Dossier]:
    """The API's list filters: status, an agency that received or decides them, overdue or not (each value
    may be a `rows.Param`, for a list compiled once)."""
    moment = now or timezone.now()
    if status:
        dossiers = dossiers.filter(status=status)
    if agency:
        named = Agency.objects.filter(code=agency).values("pk")
        dossiers = dossiers.filter(Q(receiving_agency__in=named) | Q(competent_agency__in=named))
    # a paused dossier (supplement, financial obligation) is not running late: its clock is stopped
    if overdue is True:
        dossiers = dossiers.filter(status__in=OPEN_STATUSES, paused_at__isnull=True, due_at__lt=moment)
    elif overdue is False:
        dossiers = dossiers.exclude(status__in=OPEN_STATUSES, paused_at__isnull=True, due_at__lt=moment)
    return dossiers


def dossier_list(
    user: Any,
    *,
    status: str = "",
    agency: str = "",
    overdue: bool | None = None,
    assigned_to_me: bool = False,
    now: dt.datetime | None = None,
) -> QuerySet[Dossier]:
    dossiers = narrowed(
        dossiers_visible_to(user).defer(*LIST_DEFERRED), status=status, agency=agency, overdue=overdue, now=now
    )
    if assigned_to_me:
        staff = access.staff_of(user)
        dossiers = dossiers.filter(current_step__assignee=staff) if staff else dossiers.none()
    return dossiers


def _stream(dossier: Dossier) -> str:
    return f"dossier:{dossier.pk}"


def history(dossier: Dossier) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(stream=_stream(dossier)).order_by("seq")


_STATUS_LABELS = dict(Status.choices)


class _RowStatus:
    """What a list row built from tuples answers of its status, as a dossier does."""

    __slots__ = ()
    status: str

    def get_status_display(self) -> str:
        """What `Dossier.get_status_display` says (the translated label; the stored value if unknown)."""
        return str(_STATUS_LABELS.get(self.status, self.status))


class ListRow(_RowStatus):
    """A row of the agency list (backoffice/dossier_list.html) as `list_rows` reads it: the columns it shows,
    under a dossier's attribute names, so the row tag reads either. Building the 50 dossiers and their
    procedure versions as models cost a tenth of the page (docs/performance.md, seventh session)."""

    __slots__ = ("applicant_name", "code", "due_at", "procedure_version", "status", "submitted_at")

    def __init__(
        self,
        code: str,
        procedure_name: str,
        applicant_name: str,
        submitted_at: dt.datetime | None,
        due_at: dt.datetime | None,
        status: str,
    ) -> None:
        self.code, self.applicant_name, self.status = code, applicant_name, status
        self.submitted_at, self.due_at = submitted_at, due_at
        self.procedure_version = _Named(procedure_name)


@dataclass(frozen=True, slots=True)
class _Named:
    name: str


LIST_ROW_COLUMNS = ("code", "procedure_version__name", "applicant_name", "submitted_at", "due_at", "status")


def list_rows(dossiers: QuerySet[Dossier]) -> list[ListRow]:
    """The rows of `dossiers` (a page of the agency list) as `ListRow`s, read as tuples in one statement."""
    return [ListRow(*row) for row in dossiers.values_list(*LIST_ROW_COLUMNS)]


NEWEST_FIRST = ("-submitted_at", "-pk")


def _staff_list(key: tuple[Any, ...]) -> QuerySet[Dossier]:
    """The template of `staff_list_rows` for one shape (see there), with its values as `rows.Param`s."""
    columns, status, agency, overdue, assigned_to_me, after, offset, limit = key
    dossiers = narrowed(
        Dossier.objects.filter(_seen_from(rows.param_list(Dossier, "receiving_agency", "scope"))),
        status=rows.param(Dossier, "status") if status else "",
        agency=rows.param(Agency, "code", "agency") if agency else "",
        overdue=overdue,
        now=rows.param(Dossier, "due_at", "now") if overdue is not None else None,
    )
    if assigned_to_me:
        dossiers = dossiers.filter(current_step__assignee=rows.param(DossierStep, "assignee", "staff"))
    if after:
        at = rows.param(Dossier, "submitted_at", "after_at")
        dossiers = dossiers.filter(
            Q(submitted_at__lt=at) | Q(submitted_at=at, pk__lt=rows.param(Dossier, "id", "after_pk"))
        )
    read = dossiers.order_by(*NEWEST_FIRST).values_list(*(rows.looked_up(Dossier, name) for name in columns))
    return read[offset : offset + limit]


# one compiled read a shape: which columns, which filters are given, which page (the agency list's pages go by
# number, at most 20 of them under the paginator's cap; the API's limits come in a few sizes)
# Not prepared on PostgreSQL (`keep_plan=False`): the best plan depends on the agencies and filters (walking the
# newest-first index for a department with 66,000 dossiers, its own index for a commune with a few hundred), and
# a generic plan chosen for one could be slow for another.
_STAFF_LISTS = rows.Family(_staff_list, keep=256, keep_plan=False)
_READ_SIZES = (11, 26, 50, 51, 101)


@dataclass(frozen=True)
class ListFilters:
    """The filters of an agency's dossier list (`staff_list_rows`, the API's list): a status, an agency that
    received or decides them, overdue or not (None: either), only those at a step the caller holds, and
    only those after the row `after` ((submitted_at, pk), the API's cursor)."""

    status: str = ""
    agency: str = ""
    overdue: bool | None = None
    assigned_to_me: bool = False
    after: tuple[dt.datetime, int] | None = None


def staff_list_rows(
    user: Any,
    columns: tuple[str, ...],
    filters: ListFilters,
    *,
    offset: int = 0,
    limit: int,
    now: dt.datetime | None = None,
) -> list[tuple[Any, ...]]:
    """The dossiers `dossier_list(user, ...)` lists with `filters`, newest first (`NEWEST_FIRST`), `limit` rows
    from `offset`, as `values_list(*columns)` tuples; a column through a foreign key is read by a subquery
    (`rows.looked_up`).

    For staff and superusers, whose dossiers are those their agencies see (`dossiers_visible_to`): each list
    read the ORM builds and compiles from the filters was a quarter to a third of an agency list's CPU, so it
    is compiled once a shape (`rows.Family`) and sent again with the values. A citizen's own dossiers are not
    listed here (PermissionDenied).
    """
    if user is None or not getattr(user, "is_authenticated", False):
        raise PermissionDenied("Only staff list an agency's dossiers.")
    staff = access.staff_of(user)
    if staff is None and not user.is_superuser:
        raise PermissionDenied("Only staff list an agency's dossiers.")
    if filters.assigned_to_me and staff is None:
        return []
    # the limit is read as one of a few sizes, the rows beyond it dropped here: a page of 50 (the agency list),
    # the API's default and largest pages and one more row each (`page_size + 1`), and sizes between
    wanted = limit
    limit = next((size for size in _READ_SIZES if size >= wanted), wanted)
    key = (
        columns,
        bool(filters.status),
        bool(filters.agency),
        filters.overdue,
        filters.assigned_to_me,
        filters.after is not None,
    )
    values: dict[str, Any] = {"scope": access.agency_ids_in_scope(user, access.Permission.VIEW_AGENCY_DATA)}
    if filters.status:
        values["status"] = filters.status
    if filters.agency:
        values["agency"] = filters.agency
    if filters.overdue is not None:
        values["now"] = now or timezone.now()
    if filters.assigned_to_me and staff is not None:
        values["staff"] = staff.pk
    if filters.after is not None:
        values["after_at"], values["after_pk"] = filters.after
    return list(_STAFF_LISTS[(*key, offset, limit)].all(**values)[:wanted])


class InboxRow(_RowStatus):
    """A row of an inbox tab or of the reception page's waiting list, as `inbox_rows` reads it: the columns
    they show and the reception clock needs, under a dossier's attribute names (its current step as
    `current_step`, None without one), so the row tag and `reception_clocks` read either. Building the 50
    dossiers with their procedure versions and steps as models was a sixth of the inbox's CPU (docs/performance.md,
    eighth session)."""

    COLUMNS = (
        "code",
        "status",
        "applicant_name",
        "due_at",
        "paused_at",
        "reception_due_at",
        "procedure_version__name",
        "current_step",
        "current_step__name",
        "current_step__due_at",
    )
    __slots__ = (
        "applicant_name",
        "code",
        "current_step",
        "due_at",
        "paused_at",
        "procedure_version",
        "reception_due_at",
        "status",
    )

    def __init__(
        self,
        code: str,
        status: str,
        applicant_name: str,
        due_at: dt.datetime | None,
        paused_at: dt.datetime | None,
        reception_due_at: dt.datetime | None,
        procedure_name: str,
        step_id: int | None,
        step_name: str | None,
        step_due_at: dt.datetime | None,
    ) -> None:
        self.code, self.status, self.applicant_name = code, status, applicant_name
        self.due_at, self.paused_at, self.reception_due_at = due_at, paused_at, reception_due_at
        self.procedure_version = _Named(procedure_name)
        self.current_step = None if step_id is None else _Step(step_name or "", step_due_at)


@dataclass(frozen=True, slots=True)
class _Step:
    name: str
    due_at: dt.datetime | None


@dataclass(frozen=True)
class InboxItem:
    """A dossier in an inbox tab: what the tabs are counted and sorted by; `inbox_rows` gives the rows shown,
    from `row` (`InboxRow`'s arguments) where the inbox's own read brought them, else read then."""

    pk: int
    code: str
    due: dt.datetime | None  # the current step's due instant, else the dossier's; the reception clock's end
    row: tuple[Any, ...] | None = None


@dataclass
class Inbox:
    to_do: list[InboxItem]
    due_today: list[InboxItem]
    overdue: list[InboxItem]
    paused: list[InboxItem]
    sent_back: list[InboxItem]
    awaiting_reception: list[InboxItem]

    def counts(self) -> dict[str, int]:
        return {name: len(getattr(self, name)) for name in self.__dataclass_fields__}


_SENT_BACK_STEPS = DossierStep.objects.filter(state=DossierStep.State.SENT_BACK).order_by()


class _InboxReads:
    """The inbox's reads for one `limit` where they are not one statement (SQLite, `_joined_inbox_sql`),
    compiled once: the lists of ids go as one parameter each."""

    def __init__(self, limit: int) -> None:
        # (steps without a due instant last, as PostgreSQL sorts them: SQLite would put them first; the oldest
        # first of steps due at the same instant, as `_joined_inbox_sql`'s parts)
        active_steps = DossierStep.objects.filter(state=DossierStep.State.ACTIVE).order_by(
            F("due_at").asc(nulls_last=True), "pk"
        )
        # each step with its due instant: the dossiers' read below needs no join back to the steps
        held = active_steps.filter(assignee=rows.param(DossierStep, "assignee"))
        queued = active_steps.filter(
            assignee__isnull=True,
            agency=rows.param(DossierStep, "agency"),
            role__in=rows.param_list(DossierStep, "role", "roles"),
        )
        # the step's name for the rows shown: both indexes carry it (an index-only read on PostgreSQL)
        self.held = rows.Prepared(lambda: held.values_list("pk", "due_at", "name")[:limit])
        self.queued = rows.Prepared(lambda: queued.values_list("pk", "due_at", "name")[:limit])
        # The dossiers of those steps, unsorted: `inbox` sorts them by the steps' due instants it holds. (The
        # status is tested in Python, not in SQL: the planner would AND the 400 ids with the status index's
        # 57,000 open dossiers at a million, 9 of the 12.8 ms of this query. Joined back to the steps to sort
        # in SQL, it read 400 step rows a second time: 3.4 ms, half of it that join.)
        # Whether a step of the dossier was sent back comes with it (a probe of the small index of sent-back
        # steps a dossier): the inbox's tab of dossiers sent back to the officer costs no statement of its own.
        # So do the columns its rows show (the procedure's name by its key): the 50 rows of the page need no
        # read of their own (docs/performance.md, tenth session).
        self.dossiers = rows.Prepared(
            lambda: (
                Dossier.objects.filter(_seen_from(rows.param_list(Dossier, "receiving_agency", "scope")))
                .filter(current_step__in=rows.param_list(Dossier, "current_step", "steps"))
                .annotate(
                    sent_back=Exists(_SENT_BACK_STEPS.filter(dossier=OuterRef("pk"))),
                    procedure_name=rows.looked_up(Dossier, "procedure_version__name"),
                )
                .order_by()
                .values_list(
                    "pk",
                    "code",
                    "paused_at",
                    "due_at",
                    "current_step_id",
                    "status",
                    "sent_back",
                    "applicant_name",
                    "reception_due_at",
                    "procedure_name",
                )
            )
        )
        # not prepared on PostgreSQL: whether to walk the reception deadlines or the agency's own dossiers
        # depends on the agency (a generic plan chosen for a small one could be slow for a large one)
        self.awaiting = rows.Prepared(
            lambda: (
                Dossier.objects.filter(
                    receiving_agency=rows.param(Dossier, "receiving_agency"), status=Status.SUBMITTED
                )
                .order_by("reception_due_at", "submitted_at")
                .values_list("pk", "code", "reception_due_at")[:limit]
            ),
            keep_plan=False,
        )


_INBOX_ROWS = rows.Prepared(
    lambda: (
        Dossier.objects.filter(pk__in=rows.param_list(Dossier, "id", "ids"))
        .order_by()
        .values_list("pk", *InboxRow.COLUMNS)
    )
)
_INBOX_READS: dict[int, _InboxReads] = {}


def _inbox_reads(limit: int) -> _InboxReads:
    found = _INBOX_READS.get(limit)
    if found is None:
        found = _INBOX_READS.setdefault(limit, _InboxReads(limit))
    return found


@functools.cache
def _joined_inbox_sql(using: str, limit: int) -> str:
    """The inbox's one statement on PostgreSQL: what `_InboxReads` reads in three (the officer's steps, then
    their dossiers, then, rarely, the dossiers of the later steps), as `_dossiers_of_soonest` returns it, each
    row with its step's due instant, name and held flag after `_InboxReads.dossiers`' columns. Parameters: the
    officer's staff id, their agency, their roles (`_text_array`), their scope (`_int_array`) three times.

    The two parts of the steps are merged in due order and each probes the dossiers' index of current steps,
    so the read stops at the `limit`-th open dossier in scope (with every other of the same step due
    instant: `_dossiers_of_soonest`'s rows), in about `limit` probes; no step row comes back on its own.
    Each part keeps its `limit` soonest steps, the oldest first among steps due at the same instant (as
    `_InboxReads` orders them): which are kept never depends on how the rows lie on disk.
    The states and statuses are written as they are: the partial indexes of active and sent-back steps serve
    a plan kept for every officer only when the statement names the state they cover.
    """

    def c(model: type[Model], name: str) -> str:
        return rows.column(model, name, using)

    def literal(value: str) -> str:
        if not value.isidentifier():  # the models' own constants, never a caller's value
            raise ValueError(f"not a state or status: {value!r}")
        return f"'{value}'"

    step, dossier = rows.table(DossierStep, using), rows.table(Dossier, using)
    active = literal(DossierStep.State.ACTIVE)
    parts = (
        ("TRUE", f"s.{c(DossierStep, 'assignee')} = %s"),
        (
            "FALSE",
            f"s.{c(DossierStep, 'assignee')} IS NULL AND s.{c(DossierStep, 'agency')} = %s "
            f"AND s.{c(DossierStep, 'role')} = ANY(%s::text[])",
        ),
    )
    steps = " UNION ALL ".join(
        f"(SELECT s.{c(DossierStep, 'id')} AS id, s.{c(DossierStep, 'due_at')} AS due_at, "  # noqa: S608
        f"s.{c(DossierStep, 'name')} AS name, {held} AS held FROM {step} s "
        f"WHERE s.{c(DossierStep, 'state')} = {active} AND {where} "
        f"ORDER BY s.{c(DossierStep, 'due_at')}, s.{c(DossierStep, 'id')} LIMIT {limit:d})"
        for held, where in parts
    )
    agency = c(DossierStep, "agency")
    receiving, competent = c(Dossier, "receiving_agency"), c(Dossier, "competent_agency")
    # `_seen_from`: received by, decided by, or passing through an agency of the scope
    seen = (
        f"(d.{receiving} = ANY(%s::bigint[]) OR d.{competent} = ANY(%s::bigint[]) OR (d.{c(Dossier, 'crosses_agencies')} "  # noqa: S608
        f"AND EXISTS(SELECT 1 FROM {step} e WHERE e.{c(DossierStep, 'dossier')} = d.{c(Dossier, 'id')} "
        f"AND e.{agency} <> d.{receiving} AND e.{agency} <> d.{competent} AND e.{agency} = ANY(%s::bigint[]))))"
    )
    sent_back = (
        f"EXISTS(SELECT 1 FROM {step} b WHERE b.{c(DossierStep, 'state')} = {literal(DossierStep.State.SENT_BACK)} "  # noqa: S608
        f"AND b.{c(DossierStep, 'dossier')} = d.{c(Dossier, 'id')})"
    )
    versions: Any = Dossier._meta.get_field("procedure_version").related_model
    procedure = (
        f"(SELECT v.{c(versions, 'name')} FROM {rows.table(versions, using)} v "  # noqa: S608
        f"WHERE v.{c(versions, 'id')} = d.{c(Dossier, 'procedure_version')})"
    )
    columns = ", ".join(
        [
            *(f"d.{c(Dossier, name)}" for name in ("id", "code", "paused_at", "due_at", "current_step", "status")),
            sent_back,
            *(f"d.{c(Dossier, name)}" for name in ("applicant_name", "reception_due_at")),
            procedure,
            "steps.due_at",
            "steps.name",
            "steps.held",
        ]
    )
    statuses = ", ".join(literal(status) for status in OPEN_STATUSES)
    return (
        f"WITH steps AS ({steps}) SELECT {columns} FROM steps "  # noqa: S608
        f"INNER JOIN {dossier} d ON d.{c(Dossier, 'current_step')} = steps.id "
        f"WHERE d.{c(Dossier, 'status')} IN ({statuses}) AND {seen} "
        f"ORDER BY steps.due_at FETCH FIRST {limit:d} ROWS WITH TIES"
    )


def _int_array(values: list[int]) -> str:
    """A list of integers as the text of a PostgreSQL array (cast in the statement)."""
    return "{" + ",".join(str(int(value)) for value in values) + "}"


def _text_array(values: list[str]) -> str:
    """A list of strings as the text of a PostgreSQL array (cast in the statement), each quoted."""
    quoted = ('"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"' for value in values)
    return "{" + ",".join(quoted) + "}"


def _dossiers_of_soonest(
    reads: _InboxReads,
    scope: list[int],
    steps: dict[int, tuple[dt.datetime | None, str, bool]],
    limit: int,
    moment: dt.datetime,
    using: str,
) -> list[tuple[Any, ...]]:
    """The dossiers (`_InboxReads.dossiers` rows) of the soonest-due of `steps` the officer may see, enough
    to hold their `limit` soonest open ones.

    The `limit` soonest steps are read first, with every step due at the same instant as the last of them
    (the dossier's own due instant orders those); the others only if fewer than `limit` of those dossiers
    are open and in scope, which an active step's dossier almost always is: two statements at most.
    Reading the dossiers of all up to 2 × `limit` steps was the inbox's costliest statement
    (docs/performance.md, eighth session): the later half could never be shown.
    """

    def soonest(step: tuple[int, tuple[dt.datetime | None, str, bool]]) -> tuple[bool, dt.datetime]:
        due = step[1][0]
        return (due is None, due or moment)

    ordered = sorted(steps.items(), key=soonest)
    if not ordered:
        return []
    end = min(max(limit, 1), len(ordered))
    while end < len(ordered) and soonest(ordered[end]) == soonest(ordered[end - 1]):
        end += 1
    found = reads.dossiers.all(using, scope=scope, steps=[pk for pk, _ in ordered[:end]])
    if end < len(ordered) and sum(1 for row in found if row[5] in OPEN_STATUSES) < limit:
        found += reads.dossiers.all(using, scope=scope, steps=[pk for pk, _ in ordered[end:]])  # all the others
    return found


def inbox(user: Any, *, now: dt.datetime | None = None, limit: int = 200) -> Inbox:
    """An officer's work: steps that are theirs (assigned, or unassigned with their role in their agency).

    Each tab is a list of `InboxItem`s read as a few columns (counting and sorting 200 rows needs no model
    instance); the page reads its 50 rows whole with `inbox_rows`.
    """
    moment = now or timezone.now()
    staff = access.staff_of(user)
    if staff is None:
        return Inbox([], [], [], [], [], [])
    # The officer's active steps, read through two small indexes (the steps they hold, and the unassigned
    # steps of their roles in their agency) rather than one OR that scans every active step of the province.
    # Each part keeps its `limit` soonest-due steps: the `limit` soonest of both are among them (up to steps
    # due at the very same instant as the last one kept).
    roles = sorted(staff.role_set)
    scope = access.agency_ids_in_scope(user, access.Permission.VIEW_AGENCY_DATA)
    using = router.db_for_read(Dossier)
    # each: `_InboxReads.dossiers`' columns, then its step's due instant, its name and whether the officer
    # holds it; their open dossiers in scope, enough to hold the `limit` soonest
    found: list[tuple[Any, ...]]
    if connections[using].vendor == "postgresql":  # one statement
        found = rows.fetch_all(
            using,
            _joined_inbox_sql(using, limit),
            [staff.pk, staff.agency_id, _text_array(roles), *[_int_array(scope)] * 3],
        )
    else:  # SQLite: three statements at most (in the same process: no round trip to save)
        reads = _inbox_reads(limit)
        held = reads.held.all(using, assignee=staff.pk)
        queued = reads.queued.all(using, agency=staff.agency_id, roles=roles)
        steps = {pk: (due, name, True) for pk, due, name in held} | {pk: (due, name, False) for pk, due, name in queued}
        found = [(*row, *steps[row[4]]) for row in _dossiers_of_soonest(reads, scope, steps, limit, moment, using)]
    sent_back_ids = {row[0] for row in found if row[6]}
    mine = []
    # (pk, code, paused_at, due, the step's due instant, whether the officer holds the step, `InboxRow`'s
    # arguments), open dossiers only, sorted as `ORDER BY step.due_at, dossier.due_at, dossier.id` sorts
    # (unknown last)
    for pk, code, paused_at, due, step, status, _s, applicant, reception_due, procedure, step_due, name, holds in found:
        if status in OPEN_STATUSES:
            row = (code, status, applicant, due, paused_at, reception_due, procedure, step, name, step_due)
            mine.append((pk, code, paused_at, due, step_due, holds, row))
    # (the oldest dossier first of those due at the same instants: the same order whichever way they were read)
    mine.sort(key=lambda row: (row[4] is None, row[4] or moment, row[3] is None, row[3] or moment, row[0]))
    open_mine = mine[:limit]
    local_today = timezone.localtime(moment).date()
    end_of_day = timezone.make_aware(dt.datetime.combine(local_today, dt.time(23, 59, 59)))
    paused = [
        InboxItem(pk, code, step_due or due, row)
        for pk, code, paused_at, due, step_due, _h, row in open_mine
        if paused_at
    ]
    running = [row for row in open_mine if row[2] is None]
    items = {pk: InboxItem(pk, code, step_due or due, row) for pk, code, _p, due, step_due, _h, row in running}
    to_do = [items[row[0]] for row in running]
    overdue = [item for item in to_do if (item.due or moment) < moment]
    due_today = [item for item in to_do if item.due is not None and moment <= item.due <= end_of_day]
    # sent back to the officer: only a step they hold can be (the others are unassigned)
    held_running = [pk for pk, _code, _paused, _due, _step_due, holds, _row in running if holds]
    sent_back = [items[pk] for pk in held_running if pk in sent_back_ids]
    awaiting: list[InboxItem] = []
    if access.can(user, access.Permission.RECEIVE_DOSSIER, staff.agency):
        awaiting = awaiting_reception(staff.agency, limit=limit)
    return Inbox(to_do, due_today, overdue, paused, sent_back, awaiting)


def awaiting_reception(agency: Any, *, limit: int = 200) -> list[InboxItem]:
    """The online dossiers `agency` must receive or return, the soonest reception deadline first."""
    found = _inbox_reads(limit).awaiting.all(receiving_agency=agency.pk)
    return [InboxItem(pk, code, due) for pk, code, due in found]


def inbox_rows(items: list[InboxItem]) -> list[InboxRow]:
    """The rows of `items`, in their order (`InboxRow`): from the items that carry them, the others read as
    tuples in one statement (none when every item carries its row)."""
    missing = [item.pk for item in items if item.row is None]
    found = {row[0]: row[1:] for row in _INBOX_ROWS.all(ids=missing)} if missing else {}
    shown = []
    for item in items:
        values = item.row if item.row is not None else found.get(item.pk)
        if values is not None:
            shown.append(InboxRow(*values))
    return shown


def mask_name(name: str) -> str:
    """'Nguyễn Văn An' -> 'N*** V** A*': initials only, for public pages."""
    return " ".join(part[0] + "*" * (len(part) - 1) for part in name.split() if part)


# The public lookup's two reads, compiled once: it is the page anyone may call most often. The first joins
# only the two tables the answer names (the procedure's name, the receiving agency): with `_base`'s seven,
# PostgreSQL spent 3.3 ms planning the join orders of a query that runs in 0.2 ms, two thirds of the
# database's time per lookup (docs/performance.md, fifth session).
_PUBLIC_LOOKUP = rows.Prepared(
    lambda: (
        Dossier.objects.select_related("procedure_version", "receiving_agency")
        .defer(*LIST_DEFERRED)
        .filter(code=rows.param(Dossier, "code"))
        .filter(
            Q(applicant_id_number=rows.param(Dossier, "applicant_id_number", "id_number"))
            | Q(owner_id_number=rows.param(Dossier, "owner_id_number", "id_number"))
        )
        .order_by("pk")[:1]
    )
)
_STATUS_CHANGES = rows.Prepared(
    lambda: (
        AuditEvent.objects.filter(stream=rows.param(AuditEvent, "stream"))
        .exclude(to_status="")
        .order_by("seq")
        .values_list("at", "to_status")
    )
)


def public_lookup(*, code: str, id_number: str) -> Dossier:
    """The dossier whose code and applicant (or owner) ID number both match; NotFound otherwise."""
    if not code or not id_number:
        raise NotFound("No dossier matches this code and ID number.")
    dossier: Dossier | None = _PUBLIC_LOOKUP.first(code=code, id_number=id_number)
    if dossier is None:
        raise NotFound("No dossier matches this code and ID number.")
    return dossier


def alerts_for(user: Any, *, unread_only: bool = True, limit: int = 50) -> list[DeadlineAlert]:
    """The deadline alerts of a staff member, newest first (none for citizens and anonymous users)."""
    staff = access.staff_of(user)
    if staff is None:
        return []
    alerts = DeadlineAlert.objects.filter(recipient=staff).select_related("dossier", "step")
    if unread_only:
        alerts = alerts.filter(read_at__isnull=True)
    return list(alerts.order_by("-created_at", "-pk")[:limit])


# the header of every back-office page shows it: counted by SQL written once
_UNREAD_ALERTS = rows.Prepared(
    lambda: (
        DeadlineAlert.objects.filter(recipient=rows.param(DeadlineAlert, "recipient"), read_at__isnull=True)
        .order_by()
        .values("recipient")
        .annotate(unread=Count("pk"))
        .values_list("unread", flat=True)
    )
)


# The name under which a user read with `unread_alerts(...)` annotated holds their count.
ALERTS_READ_WITH_USER = "unread_alerts"


def unread_alerts(staff: str) -> Coalesce:
    """How many unread deadline alerts the staff record at `staff` (a path from the outer query's model,
    `OuterRef`; none: 0) has: to annotate the signed-in user's own read with (as `ALERTS_READ_WITH_USER`),
    so that the back office's menu, which shows it on every page, asks no statement of its own."""
    counted = (
        DeadlineAlert.objects.filter(recipient=OuterRef(staff), read_at__isnull=True)
        .order_by()
        .values("recipient")
        .annotate(unread=Count("pk"))
        .values("unread")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def alert_count(user: Any) -> int:
    """How many unread deadline alerts a staff member has (read with the user when it was annotated by
    `unread_alerts`, at the start of the request)."""
    staff = access.staff_of(user)
    if staff is None:
        return 0
    known = getattr(user, ALERTS_READ_WITH_USER, None)
    if known is not None:
        return int(known)
    return int(_UNREAD_ALERTS.first(recipient=staff.pk) or 0)


def public_timeline(dossier: Dossier) -> list[tuple[dt.datetime, str]]:
    """The dossier's status changes (instant, status), without who did what: what the public may see."""
    events = _STATUS_CHANGES.all(stream=_stream(dossier))  # `history`'s events that change the status
    seen: list[tuple[dt.datetime, str]] = []
    for at, status in events:
        if not seen or seen[-1][1] != status:
            seen.append((at, status))
    return seen


def dossiers_of_account(user: Any) -> QuerySet[Dossier]:
    """A citizen's own dossiers (those submitted from their account), newest first."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Dossier.objects.none()
    return _base().filter(account=user).order_by("-submitted_at")


# what the citizen's list shows (portal/my_dossiers.html), its newest 200, by SQL written once: the full rows
# with every related row, the procedure's JSON texts included, were most of that page's CPU, then compiling it
_ACCOUNT_LIST = rows.Prepared(
    lambda: (
        Dossier.objects.filter(account=rows.param(Dossier, "account"))
        .select_related("procedure_version")
        .only("code", "status", "due_at", "submitted_at", "procedure_version__name")
        .order_by("-submitted_at")[:200]
    )
)


def account_dossier_list(user: Any) -> list[Dossier]:
    """The newest 200 of `dossiers_of_account`, with only the columns the citizen's list shows."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    return cast(list[Dossier], _ACCOUNT_LIST.all(account=user.pk))


def own_dossier(user: Any, code: str) -> Dossier:
    """The signed-in applicant's own dossier `code`; NotFound for anyone else (staff included)."""
    dossier = dossiers_of_account(user).filter(code=code).first()
    if dossier is None:
        raise NotFound("No dossier with this code.")
    return dossier
