"""The demo province: Gia Lai (code 52) after the 2025 reform, its agencies, staff and catalogue.

Agency electronic identifiers below follow the national format; they are demo values, not an
official list. Running the loader twice leaves the same data.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission as AuthPermission
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from motcua.accounts.models import Profile
from motcua.catalog.exchange import ImportReport, import_document
from motcua.catalog.models import Component, Procedure
from motcua.demo.templates import blank_form_pdf
from motcua.org.models import AdministrativeUnit, Agency, OrganisationalUnit, ReceptionPoint, Role, Staff, StaffRole
from motcua.org.units import administrative_units_import
from motcua.payments.models import CollectingAccount

DATA_DIR = Path(__file__).resolve().parent / "data"
DEMO_PASSWORD = "MotCua@2026"  # noqa: S105 - documented demo password, loader refused when DEBUG is off
PROVINCE_CODE = "52"
Kind = Agency.Kind
Level = Agency.Level


@dataclass(frozen=True)
class AgencySpec:
    code: str
    name: str
    short_name: str
    level: str
    kind: str
    parent: str | None
    unit: str
    address: str
    phone: str


PROVINCE_AGENCIES = [
    AgencySpec(
        "000.00.00.H21",
        "Ủy ban nhân dân tỉnh Gia Lai",
        "UBND tỉnh",
        Level.PROVINCE,
        Kind.PEOPLES_COMMITTEE,
        None,
        PROVINCE_CODE,
        "Số 1 Trần Phú, phường Quy Nhơn, tỉnh Gia Lai",
        "0256 3822 000",
    ),
    AgencySpec(
        "000.00.01.H21",
        "Trung tâm Phục vụ hành chính công tỉnh Gia Lai",
        "TTPVHCC tỉnh",
        Level.PROVINCE,
        Kind.SERVICE_CENTRE,
        "000.00.00.H21",
        PROVINCE_CODE,
        "Số 127 Hai Bà Trưng, phường Quy Nhơn, tỉnh Gia Lai",
        "0256 3818 899",
    ),
    AgencySpec(
        "000.00.05.H21",
        "Sở Tư pháp tỉnh Gia Lai",
        "Sở Tư pháp",
        Level.PROVINCE,
        Kind.DEPARTMENT,
        "000.00.00.H21",
        PROVINCE_CODE,
        "Số 2 Trần Phú, phường Quy Nhơn, tỉnh Gia Lai",
        "0256 3822 523",
    ),
    AgencySpec(
        "000.00.06.H21",
        "Sở Nông nghiệp và Môi trường tỉnh Gia Lai",
        "Sở NN&MT",
        Level.PROVINCE,
        Kind.DEPARTMENT,
        "000.00.00.H21",
        PROVINCE_CODE,
        "Số 8 Hai Bà Trưng, phường Quy Nhơn",
        "0256 3822 470",
    ),
    AgencySpec(
        "000.00.07.H21",
        "Sở Tài chính tỉnh Gia Lai",
        "Sở Tài chính",
        Level.PROVINCE,
        Kind.DEPARTMENT,
        "000.00.00.H21",
        PROVINCE_CODE,
        "Số 35 Lê Lợi, phường Quy Nhơn",
        "0256 3822 628",
    ),
    AgencySpec(
        "000.00.08.H21",
        "Sở Xây dựng tỉnh Gia Lai",
        "Sở Xây dựng",
        Level.PROVINCE,
        Kind.DEPARTMENT,
        "000.00.00.H21",
        PROVINCE_CODE,
        "Số 4 Trần Phú, phường Quy Nhơn",
        "0256 3822 138",
    ),
    AgencySpec(
        "000.00.09.H21",
        "Sở Nội vụ tỉnh Gia Lai",
        "Sở Nội vụ",
        Level.PROVINCE,
        Kind.DEPARTMENT,
        "000.00.00.H21",
        PROVINCE_CODE,
        "Số 11 Hà Huy Tập, phường Pleiku",
        "0269 3824 303",
    ),
    AgencySpec(
        "000.00.10.H21",
        "Sở Văn hóa, Thể thao và Du lịch tỉnh Gia Lai",
        "Sở VHTTDL",
        Level.PROVINCE,
        Kind.DEPARTMENT,
        "000.00.00.H21",
        PROVINCE_CODE,
        "Số 95 Trần Hưng Đạo, phường Quy Nhơn",
        "0256 3822 616",
    ),
    AgencySpec(
        "000.00.11.H21",
        "Sở Y tế tỉnh Gia Lai",
        "Sở Y tế",
        Level.PROVINCE,
        Kind.DEPARTMENT,
        "000.00.00.H21",
        PROVINCE_CODE,
        "Số 756 Trần Hưng Đạo, phường Quy Nhơn",
        "0256 3822 390",
    ),
    AgencySpec(
        "000.00.12.H21",
        "Sở Công Thương tỉnh Gia Lai",
        "Sở Công Thương",
        Level.PROVINCE,
        Kind.DEPARTMENT,
        "000.00.00.H21",
        PROVINCE_CODE,
        "Số 17 Lê Lợi, phường Quy Nhơn",
        "0256 3822 586",
    ),
    AgencySpec(
        "000.00.13.H21",
        "Sở Giáo dục và Đào tạo tỉnh Gia Lai",
        "Sở GD&ĐT",
        Level.PROVINCE,
        Kind.DEPARTMENT,
        "000.00.00.H21",
        PROVINCE_CODE,
        "Số 20 Tôn Đức Thắng, phường Pleiku",
        "0269 3824 110",
    ),
    AgencySpec(
        "000.00.20.H21",
        "Công an tỉnh Gia Lai",
        "Công an tỉnh",
        Level.PROVINCE,
        Kind.VERTICAL_AGENCY,
        None,
        PROVINCE_CODE,
        "Số 151 Trần Hưng Đạo, phường Pleiku",
        "069 2358 112",
    ),
    AgencySpec(
        "000.00.30.H21",
        "Bưu điện tỉnh Gia Lai",
        "Bưu điện tỉnh",
        Level.PROVINCE,
        Kind.PUBLIC_SERVICE_ENTERPRISE,
        None,
        PROVINCE_CODE,
        "Số 197 Phan Bội Châu, phường Quy Nhơn",
        "0256 3821 111",
    ),
]

# (committee code, centre code, ward code of vietnam-provinces, short name)
COMMUNES = [
    ("000.10.30.H21", "000.10.31.H21", "21583", "phường Quy Nhơn"),
    ("000.11.30.H21", "000.11.31.H21", "23575", "phường Pleiku"),
    ("000.12.30.H21", "000.12.31.H21", "21853", "xã Phù Cát"),
]

UNITS = {
    "000.00.05.H21": [("HCTP", "Phòng Hành chính tư pháp"), ("BTTP", "Phòng Bổ trợ tư pháp"), ("VP", "Văn phòng Sở")],
    "000.00.06.H21": [("QLDD", "Phòng Quản lý đất đai"), ("MT", "Phòng Môi trường")],
    "000.00.07.H21": [("DKKD", "Phòng Đăng ký kinh doanh")],
    "000.00.08.H21": [("QLXD", "Phòng Quản lý xây dựng"), ("QLVT", "Phòng Quản lý vận tải")],
    "000.00.01.H21": [("TN", "Bộ phận Tiếp nhận và Trả kết quả")],
}

RECEPTION_POINTS = [
    ("000.00.01.H21", "CS1", "Trụ sở chính: 127 Hai Bà Trưng, phường Quy Nhơn", "21583"),
    ("000.00.01.H21", "CS2", "Cơ sở 2: 02 Tôn Đức Thắng, phường Pleiku", "23575"),
]


@dataclass(frozen=True)
class AccountSpec:
    username: str
    full_name: str
    description: str
    agency: str | None
    unit: str | None
    roles: tuple[str, ...]
    position: str = ""


ACCOUNTS = [
    AccountSpec(
        "quantri",
        "Nguyễn Văn Quản",
        "quản trị cấp tỉnh",
        "000.00.00.H21",
        None,
        (Role.PROVINCE_ADMIN,),
        "Chuyên viên Sở Khoa học và Công nghệ (quản trị hệ thống)",
    ),
    AccountSpec(
        "tiepnhan",
        "Trần Thị Tiếp",
        "cán bộ Một cửa, TTPVHCC tỉnh",
        "000.00.01.H21",
        "TN",
        (Role.ONE_STOP_OFFICER,),
        "Cán bộ tiếp nhận",
    ),
    AccountSpec(
        "chuyenvien",
        "Lê Văn Chuyên",
        "chuyên viên Sở Tư pháp",
        "000.00.05.H21",
        "HCTP",
        (Role.SPECIALIST,),
        "Chuyên viên",
    ),
    AccountSpec(
        "truongphong",
        "Phạm Thị Trưởng",
        "trưởng phòng Hành chính tư pháp",
        "000.00.05.H21",
        "HCTP",
        (Role.DIVISION_HEAD,),
        "Trưởng phòng",
    ),
    AccountSpec(
        "lanhdao",
        "Hoàng Văn Đạo",
        "lãnh đạo Sở Tư pháp",
        "000.00.05.H21",
        None,
        (Role.AGENCY_LEADER,),
        "Phó Giám đốc Sở",
    ),
    AccountSpec(
        "xa.tiepnhan",
        "Võ Thị Xuân",
        "cán bộ Một cửa, TTPVHCC phường Quy Nhơn",
        "000.10.31.H21",
        None,
        (Role.ONE_STOP_OFFICER,),
        "Công chức tiếp nhận",
    ),
    AccountSpec(
        "xa.chuyenvien",
        "Ngô Văn Hòa",
        "công chức Tư pháp - Hộ tịch, UBND phường Quy Nhơn",
        "000.10.30.H21",
        None,
        (Role.SPECIALIST,),
        "Công chức Tư pháp - Hộ tịch",
    ),
    AccountSpec(
        "xa.lanhdao",
        "Bùi Thị Hạnh",
        "Phó Chủ tịch UBND phường Quy Nhơn",
        "000.10.30.H21",
        None,
        (Role.AGENCY_LEADER,),
        "Phó Chủ tịch UBND phường",
    ),
    AccountSpec(
        "baocao",
        "Đặng Văn Báo",
        "giám sát, báo cáo toàn tỉnh",
        "000.00.00.H21",
        None,
        (Role.MONITOR,),
        "Chuyên viên Văn phòng UBND tỉnh",
    ),
    AccountSpec("congdan1", "Lê Thị Hồng Nhung", "công dân", None, None, ()),
    AccountSpec("congdan2", "Nguyễn Văn An", "công dân", None, None, ()),
]

# The demo citizens are people the population-database simulator knows (same ID number, name, birth date),
# so "Điền từ CSDL dân cư" works in the demo. Profiles are not marked as verified identities.
CITIZEN_PROFILES = {
    "congdan1": {
        "id_number": "052192004567",
        "birth_date": dt.date(1992, 7, 15),
        "gender": "female",
        "phone": "0905000001",
        "ward": "21583",
        "address": "Số 12 đường Lê Lợi, tổ 3",
    },
    "congdan2": {
        "id_number": "052090001234",
        "birth_date": dt.date(1990, 3, 2),
        "gender": "male",
        "phone": "0905000002",
        "ward": "21583",
        "address": "Số 12 đường Lê Lợi, tổ 3",
    },
}


# Demo collecting accounts (VietQR transfers): organisation accounts at a real bank BIN (VietinBank
# 970415); the account numbers are made up.
DEMO_COLLECTING_ACCOUNTS = {
    "000.00.01.H21": "118000000001",
    "000.00.05.H21": "118000000005",
    "000.10.30.H21": "118000001030",
}


def _collecting_accounts() -> None:
    for code, number in DEMO_COLLECTING_ACCOUNTS.items():
        agency = Agency.objects.filter(code=code).first()
        if agency is None:
            continue
        CollectingAccount.objects.update_or_create(
            agency=agency,
            is_active=True,
            defaults={
                "bank_bin": "970415",
                "bank_name": "VietinBank",
                "account_number": number,
                "account_holder": agency.name,
                "is_organisation": True,
            },
        )


#: the province's targets for the current year (the seeds: 80 % of online services with dossiers, 50 % of
#: dossiers online, on time nearly always)
DEMO_TARGETS = {
    "on_time_rate": 98,
    "online_rate": 50,
    "services_with_online_dossier_rate": 80,
    "procedures_online_rate": 80,
    "electronic_result_rate": 100,
}


def _targets() -> None:
    from motcua.reports.models import Target

    year = timezone.localdate().year
    for indicator, value in DEMO_TARGETS.items():
        Target.objects.update_or_create(agency=None, year=year, indicator=indicator, defaults={"value": value})


def _citizen_profile(user: Any, spec: AccountSpec) -> None:
    data = CITIZEN_PROFILES.get(spec.username)
    if data is None:
        return
    ward = AdministrativeUnit.objects.filter(code=data["ward"]).first()
    Profile.objects.update_or_create(
        user=user,
        defaults={
            "full_name": spec.full_name,
            "id_number": data["id_number"],
            "birth_date": data["birth_date"],
            "gender": data["gender"],
            "phone": data["phone"],
            "email": user.email,
            "permanent_ward": ward,
            "permanent_address": data["address"],
            "current_ward": ward,
            "current_address": data["address"],
        },
    )


@dataclass
class DemoReport:
    agencies: int
    staff: int
    procedures: ImportReport


def _upsert_agency(spec: AgencySpec) -> Agency:
    values: dict[str, Any] = {
        "name": spec.name,
        "short_name": spec.short_name,
        "level": spec.level,
        "kind": spec.kind,
        "parent": Agency.objects.get(code=spec.parent) if spec.parent else None,
        "administrative_unit": AdministrativeUnit.objects.get(code=spec.unit),
        "address": spec.address,
        "phone": spec.phone,
        "is_active": True,
    }
    agency, _created = Agency.objects.update_or_create(code=spec.code, defaults=values)
    return agency


def _commune_specs() -> list[AgencySpec]:
    specs = []
    for committee, centre, ward, short in COMMUNES:
        unit = AdministrativeUnit.objects.get(code=ward)
        specs.append(
            AgencySpec(
                committee,
                f"Ủy ban nhân dân {short}",
                f"UBND {short}",
                Level.COMMUNE,
                Kind.COMMUNE_COMMITTEE,
                None,
                ward,
                f"Trụ sở UBND {short}, tỉnh Gia Lai",
                "",
            )
        )
        specs.append(
            AgencySpec(
                centre,
                f"Trung tâm Phục vụ hành chính công {short}",
                f"TTPVHCC {short}",
                Level.COMMUNE,
                Kind.SERVICE_CENTRE,
                committee,
                ward,
                f"Trụ sở UBND {short}, tỉnh Gia Lai",
                "",
            )
        )
        assert unit.parent is not None and unit.parent.code == PROVINCE_CODE
    return specs


def _load_org() -> int:
    administrative_units_import(province=PROVINCE_CODE)
    specs = PROVINCE_AGENCIES + _commune_specs()
    for spec in specs:
        _upsert_agency(spec)
    for agency_code, units in UNITS.items():
        agency = Agency.objects.get(code=agency_code)
        for code, name in units:
            OrganisationalUnit.objects.update_or_create(agency=agency, code=code, defaults={"name": name})
    for agency_code, code, name, ward in RECEPTION_POINTS:
        ReceptionPoint.objects.update_or_create(
            agency=Agency.objects.get(code=agency_code),
            code=code,
            defaults={
                "name": name,
                "address": name.split(": ", 1)[-1],
                "administrative_unit": AdministrativeUnit.objects.get(code=ward),
                "opening_hours": "Thứ Hai - Thứ Sáu: 07:00-11:30, 13:30-17:00; Thứ Bảy: 07:30-11:30",
            },
        )
    for _committee, centre, _ward, short in COMMUNES:
        ReceptionPoint.objects.update_or_create(
            agency=Agency.objects.get(code=centre),
            code="CS1",
            defaults={
                "name": f"Bộ phận Một cửa {short}",
                "address": f"Trụ sở UBND {short}",
                "administrative_unit": AdministrativeUnit.objects.get(code=_ward),
                "opening_hours": "Thứ Hai - Thứ Sáu: 07:00-11:30, 13:30-17:00",
            },
        )
    return len(specs)


def _load_accounts() -> int:
    user_model = get_user_model()
    staff_count = 0
    for spec in ACCOUNTS:
        last, _sep, first = spec.full_name.rpartition(" ")
        user = user_model.objects.filter(username=spec.username).first()
        if user is None:
            user = user_model(username=spec.username)
        user.first_name = first
        user.last_name = last
        user.email = f"{spec.username}@motcua.example"
        user.is_active = True
        user.is_staff = spec.username == "quantri"
        user.is_superuser = False
        if not user.check_password(DEMO_PASSWORD):
            user.set_password(DEMO_PASSWORD)
        user.save()
        if spec.agency is None:
            _citizen_profile(user, spec)
            continue
        agency = Agency.objects.get(code=spec.agency)
        unit = OrganisationalUnit.objects.get(agency=agency, code=spec.unit) if spec.unit else None
        staff, _created = Staff.objects.update_or_create(
            user=user, defaults={"agency": agency, "unit": unit, "position": spec.position, "is_active": True}
        )
        StaffRole.objects.filter(staff=staff).exclude(role__in=spec.roles).delete()
        for role in spec.roles:
            StaffRole.objects.get_or_create(staff=staff, role=role)
        staff_count += 1
    admin_user = user_model.objects.get(username="quantri")
    admin_user.user_permissions.set(
        AuthPermission.objects.filter(
            content_type__app_label="auth", codename__in=["view_user", "add_user", "change_user"]
        )
    )
    return staff_count


def _attach_templates() -> None:
    """Give each component that names a form template a blank form (PDF) to download."""
    for component in (
        Component.objects.filter(
            version__procedure__in=Procedure.objects.filter(current_version__isnull=False),
            version__status="published",
            version__effective_to__isnull=True,
        )
        .exclude(template_name="")
        .select_related("version__procedure")
    ):
        if component.template:
            continue
        pdf = blank_form_pdf(
            title=component.name, procedure=component.version.name, code=component.version.procedure.code
        )
        name = f"{component.version.procedure.code}-{component.code}.pdf"
        # Templates are part of the published content; they are attached once, right after publication.
        component.template.save(name, ContentFile(pdf), save=False)
        Component.objects.filter(pk=component.pk).update(template=component.template.name)


@transaction.atomic
def load_demo() -> DemoReport:
    if not settings.DEBUG:
        raise PermissionError("The demo data is refused when DEBUG is off (production).")
    agencies = _load_org()
    _collecting_accounts()
    _targets()
    staff = _load_accounts()
    document = json.loads((DATA_DIR / "catalog.json").read_text(encoding="utf-8"))
    report = import_document(document)
    _attach_templates()
    return DemoReport(agencies=agencies, staff=staff, procedures=report)


def account_lines() -> list[str]:
    return [f"  {spec.username:<12} {DEMO_PASSWORD}   {spec.description}" for spec in ACCOUNTS]
