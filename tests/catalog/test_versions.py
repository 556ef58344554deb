import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from motcua.catalog.models import Component, FeeLine, Procedure, ProcedureVersion
from motcua.catalog.services import (
    procedure_version_create_draft,
    procedure_version_publish,
    procedure_withdraw,
    version_in_force,
    version_in_force_by_code,
)
from motcua.core.errors import Conflict, FieldError, InvalidInput
from motcua.org.models import Role
from tests.factories import AgencyFactory, FieldFactory, ProcedureFactory, UserFactory, make_staff, make_version

pytestmark = pytest.mark.django_db

Status = ProcedureVersion.Status
UTC = dt.UTC


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


FEES = [
    {"name": "Lệ phí đăng ký", "kind": "le_phi", "amount": 8000, "online_amount": 4000, "order": 1},
    {"name": "Phí cấp bản sao", "kind": "phi", "amount": 3000, "collected_at": "result", "order": 2},
]


def snapshot(procedure: Procedure) -> list[tuple]:
    """Everything stored about a procedure's versions, to show that a refused action changed nothing."""
    procedure.refresh_from_db()
    return [
        procedure.current_version_id,
        list(
            procedure.versions.order_by("number").values_list(
                "pk", "number", "status", "name", "effective_from", "effective_to", "published_at"
            )
        ),
        list(
            Component.objects.filter(version__procedure=procedure)
            .order_by("pk")
            .values_list("version_id", "code", "name", "copy_kinds", "quantity")
        ),
        list(
            FeeLine.objects.filter(version__procedure=procedure)
            .order_by("pk")
            .values_list("version_id", "name", "amount", "online_amount")
        ),
    ]


# ---- publication ------------------------------------------------------------------------------------


def test_publish_sets_status_dates_and_current_version():
    draft = make_version(publish=False)
    assert draft.status == Status.DRAFT
    assert draft.procedure.current_version is None

    published = procedure_version_publish(version=draft, at=at("2026-03-02 09:00"))

    draft.refresh_from_db()
    assert draft.status == Status.PUBLISHED
    assert draft.effective_from == at("2026-03-02 09:00")
    assert draft.published_at == at("2026-03-02 09:00")
    assert draft.effective_to is None
    assert published.pk == draft.pk
    assert Procedure.objects.get(pk=draft.procedure_id).current_version_id == draft.pk


def test_publish_without_instant_uses_now():
    before = dt.datetime.now(UTC)
    version = make_version()
    after = dt.datetime.now(UTC)
    assert before <= version.effective_from <= after
    assert version.published_at == version.effective_from


def test_published_version_cannot_be_saved():
    version = make_version(name="Đăng ký khai sinh")
    version.name = "Đăng ký khai sinh (sửa)"
    with pytest.raises(ValidationError) as excinfo:
        version.save()
    assert excinfo.value.messages == ["Phiên bản đã công bố không được sửa; hãy tạo phiên bản mới."]
    assert ProcedureVersion.objects.get(pk=version.pk).name == "Đăng ký khai sinh"


def test_published_version_components_cannot_change():
    version = make_version(components=2)
    component = version.components.get(code="TP1")
    component.name = "Giấy tờ khác"
    with pytest.raises(ValidationError):
        component.save()
    with pytest.raises(ValidationError):
        component.delete()
    with pytest.raises(ValidationError):
        Component.objects.create(version=version, code="TP3", name="Thêm", copy_kinds=["original"])
    assert list(version.components.order_by("code").values_list("code", "name")) == [
        ("TP1", "Giấy tờ 1"),
        ("TP2", "Giấy tờ 2"),
    ]


def test_published_version_fees_cannot_change():
    version = make_version(fees=FEES)
    fee = version.fees.get(order=1)
    fee.amount = 1
    with pytest.raises(ValidationError):
        fee.save()
    with pytest.raises(ValidationError):
        fee.delete()
    with pytest.raises(ValidationError):
        FeeLine.objects.create(version=version, name="Phí mới", kind="phi", amount=1000)
    assert list(version.fees.order_by("order").values_list("name", "amount", "online_amount")) == [
        ("Lệ phí đăng ký", 8000, 4000),
        ("Phí cấp bản sao", 3000, None),
    ]


