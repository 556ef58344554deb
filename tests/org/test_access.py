from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied

from motcua.org import access
from motcua.org.access import GRANTS, Permission, agencies_in_scope, agency_ids_in_scope, can, require
from motcua.org.models import AdministrativeUnit, Agency, Role, Staff
from tests.factories import AgencyFactory, CommuneFactory, ProvinceFactory, UserFactory, make_staff

pytestmark = pytest.mark.django_db

P = Permission

# What each role may do, written out by hand so that a change in GRANTS fails here.
EXPECTED_PERMISSIONS: dict[str, set[Permission]] = {
    Role.PROVINCE_ADMIN: {
        P.VIEW_AGENCY_DATA,
        P.MANAGE_AGENCIES,
        P.MANAGE_STAFF,
        P.MANAGE_CATALOG,
        P.PUBLISH_CATALOG,
        P.VIEW_REPORTS,
    },
    Role.MONITOR: {P.VIEW_AGENCY_DATA, P.VIEW_REPORTS},
    Role.AGENCY_LEADER: {P.VIEW_AGENCY_DATA, P.PROCESS_DOSSIER, P.ASSIGN_DOSSIER, P.APPROVE_DOSSIER, P.VIEW_REPORTS},
    Role.AGENCY_ADMIN: {P.VIEW_AGENCY_DATA, P.MANAGE_STAFF, P.MANAGE_CATALOG, P.VIEW_REPORTS},
    Role.ONE_STOP_OFFICER: {P.VIEW_AGENCY_DATA, P.RECEIVE_DOSSIER, P.RETURN_RESULT},
    Role.SPECIALIST: {P.VIEW_AGENCY_DATA, P.PROCESS_DOSSIER},
    Role.DIVISION_HEAD: {P.VIEW_AGENCY_DATA, P.PROCESS_DOSSIER, P.ASSIGN_DOSSIER},
}


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class World:
    province: AdministrativeUnit
    committee: Agency  # UBND tỉnh
    justice: Agency  # Sở Tư pháp, has a child agency
    justice_child: Agency  # a centre under Sở Tư pháp
    justice_grandchild: Agency
    finance: Agency  # another department
    commune_committee: Agency  # UBND xã in the province
    other_province_agency: Agency
    other_commune_agency: Agency

    @property
    def province_agencies(self) -> set[str]:
        return {
            a.code
            for a in (
                self.committee,
                self.justice,
                self.justice_child,
                self.justice_grandchild,
                self.finance,
                self.commune_committee,
            )
        }

    @property
    def all_agencies(self) -> set[str]:
        return self.province_agencies | {self.other_province_agency.code, self.other_commune_agency.code}

    def home_of(self, role: str) -> Agency:
        """Where the staff member with `role` works in these tests."""
        return self.committee if role in (Role.PROVINCE_ADMIN, Role.MONITOR) else self.justice

    def scope_of(self, role: str) -> set[str]:
        if role in (Role.PROVINCE_ADMIN, Role.MONITOR):
            return self.province_agencies
        if role in (Role.AGENCY_LEADER, Role.AGENCY_ADMIN):
            return {self.justice.code, self.justice_child.code, self.justice_grandchild.code}
        return {self.justice.code}


@pytest.fixture
def world() -> World:
    gia_lai = ProvinceFactory(code="52", name="Gia Lai")
    commune = CommuneFactory(code="21583", name="Phường Quy Nhơn", parent=gia_lai)
    committee = AgencyFactory(code="000.00.00.H21", name="UBND tỉnh Gia Lai", kind=Agency.Kind.PEOPLES_COMMITTEE)
    justice = AgencyFactory(code="000.00.05.H21", name="Sở Tư pháp", parent=committee)
    justice_child = AgencyFactory(code="000.05.01.H21", name="Trung tâm Trợ giúp pháp lý", parent=justice)
    justice_grandchild = AgencyFactory(code="000.05.02.H21", name="Chi nhánh Trợ giúp pháp lý", parent=justice_child)
    finance = AgencyFactory(code="000.00.07.H21", name="Sở Tài chính", parent=committee)
    commune_committee = AgencyFactory(
        code="000.10.30.H21",
        name="UBND phường Quy Nhơn",
        level=Agency.Level.COMMUNE,
        kind=Agency.Kind.COMMUNE_COMMITTEE,
        administrative_unit=commune,
    )
    hanoi = ProvinceFactory(code="01", name="Hà Nội", kind=AdministrativeUnit.Kind.MUNICIPALITY)
    other_province_agency = AgencyFactory(code="000.00.05.H26", name="Sở Tư pháp Hà Nội", administrative_unit=hanoi)
    other_commune_agency = AgencyFactory(
        code="000.20.30.H26",
        name="UBND phường Hoàn Kiếm",
        level=Agency.Level.COMMUNE,
        kind=Agency.Kind.COMMUNE_COMMITTEE,
        administrative_unit=CommuneFactory(code="00070", name="Phường Hoàn Kiếm", parent=hanoi),
    )
    return World(
        province=gia_lai,
        committee=committee,
        justice=justice,
        justice_child=justice_child,
        justice_grandchild=justice_grandchild,
        finance=finance,
        commune_committee=commune_committee,
        other_province_agency=other_province_agency,
        other_commune_agency=other_commune_agency,
    )


