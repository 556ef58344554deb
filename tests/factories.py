"""Factories for tests (factory-boy); no fixture files."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import factory
from django.contrib.auth import get_user_model

from motcua.catalog.models import Component, FeeLine, Field, Procedure, ProcedureVersion
from motcua.catalog.services import procedure_version_publish
from motcua.org.models import AdministrativeUnit, Agency, OrganisationalUnit, Staff, StaffRole

PASSWORD = "Test-Pass-2026!"


class ProvinceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AdministrativeUnit
        django_get_or_create = ("code",)

    code = "52"
    name = "Gia Lai"
    kind = AdministrativeUnit.Kind.PROVINCE
    level = AdministrativeUnit.Level.PROVINCE


class CommuneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AdministrativeUnit

    code = factory.Sequence(lambda n: f"{30000 + n:05d}")
    name = factory.Sequence(lambda n: f"Xã Thử {n}")
    kind = AdministrativeUnit.Kind.COMMUNE
    level = AdministrativeUnit.Level.COMMUNE
    parent = factory.SubFactory(ProvinceFactory)


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency

    # H99: never one of the fixed codes (…H21) that tests give their own agencies; unique for 10 million
    code = factory.Sequence(lambda n: f"{100 + n // 10000 % 900:03d}.{n // 100 % 100:02d}.{n % 100:02d}.H99")
    name = factory.Sequence(lambda n: f"Sở Thử nghiệm {n}")
    level = Agency.Level.PROVINCE
    kind = Agency.Kind.DEPARTMENT
    administrative_unit = factory.SubFactory(ProvinceFactory)


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrganisationalUnit

    agency = factory.SubFactory(AgencyFactory)
    code = factory.Sequence(lambda n: f"P{n}")
    name = factory.Sequence(lambda n: f"Phòng {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "An"
    last_name = "Nguyễn Văn"
    password = factory.django.Password(PASSWORD)


def make_staff(*roles: str, agency: Agency | None = None, username: str | None = None, **user: Any) -> Staff:
    agency = agency or AgencyFactory()
    account = UserFactory(username=username, **user) if username else UserFactory(**user)
    staff = Staff.objects.create(user=account, agency=agency)
    for role in roles:
        StaffRole.objects.create(staff=staff, role=role)
    return staff


class FieldFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Field
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"F{n}")
    name = factory.Sequence(lambda n: f"Lĩnh vực {n}")


class ProcedureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Procedure

    code = factory.Sequence(lambda n: f"1.{n:06d}")


def make_version(
    *,
    procedure: Procedure | None = None,
    name: str = "Đăng ký khai sinh",
    field: Field | None = None,
    agencies: list[Agency] | None = None,
    publish: bool = True,
    components: int = 1,
    fees: list[dict[str, Any]] | None = None,
    **values: Any,
) -> ProcedureVersion:
    procedure = procedure or ProcedureFactory()
    last = procedure.versions.order_by("-number").values_list("number", flat=True).first() or 0
    defaults: dict[str, Any] = {
        "processing_time_value": Decimal(5),
        "result": "Giấy khai sinh",
        "subjects": ["citizen"],
        "competence_levels": ["commune"],
        "methods": ["counter", "online"],
        "steps": ["Nộp hồ sơ", "Trả kết quả"],
        "legal_bases": ["Luật Hộ tịch 2014"],
        "online_mode": "full",
    }
    defaults.update(values)
    version = ProcedureVersion.objects.create(
        procedure=procedure, number=last + 1, name=name, field=field or FieldFactory(), **defaults
    )
    version.agencies.set(agencies if agencies is not None else [AgencyFactory()])
    for index in range(components):
        Component.objects.create(
            version=version, code=f"TP{index + 1}", name=f"Giấy tờ {index + 1}", copy_kinds=["original"], order=index
        )
    for fee in fees or []:
        FeeLine.objects.create(version=version, **fee)
    if publish:
        procedure_version_publish(version=version)
        version.refresh_from_db()
    return version


class ComponentFactory(factory.django.DjangoModelFactory):
    """A component of a DRAFT version (components of published versions cannot change)."""

    class Meta:
        model = Component

    code = factory.Sequence(lambda n: f"TPX{n}")
    name = factory.Sequence(lambda n: f"Giấy tờ bổ sung {n}")
    copy_kinds = factory.LazyFunction(lambda: ["original"])
    quantity = 1
    required = True
    order = 0


# The smallest file a PDF reader accepts as a (blank) document; enough for download tests.
SMALL_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def publish(version: ProcedureVersion) -> ProcedureVersion:
    """Publish a draft made with `make_version(publish=False)` and return it fresh from the database."""
    procedure_version_publish(version=version)
    version.refresh_from_db()
    return version
