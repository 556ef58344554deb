"""Catalogue search and page weight: latency of /api/v1/procedures and /thu-tuc/ at N procedures.

Runs in-process through Django's test client (no network), on the database of DATABASE_URL or a fresh
SQLite file. Prints p50/p95/p99 in milliseconds for a mix of queries, and the bytes of the pages.
"""

from __future__ import annotations

import random
import statistics
import time
from decimal import Decimal

from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import override_settings

WORDS = [
    "đăng ký",
    "khai sinh",
    "kết hôn",
    "chứng thực",
    "bản sao",
    "giấy phép",
    "xây dựng",
    "đất đai",
    "chuyển nhượng",
    "lý lịch",
    "tư pháp",
    "doanh nghiệp",
    "hộ kinh doanh",
    "lao động",
    "văn hóa",
    "giao thông",
    "cấp đổi",
    "cấp lại",
    "điều chỉnh",
    "thay đổi",
    "thông tin",
    "quyền sử dụng",
]
QUERIES = ["dang ky", "khai sinh", "Giấy phép xây dựng", "dat dai", "ly lich tu phap", "doanh nghiep", "xyz"]


def _populate(size: int) -> None:
    from motcua.catalog.models import Component, Field, Procedure, ProcedureVersion
    from motcua.org.models import AdministrativeUnit, Agency

    rng = random.Random(size)
    province, _ = AdministrativeUnit.objects.get_or_create(
        code="52", defaults={"name": "Gia Lai", "kind": "province", "level": "province"}
    )
    agency, _ = Agency.objects.get_or_create(
        code="000.00.05.H21",
        defaults={"name": "Sở Tư pháp", "level": "province", "kind": "department", "administrative_unit": province},
    )
    fields = [
        Field.objects.get_or_create(code=f"F{i}", defaults={"name": f"Lĩnh vực {w}"})[0] for i, w in enumerate(WORDS)
    ]
    start = Procedure.objects.count()
    for index in range(start, size):
        procedure = Procedure.objects.create(code=f"9.{index:06d}")
        name = " ".join(rng.sample(WORDS, 4)).capitalize()
        version = ProcedureVersion.objects.create(
            procedure=procedure,
            number=1,
            name=name,
            field=rng.choice(fields),
            processing_time_value=Decimal(5),
            result="Kết quả",
            online_mode=rng.choice(["full", "partial", "none"]),
        )
        version.agencies.add(agency)
        Component.objects.create(version=version, code="TP1", name="Tờ khai", copy_kinds=["original"])
        ProcedureVersion.objects.filter(pk=version.pk).update(status="published")
        procedure.current_version = version
        procedure.save(update_fields=["current_version"])


def _timed(client: Client, path: str, params: dict[str, str]) -> tuple[float, int]:
    began = time.perf_counter()
    response = client.get(path, params)
    elapsed = (time.perf_counter() - began) * 1000
    assert response.status_code == 200, (path, params, response.status_code)
    return elapsed, len(response.content)


def _percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    q = statistics.quantiles(ordered, n=100)
    return f"p50 {q[49]:.1f} ms  p95 {q[94]:.1f} ms  p99 {q[98]:.1f} ms"


@override_settings(ALLOWED_HOSTS=["testserver"])
def run(*, sizes: list[int]) -> None:
    call_command("migrate", verbosity=0)
    client = Client()
    print(f"database: {connection.vendor}")
    for size in sizes:
        _populate(size)
        for path in ("/api/v1/procedures", "/thu-tuc/"):
            samples = [_timed(client, path, {"q": q})[0] for _ in range(15) for q in QUERIES]
            print(f"{size:>7} procedures  {path:<20} search  {_percentiles(samples)}  ({len(samples)} requests)")
    css = client.get("/static/portal/site.css")
    css_bytes = len(b"".join(css.streaming_content)) if css.streaming else len(css.content)  # type: ignore[attr-defined]
    home = _timed(client, "/", {})[1]
    listing = _timed(client, "/thu-tuc/", {})[1]
    print(f"page weight: / {home} B HTML, /thu-tuc/ {listing} B HTML, site.css {css_bytes} B, no script, no font")
