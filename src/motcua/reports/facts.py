"""What each dossier contributes to the statistics, and how the counters follow every change.

The facts of a dossier are a pure function of its row and a few flags read from its documents, fees,
payments, results, ratings and population lookups. Its contribution (`contribution`) is a set of
(day, key) → counters; a change adds `contribution(new) - contribution(old)` to the day, month and year
rows of the key, in the transaction of the change. `flags_query` is the one definition of the flags, used
for one dossier after a change and for all of them by `rebuild_stats`.

The overdue rule: an open dossier not paused counts in `due` on the day it is due; when it ends after its
due instant it stays there and counts `overdue_closed` on the day it ends; when it ends in time, or while
paused, it leaves `due`. So "in progress and overdue at the start of day D" is the sum of `due -
overdue_closed` before D (`motcua.reports.query`). Due means the original due instant moved by paused time:
an extension gives a new appointment but does not excuse the delay (as in the on-time classification).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable
from typing import Any, NamedTuple

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, QuerySet

from motcua.dossiers.models import (
    Document,
    Dossier,
    DossierFee,
    SatisfactionRating,
    Status,
    StoredDocument,
    Timeliness,
)
from motcua.reports.models import COUNTERS, DayFigures, DossierFacts, MonthFigures, YearFigures

ZONE = zoneinfo.ZoneInfo(settings.TIME_ZONE)

WITH_FEES = 1
PAID_ONLINE = 2
ELECTRONIC_RESULT = 4
COMPONENT_FILES = 8
REUSED = 16
RESULT_IN_STORE = 32
POPULATION_DATA = 64

RESOLVED_STATUSES = frozenset({Status.PROCESSED.value, Status.RETURNED.value})
OPEN_STATUSES = frozenset(
    {Status.RECEIVED.value, Status.PROCESSING.value, Status.AWAITING_SUPPLEMENT.value, Status.AWAITING_PAYMENT.value}
)

Key = tuple[int, int, int, str]  # agency, procedure, field, channel


class Facts(NamedTuple):
    agency_id: int
    procedure_id: int
    field_id: int
    channel: str
    received_day: dt.date | None
    finished_day: dt.date | None
    due_day: dt.date | None
    ending: str
    refused: bool
    overdue: bool
    minutes: int
    supplement_requests: int
    flags: int
    rating_points: int | None
    rating_overall: str

    @property
    def key(self) -> Key:
        return (self.agency_id, self.procedure_id, self.field_id, self.channel)


def _day(moment: dt.datetime | None) -> dt.date | None:
    return moment.astimezone(ZONE).date() if moment is not None else None


#: the dossier columns the facts read, in this order (see `facts_from_row`)
ROW_FIELDS = (
    "pk",
    "competent_agency_id",
    "procedure_id",
    "procedure_version__field_id",
    "channel",
    "status",
    "received_at",
    "finished_at",
    "due_at",
    "original_due_at",
    "paused_at",
    "timeliness",
    "outcome",
    "supplement_count",
    "paused_minutes",
)


def facts_from_row(row: tuple[Any, ...], flags: int, rating: tuple[int | None, str], between: Any) -> Facts:
    """Facts from a tuple of `ROW_FIELDS`; `between(a, b)` gives the working time from a to b."""
    (
        _pk,
        agency_id,
        procedure_id,
        field_id,
        channel,
        status,
        received_at,
        finished_at,
        due_at,
        original_due_at,
        paused_at,
        timeliness,
        outcome,
        supplement_count,
        paused_minutes,
    ) = row
    due = original_due_at or due_at
    received = received_at is not None
    if not received:  # only received dossiers count in the indicators
        flags, rating = 0, (None, "")
    ending = ""
    overdue = False
    minutes = 0
    finished_day = _day(finished_at)
    if status in RESOLVED_STATUSES and received and finished_at is not None:
        ending = timeliness or Timeliness.ON_TIME.value
        elapsed = int(between(received_at, finished_at).total_seconds() // 60) - (paused_minutes or 0)
        minutes = max(elapsed, 0)
    elif status == Status.REJECTED.value and finished_at is not None:
        ending = "rejected"
    elif status in (Status.WITHDRAWN.value, Status.STOPPED.value) and received and finished_at is not None:
        ending = status
    if not received:
        finished_day = finished_day if ending == "rejected" else None
        due_day = None
    elif ending in ("", "rejected"):
        overdue = paused_at is None and due is not None
        due_day = _day(due) if overdue else None
        finished_day = None
    else:
        overdue = due is not None and finished_at > due
        due_day = _day(due) if overdue else None
    return Facts(
        agency_id=agency_id,
        procedure_id=procedure_id,
        field_id=field_id or 0,
        channel=channel,
        received_day=_day(received_at),
        finished_day=finished_day,
        due_day=due_day,
        ending=ending,
        refused=ending in ("early", "on_time", "late") and outcome == "refused",
        overdue=overdue,
        minutes=minutes,
        supplement_requests=supplement_count or 0,
        flags=flags,
        rating_points=rating[0],
        rating_overall=rating[1],
    )


def contribution(facts: Facts | None) -> dict[tuple[dt.date, Key], dict[str, int]]:
    """The counters a dossier adds, by (day, key)."""
    out: dict[tuple[dt.date, Key], dict[str, int]] = {}
    if facts is None:
        return out
    key = facts.key
    if facts.received_day is not None:
        flags = facts.flags
        has_result = bool(flags & ELECTRONIC_RESULT)
        on_reception = {
            "received": 1,
            "supplement_requests": facts.supplement_requests,
            "multi_supplement": int(facts.supplement_requests > 1),
            "with_fees": int(bool(flags & WITH_FEES)),
            "paid_online": int(bool(flags & WITH_FEES) and bool(flags & PAID_ONLINE)),
            "electronic_result": int(has_result),
            "digitised": int(has_result and bool(flags & COMPONENT_FILES)),
            "reused": int(bool(flags & REUSED)),
            "data_store": int(bool(flags & (REUSED | RESULT_IN_STORE))),
            "population_data": int(bool(flags & POPULATION_DATA)),
        }
        if facts.rating_points is not None:
            on_reception["rated"] = 1
            on_reception["rating_points"] = facts.rating_points
            if facts.rating_overall in ("very_satisfied", "satisfied", "not_satisfied"):
                on_reception[facts.rating_overall] = 1
        out[(facts.received_day, key)] = {k: v for k, v in on_reception.items() if v}
    if facts.finished_day is not None and facts.ending:
        ending = facts.ending
        at_end: dict[str, int] = {}
        if ending == "rejected":
            at_end["rejected"] = 1
        else:
            at_end["closed"] = 1
            if ending in ("early", "on_time", "late"):
                at_end[f"resolved_{ending}"] = 1
                at_end["processing_minutes"] = facts.minutes
                if facts.refused:
                    at_end["refused"] = 1
            else:
                at_end[ending] = 1
            if facts.overdue:
                at_end["overdue_closed"] = 1
        _merge(out, (facts.finished_day, key), at_end)
    if facts.due_day is not None and facts.overdue:
        _merge(out, (facts.due_day, key), {"due": 1})
    return out


def _merge(into: dict[Any, dict[str, int]], slot: Any, values: dict[str, int]) -> None:
    target = into.setdefault(slot, {})
    for name, value in values.items():
        if value:
            target[name] = target.get(name, 0) + value


def difference(old: Facts | None, new: Facts | None) -> dict[tuple[dt.date, Key], dict[str, int]]:
    delta = contribution(new)
    for slot, values in contribution(old).items():
        _merge(delta, slot, {name: -value for name, value in values.items()})
    return {slot: {k: v for k, v in values.items() if v} for slot, values in delta.items() if any(values.values())}


# ---- the counters at three grains ---------------------------------------------------------------------

GRAINS = (
    (DayFigures, lambda day: day),
    (MonthFigures, lambda day: day.replace(day=1)),
    (YearFigures, lambda day: day.replace(month=1, day=1)),
)


def rollup(delta: dict[tuple[dt.date, Key], dict[str, int]]) -> list[tuple[Any, dict[tuple[dt.date, Key], list[int]]]]:
    """The delta at each grain, as rows of all counters in `COUNTERS` order."""
    grains: list[tuple[Any, dict[tuple[dt.date, Key], list[int]]]] = []
    for model, period_of in GRAINS:
        rows: dict[tuple[dt.date, Key], list[int]] = defaultdict(lambda: [0] * len(COUNTERS))
        for (day, key), values in delta.items():
            row = rows[(period_of(day), key)]
            for name, value in values.items():
                row[INDEX[name]] += value
        grains.append((model, dict(rows)))
    return grains


INDEX = {name: i for i, name in enumerate(COUNTERS)}


def _add_rows(model: type, rows: dict[tuple[dt.date, Key], list[int]]) -> tuple[str, list[Any]]:
    """The statement adding `rows` to the counters of `model`, creating missing rows (keys in order)."""
    table = model._meta.db_table  # type: ignore[attr-defined]
    quote = connection.ops.quote_name
    columns = ["period", "agency_id", "procedure_id", "field_id", "channel", *COUNTERS]
    placeholders = "(" + ", ".join(["%s"] * len(columns)) + ")"
    params: list[Any] = []
    for (period, key), values in sorted(rows.items()):
        params.extend([period, *key, *values])
    updates = ", ".join(f"{quote(c)} = {quote(table)}.{quote(c)} + excluded.{quote(c)}" for c in COUNTERS)
    # names come from the model's metadata only; values are parameters
    sql = (
        f"INSERT INTO {quote(table)} ({', '.join(quote(c) for c in columns)}) VALUES "  # noqa: S608
        + ", ".join([placeholders] * len(rows))
        + f" ON CONFLICT (period, agency_id, procedure_id, field_id, channel) DO UPDATE SET {updates}"
    )
    return sql, params


def _store(dossier_id: int, facts: Facts) -> tuple[str, list[Any]]:
    """The statement replacing the stored facts of a dossier."""
    quote = connection.ops.quote_name
    table = quote(DossierFacts._meta.db_table)
    columns = ["dossier_id", *Facts._fields]
    updates = ", ".join(f"{quote(c)} = excluded.{quote(c)}" for c in Facts._fields)
    sql = (
        f"INSERT INTO {table} ({', '.join(quote(c) for c in columns)}) "  # noqa: S608 (model's names)
        f"VALUES ({', '.join(['%s'] * len(columns))}) ON CONFLICT (dossier_id) DO UPDATE SET {updates}"
    )
    return sql, [dossier_id, *facts]


def _run(statements: list[tuple[str, list[Any]]]) -> None:
    """Run the statements; on PostgreSQL in one round trip (the parameters are bound on the client)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and len(statements) > 1:
            cursor.execute("; ".join(sql for sql, _ in statements), [p for _, params in statements for p in params])
        else:
            for sql, params in statements:
                cursor.execute(sql, params)


