"""The demo province is loaded once for this module (WeasyPrint makes a load take seconds).

The module fixture loads it inside a transaction that is rolled back after the last test; each test runs
in a savepoint inside it, as Django's TestCase.setUpTestData does.
"""

import re
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import override_settings

from motcua.catalog.models import Component, Field, Procedure, ProcedureVersion
from motcua.catalog.selectors import published_versions
from motcua.core.text import fold
from motcua.demo.loader import ACCOUNTS, DEMO_PASSWORD, DemoReport, load_demo
from motcua.org import access
from motcua.org.models import AdministrativeUnit, Agency, OrganisationalUnit, ReceptionPoint, Staff

pytestmark = pytest.mark.django_db

FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="module")
def demo_media(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("demo-media")


@pytest.fixture(scope="module")
def demo(django_db_setup: Any, django_db_blocker: Any, demo_media: Path) -> Iterator[DemoReport]:
    with (
        django_db_blocker.unblock(),
        override_settings(DEBUG=True, MEDIA_ROOT=demo_media, PASSWORD_HASHERS=FAST_HASHERS),
        transaction.atomic(),
    ):
        report = load_demo()
        yield report
        transaction.set_rollback(True)


@pytest.fixture
def debug(settings: Any) -> None:
    settings.DEBUG = True
    settings.PASSWORD_HASHERS = FAST_HASHERS


def snapshot() -> dict[str, Any]:
    user_model = get_user_model()
    return {
        "counts": {
            model._meta.label: model.objects.count()
            for model in apps.get_models()
            if model._meta.app_label in {"org", "catalog", "auth"}
        },
        "versions": sorted(
            ProcedureVersion.objects.values_list("procedure__code", "number", "status", "name", "effective_from")
        ),
        "current": sorted(Procedure.objects.values_list("code", "current_version__number")),
        "roles": sorted(Staff.objects.values_list("user__username", "agency__code", "unit__code", "roles__role")),
        "users": sorted(
            user_model.objects.values_list("username", "first_name", "last_name", "email", "is_staff", "is_active")
        ),
        "user_permissions": sorted(user_model.objects.values_list("username", "user_permissions__codename")),
        "agencies": sorted(Agency.objects.values_list("code", "name", "kind", "level", "parent__code")),
        "templates": sorted(Component.objects.exclude(template="").values_list("pk", "template")),
    }


def passwords() -> list[tuple[str, str]]:
    return sorted(get_user_model().objects.values_list("username", "password"))


def staff(username: str) -> Staff:
    return Staff.objects.select_related("agency", "unit", "user").get(user__username=username)


def test_refused_on_an_empty_database_writes_nothing(settings):
    # first in the module: runs before the module's demo fixture loads anything
    settings.DEBUG = False
    before = snapshot()
    with pytest.raises(PermissionError):
        load_demo()
    assert snapshot() == before
    assert Agency.objects.count() == 0
    assert AdministrativeUnit.objects.count() == 0
    assert get_user_model().objects.count() == 0


def test_report(demo):
    assert demo.agencies == 19
    assert demo.staff == 9
    assert len(demo.procedures.created) >= 40
    assert len(demo.procedures.created) == Procedure.objects.count()
    assert (demo.procedures.updated, demo.procedures.unchanged) == ([], [])


def test_province_and_its_units(demo):
    gia_lai = AdministrativeUnit.objects.get(code="52")
    assert (gia_lai.name, gia_lai.level, gia_lai.kind) == ("Gia Lai", "province", "province")
    assert AdministrativeUnit.objects.filter(parent=gia_lai).count() == 135
    # only Gia Lai is imported for the demo
    assert list(AdministrativeUnit.objects.filter(level="province").values_list("code", flat=True)) == ["52"]


def test_provincial_agencies(demo):
    committee = Agency.objects.get(code="000.00.00.H21")
    assert (committee.kind, committee.level, committee.administrative_unit.code) == (
        Agency.Kind.PEOPLES_COMMITTEE,
        Agency.Level.PROVINCE,
        "52",
    )
    centres = Agency.objects.filter(kind=Agency.Kind.SERVICE_CENTRE, level=Agency.Level.PROVINCE)
    assert list(centres.values_list("code", "name")) == [
        ("000.00.01.H21", "Trung tâm Phục vụ hành chính công tỉnh Gia Lai")
    ]
    assert list(ReceptionPoint.objects.filter(agency=centres[0]).values_list("code", flat=True)) == ["CS1", "CS2"]
    departments = Agency.objects.filter(kind=Agency.Kind.DEPARTMENT, level=Agency.Level.PROVINCE)
    assert departments.count() >= 8
    assert set(departments.values_list("parent__code", flat=True)) == {"000.00.00.H21"}
    assert set(departments.values_list("administrative_unit__code", flat=True)) == {"52"}
    for agency in Agency.objects.all():
        agency.full_clean()  # identifiers valid, no parent loops


def test_commune_agencies(demo):
    committees = Agency.objects.filter(kind=Agency.Kind.COMMUNE_COMMITTEE, level=Agency.Level.COMMUNE)
    centres = Agency.objects.filter(kind=Agency.Kind.SERVICE_CENTRE, level=Agency.Level.COMMUNE)
    assert committees.count() >= 3
    assert centres.count() >= 3
    for centre in centres.select_related("parent", "administrative_unit"):
        assert centre.parent is not None and centre.parent.kind == Agency.Kind.COMMUNE_COMMITTEE
        assert centre.administrative_unit == centre.parent.administrative_unit
        assert centre.administrative_unit.province().code == "52"
        assert centre.reception_points.count() >= 1
    for point in ReceptionPoint.objects.all():
        point.full_clean()  # every reception point belongs to a service centre


def test_catalogue(demo):
    published = published_versions()
    assert published.count() >= 40
    assert published.count() == Procedure.objects.filter(current_version__isnull=False).count()
    for version in published.prefetch_related("agencies", "components"):
        assert version.agencies.exists(), version.procedure.code
        assert version.components.exists(), version.procedure.code
        assert version.processing_time_value > 0
        assert version.name.strip() and version.result.strip()
        version.full_clean()


# topic -> accepted folded field names: the demo uses the national database's field names
TOPICS = {
    "hộ tịch": ["ho tich"],
    "chứng thực": ["chung thuc"],
    "đất đai": ["dat dai"],
    "đăng ký kinh doanh": ["dang ky kinh doanh", "hoat dong cua doanh nghiep", "ho kinh doanh"],
    "xây dựng": ["xay dung"],
    "lý lịch tư pháp": ["ly lich tu phap"],
    "giao thông": ["giao thong", "duong bo"],
    "lao động": ["lao dong"],
    "văn hóa": ["van hoa"],
}


@pytest.mark.parametrize("topic", list(TOPICS))
def test_catalogue_spans_the_fields(demo, topic):
    names = [
        fold(name) for name in Field.objects.filter(versions__in=published_versions()).values_list("name", flat=True)
    ]
    assert any(accepted in name for name in names for accepted in TOPICS[topic]), (topic, names)


def test_some_components_have_a_pdf_template(demo, demo_media, settings):
    settings.MEDIA_ROOT = demo_media
    with_template = Component.objects.exclude(template="").select_related("version__procedure")
    assert with_template.count() >= 1
    for component in with_template:
        assert component.template_name
        code = component.version.procedure.code
        assert re.fullmatch(
            rf"catalog/templates/\d{{4}}/{re.escape(code)}-{component.code}\.pdf", component.template.name
        )
        with component.template.open("rb") as handle:
            assert handle.read(5) == b"%PDF-"
    # every component of a version in force that names a form has its file
    named = Component.objects.filter(version__in=published_versions()).exclude(template_name="")
    assert named.count() == with_template.count()
    assert not named.filter(template="").exists()


EXPECTED_ACCOUNTS = {
    "quantri": ("province_admin", "000.00.00.H21"),
    "tiepnhan": ("one_stop_officer", "000.00.01.H21"),
    "chuyenvien": ("specialist", "000.00.05.H21"),
    "truongphong": ("division_head", "000.00.05.H21"),
    "lanhdao": ("agency_leader", "000.00.05.H21"),
    "xa.tiepnhan": ("one_stop_officer", "000.10.31.H21"),
    "xa.chuyenvien": ("specialist", "000.10.30.H21"),
    "xa.lanhdao": ("agency_leader", "000.10.30.H21"),
    "baocao": ("monitor", "000.00.00.H21"),
}


def test_the_demo_accounts_and_their_password(demo):
    user_model = get_user_model()
    usernames = ["quantri", "tiepnhan", "chuyenvien", "truongphong", "lanhdao", "xa.tiepnhan"]
    usernames += ["xa.chuyenvien", "xa.lanhdao", "baocao"]
    usernames += ["congdan1", "congdan2"]
    assert [spec.username for spec in ACCOUNTS] == usernames
    assert DEMO_PASSWORD == "MotCua@2026"
    with override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        for username in usernames:
            user = user_model.objects.get(username=username)
            assert user.is_active and not user.is_superuser, username
            assert user.check_password("MotCua@2026"), username
            assert not user.check_password("motcua@2026"), username
    assert sorted(user_model.objects.values_list("username", flat=True)) == sorted(usernames)


def test_staff_roles_and_places(demo):
    roles = sorted(Staff.objects.values_list("user__username", "roles__role", "agency__code"))
    assert roles == sorted((username, role, agency) for username, (role, agency) in EXPECTED_ACCOUNTS.items())
    assert set(Staff.objects.values_list("is_active", flat=True)) == {True}


def test_quantri_is_the_province_administrator(demo):
    quantri = staff("quantri")
    assert quantri.agency.kind == Agency.Kind.PEOPLES_COMMITTEE
    assert quantri.user.is_staff is True
    assert access.can(quantri.user, access.Permission.PUBLISH_CATALOG) is True
    assert set(access.agencies_in_scope(quantri.user, access.Permission.MANAGE_AGENCIES)) == set(Agency.objects.all())


def test_tiepnhan_works_at_the_provincial_service_centre(demo):
    tiepnhan = staff("tiepnhan")
    assert (tiepnhan.agency.kind, tiepnhan.agency.level) == (Agency.Kind.SERVICE_CENTRE, Agency.Level.PROVINCE)
    assert tiepnhan.unit is not None and tiepnhan.unit.agency == tiepnhan.agency
    assert list(access.agencies_in_scope(tiepnhan.user, access.Permission.RECEIVE_DOSSIER)) == [tiepnhan.agency]


def test_specialist_division_head_and_leader_share_a_department(demo):
    specialist, head, leader = staff("chuyenvien"), staff("truongphong"), staff("lanhdao")
    assert specialist.agency.kind == Agency.Kind.DEPARTMENT
    assert specialist.agency == head.agency == leader.agency
    assert specialist.unit is not None
    assert specialist.unit == head.unit
    assert specialist.unit.agency == specialist.agency
    assert OrganisationalUnit.objects.get(pk=specialist.unit.pk).code == "HCTP"
    for member in (specialist, head, leader):
        member.full_clean()
    assert access.can(leader.user, access.Permission.APPROVE_DOSSIER, specialist.agency) is True
    assert access.can(specialist.user, access.Permission.APPROVE_DOSSIER) is False


def test_commune_officer_works_at_a_commune_agency(demo):
    officer = staff("xa.tiepnhan")
    assert officer.agency.level == Agency.Level.COMMUNE
    assert officer.agency.administrative_unit.level == AdministrativeUnit.Level.COMMUNE
    assert officer.agency.administrative_unit.province().code == "52"
    assert access.can(officer.user, access.Permission.RECEIVE_DOSSIER, officer.agency) is True


def test_monitor_reports_over_the_whole_province(demo):
    monitor = staff("baocao")
    scope = set(access.agencies_in_scope(monitor.user, access.Permission.VIEW_REPORTS))
    assert scope == set(Agency.objects.all())
    assert access.can(monitor.user, access.Permission.RECEIVE_DOSSIER) is False


def test_citizens_have_no_staff_record(demo):
    user_model = get_user_model()
    for username in ("congdan1", "congdan2"):
        user = user_model.objects.get(username=username)
        assert not Staff.objects.filter(user=user).exists()
        assert access.staff_of(user) is None
        assert not user.is_staff


def test_loading_twice_leaves_identical_data(demo, debug):
    before = snapshot()
    passwords_before = passwords()
    out = StringIO()

    call_command("load_demo", stdout=out)

    published = Procedure.objects.count()
    assert out.getvalue() == f"demo: 19 agencies, 9 staff; procedures 0 created, 0 updated, {published} unchanged\n"
    assert snapshot() == before
    assert passwords() == passwords_before


def test_loading_again_restores_edited_demo_data(demo, debug):
    before = snapshot()
    quantri = staff("quantri")
    quantri.roles.all().delete()
    quantri.user.set_password("something-else")
    quantri.user.save()
    Agency.objects.filter(code="000.00.05.H21").update(name="Sở đổi tên")

    load_demo()

    assert snapshot() == before
    with override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        assert get_user_model().objects.get(username="quantri").check_password(DEMO_PASSWORD)


def test_refused_when_debug_is_off(demo, settings):
    settings.DEBUG = False
    before = snapshot()
    with pytest.raises(PermissionError) as excinfo:
        load_demo()
    assert str(excinfo.value) == "The demo data is refused when DEBUG is off (production)."
    assert snapshot() == before


def test_command_refused_when_debug_is_off(demo, settings):
    settings.DEBUG = False
    before = snapshot()
    out = StringIO()
    with pytest.raises(CommandError) as excinfo:
        call_command("load_demo", stdout=out)
    assert str(excinfo.value) == "The demo data is refused when DEBUG is off (production)."
    assert out.getvalue() == ""
    assert snapshot() == before


def test_demo_accounts_command_lists_the_accounts():
    out = StringIO()
    call_command("demo_accounts", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0] == "Demo accounts (password for all):"
    assert [line.split()[0] for line in lines[1:]] == [spec.username for spec in ACCOUNTS]
    assert all("MotCua@2026" in line for line in lines[1:])


def test_demo_citizens_are_known_to_the_population_simulator(demo):
    from motcua.accounts.models import Profile
    from motcua.integrations.population.simulator import CITIZENS

    known = {(c.id_number, c.full_name, c.birth_date) for c in CITIZENS}
    for username in ("congdan1", "congdan2"):
        profile = Profile.objects.get(user__username=username)
        assert (profile.id_number, profile.full_name, profile.birth_date) in known
        assert profile.identity_verified_at is None  # typed by the demo, not verified by the state


def test_demo_agencies_can_be_paid_by_bank_transfer(demo):
    from motcua.org.models import Agency
    from motcua.payments.selectors import collecting_account

    for code in ("000.00.01.H21", "000.00.05.H21", "000.10.30.H21"):
        account = collecting_account(Agency.objects.get(code=code))
        assert account is not None and account.is_organisation and account.bank_bin == "970415"
