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
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from motcua.dossiers.models import DailySequence
from motcua.org.models import Agency

DEFAULT_PATTERN = "{agency}-{date:%y%m%d}-{seq:04d}"


def _counter(agency: Agency, day: dt.date) -> None:
    if DailySequence.objects.filter(agency=agency, day=day).exists():
        return
    try:
        with transaction.atomic():
            DailySequence.objects.create(agency=agency, day=day, last=0)
    except IntegrityError:
        pass  # created meanwhile by a concurrent reception


def next_dossier_code(*, agency: Agency, at: dt.datetime) -> str:
    """Take the next number of `agency` for the local day of `at`; call inside the creating transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_dossier_code must run inside the transaction that creates the dossier")
    day = timezone.localtime(at).date()
    _counter(agency, day)
    DailySequence.objects.filter(agency=agency, day=day).update(last=F("last") + 1)
    number = DailySequence.objects.get(agency=agency, day=day).last
    pattern = getattr(settings, "DOSSIER_CODE_PATTERN", DEFAULT_PATTERN) or DEFAULT_PATTERN
    return pattern.format(agency=agency.code, date=day, seq=number)
