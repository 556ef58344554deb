"""The service-quality index of Decision 766/QĐ-TTg as the national portal scores it (index-766.md).

Six groups, 100 points. Each indicator is a ratio (numerator / denominator × 100, 2 decimals) scored with
the threshold rule: full points at or above the threshold, else ratio × points / threshold; a zero
denominator shows N/A and scores 0. Points and thresholds are settings (`MOTCUA_INDEX_766`), since the
split the portal uses is unconfirmed. Indicators motcua cannot measure yet (national database updates,
dossiers synced to the national portal before its connector exists, certified copies, feedback handling)
are listed as "not measured" and score 0: the index never pretends.

Dossier indicators count the dossiers received in the period (index-766.md), from the maintained
counters; the on-time indicator judges unfinished dossiers at the end of the period (in progress within
time counts as on time, overdue as late); catalogue indicators count the procedures in force under the
agencies' competence.

The indexes of many units (ranking, gaps to targets) are computed together (`computed`, `indexes`): the
counters are read grouped by agency and added up for each unit, so the number of queries does not grow with
the number of units; each unit's index is the one `compute` gives for `Selection.of(unit)`.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, QuerySet
from django.utils.translation import gettext_lazy as _

from motcua.catalog.models import OnlineMode, ProcedureVersion, Subject
from motcua.catalog.selectors import published_versions
from motcua.reports import query
from motcua.reports.figures import Figures, rate

#: code → (group, name, points, threshold %)
DEFAULTS: dict[str, tuple[str, Any, float, float]] = {
    "1.1": ("transparency", _("Thủ tục được công bố đúng hạn"), 6, 100),
    "1.2": ("transparency", _("Thủ tục được cập nhật lên CSDL quốc gia đúng hạn"), 4, 100),
    "1.3": ("transparency", _("Thủ tục công khai đầy đủ các bộ phận"), 2, 100),
    "1.4": ("transparency", _("Hồ sơ được đồng bộ lên Cổng DVC quốc gia"), 6, 100),
    "2.1": ("progress", _("Hồ sơ giải quyết trước hạn, đúng hạn"), 20, 100),
    "2.2": ("progress", _("Thời gian giải quyết trung bình (ngày làm việc)"), 0, 0),
    "3.1": ("online", _("Thủ tục cung cấp dịch vụ công trực tuyến"), 4, 80),
    "3.2": ("online", _("Dịch vụ công trực tuyến phát sinh hồ sơ trực tuyến"), 4, 100),
    "3.3": ("online", _("Hồ sơ nộp trực tuyến"), 4, 50),
    "3.5a": ("payment", _("Thủ tục có phí tích hợp thanh toán trực tuyến"), 2, 80),
    "3.5b": ("payment", _("Thủ tục có phí phát sinh thanh toán trực tuyến"), 2, 80),
    "3.6": ("payment", _("Hồ sơ có phí được thanh toán trực tuyến"), 6, 100),
    "4.1": ("digitisation", _("Hồ sơ có kết quả điện tử"), 6, 100),
    "4.2": ("digitisation", _("Hồ sơ được số hóa"), 4, 80),
    "4.2b": ("digitisation", _("Cấp bản sao điện tử có chứng thực"), 2, 100),
    "4.3": ("digitisation", _("Hồ sơ tái sử dụng dữ liệu số hóa"), 2, 80),
    "4.4": ("digitisation", _("Hồ sơ sử dụng kho dữ liệu cá nhân"), 4, 100),
    "4.5a": ("digitisation", _("Thủ tục sử dụng dữ liệu dân cư"), 2, 100),
    "4.5b": ("digitisation", _("Hồ sơ sử dụng dữ liệu dân cư"), 2, 100),
    "5.2": ("satisfaction", _("Phản ánh, kiến nghị được xử lý đúng hạn"), 6, 100),
    "5.3": ("satisfaction", _("Hài lòng về xử lý phản ánh, kiến nghị"), 6, 100),
    "5.4": ("satisfaction", _("Mức độ hài lòng về giải quyết thủ tục"), 6, 90),
}

GROUPS: dict[str, Any] = {
    "transparency": _("Công khai, minh bạch"),
    "progress": _("Tiến độ giải quyết"),
    "online": _("Dịch vụ công trực tuyến"),
    "payment": _("Thanh toán trực tuyến"),
    "digitisation": _("Số hóa hồ sơ"),
    "satisfaction": _("Mức độ hài lòng"),
}

NOT_MEASURED: dict[str, Any] = {
    "1.2": _("Chưa kết nối CSDL quốc gia về TTHC."),
    "1.4": _("Chưa kết nối Cổng DVC quốc gia."),
    "4.2b": _("Chưa có nghiệp vụ chứng thực điện tử."),
    "5.2": _("Chưa có phân hệ phản ánh, kiến nghị."),
    "5.3": _("Chưa có phân hệ phản ánh, kiến nghị."),
}


def rules() -> dict[str, tuple[str, Any, float, float]]:
    """The defaults with the settings' overrides: `MOTCUA_INDEX_766 = {"3.3": {"points": 4, "threshold": 50}}`."""
    overrides: dict[str, dict[str, float]] = getattr(settings, "MOTCUA_INDEX_766", {}) or {}
    out = {}
    for code, (group, name, points, threshold) in DEFAULTS.items():
        own = overrides.get(code, {})
        out[code] = (group, name, float(own.get("points", points)), float(own.get("threshold", threshold)))
    return out


