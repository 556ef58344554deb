"""The API's orjson renderer writes the values Django Ninja's json renderer writes (motcua.api.renderers)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import uuid
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils.translation import gettext_lazy
from ninja.responses import NinjaJSONEncoder

from motcua.api.renderers import JSONRenderer
from motcua.dossiers.models import Status

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def _ninja(data: object) -> bytes:
    return json.dumps(data, cls=NinjaJSONEncoder).encode()


def _ours(data: object) -> bytes:
    return JSONRenderer().render(None, data, response_status=200)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "data",
    [
        {"items": [{"code": "000.00.02.H21-260302-0001", "applicant": {"full_name": "Nguyễn Văn An"}}], "next": None},
        {
            "utc": dt.datetime(2026, 3, 2, 2, 0, 0, 123456, tzinfo=dt.UTC),
            "local": dt.datetime(2026, 3, 2, 9, 0, tzinfo=VN),
            "naive": dt.datetime(2026, 3, 2, 9, 0, 0, 500),
            "day": dt.date(2026, 9, 2),
            "time": dt.time(8, 30, 15, 250000),
        },
        {
            "amount": Decimal("200000.50"),
            "id": uuid.UUID(int=7),
            "status": Status.RECEIVED,
            "label": gettext_lazy("Hạn"),
        },
        {1: "one", 2: ["two", 2.5, True, None]},
        {"big": 2**70, "list": [2**64]},
        [],
        "tiếng Việt",
    ],
)
def test_the_same_values_as_ninja_s_renderer(data: object) -> None:
    assert json.loads(_ours(data)) == json.loads(_ninja(data))


def test_dates_and_times_are_written_as_django_writes_them() -> None:
    moment = dt.datetime(2026, 3, 2, 2, 0, 0, 123456, tzinfo=dt.UTC)
    assert json.loads(_ours({"at": moment})) == {"at": "2026-03-02T02:00:00.123Z"}


def test_what_neither_can_write_is_refused_as_before() -> None:
    @dataclasses.dataclass
    class Thing:
        name: str

    with pytest.raises(TypeError):
        _ninja({"thing": Thing("x")})
    with pytest.raises(TypeError):
        _ours({"thing": Thing("x")})


@pytest.mark.django_db
def test_the_api_answers_with_it() -> None:
    answer = Client().get("/api/v1/procedures?q=thường%20trú")
    assert answer.status_code == 200 and answer["Content-Type"].startswith("application/json")
    assert answer.content.startswith(b'{"') and b'": ' not in answer.content[:200]  # orjson's compact form
    assert isinstance(answer.json(), dict)
