"""Realistic dossiers for benchmarks, fast: `python -m bench.generate --count N --start YYYY-MM-DD --end YYYY-MM-DD`.

Inserts dossiers (with documents, fees, payments, signed results and satisfaction ratings) on top of the
agencies and published procedure versions already in the database (run `manage.py load_demo` first). On
PostgreSQL the rows go through COPY, one transaction per batch; on SQLite through `executemany` (small
counts only). Django signals are bypassed on purpose: run `manage.py rebuild_stats` afterwards.

Distributions (module constants below):
- receptions spread over [start, end]: working days weigh 1, Saturdays 0.08, Sundays 0.01, weekday
  holidays 0.03; times within office hours (07:00–11:30, 13:30–17:00, Asia/Ho_Chi_Minh);
- procedures: a Zipf-like popularity (a few procedures get most dossiers);
- channel: online 35 % (scaled up on versions that allow it so that the overall share stays near 35 %),
  counter 60 %, postal 5 %;
- fate: processed/returned 93 % (refused 3 % of them), withdrawn 1 %, stopped 0.5 %, rejected at reception
  0.5 %, and 5 % that stay open for a long time (processing, awaiting supplement, awaiting payment); a
  dossier whose planned end is after `now` is open (received, processing, awaiting supplement or payment);
- late 3 % of processed; supplement requests 0 (88 %), 1 (10 %), 2 (2 %);
- the internal process as it happened: a one-stop reception step, then the version's process steps (its
  own or the default plan, `dossiers.process.plan_for`) with their assignees, done up to where the dossier
  is (the active step of an open dossier is its `current_step`, assigned in 60 % of cases); the audit trail
  (submit, receive, forward per step, supplement requests and supplements, payment requests, approval,
  return, withdrawal, stop), hash-chained exactly like `core.audit.record` writes it;
- 1–3 documents (15 % reused); fees from the version's fee lines; a vnpay payment for 40 % of the online
  fee-bearing dossiers, cash otherwise; a signed result for 30 % of processed dossiers; a rating for 10 %.

Dossier codes follow `DOSSIER_CODE_PATTERN` (default `{agency}-{yyMMdd}-{NNNN}`), continuing the daily
counters (`DailySequence`) so that codes stay unique on a database that already has dossiers.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import random
import sys
import time
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import accumulate
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
UTC = dt.UTC

# --- distributions ---------------------------------------------------------------------------------------
WEIGHT_WORKING_DAY = 1.0
WEIGHT_SATURDAY = 0.08
WEIGHT_SUNDAY = 0.01
WEIGHT_HOLIDAY = 0.03
OFFICE: tuple[tuple[int, int], ...] = ((7 * 3600, 11 * 3600 + 1800), (13 * 3600 + 1800, 17 * 3600))
SATURDAY_OFFICE: tuple[tuple[int, int], ...] = ((7 * 3600 + 1800, 11 * 3600 + 1800),)

ONLINE_SHARE = 0.35
POSTAL_SHARE = 0.05

FATE_REJECTED = 0.005
FATE_WITHDRAWN = 0.01
FATE_STOPPED = 0.005
FATE_STUCK = 0.05  # stays open long after its due date
# the rest (≈ 93 %) is processed, then returned
REFUSED_SHARE = 0.03
LATE_SHARE = 0.03
SUPPLEMENT_ONE = 0.10
SUPPLEMENT_TWO = 0.02
NEVER_COLLECTED = 0.04  # processed but the result never returned
OPEN_SUPPLEMENT = 0.12  # of the open dossiers
OPEN_PAYMENT = 0.04
REUSED_SHARE = 0.15
VNPAY_SHARE = 0.40
RESULT_SHARE = 0.30
RATING_SHARE = 0.10

FAMILY = (
    ("Nguyễn", 38),
    ("Trần", 11),
    ("Lê", 9),
    ("Phạm", 7),
    ("Hoàng", 5),
    ("Huỳnh", 4),
    ("Phan", 4),
    ("Vũ", 4),
    ("Võ", 4),
    ("Đặng", 2),
    ("Bùi", 2),
    ("Đỗ", 2),
    ("Hồ", 2),
    ("Ngô", 2),
    ("Dương", 1),
    ("Lý", 1),
    ("Đinh", 1),
    ("Rơ Mah", 1),
    ("Ksor", 1),
)
MIDDLE_MALE = ("Văn", "Đức", "Minh", "Quang", "Hữu", "Thanh", "Công", "Xuân", "Anh")
MIDDLE_FEMALE = ("Thị", "Thị", "Thị", "Ngọc", "Thu", "Thanh", "Hoài", "Mỹ", "Kim")
GIVEN_MALE: tuple[str, ...] = (
    "An",
    "Bình",
    "Dũng",
    "Hải",
    "Hiếu",
    "Hùng",
    "Khánh",
    "Long",
    "Nam",
    "Phong",
    "Phúc",
    "Quân",
    "Sơn",
    "Tâm",
    "Thắng",
    "Trung",
    "Tuấn",
    "Việt",
    "Vinh",
    "Đạt",
    "Cường",
    "Toàn",
)
GIVEN_FEMALE: tuple[str, ...] = (
    "Anh",
    "Châu",
    "Giang",
    "Hà",
    "Hạnh",
    "Hoa",
    "Hương",
    "Lan",
    "Linh",
    "Mai",
    "Nga",
    "Ngân",
    "Nhung",
    "Oanh",
    "Phương",
    "Thảo",
    "Trang",
    "Uyên",
    "Vy",
    "Yến",
    "Dung",
    "Hằng",
)
BUSINESS_WORDS = ("Phát Đạt", "Hưng Thịnh", "Tây Nguyên", "Miền Trung", "An Khang", "Thành Công", "Gia Lai Xanh")
STREETS = ("Trần Hưng Đạo", "Lê Lợi", "Hùng Vương", "Nguyễn Huệ", "Quang Trung", "Phan Đình Phùng", "Lý Thái Tổ")
REFUSAL_REASONS = ("Hồ sơ không đủ điều kiện theo quy định.", "Thông tin kê khai không đúng với dữ liệu gốc.")
GENERIC_COMPONENTS = (("TP1", "Đơn đề nghị theo mẫu", ("original", "electronic")),)
RECEPTION_STEP = "Tiếp nhận hồ sơ"
SUPPLEMENT_REASON = "Bổ sung giấy tờ còn thiếu."
_Holder = tuple[
    int | None, int | None, str
]  # (staff id, user id, name) of who acts; NOBODY: the applicant or the system
NOBODY: _Holder = (None, None, "")
ASSIGNED_SHARE = 0.60  # active steps already assigned to a person (the rest wait in the role's queue)
SIGNER = "CN=Lãnh đạo cơ quan, O=Tỉnh Gia Lai, C=VN"

MINUTE = dt.timedelta(minutes=1)
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class GenerateResult:
    dossiers: int
    documents: int
    steps: int
    events: int
    fees: int
    payments: int
    results: int
    ratings: int
    seconds: float


@dataclass
class _Version:
    id: int
    procedure_id: int
    name: str
    value: Decimal
    unit: str
    same_day: bool
    online: bool
    online_only: bool
    counter: bool
    postal: bool
    components: list[tuple[str, str, tuple[str, ...]]]
    fees: list[tuple[str, str, int, int, str]]  # name, kind, amount, online amount, collected at
    targets: list[tuple[int, int, str]]  # competent agency id, receiving agency id, receiving agency code
    plans: dict[int, list[_PlanStep]] = field(default_factory=dict)  # per competent agency id


@dataclass(frozen=True)
class _PlanStep:
    name: str
    role: str
    agency_id: int
    unit_id: int | None
    actions: str  # JSON list
    hours: float
    staff: tuple[tuple[int, int, str], ...]  # (staff id, user id, name) who may hold the step


@dataclass
class _Batch:
    dossiers: list[tuple[Any, ...]] = field(default_factory=list)
    documents: list[tuple[Any, ...]] = field(default_factory=list)
    steps: list[tuple[Any, ...]] = field(default_factory=list)  # without the id: id = step base + index
    events: list[tuple[Any, ...]] = field(default_factory=list)
    fees: list[tuple[Any, ...]] = field(default_factory=list)  # without the id: id = fee base + index
    payments: list[tuple[Any, ...]] = field(default_factory=list)  # without the id
    payment_fees: list[list[int]] = field(default_factory=list)  # fee indexes of each payment
    results: list[tuple[Any, ...]] = field(default_factory=list)
    ratings: list[tuple[Any, ...]] = field(default_factory=list)
    sequences: dict[tuple[int, dt.date], int] = field(default_factory=dict)


DOSSIER_COLUMNS = (
    "id",
    "code",
    "procedure_id",
    "procedure_version_id",
    "channel",
    "reception_point_id",
    "receiving_agency_id",
    "competent_agency_id",
    "applicant_kind",
    "applicant_name",
    "applicant_id_number",
    "applicant_birth_date",
    "applicant_phone",
    "applicant_email",
    "applicant_ward_id",
    "applicant_address",
    "owner_name",
    "owner_id_number",
    "account_id",
    "submitted_by_id",
    "form_data",
    "delivery_method",
    "delivery_ward_id",
    "delivery_address",
    "status",
    "status_before_pause",
    "submitted_at",
    "reception_due_at",
    "received_at",
    "due_at",
    "original_due_at",
    "finished_at",
    "returned_at",
    "paused_at",
    "paused_minutes",
    "supplement_count",
    "supplement_during_processing",
    "extended_at",
    "extension_reason",
    "timeliness",
    "outcome",
    "outcome_reason",
    "current_step_id",
    "created_at",
    "updated_at",
    "revision",
)
DOCUMENT_COLUMNS = (
    "dossier_id",
    "component_code",
    "component_name",
    "copy_kind",
    "file",
    "original_name",
    "content_type",
    "size",
    "sha256",
    "digitised",
    "reused",
    "supplement_round",
    "uploaded_by_id",
    "created_at",
)
STEP_COLUMNS = (
    "id",
    "dossier_id",
    "sequence",
    "position",
    "name",
    "role",
    "agency_id",
    "unit_id",
    "assignee_id",
    "allowed_actions",
    "state",
    "started_at",
    "due_at",
    "finished_at",
    "on_time",
)
EVENT_COLUMNS = (
    "stream",
    "seq",
    "at",
    "actor_id",
    "actor_name",
    "action",
    "from_status",
    "to_status",
    "step",
    "comment",
    "data",
    "prev_hash",
    "hash",
)
FEE_COLUMNS = ("id", "dossier_id", "name", "kind", "amount", "collected_at", "paid_at")
PAYMENT_COLUMNS = (
    "id",
    "dossier_id",
    "reference",
    "amount",
    "provider",
    "state",
    "finished",
    "created_at",
    "expires_at",
    "paid_at",
    "finished_at",
    "last_queried_at",
    "provider_reference",
    "created_by_id",
    "confirmed_by_id",
    "payer_name",
    "note",
)
PAYMENT_FEE_COLUMNS = ("paymentrequest_id", "dossierfee_id")
RESULT_COLUMNS = (
    "dossier_id",
    "kind",
    "title",
    "code",
    "file",
    "original_name",
    "signed_file",
    "sha256",
    "state",
    "uploaded_by_id",
    "created_at",
    "signed_by_id",
    "signed_at",
    "signer_subject",
    "timestamped",
)
RATING_COLUMNS = ("dossier_id", "rated_by_id", "channel", "scores", "total", "overall", "comment", "created_at")
# datetime columns (SQLite needs them as naive UTC text, like Django writes them)
_DATETIME_NAMES = {
    "submitted_at",
    "reception_due_at",
    "received_at",
    "due_at",
    "original_due_at",
    "finished_at",
    "returned_at",
    "paused_at",
    "extended_at",
    "created_at",
    "updated_at",
    "paid_at",
    "expires_at",
    "last_queried_at",
    "signed_at",
    "started_at",
    "at",
}
_CURRENT_STEP = DOSSIER_COLUMNS.index("current_step_id")


# --- reference data ----------------------------------------------------------------------------------------


def _load_versions(using: str) -> list[_Version]:
    from motcua.catalog.models import OnlineMode, ProcedureVersion
    from motcua.catalog.services import period_in_working_hours
    from motcua.dossiers import process
    from motcua.dossiers.clock import SAME_DAY_LIMIT_HOURS
    from motcua.dossiers.services import receiving_centre_for
    from motcua.org.models import Agency, Role

    agencies = {a.pk: a for a in Agency.objects.using(using).filter(is_active=True)}
    if not agencies:
        raise SystemExit("no agency: run `manage.py load_demo` first")
    centres = sorted((a for a in agencies.values() if a.is_service_centre), key=lambda a: a.code)
    fallback_competent = sorted((a for a in agencies.values() if not a.is_service_centre), key=lambda a: a.code)
    receiving_cache: dict[int, Agency] = {}

    def receiving(agency: Agency) -> Agency:
        if agency.pk not in receiving_cache:
            chosen = receiving_centre_for(agency)
            if not chosen.is_service_centre and centres:
                chosen = centres[0]
            receiving_cache[agency.pk] = chosen
        return receiving_cache[agency.pk]

    staff_cache: dict[tuple[int, str, int | None], tuple[tuple[int, int, str], ...]] = {}

    def holders(agency: Agency, role: str, unit: Any) -> tuple[tuple[int, int, str], ...]:
        key = (agency.pk, role, unit.pk if unit is not None else None)
        if key not in staff_cache:
            staff_cache[key] = tuple(
                (s.pk, s.user_id, str(s)) for s in process.candidates(agency=agency, role=role, unit=unit)
            )
        return staff_cache[key]

    def plans(version: ProcedureVersion, competent: list[Agency]) -> dict[int, list[_PlanStep]]:
        found = {}
        for agency in competent:
            reception = receiving(agency)
            found[agency.pk] = [
                _PlanStep(
                    RECEPTION_STEP,
                    Role.ONE_STOP_OFFICER,
                    reception.pk,
                    None,
                    '["forward"]',
                    0.0,
                    holders(reception, Role.ONE_STOP_OFFICER, None),
                )
            ] + [
                _PlanStep(
                    plan.name,
                    plan.role,
                    plan.agency.pk,
                    plan.unit.pk if plan.unit is not None else None,
                    json.dumps(list(plan.actions)),
                    float(plan.allotted_hours),
                    holders(plan.agency, plan.role, plan.unit),
                )
                for plan in process.plan_for(version, agency)
            ]
        return found

    versions: list[_Version] = []
    queryset = (
        ProcedureVersion.objects.using(using)
        .filter(status=ProcedureVersion.Status.PUBLISHED, effective_to__isnull=True)
        .prefetch_related("agencies", "fees", "components")
        .order_by("procedure__code", "number")
    )
    for version in queryset:
        value = version.local_time_value or version.processing_time_value
        unit = version.local_time_unit if version.local_time_value else version.processing_time_unit
        same_day = unit != "calendar_days" and period_in_working_hours(value, unit) <= SAME_DAY_LIMIT_HOURS
        competent = sorted((a for a in version.agencies.all() if a.is_active), key=lambda a: a.code)
        competent = [a for a in competent if not a.is_service_centre] or competent or fallback_competent
        methods = set(version.methods or ["counter", "online", "post"])
        online = version.online_mode != OnlineMode.NONE
        versions.append(
            _Version(
                id=version.pk,
                procedure_id=version.procedure_id,
                name=version.name,
                value=value,
                unit=unit,
                same_day=same_day,
                online=online,
                online_only=online and (version.online_only or methods == {"online"}),
                counter="counter" in methods or not online,
                postal="post" in methods,
                components=[(c.code, c.name, tuple(c.copy_kinds or ["original"])) for c in version.components.all()]
                or list(GENERIC_COMPONENTS),
                fees=[
                    (
                        fee.name,
                        fee.kind,
                        fee.amount,
                        fee.online_amount if fee.online_amount is not None else fee.amount,
                        fee.collected_at,
                    )
                    for fee in version.fees.all()
                ],
                targets=[(a.pk, receiving(a).pk, receiving(a).code) for a in competent],
                plans=plans(version, competent),
            )
        )
    if not versions:
        raise SystemExit("no published procedure version: run `manage.py load_demo` first")
    return versions


def _reception_points(using: str) -> dict[int, list[int]]:
    from motcua.org.models import ReceptionPoint

    points: dict[int, list[int]] = {}
    for agency_id, pk in ReceptionPoint.objects.using(using).order_by("agency_id", "pk").values_list("agency_id", "pk"):
        points.setdefault(agency_id, []).append(pk)
    return points


def _wards(using: str) -> list[int]:
    from motcua.org.models import AdministrativeUnit

    return list(
        AdministrativeUnit.objects.using(using)
        .filter(level=AdministrativeUnit.Level.COMMUNE)
        .order_by("code")
        .values_list("pk", flat=True)
    )


def _day_weights(calendar: Any, start: dt.date, end: dt.date) -> list[tuple[dt.date, float]]:
    days = []
    day = start
    while day <= end:
        if calendar.is_working_day(day):
            weight = WEIGHT_WORKING_DAY
        elif day.weekday() == 5:
            weight = WEIGHT_SATURDAY
        elif day.weekday() == 6:
            weight = WEIGHT_SUNDAY
        else:
            weight = WEIGHT_HOLIDAY
        days.append((day, weight))
        day += DAY
    return days


def _day_counts(weights: list[tuple[dt.date, float]], count: int) -> list[tuple[dt.date, int]]:
    """Split `count` over the days in proportion to their weights (largest remainders get the rest)."""
    total = sum(w for _d, w in weights)
    exact = [count * w / total for _d, w in weights]
    counts = [int(x) for x in exact]
    missing = count - sum(counts)
    order = sorted(range(len(exact)), key=lambda i: (counts[i] - exact[i], i))
    for i in order[:missing]:
        counts[i] += 1
    return [(d, n) for (d, _w), n in zip(weights, counts, strict=True) if n]


# --- ids -----------------------------------------------------------------------------------------------------


class _Ids:
    """Blocks of primary keys: from the PostgreSQL sequence (setval), or after MAX(id) on SQLite."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection
        self.next_free: dict[str, int] = {}

    def take(self, table: str, count: int) -> int:
        if count <= 0:
            return 0
        with self.connection.cursor() as cursor:
            if self.connection.vendor == "postgresql":
                cursor.execute(
                    "SELECT setval(pg_get_serial_sequence(%s, 'id'), nextval(pg_get_serial_sequence(%s, 'id')) + %s)",
                    [table, table, count - 1],
                )
                last = int(cursor.fetchone()[0])
                return last - count + 1
            if table not in self.next_free:
                cursor.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{table}"')  # noqa: S608 (table from _meta)
                self.next_free[table] = int(cursor.fetchone()[0]) + 1
        first = self.next_free[table]
        self.next_free[table] = first + count
        return first