def score(ratio: float | None, points: float, threshold: float) -> float:
    if ratio is None or points == 0:
        return 0.0
    if threshold <= 0 or ratio >= threshold:
        return points
    return round(ratio * points / threshold, 2)


@dataclass
class Indicator:
    code: str
    group: str
    name: str
    numerator: float | None
    denominator: float | None
    ratio: float | None
    points: float
    threshold: float
    score: float
    measured: bool = True
    note: str = ""
    drill: str = ""  # the drill-down figure of the numerator, when there is one

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "group": self.group,
            "name": self.name,
            "numerator": self.numerator,
            "denominator": self.denominator,
            "ratio": self.ratio,
            "points": self.points,
            "threshold": self.threshold,
            "score": self.score,
            "measured": self.measured,
            "note": self.note,
            "drill_down": self.drill or None,
        }


@dataclass
class Index:
    start: dt.date
    end: dt.date
    indicators: list[Indicator] = field(default_factory=list)
    #: the procedures under the selection's competence: in force, offered fully online, partly online
    procedures: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> float:
        return round(sum(i.score for i in self.indicators), 2)

    @property
    def maximum(self) -> float:
        return round(sum(i.points for i in self.indicators), 2)

    def groups(self) -> list[dict[str, Any]]:
        out = []
        for code, name in GROUPS.items():
            members = [i for i in self.indicators if i.group == code]
            out.append(
                {
                    "code": code,
                    "name": str(name),
                    "score": round(sum(i.score for i in members), 2),
                    "points": round(sum(i.points for i in members), 2),
                    "indicators": [i.as_dict() for i in members],
                }
            )
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "total": self.total,
            "maximum": self.maximum,
            "groups": self.groups(),
            "procedures": self.procedures,
        }


@dataclass(frozen=True)
class Catalogue:
    """Procedures in force under the selection's competence, by what the indicators need."""

    total: int
    online: int
    online_full: int
    online_partial: int
    complete: int
    with_fees: int
    with_online_payment: int
    for_citizens: int
    published: int
    published_on_time: int
    online_ids: frozenset[int]
    fee_ids: frozenset[int]
    citizen_ids: frozenset[int]


def _complete(version: ProcedureVersion, agency_count: int) -> bool:
    """Every part of the procedure is published: content, components and at least one agency in the selection."""
    return bool(
        version.name
        and version.steps
        and version.methods
        and version.processing_time_value
        and version.subjects
        and version.component_count  # type: ignore[attr-defined]
        and agency_count
    )


