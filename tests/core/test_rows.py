"""The hot reads written as SQL (`motcua.core.rows`) give what the ORM gives: same values, same related objects
cached, the same columns deferred, on PostgreSQL and on SQLite (booleans, dates and JSON go through the same
converters)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Model
from django.test.utils import CaptureQueriesContext

from motcua.api.auth import _active_user_with_staff, issue_token, user_for_token
from motcua.core import rows
from motcua.dossiers import services
from motcua.dossiers.models import Dossier, DossierStep
from motcua.dossiers.selectors import LIST_DEFERRED
from motcua.org.models import Staff
from tests.dossiers import conftest as small_province
from tests.dossiers.conftest import World, at, submit_counter

world = small_province.world


def _values(instance: Model) -> dict[str, Any]:
    """Every loaded (not deferred) column of `instance`."""
    deferred = instance.get_deferred_fields()
    return {
        field.attname: getattr(instance, field.attname)
        for field in instance._meta.concrete_fields
        if field.attname not in deferred
    }


def _received(world: World) -> Dossier:
    dossier = submit_counter(world, "2026-03-02 09:00")
    services.dossier_receive(dossier=dossier, actor=world.officer.user, at=at("2026-03-02 09:00"))
    Dossier.objects.filter(pk=dossier.pk).update(form_data={"ghi_chu": "có dấu <b>", "so": 3})
    return dossier


@pytest.mark.django_db
def test_the_locked_dossier_is_the_orm_s_with_its_related_rows_read_in_the_same_statements(world: World) -> None:
    dossier = _received(world)
    orm = (
        Dossier.objects.select_related("procedure", "procedure_version", "receiving_agency", "competent_agency")
        .defer(*LIST_DEFERRED)
        .get(pk=dossier.pk)
    )
    orm_step = DossierStep.objects.select_related("assignee__user").get(pk=orm.current_step_id)
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        locked = services._lock(dossier, None)
        related = [
            locked.procedure,
            locked.procedure_version,
            locked.receiving_agency,
            locked.competent_agency,
            locked.current_step,
        ]
        assignee = locked.current_step.assignee
        user = assignee.user if assignee is not None else None
    assert len(queries) == 2, [q["sql"] for q in queries.captured_queries]  # the row lock, then the step
    if connection.features.has_select_for_update_of:
        assert "FOR UPDATE OF d" in queries.captured_queries[0]["sql"]

    assert _values(locked) == _values(orm)
    assert locked.get_deferred_fields() == orm.get_deferred_fields() == {"form_data"}
    assert locked.form_data == {"ghi_chu": "có dấu <b>", "so": 3}  # deferred, read when asked for
    for mine, theirs in zip(
        related[:4], [orm.procedure, orm.procedure_version, orm.receiving_agency, orm.competent_agency], strict=True
    ):
        assert (type(mine), _values(mine)) == (type(theirs), _values(theirs))
    assert locked.procedure_version.get_deferred_fields() == orm.procedure_version.get_deferred_fields()
    assert _values(related[4]) == _values(orm_step)
    assert getattr(locked, "last_step_sequence") == orm_step.sequence  # noqa: B009
    assert orm_step.assignee is not None  # the received dossier waits on the one officer of its step
    assert _values(assignee) == _values(orm_step.assignee)
    assert _values(user) == _values(orm_step.assignee.user)
    assert locked._state.adding is False and locked._state.db == "default"


@pytest.mark.django_db
def test_an_unknown_dossier_is_not_found(world: World) -> None:
    from motcua.core.errors import NotFound

    with transaction.atomic(), pytest.raises(NotFound):
        services._lock(Dossier(pk=987654), None)


@pytest.mark.django_db
def test_the_token_s_user_comes_with_the_staff_record_or_none(world: World) -> None:
    officer = world.officer.user
    agency, roles = Staff.objects.get(pk=world.officer.pk).agency, Staff.objects.get(pk=world.officer.pk).role_set
    with CaptureQueriesContext(connection) as queries:
        user = _active_user_with_staff(officer.pk)
        staff = user.staff
        assert staff.user is user
        assert staff.agency == agency and staff.role_set == roles and roles  # no more reads
    assert len(queries) == 1
    orm = get_user_model().objects.select_related("staff").get(pk=officer.pk)
    assert _values(user) == _values(orm)
    assert _values(staff) == _values(orm.staff)

    with CaptureQueriesContext(connection) as queries:
        citizen = _active_user_with_staff(world.citizen.pk)
        with pytest.raises(Staff.DoesNotExist):
            citizen.staff  # noqa: B018 - known to be absent, without a query
    assert len(queries) == 1
    assert _values(citizen) == _values(get_user_model().objects.get(pk=world.citizen.pk))


@pytest.mark.django_db
def test_a_deactivated_user_s_token_no_longer_works(world: World) -> None:
    token = issue_token(world.citizen)
    assert user_for_token(token) == world.citizen
    get_user_model().objects.filter(pk=world.citizen.pk).update(is_active=False)
    assert _active_user_with_staff(world.citizen.pk) is None
    assert user_for_token(token) is None


@pytest.mark.django_db
def test_a_shape_leaves_out_what_it_is_told_and_builds_none_for_a_missing_outer_row(world: World) -> None:
    shape = rows.Shape(Dossier, "d", leave_out=["form_data"])
    assert "form_data" not in shape.attnames and "code" in shape.attnames
    assert shape.build([None] * len(shape), 0, "default") is None


@pytest.mark.django_db
def test_the_candidates_of_a_step_are_the_orm_s_in_the_same_order(world: World) -> None:
    from motcua.dossiers import process
    from motcua.org.models import Role

    # a second specialist in the department, then one made inactive: neither order nor filters may differ
    from tests.factories import make_staff

    second = make_staff(Role.SPECIALIST, agency=world.department)
    gone = make_staff(Role.SPECIALIST, agency=world.department)
    gone.is_active = False
    gone.save()
    for agency, role, unit in [
        (world.department, Role.SPECIALIST, None),
        (world.department, Role.SPECIALIST, world.division),
        (world.department, Role.DIVISION_HEAD, None),
        (world.centre, Role.ONE_STOP_OFFICER, None),
        (world.committee, Role.DIVISION_HEAD, None),
    ]:
        orm = Staff.objects.filter(agency=agency, is_active=True, user__is_active=True, roles__role=role)
        if unit is not None:
            orm = orm.filter(unit=unit)
        expected = list(orm.select_related("user").distinct().order_by("user__username"))
        with CaptureQueriesContext(connection) as queries:
            found = process.candidates(agency=agency, role=role, unit=unit)
            users = [person.user for person in found]
        assert len(queries) == 1
        assert [_values(p) for p in found] == [_values(p) for p in expected], (agency, role, unit)
        assert [_values(u) for u in users] == [_values(p.user) for p in expected]
        assert (
            process._has_division(agency)
            == Staff.objects.filter(agency=agency, is_active=True, roles__role=Role.DIVISION_HEAD).exists()
        )
    assert second in process.candidates(agency=world.department, role=Role.SPECIALIST, unit=None)
    assert gone not in process.candidates(agency=world.department, role=Role.SPECIALIST, unit=None)


@pytest.mark.django_db
def test_a_version_s_own_steps_are_the_orm_s_with_their_agency(world: World) -> None:
    from decimal import Decimal

    from motcua.catalog.models import ProcessStep
    from motcua.dossiers import process
    from tests.factories import make_version

    draft = make_version(publish=False, agencies=[world.department])
    ProcessStep.objects.create(
        version=draft,
        order=2,
        name="Liên thông",
        role="specialist",
        agency=world.other_department,
        allotted_hours=Decimal("4.5"),
        actions=["forward"],
    )
    ProcessStep.objects.create(
        version=draft, order=1, name="Thẩm định", role="specialist", allotted_hours=Decimal(8), actions=["forward"]
    )
    expected = list(draft.process_steps.select_related("agency").order_by("order"))
    found = process._process_steps(draft)
    assert [_values(s) for s in found] == [_values(s) for s in expected]
    with CaptureQueriesContext(connection) as queries:
        assert [s.agency for s in found] == [None, world.other_department]
    assert len(queries) == 0
    assert found[1].actions == ["forward"] and found[1].allotted_hours == Decimal("4.5")