def test_draft_and_its_components_can_change():
    draft = make_version(publish=False, fees=FEES)
    draft.name = "Tên mới"
    draft.save()
    component = draft.components.get()
    component.name = "Tờ khai"
    component.save()
    draft.fees.get(order=2).delete()
    draft.refresh_from_db()
    assert draft.name == "Tên mới"
    assert list(draft.components.values_list("name", flat=True)) == ["Tờ khai"]
    assert list(draft.fees.values_list("name", flat=True)) == ["Lệ phí đăng ký"]


def test_publish_refuses_a_published_version():
    version = make_version()
    before = snapshot(version.procedure)
    with pytest.raises(Conflict) as excinfo:
        procedure_version_publish(version=version)
    assert excinfo.value.status == 409
    assert excinfo.value.detail == "Chỉ phiên bản dự thảo mới được công bố."
    assert snapshot(version.procedure) == before


def test_publish_refuses_a_withdrawn_version():
    version = make_version()
    procedure_withdraw(procedure=version.procedure)
    with pytest.raises(Conflict):
        procedure_version_publish(version=version)
    assert ProcedureVersion.objects.get(pk=version.pk).status == Status.WITHDRAWN


def test_publish_refuses_a_draft_without_components_or_agencies():
    draft = make_version(publish=False, components=0, agencies=[])
    before = snapshot(draft.procedure)
    with pytest.raises(InvalidInput) as excinfo:
        procedure_version_publish(version=draft)
    assert excinfo.value.status == 422
    assert excinfo.value.detail == "Phiên bản chưa đủ thông tin để công bố."
    assert excinfo.value.errors == [
        FieldError(field="components", message="Cần ít nhất một thành phần hồ sơ."),
        FieldError(field="agencies", message="Cần ít nhất một cơ quan thực hiện."),
    ]
    assert snapshot(draft.procedure) == before


def test_publish_refuses_a_draft_without_agencies_only():
    draft = make_version(publish=False, agencies=[])
    with pytest.raises(InvalidInput) as excinfo:
        procedure_version_publish(version=draft)
    assert [e.field for e in excinfo.value.errors] == ["agencies"]
    assert ProcedureVersion.objects.get(pk=draft.pk).status == Status.DRAFT


def test_publish_refuses_an_invalid_draft_with_field_errors():
    draft = make_version(publish=False, subjects=["martian"], steps=["Nộp", "  "], local_time_value=Decimal(3))
    with pytest.raises(InvalidInput) as excinfo:
        procedure_version_publish(version=draft)
    assert excinfo.value.detail == "Phiên bản chưa hợp lệ."
    assert sorted(e.field for e in excinfo.value.errors) == ["local_time_unit", "steps", "subjects"]
    assert ProcedureVersion.objects.get(pk=draft.pk).status == Status.DRAFT
    assert Procedure.objects.get(pk=draft.procedure_id).current_version_id is None


# ---- drafts of a published procedure ----------------------------------------------------------------


def test_create_draft_copies_the_current_version():
    agencies = [AgencyFactory(), AgencyFactory()]
    current = make_version(
        name="Đăng ký kết hôn",
        agencies=agencies,
        components=3,
        fees=FEES,
        local_time_value=Decimal("2.5"),
        local_time_unit="working_days",
        requirements="Đủ tuổi kết hôn",
    )

    draft = procedure_version_create_draft(procedure=current.procedure)

    assert draft.pk != current.pk
    assert draft.number == 2
    assert draft.status == Status.DRAFT
    assert (draft.effective_from, draft.effective_to, draft.published_at) == (None, None, None)
    assert draft.name == "Đăng ký kết hôn"
    assert draft.field_id == current.field_id
    assert draft.local_time_value == Decimal("2.5")
    assert draft.requirements == "Đủ tuổi kết hôn"
    assert set(draft.agencies.all()) == set(agencies)
    assert list(draft.components.order_by("order").values_list("code", "name", "copy_kinds", "order")) == [
        ("TP1", "Giấy tờ 1", ["original"], 0),
        ("TP2", "Giấy tờ 2", ["original"], 1),
        ("TP3", "Giấy tờ 3", ["original"], 2),
    ]
    assert list(
        draft.fees.order_by("order").values_list("name", "kind", "amount", "online_amount", "collected_at")
    ) == [
        ("Lệ phí đăng ký", "le_phi", 8000, 4000, "reception"),
        ("Phí cấp bản sao", "phi", 3000, None, "result"),
    ]
    # the published version is untouched and still current
    current.refresh_from_db()
    assert current.status == Status.PUBLISHED
    assert current.components.count() == 3
    assert current.fees.count() == 2
    assert Procedure.objects.get(pk=current.procedure_id).current_version_id == current.pk


