import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command

from motcua.org.models import AdministrativeUnit
from motcua.org.units import REFORM_DATE, UnitImportReport, administrative_units_import

pytestmark = pytest.mark.django_db

Kind = AdministrativeUnit.Kind
Level = AdministrativeUnit.Level


def unit(code: str) -> AdministrativeUnit:
    return AdministrativeUnit.objects.select_related("parent").get(code=code)


def test_full_import_creates_34_provinces_and_3321_communes():
    report = administrative_units_import()

    assert report == UnitImportReport(created=34 + 3321, updated=0, unchanged=0)
    assert AdministrativeUnit.objects.filter(level=Level.PROVINCE).count() == 34
    assert AdministrativeUnit.objects.filter(level=Level.COMMUNE).count() == 3321
    assert AdministrativeUnit.objects.filter(level=Level.DISTRICT).count() == 0
    # 28 provinces and 6 centrally governed cities; 2621 communes, 687 wards, 13 special zones
    assert AdministrativeUnit.objects.filter(kind=Kind.PROVINCE).count() == 28
    assert AdministrativeUnit.objects.filter(kind=Kind.MUNICIPALITY).count() == 6
    assert AdministrativeUnit.objects.filter(kind=Kind.COMMUNE).count() == 2621
    assert AdministrativeUnit.objects.filter(kind=Kind.WARD).count() == 687
    assert AdministrativeUnit.objects.filter(kind=Kind.SPECIAL_ZONE).count() == 13

    # codes are zero padded: two digits for provinces, five for communes
    hanoi = unit("01")
    assert (hanoi.name, hanoi.codename, hanoi.kind, hanoi.level) == (
        "Thành phố Hà Nội",
        "ha_noi",
        Kind.MUNICIPALITY,
        Level.PROVINCE,
    )
    assert hanoi.parent is None
    hoan_kiem = unit("00070")
    assert (hoan_kiem.name, hoan_kiem.kind, hoan_kiem.level, hoan_kiem.parent) == (
        "Phường Hoàn Kiếm",
        Kind.WARD,
        Level.COMMUNE,
        hanoi,
    )
    assert unit("00004").name == "Phường Ba Đình"
    assert not AdministrativeUnit.objects.filter(code__in=["1", "70", "4"]).exists()

    gia_lai = unit("52")
    assert (gia_lai.name, gia_lai.codename, gia_lai.kind, gia_lai.level) == (
        "Gia Lai",
        "gia_lai",
        Kind.PROVINCE,
        "province",
    )
    quy_nhon = unit("21583")
    assert (quy_nhon.name, quy_nhon.kind, quy_nhon.parent) == ("Phường Quy Nhơn", Kind.WARD, gia_lai)
    phu_cat = unit("21853")
    assert (phu_cat.name, phu_cat.codename, phu_cat.kind, phu_cat.parent) == (
        "Xã Phù Cát",
        "xa_phu_cat",
        Kind.COMMUNE,
        gia_lai,
    )
    ly_son = unit("21548")
    assert (ly_son.name, ly_son.kind, ly_son.level, ly_son.parent.code) == (
        "Đặc khu Lý Sơn",
        Kind.SPECIAL_ZONE,
        Level.COMMUNE,
        "51",
    )
    assert gia_lai.children.count() == 135
    assert ly_son.province() == unit("51")

    # every commune hangs under a province; every unit is in force since the reform
    assert not AdministrativeUnit.objects.filter(level=Level.COMMUNE, parent__isnull=True).exists()
    assert not AdministrativeUnit.objects.filter(level=Level.COMMUNE).exclude(parent__level=Level.PROVINCE).exists()
    assert set(AdministrativeUnit.objects.values_list("effective_from", flat=True).distinct()) == {dt.date(2025, 7, 1)}
    assert dt.date(2025, 7, 1) == REFORM_DATE
    assert not AdministrativeUnit.objects.filter(effective_to__isnull=False).exists()


def test_second_full_import_changes_nothing():
    administrative_units_import()
    before = list(AdministrativeUnit.objects.order_by("code").values())

    second = administrative_units_import()

    assert second == UnitImportReport(created=0, updated=0, unchanged=3355)
    assert list(AdministrativeUnit.objects.order_by("code").values()) == before


def test_import_restores_edited_units_and_keeps_the_rest():
    administrative_units_import(province="52")
    AdministrativeUnit.objects.filter(code="21583").update(name="Phường Sửa Tay", kind=Kind.COMMUNE)
    AdministrativeUnit.objects.filter(code="52").update(codename="")

    report = administrative_units_import(province="52")

    assert report == UnitImportReport(created=0, updated=2, unchanged=134)
    quy_nhon = unit("21583")
    assert (quy_nhon.name, quy_nhon.kind) == ("Phường Quy Nhơn", Kind.WARD)
    assert unit("52").codename == "gia_lai"


def test_import_keeps_old_units_that_are_not_in_the_package():
    administrative_units_import(province="52")
    old = AdministrativeUnit.objects.create(
        code="622",
        name="Huyện Chư Păh",
        kind=Kind.DISTRICT,
        level=Level.DISTRICT,
        parent=unit("52"),
        effective_to=REFORM_DATE,
    )

    report = administrative_units_import(province="52")

    assert report == UnitImportReport(created=0, updated=0, unchanged=136)
    assert AdministrativeUnit.objects.get(pk=old.pk).effective_to == REFORM_DATE


@pytest.mark.parametrize("province", ["52", "052"])
def test_import_of_one_province_imports_only_gia_lai(province):
    report = administrative_units_import(province=province)

    assert report == UnitImportReport(created=136, updated=0, unchanged=0)
    assert list(AdministrativeUnit.objects.filter(level=Level.PROVINCE).values_list("code", flat=True)) == ["52"]
    assert AdministrativeUnit.objects.filter(level=Level.COMMUNE, parent__code="52").count() == 135
    assert AdministrativeUnit.objects.count() == 136


def test_import_units_command_prints_the_counts():
    out = StringIO()
    call_command("import_units", stdout=out)
    assert out.getvalue() == "administrative units: 3355 created, 0 updated, 0 unchanged\n"

    out = StringIO()
    call_command("import_units", "--province", "52", stdout=out)
    assert out.getvalue() == "administrative units: 0 created, 0 updated, 136 unchanged\n"
    assert AdministrativeUnit.objects.count() == 3355


def test_import_units_command_for_one_province():
    out = StringIO()
    call_command("import_units", "--province", "52", stdout=out)
    assert out.getvalue() == "administrative units: 136 created, 0 updated, 0 unchanged\n"
    assert AdministrativeUnit.objects.count() == 136
