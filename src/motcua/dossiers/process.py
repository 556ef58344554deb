"""The internal electronic process of a dossier: step definitions, defaults and who may act on a step."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from motcua.catalog.models import ProcedureVersion, StepAction
from motcua.catalog.services import period_in_working_hours
from motcua.org.models import Agency, OrganisationalUnit, Role, Staff


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


def _has_division(agency: Agency) -> bool:
    return Staff.objects.filter(agency=agency, is_active=True, roles__role=Role.DIVISION_HEAD).exists()


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
    steps = list(version.process_steps.select_related("agency").order_by("order"))
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
    staff = Staff.objects.filter(agency=agency, is_active=True, user__is_active=True, roles__role=role)
    if unit is not None:
        staff = staff.filter(unit=unit)
    return list(staff.select_related("user").distinct().order_by("user__username"))
