"""Dossier codes: `{agency identifier}-{yyMMdd}-{NNNN}`, per receiving agency per day, gap-free.

The number comes from a counter row per (agency, day) that is locked and incremented in the transaction
that creates the dossier: a rolled-back submission gives its number back, and concurrent receptions wait
for each other on that row, so numbers are unique and without gaps. The pattern is a setting
(`DOSSIER_CODE_PATTERN`, Python format syntax with `agency`, `date` and `seq`), e.g. the newer
`{agency}-{date:%Y%m%d}-{seq:07d}`.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from motcua.dossiers.models import DailySequence
from motcua.org.models import Agency

DEFAULT_PATTERN = "{agency}-{date:%y%m%d}-{seq:04d}"


def _create_counter(agency: Agency, day: dt.date) -> None:
    try:
        with transaction.atomic():
            DailySequence.objects.create(agency=agency, day=day, last=0)
    except IntegrityError:
        pass  # created meanwhile by a concurrent reception


def _returning() -> bool:
    """Whether UPDATE … RETURNING works: PostgreSQL, SQLite 3.35+ (Django's flag for INSERT … RETURNING)."""
    return bool(connection.features.can_return_columns_from_insert)


def _take(agency: Agency, day: dt.date) -> int | None:
    """Increment the counter of (agency, day) and return the new number, in one statement; None without a row.

    The UPDATE locks the row until the transaction ends, as the increment always did. (An SQLite older than
    3.35 has no RETURNING: there the number is read back by a second statement.)
    """
    if not _returning():
        if not DailySequence.objects.filter(agency=agency, day=day).update(last=F("last") + 1):
            return None
        return DailySequence.objects.get(agency=agency, day=day).last
    quote = connection.ops.quote_name
    table, last = quote(DailySequence._meta.db_table), quote("last")
    with connection.cursor() as cursor:
        cursor.execute(
            # names from the model's metadata only; values are parameters
            f"UPDATE {table} SET {last} = {last} + 1 "  # noqa: S608
            f"WHERE {quote('agency_id')} = %s AND {quote('day')} = %s RETURNING {last}",
            [agency.pk, connection.ops.adapt_datefield_value(day)],
        )
        row = cursor.fetchone()
    return int(row[0]) if row is not None else None


def next_dossier_code(*, agency: Agency, at: dt.datetime) -> str:
    """Take the next number of `agency` for the local day of `at`; call inside the creating transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_dossier_code must run inside the transaction that creates the dossier")
    day = timezone.localtime(at).date()
    number = _take(agency, day)
    if number is None:  # the agency's first dossier of the day
        _create_counter(agency, day)
        number = _take(agency, day)
        if number is None:  # pragma: no cover - the row exists now
            raise RuntimeError("dossier code counter missing")
    pattern = getattr(settings, "DOSSIER_CODE_PATTERN", DEFAULT_PATTERN) or DEFAULT_PATTERN
    return pattern.format(agency=agency.code, date=day, seq=number)