def codes(agencies) -> set[str]:
    return set(agencies.values_list("code", flat=True))


def test_expected_table_covers_every_role_and_matches_grants():
    assert set(EXPECTED_PERMISSIONS) == set(Role)
    for permission in Permission:
        assert {role for role, granted in EXPECTED_PERMISSIONS.items() if permission in granted} == set(
            GRANTS[permission]
        ), permission


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("permission", list(Permission))
def test_role_permission_matrix(world, role, permission):
    staff = make_staff(role, agency=world.home_of(role))
    user = get_user_model().objects.get(pk=staff.user_id)
    outside = {world.finance, world.commune_committee, world.other_province_agency, world.other_commune_agency}

    ids = agency_ids_in_scope(user, permission)  # the shortcut without a query gives the same agencies
    assert codes(Agency.objects.filter(pk__in=ids)) == codes(agencies_in_scope(user, permission))
    if permission in EXPECTED_PERMISSIONS[role]:
        expected = world.scope_of(role)
        assert codes(agencies_in_scope(user, permission)) == expected
        assert can(user, permission) is True
        require(user, permission)
        for agency in Agency.objects.all():
            assert can(user, permission, agency) is (agency.code in expected), agency.code
            if agency.code in expected:
                require(user, permission, agency)
            else:
                with pytest.raises(PermissionDenied):
                    require(user, permission, agency)
        assert world.other_province_agency.code not in expected
        assert world.other_commune_agency.code not in expected
    else:
        assert codes(agencies_in_scope(user, permission)) == set()
        assert can(user, permission) is False
        with pytest.raises(PermissionDenied) as excinfo:
            require(user, permission)
        assert str(excinfo.value) == permission.value
        for agency in (world.justice, *outside):
            assert can(user, permission, agency) is False


@pytest.mark.parametrize("role", sorted(set(Role) - access.PROVINCE_WIDE_ROLES))
def test_anywhere_is_answered_without_a_query_for_agency_and_subtree_roles(world, role, django_assert_num_queries):
    """`can(user, permission)` with no agency: the officer's own agency is in every such scope (the back
    office's menu asks five of these on every page)."""
    staff = make_staff(role, agency=world.home_of(role))
    user = get_user_model().objects.get(pk=staff.user_id)
    staff = access.staff_of(user)
    assert staff is not None
    staff.role_set  # noqa: B018  read once, as every request reads it
    for permission in Permission:
        with django_assert_num_queries(0):
            granted = can(user, permission)
        assert granted is (permission in EXPECTED_PERMISSIONS[role])
        assert granted is agencies_in_scope(user, permission).exists()


def test_province_admin_sees_the_whole_province_only(world):
    admin = make_staff(Role.PROVINCE_ADMIN, agency=world.committee).user
    assert codes(agencies_in_scope(admin, P.MANAGE_AGENCIES)) == {
        "000.00.00.H21",
        "000.00.05.H21",
        "000.05.01.H21",
        "000.05.02.H21",
        "000.00.07.H21",
        "000.10.30.H21",
    }
    assert can(admin, P.PUBLISH_CATALOG, world.commune_committee) is True
    assert can(admin, P.PUBLISH_CATALOG, world.other_province_agency) is False
    assert can(admin, P.PUBLISH_CATALOG, world.other_commune_agency) is False


def test_province_wide_role_at_a_commune_agency_still_sees_the_province(world):
    monitor = make_staff(Role.MONITOR, agency=world.commune_committee).user
    assert codes(agencies_in_scope(monitor, P.VIEW_REPORTS)) == world.province_agencies


def test_province_wide_scope_reaches_communes_under_old_districts(world):
    district = AdministrativeUnit.objects.create(
        code="622",
        name="Huyện Chư Păh",
        kind=AdministrativeUnit.Kind.DISTRICT,
        level=AdministrativeUnit.Level.DISTRICT,
        parent=world.province,
    )
    old_commune = CommuneFactory(code="23680", parent=district)
    old_agency = AgencyFactory(code="000.30.30.H21", level=Agency.Level.COMMUNE, administrative_unit=old_commune)
    monitor = make_staff(Role.MONITOR, agency=world.committee).user
    assert old_agency.code in codes(agencies_in_scope(monitor, P.VIEW_REPORTS))


def test_agency_leader_sees_own_agency_and_subtree_only(world):
    leader = make_staff(Role.AGENCY_LEADER, agency=world.justice).user
    assert codes(agencies_in_scope(leader, P.APPROVE_DOSSIER)) == {"000.00.05.H21", "000.05.01.H21", "000.05.02.H21"}
    assert can(leader, P.APPROVE_DOSSIER, world.finance) is False
    assert can(leader, P.APPROVE_DOSSIER, world.committee) is False


