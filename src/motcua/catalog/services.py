"""Writes to the catalogue: drafts, publication, withdrawal."""

from __future__ import annotations

import datetime as dt
import functools
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connections, router, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.catalog.models import Component, FeeLine, Procedure, ProcedureVersion, ProcessStep, TimeUnit
from motcua.core import rows
from motcua.core.errors import Conflict, FieldError, InvalidInput
from motcua.org import access

Status = ProcedureVersion.Status


def _require(actor: Any, permission: access.Permission) -> None:
    if actor is not None:
        access.require(actor, permission)


def _next_number(procedure: Procedure) -> int:
    last = procedure.versions.order_by("-number").values_list("number", flat=True).first()
    return (last or 0) + 1


@transaction.atomic
def procedure_version_create_draft(
    *, procedure: Procedure, actor: Any = None, from_version: ProcedureVersion | None = None
) -> ProcedureVersion:
    """Start a new draft version of `procedure`, copying `from_version` (default: the current one).

    This is how a published procedure is edited: its versions never change after publication.
    """
    _require(actor, access.Permission.MANAGE_CATALOG)
    procedure = Procedure.objects.select_for_update().get(pk=procedure.pk)
    if procedure.versions.filter(status=Status.DRAFT).exists():
        raise Conflict(_("Thủ tục đã có một phiên bản dự thảo; hãy sửa phiên bản đó."))
    source = from_version or procedure.current_version
    if source is None:
        raise Conflict(_("Thủ tục chưa có phiên bản nào để sao chép."))
    agencies = list(source.agencies.all())
    components = list(source.components.all())
    fees = list(source.fees.all())
    steps = list(source.process_steps.all())
    draft = ProcedureVersion.objects.get(pk=source.pk)
    draft.pk = None
    draft.id = None
    draft._state.adding = True
    draft.number = _next_number(procedure)
    draft.status = Status.DRAFT
    draft.effective_from = None
    draft.effective_to = None
    draft.published_at = None
    draft.save()
    draft.agencies.set(agencies)
    for component in components:
        Component.objects.create(
            version=draft,
            code=component.code,
            name=component.name,
            copy_kinds=list(component.copy_kinds),
            quantity=component.quantity,
            required=component.required,
            template=component.template.name if component.template else "",
            template_name=component.template_name,
            order=component.order,
        )
    for fee in fees:
        FeeLine.objects.create(
            version=draft,
            name=fee.name,
            kind=fee.kind,
            amount=fee.amount,
            online_amount=fee.online_amount,
            collected_at=fee.collected_at,
            note=fee.note,
            order=fee.order,
        )
    copy_process(steps, draft)
    return draft


def copy_process(steps: list[ProcessStep], version: ProcedureVersion) -> None:
    for step in steps:
        ProcessStep.objects.create(
            version=version,
            order=step.order,
            name=step.name,
            role=step.role,
            agency=step.agency,
            unit_code=step.unit_code,
            allotted_hours=step.allotted_hours,
            actions=list(step.actions),
        )


def period_in_working_hours(value: Decimal, unit: str) -> Decimal:
    """Upper bound of a period in working hours (a calendar day counts as at most one working day)."""
    if unit == TimeUnit.WORKING_HOURS:
        return value
    return value * 8


def _validation_errors(exc: ValidationError) -> list[FieldError]:
    if hasattr(exc, "error_dict"):
        return [FieldError(field=name, message=str(msg)) for name, msgs in exc.message_dict.items() for msg in msgs]
    return [FieldError(field="", message=str(msg)) for msg in exc.messages]