def _versions(selection: query.Selection) -> QuerySet[ProcedureVersion]:
    """The versions in force of the field and procedure of `selection` (any agency), with what the catalogue
    indicators need."""
    from motcua.catalog.models import FeeLine
    from motcua.payments.models import CollectingAccount

    versions = published_versions()
    if selection.field_id is not None:
        versions = versions.filter(field_id=selection.field_id)
    if selection.procedure_id is not None:
        versions = versions.filter(procedure_id=selection.procedure_id)
    return versions.annotate(
        component_count=Count("components", distinct=True),
        has_fees=Exists(FeeLine.objects.filter(version=OuterRef("pk"), amount__gt=0)),
        can_collect=Exists(CollectingAccount.objects.filter(agency__procedure_versions=OuterRef("pk"))),
    )


def _published_on_time() -> Callable[[ProcedureVersion], bool]:
    """Whether a version was published at least 5 working days before it takes effect; the working calendar
    is read once (when first needed) and each version judged once."""
    from motcua.dossiers import clock

    calendar: list[Any] = []
    judged: dict[int, bool] = {}

    def on_time(version: ProcedureVersion) -> bool:
        if version.pk not in judged:
            if version.effective_from is None or version.published_at is None:
                judged[version.pk] = False
            else:
                if not calendar:
                    calendar.append(clock.calendar())
                judged[version.pk] = calendar[0].add_working_hours(version.published_at, 40) <= version.effective_from
        return judged[version.pk]

    return on_time


def _summarise(
    rows: Sequence[Any],
    agency_count: Mapping[int, int],
    on_time: Callable[[ProcedureVersion], bool],
    start: dt.date,
    end: dt.date,
) -> Catalogue:
    """The catalogue of some versions (annotated as by `_versions`); `agency_count`: by version, how many of its
    agencies are in the selection."""
    online = {v.procedure_id for v in rows if v.online_mode in (OnlineMode.FULL, OnlineMode.PARTIAL)}
    fees = {v.procedure_id for v in rows if v.has_fees}
    citizens = {v.procedure_id for v in rows if Subject.CITIZEN in (v.subjects or [])}
    zone_start = dt.datetime.combine(start, dt.time.min, tzinfo=query.reports_facts.ZONE)
    zone_end = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=query.reports_facts.ZONE)
    published = [v for v in rows if v.published_at is not None and zone_start <= v.published_at < zone_end]
    return Catalogue(
        total=len(rows),
        online=len(online),
        online_full=len({v.procedure_id for v in rows if v.online_mode == OnlineMode.FULL}),
        online_partial=len({v.procedure_id for v in rows if v.online_mode == OnlineMode.PARTIAL}),
        complete=sum(1 for v in rows if _complete(v, agency_count[v.pk])),
        with_fees=len(fees),
        with_online_payment=sum(1 for v in rows if v.has_fees and v.can_collect),
        for_citizens=len(citizens),
        published=len(published),
        published_on_time=sum(1 for v in published if on_time(v)),
        online_ids=frozenset(online),
        fee_ids=frozenset(fees),
        citizen_ids=frozenset(citizens),
    )


def catalogue(selection: query.Selection, start: dt.date, end: dt.date) -> Catalogue:
    versions = published_versions()
    if selection.agency_ids is not None:
        versions = versions.filter(agencies__in=sorted(selection.agency_ids))
    if selection.field_id is not None:
        versions = versions.filter(field_id=selection.field_id)
    if selection.procedure_id is not None:
        versions = versions.filter(procedure_id=selection.procedure_id)
    from motcua.catalog.models import FeeLine
    from motcua.payments.models import CollectingAccount

    # agency_count: counted after the filter, so the agencies of the version in the selection
    versions = versions.distinct().annotate(
        component_count=Count("components", distinct=True),
        agency_count=Count("agencies", distinct=True),
        has_fees=Exists(FeeLine.objects.filter(version=OuterRef("pk"), amount__gt=0)),
        can_collect=Exists(CollectingAccount.objects.filter(agency__procedure_versions=OuterRef("pk"))),
    )
    rows = list(versions)
    return _summarise(rows, {v.pk: v.agency_count for v in rows}, _published_on_time(), start, end)


