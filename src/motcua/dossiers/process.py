"""The internal electronic process of a dossier: step definitions, defaults and who may act on a step."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import router
from django.db.models import Model
from django.utils.translation import gettext as _

from motcua.catalog.models import ProcedureVersion, ProcessStep, StepAction
from motcua.catalog.services import period_in_working_hours
from motcua.core import rows
from motcua.org.models import Agency, OrganisationalUnit, Role, Staff, StaffRole


@dataclass(frozen=True)
class StepPlan:
    """A step to run: resolved agency and unit, allotted working hours, allowed actions."""

    position: int
    name: str
    role: str
    agency: Agency
    unit: OrganisationalUnit | None
    allotted_hours: Decimal
    actions: tuple[str, ...]


PROCESSING_ACTIONS = (
    StepAction.FORWARD,
    StepAction.SEND_BACK,
    StepAction.REQUEST_SUPPLEMENT,
    StepAction.REQUEST_PAYMENT,
)


# The reads of every forward (the plan of the next step and who may take it) as SQL written once per process:
# the ORM spent about 2.5 ms of CPU compiling them on each action (core/rows.py, docs/performance.md).


@functools.cache
def _statements(using: str) -> dict[str, Any]:
    user_model = get_user_model()
    staff, users = rows.Shape(Staff, "s"), rows.Shape(user_model, "u")
    steps, agencies = rows.Shape(ProcessStep, "p"), rows.Shape(Agency, "a")

    def c(model: type[Model], name: str) -> str:
        return rows.column(model, name, using)

    holds_role = (  # names from the models, values as parameters
        f"EXISTS (SELECT 1 FROM {rows.table(StaffRole, using)} r "  # noqa: S608
        f"WHERE r.{c(StaffRole, 'staff')} = s.{c(Staff, 'id')} AND r.{c(StaffRole, 'role')} = %s)"
    )
    active_in_agency = f"s.{c(Staff, 'agency')} = %s AND s.{c(Staff, 'is_active')}"
    return {
        "has_role": f"SELECT 1 FROM {rows.table(Staff, using)} s WHERE {active_in_agency} AND {holds_role} LIMIT 1",  # noqa: S608
        "candidates": (
            f"SELECT {staff.columns(using)}, {users.columns(using)} FROM {rows.table(Staff, using)} s "  # noqa: S608
            f"INNER JOIN {rows.table(user_model, using)} u ON u.{c(user_model, 'id')} = s.{c(Staff, 'user')} "
            f"WHERE {active_in_agency} AND u.{c(user_model, 'is_active')} AND {holds_role}"
        ),
        "unit": f" AND s.{c(Staff, 'unit')} = %s",
        "order": f" ORDER BY u.{c(user_model, 'username')}",
        "steps": (
            f"SELECT {steps.columns(using)}, {agencies.columns(using)} FROM {rows.table(ProcessStep, using)} p "  # noqa: S608
            f"LEFT JOIN {rows.table(Agency, using)} a ON a.{c(Agency, 'id')} = p.{c(ProcessStep, 'agency')} "
            f"WHERE p.{c(ProcessStep, 'version')} = %s ORDER BY p.{c(ProcessStep, 'order')}, p.{c(ProcessStep, 'id')}"
        ),
        "shapes": (staff, users, steps, agencies),
    }


def _has_division(agency: Agency) -> bool:
    using = router.db_for_read(Staff)
    return rows.fetch_one(using, _statements(using)["has_role"], [agency.pk, Role.DIVISION_HEAD]) is not None


def default_plan(version: ProcedureVersion, competent: Agency) -> list[StepPlan]:
    """Specialist → division head (when the agency has one) → leader, sharing the procedure's time.

    Shares: specialist 70%, division head 15%, leader 15% of the period (without a division head the
    specialist gets 80% and the leader 20%). A commune committee has no divisions: its civil servant
    appraises and its chairman decides.
    """
    period = version.local_time_value or version.processing_time_value
    unit = version.local_time_unit if version.local_time_value else version.processing_time_unit
    hours = period_in_working_hours(period, unit)
    appraise = (*PROCESSING_ACTIONS, StepAction.PROPOSE_REFUSAL)
    if _has_division(competent):
        shares = [
            (_("Chuyên viên thẩm định hồ sơ"), Role.SPECIALIST, Decimal("0.70"), appraise),
            (_("Lãnh đạo phòng xem xét"), Role.DIVISION_HEAD, Decimal("0.15"), PROCESSING_ACTIONS),
            (
                _("Lãnh đạo cơ quan phê duyệt"),
                Role.AGENCY_LEADER,
                Decimal("0.15"),
                (StepAction.APPROVE, StepAction.SEND_BACK),
            ),
        ]
    else:
        shares = [
            (_("Công chức chuyên môn thẩm định hồ sơ"), Role.SPECIALIST, Decimal("0.80"), appraise),
            (_("Lãnh đạo phê duyệt"), Role.AGENCY_LEADER, Decimal("0.20"), (StepAction.APPROVE, StepAction.SEND_BACK)),
        ]
    plan = []
    for position, (name, role, share, actions) in enumerate(shares, start=1):
        allotted = max(Decimal("0.5"), (hours * share).quantize(Decimal("0.1")))
        plan.append(StepPlan(position, name, role, competent, None, allotted, tuple(str(a) for a in actions)))
    return plan


def plan_for(version: ProcedureVersion, competent: Agency) -> list[StepPlan]:
    """The version's own process when it defines one, otherwise the default."""
    steps = _process_steps(version)
    if not steps:
        return default_plan(version, competent)
    plan = []
    for position, step in enumerate(steps, start=1):
        agency = step.agency or competent
        unit = OrganisationalUnit.objects.filter(agency=agency, code=step.unit_code).first() if step.unit_code else None
        plan.append(StepPlan(position, step.name, step.role, agency, unit, step.allotted_hours, tuple(step.actions)))
    return plan


def candidates(*, agency: Agency, role: str, unit: OrganisationalUnit | None) -> list[Staff]:
    """Active staff who may be assigned a step: the role in the agency (and unit, when set)."""
    using = router.db_for_read(Staff)
    statements = _statements(using)
    sql: str = statements["candidates"]
    params: list[Any] = [agency.pk, role]
    if unit is not None:
        sql, params = sql + statements["unit"], [*params, unit.pk]
    staff_shape, user_shape = statements["shapes"][:2]
    found: list[Staff] = rows.fetch_with_related(
        using, sql + statements["order"], params, staff_shape, "user", user_shape
    )
    return found


def _process_steps(version: ProcedureVersion) -> list[ProcessStep]:
    """The version's own steps in order, each with its agency (None: the competent agency)."""
    using = router.db_for_read(ProcessStep)
    statements = _statements(using)
    step_shape, agency_shape = statements["shapes"][2:]
    found: list[ProcessStep] = rows.fetch_with_related(
        using, statements["steps"], [version.pk], step_shape, "agency", agency_shape
    )
    return found