def test_editing_the_draft_leaves_the_published_version_alone():
    current = make_version(fees=FEES)
    draft = procedure_version_create_draft(procedure=current.procedure)
    fee = draft.fees.get(order=1)
    fee.amount = 10000
    fee.save()
    draft.components.get(code="TP1").delete()
    assert list(current.fees.order_by("order").values_list("amount", flat=True)) == [8000, 3000]
    assert list(current.components.values_list("code", flat=True)) == ["TP1"]


def test_create_draft_from_a_given_version_gets_the_next_number():
    first = make_version(name="Tên 1")
    make_version(procedure=first.procedure, name="Tên 2")
    draft = procedure_version_create_draft(procedure=first.procedure, from_version=first)
    assert (draft.number, draft.name) == (3, "Tên 1")


def test_publishing_the_draft_closes_the_old_version():
    old = make_version(publish=False, name="Tên cũ")
    procedure_version_publish(version=old, at=at("2026-01-05 08:00"))
    draft = procedure_version_create_draft(procedure=old.procedure)
    draft.name = "Tên mới"
    draft.save()

    procedure_version_publish(version=draft, at=at("2026-03-02 09:30"))

    old.refresh_from_db()
    draft.refresh_from_db()
    assert old.status == Status.PUBLISHED
    assert old.effective_from == at("2026-01-05 08:00")
    assert old.effective_to == at("2026-03-02 09:30")
    assert old.effective_to == draft.effective_from
    assert draft.status == Status.PUBLISHED
    assert draft.effective_to is None
    assert Procedure.objects.get(pk=old.procedure_id).current_version_id == draft.pk
    assert list(ProcedureVersion.objects.filter(procedure=old.procedure, effective_to__isnull=True)) == [draft]


def test_only_one_draft_at_a_time():
    current = make_version()
    procedure_version_create_draft(procedure=current.procedure)
    before = snapshot(current.procedure)
    with pytest.raises(Conflict) as excinfo:
        procedure_version_create_draft(procedure=current.procedure)
    assert excinfo.value.detail == "Thủ tục đã có một phiên bản dự thảo; hãy sửa phiên bản đó."
    assert snapshot(current.procedure) == before


def test_create_draft_needs_a_version_to_copy():
    procedure = ProcedureFactory()
    with pytest.raises(Conflict) as excinfo:
        procedure_version_create_draft(procedure=procedure)
    assert excinfo.value.detail == "Thủ tục chưa có phiên bản nào để sao chép."
    assert procedure.versions.count() == 0


def test_a_new_draft_can_start_after_the_previous_one_is_published():
    current = make_version()
    first_draft = procedure_version_create_draft(procedure=current.procedure)
    procedure_version_publish(version=first_draft)
    second_draft = procedure_version_create_draft(procedure=current.procedure)
    assert second_draft.number == 3
    assert second_draft.status == Status.DRAFT


# ---- database constraints ---------------------------------------------------------------------------


def test_only_one_open_published_version_per_procedure():
    first = make_version()
    second = make_version(procedure=first.procedure)  # closes the first
    first.refresh_from_db()
    assert first.effective_to == second.effective_from
    with pytest.raises(IntegrityError), transaction.atomic():
        ProcedureVersion.objects.filter(pk=first.pk).update(effective_to=None)
    first.refresh_from_db()
    assert first.effective_to is not None


def test_two_drafts_forced_open_published_violate_the_constraint():
    procedure = ProcedureFactory()
    a = make_version(procedure=procedure, publish=False)
    b = make_version(procedure=procedure, publish=False)
    ProcedureVersion.objects.filter(pk=a.pk).update(status=Status.PUBLISHED)
    with pytest.raises(IntegrityError), transaction.atomic():
        ProcedureVersion.objects.filter(pk=b.pk).update(status=Status.PUBLISHED)
    assert list(procedure.versions.order_by("number").values_list("status", flat=True)) == ["published", "draft"]


def test_open_published_versions_of_different_procedures_coexist():
    make_version()
    make_version()
    assert ProcedureVersion.objects.filter(status=Status.PUBLISHED, effective_to__isnull=True).count() == 2