def catalogues(selections: Sequence[query.Selection], start: dt.date, end: dt.date) -> list[Catalogue]:
    """`catalogue` of each selection (in order; they differ by their agencies only), from two queries: the
    versions in force with their figures, and which agencies each one belongs to."""
    if not selections:
        return []
    common = query._common(selections)
    through = ProcedureVersion.agencies.through
    of_agencies = through.objects.filter(agency_id__in=sorted(common.agency_ids or ()))
    rows = list(_versions(common).filter(pk__in=of_agencies.values("procedureversion_id")))
    by_pk = {v.pk: v for v in rows}
    links = of_agencies.filter(procedureversion_id__in=sorted(by_pk)).values_list("procedureversion_id", "agency_id")
    versions_of: dict[int, list[int]] = defaultdict(list)
    for version_id, agency_id in links:
        versions_of[agency_id].append(version_id)
    published_on_time = _published_on_time()
    out = []
    for selection in selections:
        # the agencies of each version in the selection
        count: Counter[int] = Counter()
        for agency_id in selection.agency_ids or ():
            count.update(versions_of.get(agency_id, ()))
        own = [by_pk[pk] for pk in sorted(count)]
        out.append(_summarise(own, count, published_on_time, start, end))
    return out


def compute(selection: query.Selection, start: dt.date, end: dt.date, *, today: dt.date | None = None) -> Index:
    figures = query.figures(selection, start, end, today=today)
    return from_parts(selection, start, end, figures)


def from_parts(selection: query.Selection, start: dt.date, end: dt.date, f: Figures) -> Index:
    cat = catalogue(selection, start, end)
    used = query.procedures_used(selection, start, end)
    return _assemble(start, end, f, cat, used["online"], used["paid_online"], used["population_data"])


def computed(
    selections: Sequence[query.Selection], start: dt.date, end: dt.date, *, today: dt.date | None = None
) -> list[tuple[Figures, Index]]:
    """The figures and the index of each selection, in order, as `query.figures` and `compute` give them; the
    selections differ by their agencies only and are read together (a fixed number of queries)."""
    figures = query.figures_of(selections, start, end, today=today)
    cats = catalogues(selections, start, end)
    procedures = query.procedures_of(selections, start, end)
    return [
        (f, _assemble(start, end, f, cat, used["online"], used["paid_online"], used["population_data"]))
        for f, cat, used in zip(figures, cats, procedures, strict=True)
    ]


def unit_selections(units: Sequence[Any]) -> list[query.Selection]:
    """`Selection.of(unit)` of each unit, from one read of the agency tree."""
    trees = query.subtrees(unit.pk for unit in units)
    return [query.Selection(trees[unit.pk]) for unit in units]


def indexes(units: Sequence[Any], start: dt.date, end: dt.date, *, today: dt.date | None = None) -> list[Index]:
    """The index of each unit (an agency with those under it), in the order given, as `compute` gives it for
    `Selection.of(unit)`; the figures of all the units are read together (a fixed number of queries)."""
    return [index for _figures, index in computed(unit_selections(units), start, end, today=today)]


@dataclass
class Overview:
    """The figures and index of a selection, and the index of each of some units, for one period."""

    figures: Figures
    index: Index
    units: list[Index]


def overview(
    selection: query.Selection, units: Sequence[Any], start: dt.date, end: dt.date, *, today: dt.date | None = None
) -> Overview:
    """`query.figures` and `compute` of `selection` and `indexes` of `units`: read together when the selection
    is of some agencies without a field or procedure (as the units'), else the selection on its own."""
    selections = unit_selections(units)
    if selection.agency_ids is not None and selection.field_id is None and selection.procedure_id is None:
        (f, index), *rest = computed([selection, *selections], start, end, today=today)
        return Overview(f, index, [unit_index for _figures, unit_index in rest])
    f = query.figures(selection, start, end, today=today)
    index = from_parts(selection, start, end, f)
    return Overview(f, index, [unit_index for _figures, unit_index in computed(selections, start, end, today=today)])


