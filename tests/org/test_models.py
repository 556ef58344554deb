import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from motcua.org.models import AdministrativeUnit, Agency, OrganisationalUnit, ReceptionPoint, Staff
from tests.factories import AgencyFactory, CommuneFactory, ProvinceFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db


def unsaved_agency(code: str) -> Agency:
    return Agency(
        code=code,
        name="Sở Tư pháp",
        level=Agency.Level.PROVINCE,
        kind=Agency.Kind.DEPARTMENT,
        administrative_unit=ProvinceFactory(),
    )


# ---- agency electronic identifier -------------------------------------------------------------------


@pytest.mark.parametrize("code", ["000.00.00.H21", "000.00.05.G01", "123.45.67.H99"])
def test_agency_identifier_accepts_the_national_format(code):
    agency = unsaved_agency(code)
    agency.full_clean()  # raises if invalid
    agency.save()
    assert Agency.objects.get(code=code).name == "Sở Tư pháp"


@pytest.mark.parametrize(
    "code",
    [
        "00.00.00.H21",  # first group has two digits
        "000.00.00.X21",  # last group must be Gxx or Hxx
        "abc",
        "000.00.00.h21",  # lower case letter
        "000.00.00.H2",  # one digit in the last group
        "000.00.00.H211",
        "000-00-00-H21",
        "000.00.00.H21 ",
        "000.00.00.H21\n",  # `$` would accept a trailing newline
        "",
    ],
)
def test_agency_identifier_rejects_other_shapes(code):
    agency = unsaved_agency(code)
    with pytest.raises(ValidationError) as excinfo:
        agency.full_clean()
    assert list(excinfo.value.message_dict) == ["code"]


def test_agency_identifier_error_explains_the_format():
    agency = unsaved_agency("abc")
    with pytest.raises(ValidationError) as excinfo:
        agency.full_clean()
    assert excinfo.value.message_dict["code"] == [
        "Mã định danh phải có dạng 000.00.00.H21 (bốn nhóm số, nhóm cuối Gxx hoặc Hxx)."
    ]


def test_agency_code_is_unique_in_the_database():
    AgencyFactory(code="000.00.05.H21")
    with pytest.raises(IntegrityError), transaction.atomic():
        AgencyFactory(code="000.00.05.H21")
    assert Agency.objects.filter(code="000.00.05.H21").count() == 1


def test_agency_code_uniqueness_is_reported_by_full_clean():
    AgencyFactory(code="000.00.05.H21")
    duplicate = unsaved_agency("000.00.05.H21")
    with pytest.raises(ValidationError) as excinfo:
        duplicate.full_clean()
    assert list(excinfo.value.message_dict) == ["code"]


def test_agency_search_text_is_folded_on_save():
    agency = AgencyFactory(code="000.00.05.H21", name="Sở Tư pháp tỉnh Gia Lai", short_name="Sở TP")
    assert agency.search_text == "000.00.05.h21 so tu phap tinh gia lai so tp"


def test_agency_parent_loop_is_refused_by_clean():
    top = AgencyFactory()
    middle = AgencyFactory(parent=top)
    top.parent = middle
    with pytest.raises(ValidationError) as excinfo:
        top.full_clean()
    assert excinfo.value.message_dict == {"parent": ["Cơ quan cấp trên tạo thành vòng lặp."]}


def test_agency_cannot_be_its_own_parent_in_the_database():
    agency = AgencyFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Agency.objects.filter(pk=agency.pk).update(parent=agency)
    agency.refresh_from_db()
    assert agency.parent_id is None


# ---- reception points -------------------------------------------------------------------------------


def test_reception_point_of_a_service_centre_is_valid():
    centre = AgencyFactory(kind=Agency.Kind.SERVICE_CENTRE)
    point = ReceptionPoint(agency=centre, code="CS1", name="Trụ sở chính")
    point.full_clean()
    point.save()
    assert list(centre.reception_points.values_list("code", flat=True)) == ["CS1"]