def test_version_number_is_unique_per_procedure():
    version = make_version(publish=False)
    with pytest.raises(IntegrityError), transaction.atomic():
        ProcedureVersion.objects.create(
            procedure=version.procedure,
            number=1,
            name="Trùng",
            field=version.field,
            processing_time_value=1,
            result="x",
        )
    assert version.procedure.versions.count() == 1


@pytest.mark.parametrize("value", [Decimal(0), Decimal("-1")])
def test_processing_time_must_be_positive(value):
    procedure = ProcedureFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        ProcedureVersion.objects.create(
            procedure=procedure, number=1, name="Thử", field=FieldFactory(), processing_time_value=value, result="x"
        )
    assert procedure.versions.count() == 0


def test_local_time_must_be_positive():
    procedure = ProcedureFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        make_version(procedure=procedure, publish=False, local_time_value=Decimal(0), local_time_unit="working_days")
    assert procedure.versions.count() == 0


def test_fee_online_amount_cannot_exceed_amount():
    draft = make_version(publish=False)
    with pytest.raises(IntegrityError), transaction.atomic():
        FeeLine.objects.create(version=draft, name="Lệ phí", kind="le_phi", amount=8000, online_amount=8001)
    FeeLine.objects.create(version=draft, name="Lệ phí", kind="le_phi", amount=8000, online_amount=8000)
    assert list(draft.fees.values_list("amount", "online_amount")) == [(8000, 8000)]


def test_online_only_requires_an_online_mode():
    procedure = ProcedureFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        make_version(procedure=procedure, publish=False, online_only=True, online_mode="none")
    assert procedure.versions.count() == 0
    version = make_version(procedure=procedure, publish=False, online_only=True, online_mode="partial")
    assert version.online_only is True


def test_effective_to_cannot_precede_effective_from():
    version = make_version()
    with pytest.raises(IntegrityError), transaction.atomic():
        ProcedureVersion.objects.filter(pk=version.pk).update(
            effective_from=at("2026-03-02 09:00"), effective_to=at("2026-03-01 09:00")
        )
    version.refresh_from_db()
    assert version.effective_to is None


def test_component_quantity_must_be_positive():
    draft = make_version(publish=False, components=0)
    with pytest.raises(IntegrityError), transaction.atomic():
        Component.objects.create(version=draft, code="TP1", name="Tờ khai", copy_kinds=["original"], quantity=0)
    assert draft.components.count() == 0


# ---- withdrawal and the version in force -------------------------------------------------------------


def test_withdraw_ends_the_current_version():
    version = make_version(publish=False)
    procedure_version_publish(version=version, at=at("2026-01-05 08:00"))

    procedure = procedure_withdraw(procedure=version.procedure, at=at("2026-06-01 00:00"))

    version.refresh_from_db()
    assert version.status == Status.WITHDRAWN
    assert version.effective_to == at("2026-06-01 00:00")
    assert procedure.current_version is None
    assert Procedure.objects.get(pk=procedure.pk).current_version_id is None


def test_withdraw_without_current_version_is_a_conflict():
    version = make_version()
    procedure_withdraw(procedure=version.procedure)
    with pytest.raises(Conflict) as excinfo:
        procedure_withdraw(procedure=version.procedure)
    assert excinfo.value.detail == "Thủ tục không có phiên bản đang áp dụng."


def test_a_withdrawn_procedure_can_be_republished_from_a_draft():
    version = make_version()
    procedure_withdraw(procedure=version.procedure)
    draft = procedure_version_create_draft(procedure=version.procedure, from_version=version)
    procedure_version_publish(version=draft)
    assert Procedure.objects.get(pk=version.procedure_id).current_version_id == draft.pk
    assert draft.number == 2


def test_version_in_force_before_and_after_a_republish():
    first = make_version(publish=False, name="Tên cũ")
    procedure_version_publish(version=first, at=at("2026-01-05 08:00"))
    second = procedure_version_create_draft(procedure=first.procedure)
    procedure_version_publish(version=second, at=at("2026-03-02 09:00"))
    procedure = first.procedure

    assert version_in_force(procedure=procedure, at=at("2026-01-05 07:59")) is None
    assert version_in_force(procedure=procedure, at=at("2026-01-05 08:00")) == first
    assert version_in_force(procedure=procedure, at=at("2026-03-02 08:59")) == first
    assert version_in_force(procedure=procedure, at=at("2026-03-02 09:00")) == second
    assert version_in_force(procedure=procedure, at=at("2030-01-01 00:00")) == second
    _by_code_agrees(procedure, ["2026-01-05 07:59", "2026-01-05 08:00", "2026-03-02 08:59", "2026-03-02 09:00"])