def _assemble(
    start: dt.date,
    end: dt.date,
    f: Figures,
    cat: Catalogue,
    online_procedures: set[int],
    paid_online_procedures: set[int],
    population_data_procedures: set[int],
) -> Index:
    """The index from the figures, the catalogue and the procedures with online, paid online and population
    data dossiers of one selection and period."""
    table = rules()
    used_online = online_procedures & cat.online_ids
    paid_procedures = paid_online_procedures & cat.fee_ids
    population_procedures = population_data_procedures & cat.citizen_ids
    received = f.received_in_period
    p = f.period
    judged = f.resolved + f.in_progress
    good = f.resolved_early + f.resolved_on_time + f.in_progress_within_time
    late_rate = rate(f.resolved_late, f.resolved) or 0.0
    dislike_rate = rate(p.not_satisfied, received) or 0.0
    satisfaction = round(max(100 - (late_rate + dislike_rate), 0), 2) if received else None
    values: dict[str, tuple[float | None, float | None, str]] = {
        "1.1": (cat.published_on_time, cat.published, ""),
        "1.3": (cat.complete, cat.total, ""),
        "2.1": (good, judged, "resolved"),
        "2.2": (f.average_processing_days, None, ""),
        "3.1": (cat.online, cat.total, ""),
        "3.2": (len(used_online), len(cat.online_ids), ""),
        "3.3": (f.received_online, received, "received_online"),
        "3.5a": (cat.with_online_payment, cat.with_fees, ""),
        "3.5b": (len(paid_procedures), cat.with_fees, ""),
        "3.6": (p.paid_online, p.with_fees, "paid_online"),
        "4.1": (p.electronic_result, received, "electronic_result"),
        "4.2": (p.digitised, received, "digitised"),
        "4.3": (p.reused, received, "reused"),
        "4.4": (p.data_store, received, "data_store"),
        "4.5a": (len(population_procedures), cat.for_citizens, ""),
        "4.5b": (p.population_data, received, "population_data"),
    }
    index = Index(
        start=start,
        end=end,
        procedures={
            "total": cat.total,
            "online_full": cat.online_full,
            "online_partial": cat.online_partial,
            "with_online_dossier": len(used_online),
        },
    )
    for code, (group, name, points, threshold) in table.items():
        if code in NOT_MEASURED:
            index.indicators.append(
                Indicator(
                    code, group, str(name), None, None, None, points, threshold, 0.0, False, str(NOT_MEASURED[code])
                )
            )
            continue
        if code == "5.4":
            ratio = satisfaction
            numerator, denominator, drill = satisfaction, 100.0 if received else None, ""
        elif code == "2.2":
            numerator, denominator, drill = values[code]
            ratio = numerator
        else:
            numerator, denominator, drill = values[code]
            ratio = rate(numerator or 0, denominator or 0)
        index.indicators.append(
            Indicator(
                code,
                group,
                str(name),
                numerator,
                denominator,
                ratio,
                points,
                threshold,
                score(ratio, points, threshold),
                drill=drill,
            )
        )
    return index


PERIOD_KINDS = ("month", "quarter", "year")


def period_bounds(kind: str, year: int, number: int = 1) -> tuple[dt.date, dt.date]:
    """First and last day of month `number`, quarter `number` or the year."""
    if kind == "year":
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    if kind == "quarter":
        if not 1 <= number <= 4:
            raise ValueError("quarter")
        first = dt.date(year, 3 * number - 2, 1)
        last_month = 3 * number
    elif kind == "month":
        if not 1 <= number <= 12:
            raise ValueError("month")
        first = dt.date(year, number, 1)
        last_month = number
    else:
        raise ValueError(kind)
    return first, query._month_end(dt.date(year, last_month, 1))


def ranking(
    units: Iterable[Any], start: dt.date, end: dt.date, *, today: dt.date | None = None
) -> list[tuple[Any, Index]]:
    """The index of each unit (an agency with those under it), best first."""
    units = list(units)
    return rank(zip(units, indexes(units, start, end, today=today), strict=True))


def rank(scored: Iterable[tuple[Any, Index]]) -> list[tuple[Any, Index]]:
    """Units with their index, best first (then by name)."""
    return sorted(scored, key=lambda pair: (-pair[1].total, pair[0].name))


def province_units() -> list[Any]:
    """The agencies ranked in the province: departments and communes (not service centres or committees)."""
    from motcua.org.models import Agency

    ranked = (Agency.Kind.DEPARTMENT, Agency.Kind.COMMUNE_COMMITTEE, Agency.Kind.VERTICAL_AGENCY)
    return list(Agency.objects.filter(kind__in=ranked).order_by("level", "name"))