def apply(delta: dict[tuple[dt.date, Key], dict[str, int]]) -> None:
    _run([_add_rows(model, rows) for model, rows in rollup(delta) if rows])


# ---- flags --------------------------------------------------------------------------------------------


def flags_query(dossiers: QuerySet[Dossier]) -> QuerySet[Dossier]:
    """`dossiers` annotated with the booleans behind the flags (one definition for refresh and rebuild)."""
    from motcua.integrations.models import PopulationLookup
    from motcua.payments.models import PaymentRequest, PaymentState, Provider
    from motcua.results.models import ResultDocument

    mine = OuterRef("pk")
    return dossiers.annotate(
        f_fees=Exists(DossierFee.objects.filter(dossier=mine, amount__gt=0)),
        f_paid_online=Exists(
            PaymentRequest.objects.filter(dossier=mine, state=PaymentState.SUCCEEDED).exclude(provider=Provider.CASH)
        ),
        f_result=Exists(ResultDocument.objects.filter(dossier=mine, state=ResultDocument.State.SIGNED)),
        f_files=Exists(Document.objects.filter(dossier=mine).exclude(file="")),
        f_reused=Exists(Document.objects.filter(dossier=mine, reused=True)),
        f_result_store=Exists(StoredDocument.objects.filter(dossier=mine, source=StoredDocument.Source.RESULT)),
        f_population=Exists(
            PopulationLookup.objects.filter(dossier_code=OuterRef("code"), result=PopulationLookup.Result.FOUND)
        ),
    )


