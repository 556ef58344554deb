"""`manage.py rebuild_stats`: recompute every dossier's facts and every counter from the dossiers.

Streams the dossiers once (with the flags of `facts.flags_query`), sums their contributions at day grain in
memory (one row per day and key, far fewer than dossiers), derives the month and year rows, and writes
everything with COPY on PostgreSQL (bulk inserts elsewhere), in one transaction that first empties the
tables: readers see the old figures or the new ones; dossier actions meanwhile wait for the tables' lock
and then apply their change to the rebuilt figures.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models.expressions import RawSQL

from motcua.dossiers import clock
from motcua.dossiers.models import Dossier, SatisfactionRating
from motcua.reports import facts as reports_facts
from motcua.reports.models import COUNTERS, DayFigures, DossierFacts, MonthFigures, YearFigures

FACT_COLUMNS = ("dossier_id", *[name for name in reports_facts.Facts._fields])
FIGURE_COLUMNS = ("period", "agency_id", "procedure_id", "field_id", "channel", *COUNTERS)
TABLES = (DossierFacts, DayFigures, MonthFigures, YearFigures)


@dataclass(frozen=True)
class RebuildResult:
    dossiers: int
    day_rows: int
    month_rows: int
    year_rows: int
    seconds: float


def _empty() -> None:
    names = [model._meta.db_table for model in TABLES]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("TRUNCATE " + ", ".join(connection.ops.quote_name(n) for n in names))
        else:
            for name in names:
                cursor.execute(f"DELETE FROM {connection.ops.quote_name(name)}")  # noqa: S608 (model's table)


def _write(model: type, columns: tuple[str, ...], rows: Iterable[tuple[Any, ...]], batch: int = 5000) -> None:
    table = connection.ops.quote_name(model._meta.db_table)  # type: ignore[attr-defined]
    column_list = ", ".join(connection.ops.quote_name(c) for c in columns)
    if connection.vendor == "postgresql":
        connection.ensure_connection()
        with connection.connection.cursor() as cursor, cursor.copy(f"COPY {table} ({column_list}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    sql = f"INSERT INTO {table} ({column_list}) VALUES ({', '.join(['%s'] * len(columns))})"  # noqa: S608 (model's names)
    with connection.cursor() as cursor:
        chunk: list[tuple[Any, ...]] = []
        for row in rows:
            chunk.append(row)
            if len(chunk) >= batch:
                cursor.executemany(sql, chunk)
                chunk = []
        if chunk:
            cursor.executemany(sql, chunk)


#: the instants of `ROW_FIELDS`; on PostgreSQL they are read as integer microseconds since 1970, turned back
#: into the same aware datetimes here: parsing millions of timestamps as text costs more than all the rest
INSTANTS = ("received_at", "finished_at", "due_at", "original_due_at", "paused_at")
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _dossier_rows(chunk: int) -> Iterator[tuple[Any, ...]]:
    flags = [name for name, _bit in reports_facts.FLAG_FIELDS]
    query = reports_facts.flags_query(Dossier.objects.order_by())
    if connection.vendor != "postgresql":
        yield from query.values_list(*reports_facts.ROW_FIELDS, *flags).iterator(chunk_size=chunk)
        return
    micros = {
        f"us_{name}": RawSQL(f"(EXTRACT(EPOCH FROM {Dossier._meta.db_table}.{name}) * 1000000)::bigint", ())  # noqa: S611 (fixed names)
        for name in INSTANTS
    }
    names = [f"us_{name}" if name in INSTANTS else name for name in reports_facts.ROW_FIELDS]
    positions = [i for i, name in enumerate(reports_facts.ROW_FIELDS) if name in INSTANTS]
    delta = dt.timedelta
    for values in query.annotate(**micros).values_list(*names, *flags).iterator(chunk_size=chunk):
        row = list(values)
        for i in positions:
            if row[i] is not None:
                row[i] = EPOCH + delta(microseconds=row[i])
        yield tuple(row)


def _without_indexes(models: tuple[type, ...]) -> Iterator[None]:
    """Drop the secondary indexes while the tables fill (one sorted build after is much cheaper)."""
    with connection.schema_editor(atomic=False) as editor:
        for model in models:
            for index in model._meta.indexes:  # type: ignore[attr-defined]
                editor.remove_index(model, index)
    yield
    with connection.schema_editor(atomic=False) as editor:
        for model in models:
            for index in model._meta.indexes:  # type: ignore[attr-defined]
                editor.add_index(model, index)


@transaction.atomic
def rebuild(*, chunk: int = 20_000) -> RebuildResult:
    started = time.perf_counter()
    _empty()
    indexes = contextmanager(_without_indexes)(TABLES) if connection.vendor == "postgresql" else nullcontext()
    with indexes:
        count, days, months, years = _fill(chunk)
    return RebuildResult(count, days, months, years, round(time.perf_counter() - started, 2))


def _fill(chunk: int) -> tuple[int, int, int, int]:
    between = clock.calendar().between
    ratings = {
        pk: (total, overall)
        for pk, total, overall in SatisfactionRating.objects.values_list("dossier_id", "total", "overall")
    }
    no_rating: tuple[int | None, str] = (None, "")
    width = len(reports_facts.ROW_FIELDS)
    index = reports_facts.INDEX
    days: dict[tuple[Any, ...], list[int]] = {}
    count = 0

    # the dossiers are read through a server-side cursor of the same connection, so each chunk of facts is
    # written (COPY) between two fetches, never during one
    buffer: list[tuple[Any, ...]] = []
    for values in _dossier_rows(chunk):
        pk = values[0]
        facts = reports_facts.facts_from_row(
            values[:width], reports_facts.flags_from(values[width:]), ratings.get(pk, no_rating), between
        )
        for (day, key), counters in reports_facts.contribution(facts).items():
            slot = (day, *key)
            row = days.get(slot)
            if row is None:
                row = days[slot] = [0] * len(COUNTERS)
            for name, value in counters.items():
                row[index[name]] += value
        count += 1
        buffer.append((pk, *facts))
        if len(buffer) >= chunk:
            _write(DossierFacts, FACT_COLUMNS, buffer)
            buffer = []
    _write(DossierFacts, FACT_COLUMNS, buffer)
    months: dict[tuple[Any, ...], list[int]] = {}
    years: dict[tuple[Any, ...], list[int]] = {}
    for (day, *rest), sums in days.items():
        for target, period in ((months, day.replace(day=1)), (years, day.replace(month=1, day=1))):
            wider = (period, *rest)
            into = target.get(wider)
            if into is None:
                target[wider] = list(sums)
            else:
                for i, value in enumerate(sums):
                    into[i] += value
    for model, rows in ((DayFigures, days), (MonthFigures, months), (YearFigures, years)):
        _write(model, FIGURE_COLUMNS, ((*slot, *row) for slot, row in rows.items()))
    return count, len(days), len(months), len(years)