def _by_code_agrees(procedure: Procedure, instants: list[str]) -> None:
    """The lookup by code (SQL written once, core/rows.py) finds what the ORM finds, loaded the same."""
    for instant in instants:
        expected = version_in_force(procedure=procedure, at=at(instant))
        found = version_in_force_by_code(code=procedure.code, at=at(instant))
        assert found == expected, instant
        if found is not None:
            assert [getattr(found, f.attname) for f in ProcedureVersion._meta.concrete_fields] == [
                getattr(expected, f.attname) for f in ProcedureVersion._meta.concrete_fields
            ]
            assert found.procedure.code == procedure.code  # read with it, as select_related("procedure")
    assert version_in_force_by_code(code="khong-co", at=at(instants[-1])) is None


def test_version_in_force_ignores_drafts_and_ends_at_withdrawal():
    first = make_version(publish=False)
    procedure_version_publish(version=first, at=at("2026-01-05 08:00"))
    procedure_version_create_draft(procedure=first.procedure)  # a draft is never in force
    procedure_withdraw(procedure=first.procedure, at=at("2026-05-01 00:00"))
    procedure = first.procedure

    assert version_in_force(procedure=procedure, at=at("2026-04-30 23:59")) == first
    assert version_in_force(procedure=procedure, at=at("2026-05-01 00:00")) is None
    assert version_in_force(procedure=procedure, at=at("2027-01-01 00:00")) is None
    _by_code_agrees(procedure, ["2026-01-05 07:59", "2026-04-30 23:59", "2026-05-01 00:00", "2027-01-01 00:00"])


# ---- who may do it ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role", [Role.SPECIALIST, Role.ONE_STOP_OFFICER, Role.DIVISION_HEAD, Role.AGENCY_LEADER, Role.MONITOR]
)
def test_publish_is_denied_without_publish_role(role):
    draft = make_version(publish=False)
    actor = make_staff(role).user
    before = snapshot(draft.procedure)
    with pytest.raises(PermissionDenied):
        procedure_version_publish(version=draft, actor=actor)
    assert snapshot(draft.procedure) == before


def test_agency_admin_may_draft_but_not_publish():
    current = make_version()
    actor = make_staff(Role.AGENCY_ADMIN).user
    draft = procedure_version_create_draft(procedure=current.procedure, actor=actor)
    with pytest.raises(PermissionDenied):
        procedure_version_publish(version=draft, actor=actor)
    assert ProcedureVersion.objects.get(pk=draft.pk).status == Status.DRAFT


def test_specialist_cannot_create_a_draft():
    current = make_version()
    actor = make_staff(Role.SPECIALIST).user
    with pytest.raises(PermissionDenied):
        procedure_version_create_draft(procedure=current.procedure, actor=actor)
    assert current.procedure.versions.count() == 1


def test_citizen_cannot_publish():
    draft = make_version(publish=False)
    with pytest.raises(PermissionDenied):
        procedure_version_publish(version=draft, actor=UserFactory())
    assert ProcedureVersion.objects.get(pk=draft.pk).status == Status.DRAFT


def test_province_admin_can_draft_publish_and_withdraw():
    current = make_version()
    actor = make_staff(Role.PROVINCE_ADMIN).user
    draft = procedure_version_create_draft(procedure=current.procedure, actor=actor)
    procedure_version_publish(version=draft, actor=actor)
    assert Procedure.objects.get(pk=current.procedure_id).current_version_id == draft.pk
    procedure_withdraw(procedure=current.procedure, actor=actor)
    assert ProcedureVersion.objects.get(pk=draft.pk).status == Status.WITHDRAWN


def test_specialist_cannot_withdraw():
    current = make_version()
    actor = make_staff(Role.SPECIALIST).user
    with pytest.raises(PermissionDenied):
        procedure_withdraw(procedure=current.procedure, actor=actor)
    assert Procedure.objects.get(pk=current.procedure_id).current_version_id == current.pk