FLAG_FIELDS = (
    ("f_fees", WITH_FEES),
    ("f_paid_online", PAID_ONLINE),
    ("f_result", ELECTRONIC_RESULT),
    ("f_files", COMPONENT_FILES),
    ("f_reused", REUSED),
    ("f_result_store", RESULT_IN_STORE),
    ("f_population", POPULATION_DATA),
)


def flags_from(values: Iterable[bool]) -> int:
    flags = 0
    for (_name, bit), value in zip(FLAG_FIELDS, values, strict=True):
        if value:
            flags |= bit
    return flags


# ---- one dossier --------------------------------------------------------------------------------------


def stored(dossier_id: int) -> tuple[DossierFacts | None, Facts | None]:
    row = DossierFacts.objects.select_for_update().filter(pk=dossier_id).first()
    if row is None:
        return None, None
    values = {f: getattr(row, f) for f in Facts._fields}
    return row, Facts(**values)


def _rating(dossier_id: int) -> tuple[int | None, str]:
    found = SatisfactionRating.objects.filter(dossier_id=dossier_id).values_list("total", "overall").first()
    return (found[0], found[1]) if found else (None, "")


#: the dossier fields the facts depend on: a save that names none of them cannot change the figures
RELEVANT_FIELDS = frozenset(
    {
        "competent_agency",
        "competent_agency_id",
        "procedure",
        "procedure_id",
        "procedure_version",
        "procedure_version_id",
        "channel",
        "status",
        "received_at",
        "finished_at",
        "due_at",
        "original_due_at",
        "paused_at",
        "timeliness",
        "outcome",
        "supplement_count",
        "paused_minutes",
    }
)

