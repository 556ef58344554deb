"""Procedures exported by the national procedure database become catalogue versions (all or nothing)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from motcua.catalog.models import Procedure
from motcua.integrations.inbound import catalog
from motcua.integrations.inbound.models import CodeMapping
from tests.integrations.inbound.conftest import World

pytestmark = pytest.mark.django_db


def national(code: str = "1.000894", **changes: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        catalog.CODE: code,
        catalog.NAME: "Đăng ký kết hôn",
        catalog.FIELD_CODE: "G09-TP04",
        catalog.FIELD_NAME: "Hộ tịch",
        catalog.LEVELS: ["Cấp Xã"],
        catalog.SUBJECTS: ["Công dân Việt Nam", "Người nước ngoài"],
        catalog.STEPS: [{catalog.STEP_NAME: "Nộp hồ sơ"}, {catalog.STEP_NAME: "Trả kết quả"}],
        catalog.WAYS: [
            {
                catalog.WAY_CHANNEL: "Trực tiếp",
                catalog.WAY_TIME: "1",
                catalog.WAY_UNIT: "Ngày làm việc",
                catalog.WAY_FEES: [{catalog.FEE_KIND: "Lệ phí", catalog.FEE_AMOUNT: "Miễn lệ phí"}],
            },
            {catalog.WAY_CHANNEL: "Trực tuyến", catalog.WAY_TIME: "1", catalog.WAY_UNIT: "Ngày làm việc"},
        ],
        catalog.COMPONENTS: [
            {
                catalog.COMPONENT_NAME: "Tờ khai đăng ký kết hôn",
                catalog.COMPONENT_ORIGINALS: "1",
                catalog.COMPONENT_COPIES: "0",
            }
        ],
        catalog.RESULTS: ["Giấy chứng nhận kết hôn"],
        catalog.LEGAL_BASES: [{catalog.LEGAL_NUMBER: "60/2014/QH13", catalog.LEGAL_TITLE: "Luật Hộ tịch"}],
        catalog.AGENCIES: ["Ủy ban nhân dân xã"],
        catalog.LEVEL_OF_SERVICE: "4",
    }
    item.update(changes)
    return item


def test_the_national_format_becomes_the_exchange_document(world: World) -> None:
    document = catalog.to_catalog_document([national()], agencies=[world.department.code])
    procedure = document["procedures"][0]
    assert document["fields"] == [{"code": "G09-TP04", "name": "Hộ tịch"}]
    assert (procedure["code"], procedure["online_mode"], procedure["methods"]) == (
        "1.000894",
        "full",
        ["counter", "online"],
    )
    assert procedure["subjects"] == ["citizen", "foreigner"] and procedure["competence_levels"] == ["commune"]
    assert procedure["processing_time"] == {"value": 1, "unit": "working_days"}
    assert procedure["legal_bases"] == ["60/2014/QH13 Luật Hộ tịch"] and procedure["agencies"] == [
        world.department.code
    ]
    assert procedure["fees"] == []  # "Miễn lệ phí" has no amount
    # an agency named by the national data is mapped when a mapping exists
    CodeMapping.objects.create(
        kind=CodeMapping.Kind.AGENCY, external_code="Ủy ban nhân dân xã", local_code=world.other_department.code
    )
    mapped = catalog.to_catalog_document([national()], agencies=[world.department.code])
    assert mapped["procedures"][0]["agencies"] == [world.other_department.code]


def test_the_command_imports_all_or_nothing(world: World, tmp_path: Path) -> None:
    good = tmp_path / "good.json"
    good.write_text(
        json.dumps([national(), national("1.000895", **{catalog.NAME: "Đăng ký lại kết hôn"})]), encoding="utf-8"
    )
    call_command("import_national_catalog", str(good), "--agency", world.department.code, verbosity=0)
    assert Procedure.objects.filter(code__in=["1.000894", "1.000895"]).count() == 2
    version = Procedure.objects.get(code="1.000894").current_version
    assert version is not None and version.name == "Đăng ký kết hôn" and version.online_mode == "full"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([national("1.000896"), national("1.000897", **{catalog.WAYS: []})]), encoding="utf-8")
    with pytest.raises(CommandError, match="invalid row"):
        call_command("import_national_catalog", str(bad), "--agency", world.department.code, verbosity=0)
    assert not Procedure.objects.filter(code__in=["1.000896", "1.000897"]).exists()