@pytest.mark.parametrize(
    "kind",
    [Agency.Kind.DEPARTMENT, Agency.Kind.PEOPLES_COMMITTEE, Agency.Kind.COMMUNE_COMMITTEE],
)
def test_reception_point_must_belong_to_a_service_centre(kind):
    department = AgencyFactory(kind=kind)
    point = ReceptionPoint(agency=department, code="CS1", name="Trụ sở chính")
    with pytest.raises(ValidationError) as excinfo:
        point.full_clean()
    assert excinfo.value.message_dict == {
        "agency": ["Điểm tiếp nhận phải thuộc một Trung tâm Phục vụ hành chính công."]
    }


def test_reception_point_code_is_unique_per_centre():
    centre = AgencyFactory(kind=Agency.Kind.SERVICE_CENTRE)
    other_centre = AgencyFactory(kind=Agency.Kind.SERVICE_CENTRE)
    ReceptionPoint.objects.create(agency=centre, code="CS1", name="Cơ sở 1")
    ReceptionPoint.objects.create(agency=other_centre, code="CS1", name="Cơ sở 1")
    with pytest.raises(IntegrityError), transaction.atomic():
        ReceptionPoint.objects.create(agency=centre, code="CS1", name="Cơ sở 1 bis")
    assert ReceptionPoint.objects.filter(code="CS1").count() == 2


# ---- staff and units --------------------------------------------------------------------------------


def test_staff_unit_of_the_staff_agency_is_valid():
    unit = UnitFactory()
    staff = Staff(user=UserFactory(), agency=unit.agency, unit=unit)
    staff.full_clean()
    staff.save()
    assert staff.unit == unit


def test_staff_unit_must_belong_to_the_staff_agency():
    unit_elsewhere = UnitFactory()
    staff = Staff(user=UserFactory(), agency=AgencyFactory(), unit=unit_elsewhere)
    with pytest.raises(ValidationError) as excinfo:
        staff.full_clean()
    assert excinfo.value.message_dict == {"unit": ["Phòng phải thuộc cơ quan của cán bộ."]}


def test_staff_without_unit_is_valid():
    staff = Staff(user=UserFactory(), agency=AgencyFactory())
    staff.full_clean()
    staff.save()
    assert staff.unit is None


def test_unit_code_is_unique_within_an_agency_only():
    agency = AgencyFactory()
    OrganisationalUnit.objects.create(agency=agency, code="HCTP", name="Phòng Hành chính tư pháp")
    OrganisationalUnit.objects.create(agency=AgencyFactory(), code="HCTP", name="Phòng Hành chính tư pháp")
    with pytest.raises(IntegrityError), transaction.atomic():
        OrganisationalUnit.objects.create(agency=agency, code="HCTP", name="Trùng mã")
    assert OrganisationalUnit.objects.filter(code="HCTP").count() == 2


def test_staff_role_set_lists_the_roles():
    staff = Staff.objects.create(user=UserFactory(), agency=AgencyFactory())
    staff.roles.create(role="specialist")
    staff.roles.create(role="division_head")
    assert staff.role_set == frozenset({"specialist", "division_head"})


def test_staff_role_is_unique_per_staff():
    staff = Staff.objects.create(user=UserFactory(), agency=AgencyFactory())
    staff.roles.create(role="specialist")
    with pytest.raises(IntegrityError), transaction.atomic():
        staff.roles.create(role="specialist")
    assert staff.roles.count() == 1


# ---- administrative units ---------------------------------------------------------------------------


def test_unit_effective_to_after_effective_from_is_stored():
    unit = CommuneFactory(effective_from=dt.date(2020, 1, 1), effective_to=dt.date(2025, 7, 1))
    unit.refresh_from_db()
    assert (unit.effective_from, unit.effective_to) == (dt.date(2020, 1, 1), dt.date(2025, 7, 1))
    assert unit.is_active is False


@pytest.mark.parametrize("effective_to", [dt.date(2025, 6, 30), dt.date(2025, 7, 1)])
def test_unit_effective_to_must_be_after_effective_from(effective_to):
    with pytest.raises(IntegrityError), transaction.atomic():
        CommuneFactory(code="99001", effective_from=dt.date(2025, 7, 1), effective_to=effective_to)
    assert not AdministrativeUnit.objects.filter(code="99001").exists()