#: the statuses `facts_from_row` tells apart; every other status (submitted, received, processing, awaiting
#: supplement or payment) gives the same facts, all else equal
ENDING_STATUSES = frozenset({*RESOLVED_STATUSES, Status.REJECTED.value, Status.WITHDRAWN.value, Status.STOPPED.value})


def status_change_is_neutral(before: str | None, after: str) -> bool:
    """Whether a save that changed only the status (of the fields the facts read) leaves the facts as they are."""
    if before is None:
        return False
    return (before if before in ENDING_STATUSES else "") == (after if after in ENDING_STATUSES else "")


_FIELD_OF_VERSION: dict[int, int] = {}


def _field_of_version(version_id: int) -> int:
    """The field of a procedure version (fixed once published, and dossiers only use published versions)."""
    from motcua.catalog.models import ProcedureVersion

    if version_id not in _FIELD_OF_VERSION:
        found = ProcedureVersion.objects.filter(pk=version_id).values_list("field_id", flat=True).first()
        _FIELD_OF_VERSION[version_id] = found or 0
    return _FIELD_OF_VERSION[version_id]


RECEIVED_AT = ROW_FIELDS.index("received_at")


def row_of(dossier: Dossier) -> tuple[Any, ...]:
    """The `ROW_FIELDS` of a dossier in memory (as saved)."""
    if Dossier.procedure_version.is_cached(dossier):  # the version in memory has its field: no lookup
        field_id = dossier.procedure_version.field_id
    else:
        field_id = _field_of_version(dossier.procedure_version_id)
    return tuple(field_id if name == "procedure_version__field_id" else getattr(dossier, name) for name in ROW_FIELDS)


def refresh(dossier_id: int, *, reread_flags: bool, dossier: Dossier | None = None, created: bool = False) -> None:
    """Bring the counters and the stored facts of one dossier up to date (inside the caller's transaction).

    `dossier`: the instance just saved, read instead of the database when the flags need no reading.
    `created`: the dossier row was inserted just now, so no facts are stored for it yet (ids are never reused).
    """
    from motcua.dossiers import clock

    with transaction.atomic(savepoint=False):  # part of the caller's transaction (its own when there is none)
        row, old = (None, None) if created and dossier is not None else stored(dossier_id)
        if reread_flags and old is not None and old.received_day is None and old.ending != "rejected":
            return  # not received yet: its flags count for nothing until then (they are read at reception)
        values: tuple[Any, ...] | None = row_of(dossier) if dossier is not None else None
        received = values is not None and values[RECEIVED_AT] is not None
        known = old is not None and old.received_day is not None  # the stored flags are current
        flags, rating = (old.flags, (old.rating_points, old.rating_overall)) if old is not None else (0, (None, ""))
        if values is None or (received and (reread_flags or not known)):
            query = flags_query(Dossier.objects.filter(pk=dossier_id))
            found = query.values_list(*ROW_FIELDS, *[name for name, _bit in FLAG_FIELDS]).first()
            values = found[: len(ROW_FIELDS)] if found is not None else None
            if found is not None:
                flags, rating = flags_from(found[len(ROW_FIELDS) :]), _rating(dossier_id)
        new = facts_from_row(values, flags, rating, clock.between) if values is not None else None
        if new == old:
            return
        statements = [_add_rows(model, rows) for model, rows in rollup(difference(old, new)) if rows]
        if new is not None:
            statements.append(_store(dossier_id, new))
        _run(statements)
        if new is None and row is not None:
            DossierFacts.objects.filter(pk=dossier_id).delete()