# --- audit events -------------------------------------------------------------------------------------------
_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True, default=str).encode
_ENCODED: dict[str, str] = {}


def _text(value: str) -> str:
    """A string as JSON; the few distinct actions, statuses, step and staff names are encoded once."""
    found = _ENCODED.get(value)
    if found is None:
        found = _JSON(value)
        if len(_ENCODED) < 100_000:
            _ENCODED[value] = found
    return found


def _event_hash(
    stream: str,
    seq: int,
    at: str,
    actor: int | None,
    actor_name: str,
    action: str,
    from_status: str,
    to_status: str,
    step: str,
    comment: str,
    data: dict[str, Any],
    prev_hash: str,
) -> str:
    """`core.audit.content_hash` of the event, with the JSON written field by field (sorted keys, as there).

    Equal by construction (tests/bench checks the generated chains with `core.audit.verify_events`), about
    three times faster: most values repeat.
    """
    payload = (
        f'{{"action":{_text(action)},"actor":{"null" if actor is None else actor},'
        f'"actor_name":{_text(actor_name)},"at":"{at}","comment":{_text(comment)},'
        f'"data":{_JSON(data) if data else "{}"},"from_status":{_text(from_status)},"prev_hash":"{prev_hash}",'
        f'"seq":{seq},"step":{_text(step)},"stream":"{stream}","to_status":{_text(to_status)}}}'
    )
    return hashlib.sha256(payload.encode()).hexdigest()