def test_unit_effective_range_is_checked_by_full_clean():
    unit = AdministrativeUnit(
        code="99002",
        name="Xã Cũ",
        kind=AdministrativeUnit.Kind.COMMUNE,
        level=AdministrativeUnit.Level.COMMUNE,
        effective_from=dt.date(2025, 7, 1),
        effective_to=dt.date(2024, 1, 1),
    )
    with pytest.raises(ValidationError) as excinfo:
        unit.full_clean()
    assert "Constraint “adminunit_effective_range” is violated." in excinfo.value.messages


def test_unit_open_ended_ranges_are_allowed():
    only_end = CommuneFactory(effective_to=dt.date(2025, 7, 1))
    only_start = CommuneFactory(effective_from=dt.date(2025, 7, 1))
    assert only_end.is_active is False
    assert only_start.is_active is True


def test_old_unit_points_to_its_successor():
    province = ProvinceFactory()
    new = CommuneFactory(code="21583", name="Phường Quy Nhơn", parent=province, effective_from=dt.date(2025, 7, 1))
    old_a = CommuneFactory(
        code="21550", name="Phường Lê Lợi", parent=province, effective_to=dt.date(2025, 7, 1), successor=new
    )
    old_b = CommuneFactory(
        code="21553", name="Phường Trần Phú", parent=province, effective_to=dt.date(2025, 7, 1), successor=new
    )
    assert set(new.predecessors.all()) == {old_a, old_b}
    assert old_a.successor == new
    assert new.successor is None


def test_unit_cannot_be_its_own_successor():
    unit = CommuneFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        AdministrativeUnit.objects.filter(pk=unit.pk).update(successor=unit)
    unit.refresh_from_db()
    assert unit.successor_id is None


def test_successor_in_use_cannot_be_deleted():
    new = CommuneFactory()
    CommuneFactory(parent=new.parent, effective_to=dt.date(2025, 7, 1), successor=new)
    with pytest.raises(ProtectedError), transaction.atomic():
        new.delete()
    assert AdministrativeUnit.objects.filter(pk=new.pk).exists()


def test_unit_code_is_unique():
    CommuneFactory(code="21583")
    with pytest.raises(IntegrityError), transaction.atomic():
        CommuneFactory(code="21583")
    assert AdministrativeUnit.objects.filter(code="21583").count() == 1


def test_province_of_a_commune_is_its_parent():
    province = ProvinceFactory(code="52", name="Gia Lai")
    commune = CommuneFactory(parent=province)
    assert commune.province() == province


def test_province_of_a_province_is_itself():
    province = ProvinceFactory(code="01", name="Hà Nội", kind=AdministrativeUnit.Kind.MUNICIPALITY)
    assert province.province() == province


def test_province_of_an_old_commune_walks_through_the_district():
    province = ProvinceFactory(code="52", name="Gia Lai")
    district = AdministrativeUnit.objects.create(
        code="622",
        name="Huyện Chư Păh",
        kind=AdministrativeUnit.Kind.DISTRICT,
        level=AdministrativeUnit.Level.DISTRICT,
        parent=province,
        effective_to=dt.date(2025, 7, 1),
    )
    township = AdministrativeUnit.objects.create(
        code="23680",
        name="Thị trấn Phú Hòa",
        kind=AdministrativeUnit.Kind.TOWNSHIP,
        level=AdministrativeUnit.Level.COMMUNE,
        parent=district,
        effective_to=dt.date(2025, 7, 1),
    )
    assert township.province() == province
    assert district.province() == province


def test_province_of_a_unit_without_parent_is_itself():
    orphan = AdministrativeUnit.objects.create(
        code="99999", name="Đặc khu thử", kind=AdministrativeUnit.Kind.SPECIAL_ZONE, level="commune"
    )
    assert orphan.province() == orphan


def test_province_walk_stops_at_the_province_level():
    # a province unit that (wrongly) has a parent is still its own province
    country_like = AdministrativeUnit.objects.create(
        code="00", name="Gốc", kind=AdministrativeUnit.Kind.PROVINCE, level=AdministrativeUnit.Level.PROVINCE
    )
    province = ProvinceFactory(code="52", parent=country_like)
    commune = CommuneFactory(parent=province)
    assert commune.province() == province
