"""More ranked units for the small province of the statistics tests, with counters written straight into the
maintained tables (the three grains together, as `motcua.reports.facts` keeps them) and a few per-dossier
facts, so that batched and unit-by-unit computations can be compared on varied numbers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from motcua.org.models import Agency
from motcua.reports.models import DayFigures, DossierFacts, MonthFigures, YearFigures
from tests.dossiers.conftest import World
from tests.factories import AgencyFactory, make_version

#: dossier ids of the facts written here, far above those of real dossiers
FACT_IDS = 50_000_000


def add_counters(
    *, agency_id: int, procedure_id: int, field_id: int, channel: str, day: dt.date, **values: int
) -> None:
    """Add `values` to the counters of (day, agency, procedure, field, channel) at the three grains."""
    for model, period in (
        (DayFigures, day),
        (MonthFigures, day.replace(day=1)),
        (YearFigures, day.replace(month=1, day=1)),
    ):
        row, _created = model.objects.get_or_create(  # type: ignore[attr-defined]
            period=period, agency_id=agency_id, procedure_id=procedure_id, field_id=field_id, channel=channel
        )
        for name, value in values.items():
            setattr(row, name, getattr(row, name) + value)
        row.save()


def add_units(world: World, count: int) -> list[Agency]:
    """`count` ranked units under the provincial committee (departments and commune committees, each with an
    unranked agency under it), each with its own published procedure and counters that differ by unit."""
    province = world.committee.administrative_unit
    start = Agency.objects.count()
    units = []
    for offset in range(count):
        n = start + offset
        commune = n % 2 == 0
        unit: Any = AgencyFactory(
            parent=world.committee,
            administrative_unit=province,
            kind=Agency.Kind.COMMUNE_COMMITTEE if commune else Agency.Kind.DEPARTMENT,
            level=Agency.Level.COMMUNE if commune else Agency.Level.PROVINCE,
        )
        below: Any = AgencyFactory(
            parent=unit, administrative_unit=province, kind=Agency.Kind.PUBLIC_SERVICE_ENTERPRISE, level=unit.level
        )
        fees = [{"name": "Lệ phí", "kind": "le_phi", "amount": 50000, "collected_at": "reception"}] if n % 3 else []
        version = make_version(
            name=f"Thủ tục thử {n}",
            agencies=[unit] if n % 4 else [below],
            online_mode=("full", "partial", "none")[n % 3],
            subjects=["citizen"] if n % 2 else ["business"],
            fees=fees,
            components=1 + n % 2,
        )
        other = make_version(name=f"Thủ tục khác {n}", agencies=[unit, below], online_mode="none")
        key = {"procedure_id": version.procedure_id, "field_id": version.field_id}
        # received online in March, partly resolved early or on time
        add_counters(
            agency_id=unit.pk,
            channel="online",
            day=dt.date(2026, 3, 2 + n % 5),
            received=2 + n,
            with_fees=1 + n % 2,
            paid_online=n % 2,
            electronic_result=1,
            digitised=n % 3,
            reused=n % 2,
            data_store=1,
            population_data=n % 3 == 0,
            rated=1,
            rating_points=12 + n % 6,
            not_satisfied=n % 4 == 0,
            due=1,
            **key,
        )
        add_counters(
            agency_id=unit.pk,
            channel="online",
            day=dt.date(2026, 3, 20),
            closed=1 + n % 2,
            resolved_early=1,
            resolved_on_time=n % 2,
            processing_minutes=480 * (1 + n),
            **key,
        )
        # at the counter of the agency below: February, carried over, late
        add_counters(
            agency_id=below.pk,
            channel="counter",
            day=dt.date(2026, 2, 10),
            received=3 + n % 3,
            due=2,
            **key,
        )
        add_counters(
            agency_id=below.pk,
            channel="counter",
            day=dt.date(2026, 3, 25),
            closed=1,
            resolved_late=1,
            overdue_closed=1,
            processing_minutes=4800,
            **key,
        )
        # by post, the year before: still open (carried over, overdue)
        add_counters(
            agency_id=below.pk,
            channel="postal",
            day=dt.date(2025, 11, 3 + n % 7),
            received=1 + n % 2,
            due=1,
            procedure_id=other.procedure_id,
            field_id=other.field_id,
        )
        # at the counter only, in March
        add_counters(
            agency_id=unit.pk,
            channel="counter",
            day=dt.date(2026, 3, 5),
            received=1,
            with_fees=1,
            population_data=1,
            procedure_id=other.procedure_id,
            field_id=other.field_id,
        )
        # a dossier due 10 March, decided late on 25 March; another still open and overdue
        common = {"agency_id": below.pk, "channel": "counter", **key}
        DossierFacts.objects.create(
            dossier_id=FACT_IDS + 2 * n,
            received_day=dt.date(2026, 2, 10),
            due_day=dt.date(2026, 3, 10),
            finished_day=dt.date(2026, 3, 25),
            ending="late",
            overdue=True,
            **common,
        )
        DossierFacts.objects.create(
            dossier_id=FACT_IDS + 2 * n + 1,
            received_day=dt.date(2026, 2, 10),
            due_day=dt.date(2026, 2, 20),
            overdue=True,
            **common,
        )
        units.append(unit)
    return units


def add_targets(world: World, units: list[Agency]) -> None:
    """Province targets for 2026 and own targets for the first unit (one overriding a province target)."""
    from motcua.reports.models import Target

    Target.objects.get_or_create(year=2026, agency=None, indicator=Target.Indicator.ON_TIME, value=Decimal(90))
    Target.objects.get_or_create(year=2026, agency=None, indicator=Target.Indicator.ONLINE, value=Decimal(50))
    Target.objects.get_or_create(year=2026, agency=units[0], indicator=Target.Indicator.ONLINE, value=Decimal(70))
    Target.objects.get_or_create(
        year=2026, agency=units[0], indicator=Target.Indicator.ELECTRONIC_RESULT, value=Decimal(60)
    )
    Target.objects.get_or_create(year=2025, agency=None, indicator=Target.Indicator.REUSED, value=Decimal(10))