@transaction.atomic
def procedure_version_publish(
    *, version: ProcedureVersion, actor: Any = None, at: dt.datetime | None = None
) -> ProcedureVersion:
    """Publish a draft: it takes effect at once and closes the version in force before it."""
    _require(actor, access.Permission.PUBLISH_CATALOG)
    now = at or timezone.now()
    procedure = Procedure.objects.select_for_update().get(pk=version.procedure_id)
    version = ProcedureVersion.objects.select_for_update().get(pk=version.pk)
    if version.status != Status.DRAFT:
        raise Conflict(_("Chỉ phiên bản dự thảo mới được công bố."))
    try:
        version.full_clean()
    except ValidationError as exc:
        raise InvalidInput(detail=_("Phiên bản chưa hợp lệ."), errors=_validation_errors(exc)) from exc
    problems: list[FieldError] = []
    if not version.components.exists():
        problems.append(FieldError(field="components", message=_("Cần ít nhất một thành phần hồ sơ.")))
    if not version.agencies.exists():
        problems.append(FieldError(field="agencies", message=_("Cần ít nhất một cơ quan thực hiện.")))
    allotted = sum((step.allotted_hours for step in version.process_steps.all()), Decimal(0))
    period = version.local_time_value or version.processing_time_value
    period_unit = version.local_time_unit if version.local_time_value else version.processing_time_unit
    if allotted > period_in_working_hours(period, period_unit):
        problems.append(
            FieldError(
                field="process_steps",
                message=_("Tổng thời gian các bước (%(steps)s giờ) vượt thời hạn giải quyết.") % {"steps": allotted},
            )
        )
    if problems:
        raise InvalidInput(detail=_("Phiên bản chưa đủ thông tin để công bố."), errors=problems)
    for previous in ProcedureVersion.objects.select_for_update().filter(
        procedure=procedure, status=Status.PUBLISHED, effective_to__isnull=True
    ):
        previous.effective_to = now
        previous.save(update_fields=["effective_to", "updated_at"], allow_published_change=True)
    version.status = Status.PUBLISHED
    version.effective_from = now
    version.published_at = now
    version.save(update_fields=["status", "effective_from", "published_at", "updated_at"])
    procedure.current_version = version
    procedure.save(update_fields=["current_version"])
    return version


@transaction.atomic
def procedure_withdraw(*, procedure: Procedure, actor: Any = None, at: dt.datetime | None = None) -> Procedure:
    """Bãi bỏ: the procedure is no longer offered; dossiers already received keep their version."""
    _require(actor, access.Permission.PUBLISH_CATALOG)
    now = at or timezone.now()
    procedure = Procedure.objects.select_for_update().get(pk=procedure.pk)
    current = procedure.current_version
    if current is None:
        raise Conflict(_("Thủ tục không có phiên bản đang áp dụng."))
    current.status = Status.WITHDRAWN
    current.effective_to = now
    current.save(update_fields=["status", "effective_to", "updated_at"], allow_published_change=True)
    procedure.current_version = None
    procedure.save(update_fields=["current_version"])
    return procedure


def _in_force(versions: QuerySet[ProcedureVersion], at: dt.datetime) -> ProcedureVersion | None:
    return (
        versions.filter(status__in=[Status.PUBLISHED, Status.WITHDRAWN], effective_from__lte=at)
        .exclude(effective_to__lte=at)
        .order_by("-number")
        .first()
    )


def version_in_force(*, procedure: Procedure, at: dt.datetime) -> ProcedureVersion | None:
    """The published version of `procedure` in force at instant `at`."""
    return _in_force(procedure.versions.all(), at)


@functools.cache
def _in_force_statement(using: str) -> tuple[str, rows.Shape, rows.Shape]:
    versions, procedures = rows.Shape(ProcedureVersion, "v"), rows.Shape(Procedure, "p")

    def v(name: str) -> str:
        return f"v.{rows.column(ProcedureVersion, name, using)}"

    sql = (
        f"SELECT {versions.columns(using)}, {procedures.columns(using)} "  # noqa: S608 - names from the models
        f"FROM {rows.table(ProcedureVersion, using)} v INNER JOIN {rows.table(Procedure, using)} p "
        f"ON p.{rows.column(Procedure, 'id', using)} = {v('procedure')} "
        f"WHERE p.{rows.column(Procedure, 'code', using)} = %s AND {v('status')} IN (%s, %s) "
        f"AND {v('effective_from')} <= %s AND ({v('effective_to')} IS NULL OR {v('effective_to')} > %s) "
        f"ORDER BY {v('number')} DESC LIMIT 1"
    )
    return sql, versions, procedures


def version_in_force_by_code(*, code: str, at: dt.datetime) -> ProcedureVersion | None:
    """`version_in_force` of the procedure with this code, with its procedure, in one query.

    Every submission asks, hence SQL written once (the ORM took 1.5 ms of CPU to compile it; core/rows.py).
    """
    using = router.db_for_read(ProcedureVersion)
    sql, versions, procedures = _in_force_statement(using)
    connection = connections[using]
    moment = connection.ops.adapt_datetimefield_value(at)
    row = rows.fetch_one(using, sql, [code, Status.PUBLISHED, Status.WITHDRAWN, moment, moment])
    if row is None:
        return None
    version: ProcedureVersion = versions.build(row, 0, using)
    rows.cache_related(version, "procedure", procedures.build(row, len(versions), using))
    return version