# --- the generator ---------------------------------------------------------------------------------------------


class _Generator:
    def __init__(
        self, *, seed: int, now: dt.datetime, versions: list[_Version], points: dict[int, list[int]], wards: list[int]
    ) -> None:
        from motcua.dossiers import clock

        self.rng = random.Random(seed)
        self.now = now
        self.calendar = clock.calendar()
        self.versions = versions
        self.points = points
        self.wards: list[int | None] = list(wards) or [None]
        # Zipf-like popularity over a seeded shuffle of the versions
        order = list(range(len(versions)))
        random.Random(seed + 1).shuffle(order)
        weights = [0.0] * len(versions)
        for rank, index in enumerate(order):
            weights[index] = 1.0 / (rank + 1) ** 0.9
        self.version_cumulative = list(accumulate(weights))
        online_weight = sum(w for w, v in zip(weights, versions, strict=True) if v.online)
        share = online_weight / sum(weights) if weights else 0
        self.online_probability = min(0.95, ONLINE_SHARE / share) if share else 0.0
        self.family_cumulative = list(accumulate(w for _n, w in FAMILY))
        from django.conf import settings

        from motcua.dossiers.codes import DEFAULT_PATTERN

        self.pattern = getattr(settings, "DOSSIER_CODE_PATTERN", DEFAULT_PATTERN) or DEFAULT_PATTERN

    # helpers
    def _version(self) -> _Version:
        rng = self.rng
        return self.versions[bisect_right(self.version_cumulative, rng.random() * self.version_cumulative[-1])]

    def _person(self) -> tuple[str, dt.date]:
        rng = self.rng
        family = FAMILY[bisect_right(self.family_cumulative, rng.random() * self.family_cumulative[-1])][0]
        if rng.random() < 0.5:
            name = f"{family} {rng.choice(MIDDLE_MALE)} {rng.choice(GIVEN_MALE)}"
        else:
            name = f"{family} {rng.choice(MIDDLE_FEMALE)} {rng.choice(GIVEN_FEMALE)}"
        birth = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(20000))
        return name, birth

    def _due(self, version: _Version, received: dt.datetime) -> dt.datetime:
        if version.same_day:
            return self.calendar.same_day_due(received)
        return self.calendar.add(received, version.value, version.unit)

    def _hex(self, bits: int = 256) -> str:
        return f"{self.rng.getrandbits(bits):0{bits // 4}x}"

    def _holder(self, step: _PlanStep) -> _Holder:
        if not step.staff:
            return NOBODY
        return step.staff[self.rng.randrange(len(step.staff))]

    def _process(
        self,
        batch: _Batch,
        *,
        pk: int,
        code: str,
        plan: list[_PlanStep],
        channel: str,
        status: str,
        submitted_at: dt.datetime,
        received_at: dt.datetime | None,
        due_at: dt.datetime | None,
        finished_at: dt.datetime | None,
        returned_at: dt.datetime | None,
        paused_at: dt.datetime | None,
        updated_at: dt.datetime,
        supplements: int,
        outcome: str,
        reason: str,
    ) -> int | None:
        """Steps and audit events of one dossier; returns the batch index of its current step (or None)."""
        rng = self.rng
        stream = f"dossier:{pk}"
        events: list[tuple[dt.datetime, int | None, str, str, str, str, str, str, dict[str, Any]]] = []

        def add(
            at: dt.datetime,
            who: _Holder,
            action: str,
            source: str,
            target: str,
            step: str = "",
            comment: str = "",
            **data: Any,
        ) -> None:
            events.append((at, who[1], who[2], action, source, target, step, comment, data))

        add(submitted_at, NOBODY, "submit", "", "submitted", channel=channel, code=code)
        from motcua.core.audit import GENESIS

        current: int | None = None
        if status == "rejected":
            assert finished_at is not None
            add(finished_at, NOBODY, "reject", "submitted", "rejected", comment=reason)
        elif received_at is not None:
            finished = status in ("processed", "returned")
            # how far the dossier went: the index of its last step in `plan` (0 = the reception step)
            if status == "received" or len(plan) == 1:
                last = 0
            elif finished:
                last = len(plan) - 1
            else:
                last = 1 + rng.randrange(len(plan) - 1)
            end = finished_at if status in ("processed", "returned", "withdrawn", "stopped") else None
            reference = max(end or paused_at or updated_at, received_at + MINUTE)
            reception_end = received_at + min(30 * MINUTE, (reference - received_at) * 0.05)
            if finished:
                inner = self._split(plan[1:], reception_end, reference)
                starts = [received_at, reception_end, *inner[:-1]]
                ends = [reception_end, *inner]
            elif last == 0:
                starts, ends = [received_at], []
            else:
                last_start = reception_end
                if last > 1:
                    last_start += (reference - reception_end) * (0.5 + 0.4 * rng.random())
                inner = self._split(plan[1:last], reception_end, last_start)
                starts = [received_at, reception_end, *inner]
                ends = [reception_end, *inner]
            base = len(batch.steps)
            holders: list[_Holder] = []
            for index in range(last + 1):
                step = plan[index]
                holder = self._holder(step)
                holders.append(holder)
                started = starts[index]
                ended: dt.datetime | None
                if index < len(ends):
                    ended = ends[index]
                    step_due = started + dt.timedelta(hours=step.hours * 4.2)
                    state = "done"
                elif status in ("withdrawn", "stopped"):
                    ended = end
                    step_due = started + dt.timedelta(hours=step.hours * 4.2)
                    state = "cancelled"
                else:
                    ended = None
                    step_due = self.calendar.add_working_hours(started, Decimal(str(step.hours)))
                    state = "active"
                    if index > 0 and rng.random() >= ASSIGNED_SHARE:
                        holder = NOBODY
                batch.steps.append(
                    (
                        pk,
                        index + 1,
                        index,
                        step.name,
                        step.role,
                        step.agency_id,
                        step.unit_id,
                        holder[0],
                        step.actions,
                        state,
                        started,
                        step_due,
                        ended,
                        ended <= step_due if state == "done" and ended is not None else None,
                    )
                )
            current = base + last
            add(
                received_at,
                holders[0],
                "receive",
                "submitted",
                "received",
                plan[0].name,
                due_at=(due_at or received_at).isoformat(),
            )
            before = "received"
            for index in range(last):  # a forward at the end of every step before the last
                add(ends[index], holders[index], "forward", before, "processing", plan[index].name)
                before = "processing"
            rounds = supplements - (1 if status == "awaiting_supplement" else 0)
            if rounds > 0 and last >= 1:
                # supplement requests happened during the first processing step
                until = ends[1] if len(ends) > 1 else reference
                gap = (until - starts[1]) / (2 * rounds + 1)
                moment = starts[1]
                for _round in range(rounds):
                    moment += gap
                    add(
                        moment,
                        holders[1],
                        "request_supplement",
                        "processing",
                        "awaiting_supplement",
                        plan[1].name,
                        SUPPLEMENT_REASON,
                    )
                    moment += gap
                    add(moment, NOBODY, "supplement", "awaiting_supplement", "processing", plan[1].name)
            acting, actor = plan[last], holders[last]
            if finished:
                assert finished_at is not None
                add(finished_at, actor, "approve", before, "processed", acting.name, outcome=outcome)
                if returned_at is not None:
                    add(returned_at, holders[0], "return_result", "processed", "returned")
            elif status in ("withdrawn", "stopped"):
                assert finished_at is not None
                who = NOBODY if status == "withdrawn" else actor
                add(
                    finished_at,
                    who,
                    "withdraw" if status == "withdrawn" else "stop",
                    before,
                    status,
                    acting.name,
                    reason,
                )
            elif status in ("awaiting_supplement", "awaiting_payment") and paused_at is not None:
                action = "request_supplement" if status == "awaiting_supplement" else "request_payment"
                moment = max(paused_at, starts[last])
                add(moment, actor, action, before, status, acting.name)
        prev_hash = GENESIS
        for seq, (at, actor_id, actor_name, action, source, target, step_name, comment, data) in enumerate(
            sorted(events, key=lambda e: e[0]), start=1
        ):
            digest = _event_hash(
                stream,
                seq,
                at.astimezone(UTC).isoformat(),
                actor_id,
                actor_name,
                action,
                source,
                target,
                step_name,
                comment,
                data,
                prev_hash,
            )
            batch.events.append(
                (
                    stream,
                    seq,
                    at,
                    actor_id,
                    actor_name,
                    action,
                    source,
                    target,
                    step_name,
                    comment,
                    json.dumps(data, ensure_ascii=False),
                    prev_hash,
                    digest,
                )
            )
            prev_hash = digest
        return current

    @staticmethod
    def _split(steps: Sequence[_PlanStep], start: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
        """The end instants of `steps` sharing [start, end] in proportion to their allotted hours."""
        if not steps:
            return []
        weights = [max(step.hours, 0.5) for step in steps]
        total = sum(weights)
        span = end - start
        ends = []
        elapsed = 0.0
        for weight in weights:
            elapsed += weight
            ends.append(start + span * (elapsed / total))
        ends[-1] = end
        return ends

    def day(
        self, day: dt.date, count: int, batch: _Batch, first_id: int, sequences: dict[tuple[int, dt.date], int]
    ) -> None:
        """The dossiers received on `day`, in time order."""
        rng = self.rng
        periods = SATURDAY_OFFICE if day.weekday() == 5 else OFFICE
        lengths = [b - a for a, b in periods]
        span = sum(lengths)
        midnight = dt.datetime(day.year, day.month, day.day, tzinfo=VN_TZ)
        seconds = sorted(rng.randrange(span) for _ in range(count))
        for offset, second in enumerate(seconds):
            if second < lengths[0]:
                second += periods[0][0]
            else:
                second += periods[1][0] - lengths[0]
            received = midnight + dt.timedelta(seconds=second)
            self._dossier(first_id + offset, received, batch, sequences)

    def _dossier(
        self,
        pk: int,
        received_at: dt.datetime,
        batch: _Batch,
        sequences: dict[tuple[int, dt.date], int],
    ) -> None:
        rng = self.rng
        now = self.now
        version = self._version()
        competent_id, receiving_id, receiving_code = version.targets[rng.randrange(len(version.targets))]

        # channel and delivery
        draw = rng.random()
        if version.online_only or (version.online and draw < self.online_probability):
            channel = "online"
        elif version.postal and draw > 1 - POSTAL_SHARE:
            channel = "postal"
        elif version.counter or not version.online:
            channel = "counter"
        else:
            channel = "online"
        reception_point = None
        if channel == "online":
            submitted_at = received_at - dt.timedelta(seconds=rng.randrange(300, 20 * 3600))
            reception_due_at = self.calendar.add_working_hours(submitted_at, 8)
            if reception_due_at < received_at:
                submitted_at = received_at - dt.timedelta(seconds=rng.randrange(60, 3600))
                reception_due_at = self.calendar.add_working_hours(submitted_at, 8)
            delivery = "online" if rng.random() < 0.6 else ("counter" if rng.random() < 0.75 else "post")
        else:
            submitted_at = received_at - dt.timedelta(seconds=rng.randrange(60, 1200))
            reception_due_at = None
            if channel == "postal":
                delivery = "post"
            else:
                delivery = "counter" if rng.random() < 0.85 else "post"
                points = self.points.get(receiving_id)
                if points:
                    reception_point = points[rng.randrange(len(points))]

        # code: per receiving agency and local day of submission
        local_day = submitted_at.date()
        key = (receiving_id, local_day)
        number = sequences.get(key, 0) + 1
        sequences[key] = number
        batch.sequences[key] = number
        code = self.pattern.format(agency=receiving_code, date=local_day, seq=number)

        # applicant
        kind_draw = rng.random()
        if kind_draw < 0.9:
            applicant_kind = "citizen"
            name, birth = self._person()
            birth_date: dt.date | None = birth
            id_number = f"{rng.randrange(1, 97):03d}{rng.randrange(10**9):09d}"
        else:
            applicant_kind = "business" if kind_draw < 0.98 else "organisation"
            name = f"Công ty TNHH {rng.choice(BUSINESS_WORDS)} {rng.choice(GIVEN_MALE)}"
            if applicant_kind == "organisation":
                name = f"Hợp tác xã {rng.choice(BUSINESS_WORDS)}"
            birth_date = None
            id_number = f"{rng.randrange(10**9, 10**10)}"
        phone = f"09{rng.randrange(10**8):08d}"
        email = f"nguoinop{pk}@example.vn" if channel == "online" and rng.random() < 0.5 else ""
        ward = self.wards[rng.randrange(len(self.wards))]
        address = f"Số {rng.randrange(1, 300)} đường {rng.choice(STREETS)}"

        # life
        status = "received"
        status_before_pause = ""
        due_at: dt.datetime | None = None
        original_due_at: dt.datetime | None = None
        finished_at: dt.datetime | None = None
        returned_at: dt.datetime | None = None
        paused_at: dt.datetime | None = None
        paused_minutes = 0
        supplements = 0
        timeliness = ""
        outcome = ""
        outcome_reason = ""
        revision = 1
        updated_at = received_at
        fate = rng.random()
        real_received: dt.datetime | None = received_at

        if fate < FATE_REJECTED and received_at <= now:
            real_received = None
            status = "rejected"
            finished_at = received_at
            outcome_reason = "Hồ sơ không thuộc thẩm quyền tiếp nhận."
            revision = 2
            updated_at = finished_at
        else:
            due_at = self._due(version, received_at)
            if received_at > now:
                status = "submitted" if channel == "online" else "received"
                if channel == "online":
                    real_received = None
                    due_at = None
            else:
                supplement_draw = rng.random()
                supplements = (
                    2
                    if supplement_draw < SUPPLEMENT_TWO
                    else 1
                    if supplement_draw < SUPPLEMENT_ONE + SUPPLEMENT_TWO
                    else 0
                )
                if supplements:
                    paused_minutes = sum(rng.randrange(240, 2400) for _ in range(supplements))
                    # the clock stops while the applicant supplements: the due instant moves by the paused time
                    due_at = self.calendar.add_working_hours(due_at, Decimal(paused_minutes) / 60)
                working = self.calendar.between(received_at, due_at)
                processed = fate >= FATE_REJECTED + FATE_WITHDRAWN + FATE_STOPPED + FATE_STUCK
                late = rng.random() < LATE_SHARE
                left = dt.timedelta(0)
                if not processed and fate >= FATE_REJECTED + FATE_WITHDRAWN + FATE_STOPPED:
                    planned_end = None  # stuck
                elif late and processed:
                    overdue = dt.timedelta(seconds=rng.randrange(1800, 10 * 8 * 3600))
                    planned_end = self.calendar.add_working_hours(due_at, overdue)
                else:
                    # work done in working time: a share of the period, at least the paused time
                    spent = max(working * (0.25 + 0.75 * rng.random() ** 0.7), (paused_minutes + 10) * MINUTE)
                    if spent >= working:
                        spent = max(working - MINUTE * rng.randrange(1, 30), MINUTE)
                    left = working - spent
                    planned_end = self.calendar.add_working_hours(received_at, spent)
                if planned_end is None or planned_end > now:
                    # open at `now`
                    open_draw = rng.random()
                    if now - received_at < 2 * HOUR:
                        status = "received"
                        supplements = 0
                        paused_minutes = 0
                        due_at = self._due(version, received_at)
                    elif open_draw < OPEN_SUPPLEMENT:
                        status = "awaiting_supplement"
                        status_before_pause = "processing"
                        supplements = min(supplements + 1, 2)
                        paused_at = now - (now - received_at) * rng.random() * 0.5
                    elif open_draw < OPEN_SUPPLEMENT + OPEN_PAYMENT:
                        status = "awaiting_payment"
                        status_before_pause = "processing"
                        paused_at = now - (now - received_at) * rng.random() * 0.5
                    else:
                        status = "processing"
                    revision = 2 + 2 * supplements + (1 if paused_at else 0)
                    updated_at = paused_at or received_at + (now - received_at) * rng.random() * 0.5
                else:
                    finished_at = planned_end
                    revision = 3 + 2 * supplements
                    if fate < FATE_REJECTED + FATE_WITHDRAWN:
                        status = "withdrawn"
                        outcome_reason = "Công dân xin rút hồ sơ."
                    elif fate < FATE_REJECTED + FATE_WITHDRAWN + FATE_STOPPED:
                        status = "stopped"
                        outcome_reason = "Dừng xử lý theo đề nghị của cơ quan có thẩm quyền."
                    else:
                        status = "processed"
                        if rng.random() < REFUSED_SHARE:
                            outcome = "refused"
                            outcome_reason = rng.choice(REFUSAL_REASONS)
                        else:
                            outcome = "granted"
                        if late or supplements > 1 or finished_at > due_at:
                            timeliness = "late"
                        elif left >= 8 * HOUR:
                            timeliness = "early"
                        else:
                            timeliness = "on_time"
                        if rng.random() >= NEVER_COLLECTED:
                            if delivery == "online":
                                returned = finished_at + dt.timedelta(seconds=rng.randrange(60, 3600))
                            else:
                                wait = dt.timedelta(seconds=rng.randrange(600, 5 * 8 * 3600))
                                returned = self.calendar.add_working_hours(finished_at, wait)
                            if returned <= now:
                                status = "returned"
                                returned_at = returned
                                revision += 1
                    updated_at = returned_at or finished_at
            original_due_at = due_at
        supplement_during = supplements if real_received is not None else 0
        current_step = self._process(
            batch,
            pk=pk,
            code=code,
            plan=version.plans[competent_id],
            channel=channel,
            status=status,
            submitted_at=submitted_at,
            received_at=real_received,
            due_at=due_at,
            finished_at=finished_at,
            returned_at=returned_at,
            paused_at=paused_at,
            updated_at=updated_at,
            supplements=supplements,
            outcome=outcome,
            reason=outcome_reason,
        )

        batch.dossiers.append(
            (
                pk,
                code,
                version.procedure_id,
                version.id,
                channel,
                reception_point,
                receiving_id,
                competent_id,
                applicant_kind,
                name,
                id_number,
                birth_date,
                phone,
                email,
                ward,
                address,
                "",
                "",
                None,
                None,
                "{}",
                delivery,
                None,
                "",
                status,
                status_before_pause,
                submitted_at,
                reception_due_at,
                real_received,
                due_at,
                original_due_at,
                finished_at,
                returned_at,
                paused_at,
                paused_minutes,
                supplements,
                supplement_during,
                None,
                "",
                timeliness,
                outcome,
                outcome_reason,
                current_step,
                submitted_at,
                updated_at,
                revision,
            )
        )

        # documents
        components = version.components
        online = channel == "online"
        for index in range(min(len(components), 1 + rng.randrange(3))):
            component_code, component_name, kinds = components[index]
            if online:
                copy_kind = "electronic"
            else:
                paper = [k for k in kinds if k != "electronic"] or ["original"]
                copy_kind = paper[rng.randrange(len(paper))]
            batch.documents.append(
                (
                    pk,
                    component_code,
                    component_name,
                    copy_kind,
                    f"bench/{pk}-{index + 1}.pdf",
                    f"{component_code.lower()}.pdf",
                    "application/pdf",
                    rng.randrange(40_000, 2_000_000),
                    self._hex(),
                    not online,
                    rng.random() < REUSED_SHARE,
                    0,
                    None,
                    submitted_at,
                )
            )

        # fees and payments
        if version.fees and status not in ("rejected", "submitted"):
            paid_moment = submitted_at + dt.timedelta(seconds=rng.randrange(30, 600)) if online else received_at
            end_moment = returned_at or finished_at
            indexes: list[int] = []
            total = 0
            paid_last: dt.datetime | None = None
            for fee_name, fee_kind, amount, online_amount, collected in version.fees:
                amount_due = online_amount if online else amount
                if collected == "reception":
                    paid_at: dt.datetime | None = paid_moment
                elif collected in ("result", "obligation") and end_moment is not None and status != "withdrawn":
                    paid_at = end_moment
                else:
                    paid_at = None
                if paid_at is not None and amount_due > 0 and paid_at <= now:
                    indexes.append(len(batch.fees))
                    total += amount_due
                    paid_last = paid_at if paid_last is None or paid_at > paid_last else paid_last
                else:
                    paid_at = None
                batch.fees.append((pk, fee_name, fee_kind, amount_due, collected, paid_at))
            if indexes and paid_last is not None:
                vnpay = online and rng.random() < VNPAY_SHARE
                created = paid_last - dt.timedelta(seconds=rng.randrange(20, 300))
                batch.payments.append(
                    (
                        pk,
                        total,
                        "vnpay" if vnpay else "cash",
                        created,
                        created + 15 * MINUTE,
                        paid_last,
                        f"{rng.randrange(10**7, 10**8)}" if vnpay else "",
                        name,
                    )
                )
                batch.payment_fees.append(indexes)

        # result and rating
        if status in ("processed", "returned"):
            assert finished_at is not None
            if rng.random() < RESULT_SHARE:
                signed = finished_at - dt.timedelta(seconds=rng.randrange(60, 1800))
                batch.results.append(
                    (
                        pk,
                        "certificate" if rng.random() < 0.4 else "decision",
                        f"Kết quả giải quyết: {version.name}"[:500],
                        f"{pk:x}{self._hex(96)}",
                        f"bench/results/{pk}.pdf",
                        f"ket-qua-{pk}.pdf",
                        f"bench/results/{pk}-signed.pdf",
                        self._hex(),
                        "signed",
                        None,
                        signed - 10 * MINUTE,
                        None,
                        signed,
                        SIGNER,
                        rng.random() < 0.5,
                    )
                )
            if rng.random() < RATING_SHARE:
                scores = [2 if (d := rng.random()) < 0.82 else 1 if d < 0.96 else 0 for _ in range(9)]
                total_score = sum(scores)
                if total_score >= 16:
                    overall = "very_satisfied" if rng.random() < 0.8 else "satisfied"
                elif total_score >= 11:
                    overall = "satisfied"
                else:
                    overall = "not_satisfied"
                moment = (returned_at or finished_at) + dt.timedelta(seconds=rng.randrange(60, 86400))
                batch.ratings.append(
                    (
                        pk,
                        None,
                        "online" if online else "kiosk",
                        json.dumps(scores),
                        total_score,
                        overall,
                        "",
                        min(moment, now),
                    )
                )


# --- writing ---------------------------------------------------------------------------------------------------


def _tables() -> dict[str, str]:
    from motcua.core.audit import AuditEvent
    from motcua.dossiers.models import (
        DailySequence,
        Document,
        Dossier,
        DossierFee,
        DossierStep,
        SatisfactionRating,
    )
    from motcua.payments.models import PaymentRequest
    from motcua.results.models import ResultDocument

    return {
        "dossier": Dossier._meta.db_table,
        "document": Document._meta.db_table,
        "step": DossierStep._meta.db_table,
        "event": AuditEvent._meta.db_table,
        "fee": DossierFee._meta.db_table,
        "payment": PaymentRequest._meta.db_table,
        "payment_fee": PaymentRequest.fees.through._meta.db_table,
        "result": ResultDocument._meta.db_table,
        "rating": SatisfactionRating._meta.db_table,
        "sequence": DailySequence._meta.db_table,
    }


class _Writer:
    def __init__(self, connection: Any) -> None:
        self.connection = connection
        self.postgres = connection.vendor == "postgresql"
        self.tables = _tables()

    def write(self, key: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        table = self.tables[key]
        names = ", ".join(f'"{c}"' for c in columns)
        if self.postgres:
            raw = self.connection.connection
            with raw.cursor() as cursor, cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row)
            return
        to_utc = self.connection.ops.adapt_datetimefield_value
        positions = [i for i, c in enumerate(columns) if c in _DATETIME_NAMES]
        prepared = []
        for row in rows:
            values = list(row)
            for i in positions:
                if values[i] is not None:
                    values[i] = to_utc(values[i])
            prepared.append(values)
        marks = ", ".join(["%s"] * len(columns))
        with self.connection.cursor() as cursor:
            cursor.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', prepared)  # noqa: S608


def _flush(batch: _Batch, writer: _Writer, ids: _Ids, using: str) -> None:
    from django.db import transaction

    from motcua.dossiers.models import DailySequence, Dossier, mark_crossing_dossiers

    with transaction.atomic(using=using):
        # the steps' ids are known only now: the dossiers' current steps are batch indexes until here
        step_base = ids.take(writer.tables["step"], len(batch.steps))
        writer.write(
            "dossier",
            DOSSIER_COLUMNS,
            (
                row
                if row[_CURRENT_STEP] is None
                else (*row[:_CURRENT_STEP], step_base + row[_CURRENT_STEP], *row[_CURRENT_STEP + 1 :])
                for row in batch.dossiers
            ),
        )
        writer.write("step", STEP_COLUMNS, ((step_base + i, *row) for i, row in enumerate(batch.steps)))
        first, last = batch.dossiers[0][0], batch.dossiers[-1][0]
        mark_crossing_dossiers(Dossier.objects.using(using).filter(pk__gte=first, pk__lte=last))
        writer.write("event", EVENT_COLUMNS, batch.events)
        writer.write("document", DOCUMENT_COLUMNS, batch.documents)
        fee_base = ids.take(writer.tables["fee"], len(batch.fees))
        writer.write("fee", FEE_COLUMNS, ((fee_base + i, *row) for i, row in enumerate(batch.fees)))
        payment_base = ids.take(writer.tables["payment"], len(batch.payments))
        writer.write(
            "payment",
            PAYMENT_COLUMNS,
            (
                (
                    payment_base + i,
                    dossier,
                    f"BG{payment_base + i:010d}",
                    amount,
                    provider,
                    "succeeded",
                    True,
                    created,
                    expires,
                    paid,
                    paid,
                    None,
                    provider_reference,
                    None,
                    None,
                    payer,
                    "",
                )
                for i, (dossier, amount, provider, created, expires, paid, provider_reference, payer) in enumerate(
                    batch.payments
                )
            ),
        )
        writer.write(
            "payment_fee",
            PAYMENT_FEE_COLUMNS,
            ((payment_base + i, fee_base + fee) for i, fees in enumerate(batch.payment_fees) for fee in fees),
        )
        writer.write("result", RESULT_COLUMNS, batch.results)
        writer.write("rating", RATING_COLUMNS, batch.ratings)
        # continue the daily counters of the codes, so that later receptions do not reuse a number
        keys = list(batch.sequences)
        existing = {
            (row.agency_id, row.day): row
            for row in DailySequence.objects.using(using).filter(
                agency_id__in={a for a, _d in keys}, day__in={d for _a, d in keys}
            )
        }
        changed = []
        created = []
        for key, last in batch.sequences.items():
            row = existing.get(key)
            if row is None:
                created.append(DailySequence(agency_id=key[0], day=key[1], last=last))
            elif row.last < last:
                row.last = last
                changed.append(row)
        DailySequence.objects.using(using).bulk_create(created, batch_size=2000)
        DailySequence.objects.using(using).bulk_update(changed, ["last"], batch_size=2000)


def generate(
    count: int,
    *,
    seed: int = 7,
    start: dt.date,
    end: dt.date,
    now: dt.datetime | None = None,
    using: str = "default",
    batch: int = 50_000,
) -> GenerateResult:
    """Insert `count` dossiers received between `start` and `end` (inclusive); see the module docstring."""
    from django.db import connections
    from django.utils import timezone

    from motcua.dossiers.models import DailySequence

    if count < 0 or end < start:
        raise ValueError("count must be >= 0 and start <= end")
    began = time.perf_counter()
    moment = (now or timezone.now()).astimezone(VN_TZ)
    connection = connections[using]
    connection.ensure_connection()
    versions = _load_versions(using)
    generator = _Generator(
        seed=seed, now=moment, versions=versions, points=_reception_points(using), wards=_wards(using)
    )
    receiving = {target[1] for v in versions for target in v.targets}
    sequences: dict[tuple[int, dt.date], int] = {
        (agency_id, day): last
        for agency_id, day, last in DailySequence.objects.using(using)
        .filter(agency_id__in=receiving, day__gte=start - dt.timedelta(days=3), day__lte=end)
        .values_list("agency_id", "day", "last")
    }
    ids = _Ids(connection)
    writer = _Writer(connection)
    totals = dict.fromkeys(("dossiers", "documents", "steps", "events", "fees", "payments", "results", "ratings"), 0)
    current = _Batch()
    next_id = ids.take(writer.tables["dossier"], count)
    for day, day_count in _day_counts(_day_weights(generator.calendar, start, end), count):
        generator.day(day, day_count, current, next_id, sequences)
        next_id += day_count
        if len(current.dossiers) >= batch:
            _count(totals, current)
            _flush(current, writer, ids, using)
            current = _Batch()
    if current.dossiers:
        _count(totals, current)
        _flush(current, writer, ids, using)
    return GenerateResult(**totals, seconds=round(time.perf_counter() - began, 3))


def _count(totals: dict[str, int], batch: _Batch) -> None:
    totals["dossiers"] += len(batch.dossiers)
    totals["documents"] += len(batch.documents)
    totals["steps"] += len(batch.steps)
    totals["events"] += len(batch.events)
    totals["fees"] += len(batch.fees)
    totals["payments"] += len(batch.payments)
    totals["results"] += len(batch.results)
    totals["ratings"] += len(batch.ratings)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--start", type=dt.date.fromisoformat, required=True)
    parser.add_argument("--end", type=dt.date.fromisoformat, required=True)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--batch", type=int, default=50_000)
    parser.add_argument("--now", type=dt.datetime.fromisoformat, default=None, help="ISO instant (default: now)")
    options = parser.parse_args(argv)
    root = Path(__file__).resolve().parent.parent
    sys.path.insert(0, str(root / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.settings")
    os.environ.setdefault("DEBUG", "true")
    import django

    django.setup()
    now = options.now
    if now is not None and now.tzinfo is None:
        now = now.replace(tzinfo=VN_TZ)
    result = generate(
        options.count, seed=options.seed, start=options.start, end=options.end, now=now, batch=options.batch
    )
    rate = result.dossiers / result.seconds if result.seconds else 0.0
    print(
        f"{result.dossiers:,} dossiers, {result.documents:,} documents, {result.steps:,} steps, "
        f"{result.events:,} history events, {result.fees:,} fees, "
        f"{result.payments:,} payments, {result.results:,} results, {result.ratings:,} ratings "
        f"in {result.seconds:.1f} s ({rate:,.0f} dossiers/s)"
    )


if __name__ == "__main__":
    main()
