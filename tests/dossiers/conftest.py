"""A small province for dossier tests: a service centre, two departments, their staff, one procedure."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from motcua.catalog.models import ProcedureVersion
from motcua.catalog.services import procedure_version_publish
from motcua.dossiers import services, uploads
from motcua.dossiers.models import Dossier
from motcua.org.models import Agency, OrganisationalUnit, Role, Staff
from tests.factories import (
    SMALL_PDF,
    AgencyFactory,
    ProvinceFactory,
    UnitFactory,
    UserFactory,
    make_staff,
    make_version,
)

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def at(text: str) -> dt.datetime:
    """'2026-03-02 09:00' in Vietnam time."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=VN)


@dataclass
class World:
    committee: Agency
    centre: Agency
    department: Agency
    other_department: Agency
    division: OrganisationalUnit
    officer: Staff
    specialist: Staff
    head: Staff
    leader: Staff
    other_officer: Staff
    other_leader: Staff
    monitor: Staff
    citizen: Any
    other_citizen: Any
    version: ProcedureVersion

    def users(self) -> dict[str, Any]:
        return {
            "officer": self.officer.user,
            "specialist": self.specialist.user,
            "head": self.head.user,
            "leader": self.leader.user,
            "other_officer": self.other_officer.user,
            "other_leader": self.other_leader.user,
            "monitor": self.monitor.user,
            "citizen": self.citizen,
            "other_citizen": self.other_citizen,
        }


@pytest.fixture
def world(db: Any) -> World:
    province = ProvinceFactory()
    committee = AgencyFactory(
        code="000.00.00.H21",
        name="Ủy ban nhân dân tỉnh",
        kind=Agency.Kind.PEOPLES_COMMITTEE,
        administrative_unit=province,
    )
    centre = AgencyFactory(
        code="000.00.01.H21",
        name="Trung tâm Phục vụ hành chính công tỉnh",
        kind=Agency.Kind.SERVICE_CENTRE,
        parent=committee,
        administrative_unit=province,
    )
    department = AgencyFactory(code="000.00.02.H21", name="Sở Tư pháp", parent=committee, administrative_unit=province)
    other = AgencyFactory(code="000.00.03.H21", name="Sở Xây dựng", parent=committee, administrative_unit=province)
    division = UnitFactory(agency=department, code="HCTP", name="Phòng Hành chính tư pháp")
    officer = make_staff(
        Role.ONE_STOP_OFFICER, agency=centre, username="tiepnhan", first_name="Lan", last_name="Trần Thị"
    )
    specialist = make_staff(Role.SPECIALIST, agency=department, username="chuyenvien")
    head = make_staff(Role.DIVISION_HEAD, agency=department, username="truongphong")
    for staff in (specialist, head):
        staff.unit = division
        staff.save()
    leader = make_staff(Role.AGENCY_LEADER, agency=department, username="lanhdao")
    other_officer = make_staff(Role.ONE_STOP_OFFICER, agency=other, username="tiepnhan.xd")
    other_leader = make_staff(Role.AGENCY_LEADER, agency=other, username="lanhdao.xd")
    monitor = make_staff(Role.MONITOR, agency=committee, username="baocao")
    version = make_version(
        name="Cấp Phiếu lý lịch tư pháp",
        agencies=[department],
        processing_time_value=Decimal(5),
        processing_time_unit="working_days",
        components=2,
        fees=[
            {
                "name": "Phí cấp phiếu",
                "kind": "phi",
                "amount": 200000,
                "online_amount": 100000,
                "collected_at": "reception",
            }
        ],
        publish=False,
    )
    procedure_version_publish(version=version, at=at("2025-01-01 00:00"))
    version.refresh_from_db()
    return World(
        committee=committee,
        centre=centre,
        department=department,
        other_department=other,
        division=division,
        officer=officer,
        specialist=specialist,
        head=head,
        leader=leader,
        other_officer=other_officer,
        other_leader=other_leader,
        monitor=monitor,
        citizen=UserFactory(username="congdan1"),
        other_citizen=UserFactory(username="congdan2"),
        version=version,
    )


def applicant(**values: Any) -> services.ApplicantData:
    data: dict[str, Any] = {"kind": "citizen", "full_name": "Nguyễn Văn An", "id_number": "052090001234"}
    data.update(values)
    return services.ApplicantData(**data)


def upload_pdf(owner: Any, name: str = "giay-to.pdf") -> int:
    return uploads.upload_create(owner=owner, file=SimpleUploadedFile(name, SMALL_PDF, "application/pdf")).pk


def submit_counter(world: World, when: str, **values: Any) -> Dossier:
    data = services.SubmissionData(
        procedure=world.version.procedure.code,
        agency=world.department.code,
        channel="counter",
        applicant=applicant(),
        **values,
    )
    return services.dossier_submit(actor=world.officer.user, data=data, at=at(when))


def submit_online(world: World, when: str, user: Any = None) -> Dossier:
    owner = user or world.citizen
    documents = [
        services.DocumentData(component="TP1", upload_id=upload_pdf(owner)),
        services.DocumentData(component="TP2", upload_id=upload_pdf(owner)),
    ]
    data = services.SubmissionData(
        procedure=world.version.procedure.code,
        agency=world.department.code,
        channel="online",
        applicant=applicant(),
        documents=documents,
        delivery_method="online",
    )
    return services.dossier_submit(actor=owner, data=data, at=at(when))