def test_agency_admin_of_a_leaf_agency_sees_only_it(world):
    admin = make_staff(Role.AGENCY_ADMIN, agency=world.justice_grandchild).user
    assert codes(agencies_in_scope(admin, P.MANAGE_CATALOG)) == {"000.05.02.H21"}


@pytest.mark.parametrize("role", [Role.ONE_STOP_OFFICER, Role.SPECIALIST, Role.DIVISION_HEAD])
def test_agency_bound_roles_do_not_reach_child_agencies(world, role):
    user = make_staff(role, agency=world.justice).user
    assert codes(agencies_in_scope(user, P.VIEW_AGENCY_DATA)) == {"000.00.05.H21"}
    assert can(user, P.VIEW_AGENCY_DATA, world.justice_child) is False


def test_specialist_cannot_manage_the_catalogue(world):
    specialist = make_staff(Role.SPECIALIST, agency=world.justice).user
    assert can(specialist, P.MANAGE_CATALOG) is False
    assert can(specialist, P.MANAGE_CATALOG, world.justice) is False
    with pytest.raises(PermissionDenied):
        require(specialist, P.MANAGE_CATALOG, world.justice)


def test_monitor_views_reports_but_does_not_receive_dossiers(world):
    monitor = make_staff(Role.MONITOR, agency=world.committee).user
    assert can(monitor, P.VIEW_REPORTS, world.finance) is True
    assert can(monitor, P.RECEIVE_DOSSIER) is False
    assert can(monitor, P.RECEIVE_DOSSIER, world.committee) is False
    with pytest.raises(PermissionDenied):
        require(monitor, P.RECEIVE_DOSSIER, world.committee)


def test_scope_is_computed_per_permission_for_mixed_roles(world):
    # agency admin of Sở Tư pháp who also processes dossiers there
    user = make_staff(Role.AGENCY_ADMIN, Role.SPECIALIST, agency=world.justice).user
    assert codes(agencies_in_scope(user, P.MANAGE_STAFF)) == {"000.00.05.H21", "000.05.01.H21", "000.05.02.H21"}
    assert codes(agencies_in_scope(user, P.PROCESS_DOSSIER)) == {"000.00.05.H21"}
    assert codes(agencies_in_scope(user, P.RECEIVE_DOSSIER)) == set()


def test_province_role_wins_over_agency_role_for_shared_permission(world):
    user = make_staff(Role.PROVINCE_ADMIN, Role.AGENCY_ADMIN, agency=world.justice).user
    assert codes(agencies_in_scope(user, P.MANAGE_CATALOG)) == world.province_agencies


def nobody_cases():
    return ["anonymous", "none", "citizen", "inactive_staff", "inactive_user", "staff_without_roles"]


def make_nobody(kind: str, world: World):
    if kind == "anonymous":
        return AnonymousUser()
    if kind == "none":
        return None
    if kind == "citizen":
        return UserFactory(username="congdan1")
    if kind == "inactive_staff":
        staff = make_staff(*Role, agency=world.committee)
        Staff.objects.filter(pk=staff.pk).update(is_active=False)
        return get_user_model().objects.get(pk=staff.user_id)
    if kind == "inactive_user":
        staff = make_staff(*Role, agency=world.committee)
        get_user_model().objects.filter(pk=staff.user_id).update(is_active=False)
        return get_user_model().objects.get(pk=staff.user_id)
    if kind == "staff_without_roles":
        return make_staff(agency=world.committee).user
    raise AssertionError(kind)


@pytest.mark.parametrize("kind", nobody_cases())
def test_users_without_active_staff_roles_get_nothing(world, kind):
    user = make_nobody(kind, world)
    assert access.staff_of(user) is None or kind == "staff_without_roles"
    for permission in Permission:
        assert codes(agencies_in_scope(user, permission)) == set(), permission
        assert can(user, permission) is False
        assert can(user, permission, world.justice) is False
        with pytest.raises(PermissionDenied) as excinfo:
            require(user, permission)
        assert str(excinfo.value) == permission.value
        with pytest.raises(PermissionDenied):
            require(user, permission, world.justice)


def test_citizen_is_not_a_staff_member(world):
    assert access.is_staff_member(UserFactory()) is False
    assert access.is_staff_member(AnonymousUser()) is False
    assert access.is_staff_member(make_staff(Role.SPECIALIST, agency=world.justice).user) is True


def test_superuser_may_do_everything_everywhere(world):
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    for permission in Permission:
        assert codes(agencies_in_scope(root, permission)) == world.all_agencies
        assert can(root, permission, world.other_commune_agency) is True
        require(root, permission, world.other_province_agency)


def test_inactive_superuser_gets_nothing(world):
    root = UserFactory(username="root", is_superuser=True, is_active=False)
    assert codes(agencies_in_scope(root, P.MANAGE_AGENCIES)) == set()
    with pytest.raises(PermissionDenied):
        require(root, P.MANAGE_AGENCIES)
