"""A small province with dossiers and their files, created in a separate database by a subprocess:
`manage.py shell -c "from tests.ops.seed import main; main(20)"` (the backup and multi-process tests)."""

from __future__ import annotations

import datetime as dt
import json
import time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from motcua.catalog.models import ProcedureVersion
from motcua.catalog.services import procedure_version_publish
from motcua.dossiers import services, uploads
from motcua.dossiers.models import Document, Dossier
from motcua.org.models import Agency, Role
from tests.factories import SMALL_PDF, AgencyFactory, ProvinceFactory, UserFactory, make_staff, make_version

VN = ZoneInfo("Asia/Ho_Chi_Minh")
DEPARTMENT = "000.00.02.H21"
OFFICER = "tiepnhan"
CITIZEN = "congdan1"


def province() -> ProcedureVersion:
    """Agencies, a one-stop officer and a citizen (password tests.factories.PASSWORD), a published procedure."""
    area = ProvinceFactory()
    committee = AgencyFactory(
        code="000.00.00.H21", name="Ủy ban nhân dân tỉnh", kind=Agency.Kind.PEOPLES_COMMITTEE, administrative_unit=area
    )
    centre = AgencyFactory(
        code="000.00.01.H21",
        name="Trung tâm Phục vụ hành chính công tỉnh",
        kind=Agency.Kind.SERVICE_CENTRE,
        parent=committee,
        administrative_unit=area,
    )
    department = AgencyFactory(code=DEPARTMENT, name="Sở Tư pháp", parent=committee, administrative_unit=area)
    make_staff(Role.ONE_STOP_OFFICER, agency=centre, username=OFFICER)
    make_staff(Role.SPECIALIST, agency=department, username="chuyenvien")
    UserFactory(username=CITIZEN)
    version = make_version(
        name="Cấp Phiếu lý lịch tư pháp",
        agencies=[department],
        processing_time_value=Decimal(5),
        processing_time_unit="working_days",
        components=2,
        publish=False,
    )
    procedure_version_publish(version=version, at=dt.datetime(2025, 1, 1, tzinfo=VN))
    version.refresh_from_db()
    return version


def pdf(number: int, part: int) -> SimpleUploadedFile:
    # a distinct file each time (a comment after %%EOF), so every document has its own hash
    return SimpleUploadedFile(
        f"giay-to-{number}-{part}.pdf", SMALL_PDF + f"% {number}-{part}\n".encode(), "application/pdf"
    )


def online_dossiers(version: ProcedureVersion, count: int, pause: float = 0.0) -> list[str]:
    """`count` online dossiers, each in its own transaction, `pause` seconds apart."""
    from django.contrib.auth import get_user_model

    citizen = get_user_model().objects.get(username=CITIZEN)
    codes = []
    for number in range(count):
        with transaction.atomic():
            documents = [
                services.DocumentData(
                    component=f"TP{part}", upload_id=uploads.upload_create(owner=citizen, file=pdf(number, part)).pk
                )
                for part in (1, 2)
            ]
            data = services.SubmissionData(
                procedure=version.procedure.code,
                agency=DEPARTMENT,
                channel="online",
                applicant=services.ApplicantData(kind="citizen", full_name="Nguyễn Văn An", id_number="052090001234"),
                documents=documents,
                delivery_method="online",
            )
            codes.append(services.dossier_submit(actor=citizen, data=data).code)
        time.sleep(pause)
    return codes


def manifest() -> dict[str, Any]:
    """Every dossier code with the SHA-256 of each of its documents, as the database records them."""
    found: dict[str, list[str]] = {code: [] for code in Dossier.objects.values_list("code", flat=True)}
    for code, sha in Document.objects.values_list("dossier__code", "sha256"):
        found[code].append(sha)
    return {code: sorted(hashes) for code, hashes in sorted(found.items())}


def main(count: int, pause: float = 0.0) -> None:
    """Seed the province and `count` online dossiers with two documents each, `pause` seconds apart; print the
    manifest as JSON."""
    version = province()
    online_dossiers(version, count, pause)
    print(json.dumps(manifest()))  # noqa: T201  read by the calling test


def main_province() -> None:
    """Seed the province only; print the code of its procedure."""
    print(json.dumps({"procedure": province().procedure.code}))  # noqa: T201  read by the calling test
