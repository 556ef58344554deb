"""Official forms: time to render each PDF (forms 01 and 05, the tracking book as PDF and XLSX).

Loads the demo province into a fresh database, receives and processes a few dossiers at the counter of
the provincial service centre, then renders each document `repeat` times after one warm-up render and
reports the median and the 95th percentile. WeasyPrint's font set-up is done once per thread.
"""

from __future__ import annotations

import datetime as dt
import platform
import statistics
import time
from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from motcua.catalog.models import ProcedureVersion
from motcua.dossiers import official_forms, services, tracking_book
from motcua.dossiers.models import Dossier


def _timed(render: Callable[[], bytes], repeat: int) -> tuple[float, float, int]:
    size = len(render())  # warm-up
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        render()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1], size


def _dossiers(count: int, agency_of: str = "") -> list[Dossier]:
    """`count` dossiers received at the counter (of a procedure of the agency of user `agency_of`, if given)."""
    officer = get_user_model().objects.get(username="tiepnhan")
    # a procedure of the demo without an e-form (the counter form needs none), received at a department
    versions = ProcedureVersion.objects.filter(status="published", effective_to__isnull=True, eform_schema={})
    if agency_of:
        versions = versions.filter(agencies__staff__user__username=agency_of)
    version = versions.exclude(agencies=None).order_by("procedure__code").first()
    assert version is not None
    procedure = version.procedure
    agency = version.agencies.filter(staff__user__username=agency_of).first() if agency_of else None
    agency = agency or version.agencies.order_by("code").first()
    assert agency is not None
    made = []
    for index in range(count):
        data = services.SubmissionData(
            procedure=procedure.code,
            agency=agency.code,
            channel="counter",
            applicant=services.ApplicantData(
                kind="citizen", full_name="Nguyễn Thị Hồng Nhung", id_number=f"0520900{index:05d}", phone="0905123456"
            ),
            documents=[
                services.DocumentData(component=c.code, upload_id=None, copy_kind="original")
                for c in version.components.all()
            ],
        )
        made.append(services.dossier_counter_reception(actor=officer, data=data, decision="receive"))
    return made


def run(repeat: int = 30) -> None:
    call_command("migrate", verbosity=0)
    call_command("load_demo", verbosity=0)
    dossiers = _dossiers(40)
    dossier = dossiers[0]
    today = timezone.localdate()
    start = today - dt.timedelta(days=1)
    print(
        f"official forms: {platform.python_version()}, {platform.machine()}, {len(dossiers)} dossiers, {repeat} renders each"
    )
    cases: list[tuple[str, Callable[[], bytes]]] = [
        ("form 01 (A5, QR code)", lambda: official_forms.render_form(dossier, "01")),
        ("form 05 (A5, control sheet)", lambda: official_forms.render_form(dossier, "05")),
        (
            "tracking book PDF (A4, 40 rows)",
            lambda: tracking_book.tracking_book_pdf(dossier.receiving_agency, start, today),
        ),
        (
            "tracking book XLSX (40 rows)",
            lambda: tracking_book.tracking_book_xlsx(dossier.receiving_agency, start, today),
        ),
    ]
    print(f"{'document':36} {'median ms':>10} {'p95 ms':>8} {'bytes':>8}")
    for name, render in cases:
        median, p95, size = _timed(render, repeat)
        print(f"{name:36} {median:10.1f} {p95:8.1f} {size:8d}")
