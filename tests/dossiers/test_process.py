"""A procedure's own internal process: units, an inter-agency (liên thông) step, allowed actions, time limits."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied

from motcua.catalog.models import ProcedureVersion, ProcessStep
from motcua.catalog.services import procedure_version_publish
from motcua.core import rows
from motcua.core.errors import Conflict, InvalidInput
from motcua.dossiers import selectors, services
from motcua.dossiers.models import Dossier, mark_crossing_dossiers
from motcua.org import access
from motcua.org.models import Role
from tests.dossiers.conftest import World, applicant, at
from tests.factories import UserFactory, make_staff, make_version


def _version_with_process(world: World, steps: list[tuple[str, str, object, str, str, list[str]]]) -> ProcedureVersion:
    version = make_version(
        name="Cấp phép có liên thông",
        agencies=[world.department],
        processing_time_value=Decimal(3),
        processing_time_unit="working_days",
        publish=False,
    )
    for order, (name, role, agency, unit_code, hours, actions) in enumerate(steps, start=1):
        ProcessStep.objects.create(
            version=version,
            order=order,
            name=name,
            role=role,
            agency=agency,
            unit_code=unit_code,
            allotted_hours=Decimal(hours),
            actions=actions,
        )
    return version


_SEEN_FROM = rows.Prepared(
    lambda: Dossier.objects.filter(
        selectors._seen_from(rows.param_list(Dossier, "receiving_agency", "scope"))
    ).values_list("pk", flat=True)
)


def _visibility_agrees(world: World, dossier: Dossier, *others: Any) -> None:
    """`selectors.visible_dossier_id` says what `dossiers_visible_to` says, for everyone."""
    for user in [*world.users().values(), *others, AnonymousUser()]:
        expected = dossier.pk if selectors.dossiers_visible_to(user).filter(code=dossier.code).exists() else None
        assert selectors.visible_dossier_id(user, dossier.code) == expected, user
    assert selectors.visible_dossier_id(world.leader.user, "000.00.01.H21-260302-9999") is None
    # the same rule compiled once, with the scope as one parameter (the inbox's read)
    for user in [*world.users().values(), *others]:
        if access.staff_of(user) is None:
            continue
        scope = access.agency_ids_in_scope(user, access.Permission.VIEW_AGENCY_DATA)
        expected_ids = set(selectors.dossiers_visible_to(user).values_list("pk", flat=True))
        assert set(_SEEN_FROM.all(scope=scope)) == expected_ids, user


def test_inter_agency_step_hands_the_dossier_to_the_other_agency(world: World) -> None:
    partner = make_staff(Role.SPECIALIST, agency=world.other_department, username="chuyenvien.xd")
    admin = UserFactory(username="quantri.thu", is_superuser=True, is_staff=True)
    version = _version_with_process(
        world,
        [
            ("Thẩm định hồ sơ", Role.SPECIALIST, None, "HCTP", "8", ["forward", "send_back", "request_supplement"]),
            ("Lấy ý kiến Sở Xây dựng", Role.SPECIALIST, world.other_department, "", "8", ["forward", "send_back"]),
            ("Phê duyệt", Role.AGENCY_LEADER, None, "", "4", ["approve", "send_back"]),
        ],
    )
    procedure_version_publish(version=version, at=at("2025-01-01 00:00"))
    data = services.SubmissionData(
        procedure=version.procedure.code, agency=world.department.code, channel="counter", applicant=applicant()
    )
    dossier = services.dossier_submit(actor=world.officer.user, data=data, at=at("2026-03-02 08:55"))
    services.dossier_receive(dossier=dossier, actor=world.officer.user, at=at("2026-03-02 09:00"))
    assert Dossier.objects.get(pk=dossier.pk).due_at == at("2026-03-05 09:00")

    services.dossier_forward(dossier=dossier, actor=world.officer.user, at=at("2026-03-02 09:00"))
    step = Dossier.objects.get(pk=dossier.pk).current_step
    assert step is not None
    assert (step.name, step.unit, step.assignee, step.due_at) == (
        "Thẩm định hồ sơ",
        world.division,
        world.specialist,
        at("2026-03-03 09:00"),
    )
    with pytest.raises(selectors.NotFound):  # not yet theirs
        selectors.dossier_for(partner.user, dossier.code)
    _visibility_agrees(world, dossier, partner.user, admin)
    assert Dossier.objects.get(pk=dossier.pk).crosses_agencies is False  # steps at the centre and the department

    services.dossier_forward(dossier=dossier, actor=world.specialist.user, at=at("2026-03-02 14:00"))
    step = Dossier.objects.get(pk=dossier.pk).current_step
    assert step is not None
    assert (step.agency, step.assignee, step.due_at) == (world.other_department, partner, at("2026-03-03 14:00"))
    assert selectors.dossier_for(partner.user, dossier.code).pk == dossier.pk
    assert Dossier.objects.get(pk=dossier.pk).crosses_agencies is True
    _visibility_agrees(world, dossier, partner.user, admin)
    with pytest.raises(PermissionDenied):  # the step belongs to the other agency now
        services.dossier_forward(dossier=dossier, actor=world.specialist.user, at=at("2026-03-02 15:00"))
    with pytest.raises(Conflict):  # this step may not ask for a supplement
        services.dossier_request_supplement(
            dossier=dossier, actor=partner.user, reason="Thiếu", components=["TP1"], at=at("2026-03-02 15:00")
        )

    services.dossier_forward(dossier=dossier, actor=partner.user, at=at("2026-03-03 10:00"))
    services.dossier_approve(dossier=dossier, actor=world.leader.user, outcome="granted", at=at("2026-03-03 13:30"))
    dossier = Dossier.objects.get(pk=dossier.pk)
    assert (dossier.status, dossier.timeliness) == ("processed", "early")
    assert list(dossier.steps.order_by("sequence").values_list("agency__code", "on_time")) == [
        (world.centre.code, True),
        (world.department.code, True),
        (world.other_department.code, True),
        (world.department.code, True),
        (world.centre.code, None),  # return of the result: still open
    ]
    # the agency it passed through still sees it once it has left; a bulk load's flag is set the same way
    assert selectors.dossier_for(partner.user, dossier.code).pk == dossier.pk
    _visibility_agrees(world, dossier, partner.user, admin)
    Dossier.objects.filter(pk=dossier.pk).update(crosses_agencies=False)
    with pytest.raises(selectors.NotFound):  # the flag is what lets the pass-through test run at all
        selectors.dossier_for(partner.user, dossier.code)
    _visibility_agrees(world, dossier, partner.user, admin)
    assert mark_crossing_dossiers(Dossier.objects.all()) == 1
    assert selectors.dossier_for(partner.user, dossier.code).pk == dossier.pk


def test_steps_longer_than_the_procedure_cannot_be_published(world: World) -> None:
    version = _version_with_process(
        world,
        [
            ("Thẩm định", Role.SPECIALIST, None, "", "20", ["forward"]),
            ("Phê duyệt", Role.AGENCY_LEADER, None, "", "8", ["approve"]),
        ],
    )
    with pytest.raises(InvalidInput) as raised:
        procedure_version_publish(version=version, at=at("2025-01-01 00:00"))
    assert [e.field for e in raised.value.errors] == ["process_steps"]
