"""Population database: simulator, gateway adapter (against a local fake server), lookup service and its log."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from motcua.catalog import eforms
from motcua.core.errors import InvalidInput
from motcua.integrations.models import PopulationLookup, mask_id_number
from motcua.integrations.population import registry
from motcua.integrations.population.base import PopulationUnavailable
from motcua.integrations.population.gateway import GatewayAdapter, parse_response
from motcua.integrations.population.services import CITIZEN_DAILY_LIMIT, population_lookup
from motcua.integrations.population.simulator import CITIZENS, SimulatorAdapter
from motcua.org.models import Role
from tests.factories import PASSWORD, AgencyFactory, UserFactory, make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer() -> Any:
    return make_staff(Role.ONE_STOP_OFFICER, username="tiepnhan.dancu", agency=AgencyFactory()).user


def lookup(actor: Any, **values: Any) -> Any:
    data: dict[str, Any] = {
        "id_number": "052090001234",
        "full_name": "Nguyễn Văn An",
        "birth_year": 1990,
        "purpose": "Kiểm tra thông tin người nộp hồ sơ",
        "dossier_code": "000.00.01.H21-260302-0001",
    }
    data.update(values)
    return population_lookup(actor=actor, **data)


# ---- simulator -------------------------------------------------------------------------------------------


def test_simulator_ids_follow_the_national_rule() -> None:
    assert len(CITIZENS) == 10
    for citizen in CITIZENS:
        assert citizen.birth_date is not None
        digit = int(citizen.id_number[3])
        century = 1900 + 100 * (digit // 2)
        assert citizen.birth_date.year - century == int(citizen.id_number[4:6]), citizen.id_number
        assert (digit % 2 == 1) == (citizen.gender == "female"), citizen.id_number
        assert citizen.permanent_address is not None and citizen.permanent_address.province_code == "52"


def test_simulator_matches_name_regardless_of_case_and_diacritics() -> None:
    adapter = SimulatorAdapter()
    citizen = adapter.lookup(id_number="052090001234", full_name="NGUYEN VAN AN", birth_year=1990)
    assert citizen is not None
    assert (citizen.full_name, citizen.birth_date) == ("Nguyễn Văn An", dt.date(1990, 3, 2))
    assert adapter.lookup(id_number="052090001234", full_name="Nguyễn Văn Ân", birth_year=1990) is not None
    assert adapter.lookup(id_number="052090001234", full_name="Nguyễn Văn Anh", birth_year=1990) is None
    assert adapter.lookup(id_number="052090001234", full_name="Nguyễn Văn An", birth_year=1991) is None
    assert adapter.lookup(id_number="052090009999", full_name="Nguyễn Văn An", birth_year=1990) is None


# ---- service and log ---------------------------------------------------------------------------------


def test_lookup_found_is_logged_with_who_and_why(officer: Any) -> None:
    citizen = lookup(officer)
    assert citizen is not None
    assert citizen.permanent_address is not None
    assert citizen.permanent_address.ward_code == "21583"
    assert citizen.permanent_address.full == "Số 12 đường Lê Lợi, tổ 3, phường Quy Nhơn, tỉnh Gia Lai"
    assert citizen.mother is not None and citizen.mother.full_name == "Trần Thị Cúc"
    row = PopulationLookup.objects.get()
    assert (row.actor, row.actor_name, row.purpose, row.dossier_code) == (
        officer,
        "tiepnhan.dancu",
        "Kiểm tra thông tin người nộp hồ sơ",
        "000.00.01.H21-260302-0001",
    )
    assert (row.id_number, row.id_number_masked, row.birth_year) == ("052090001234", "********1234", 1990)
    assert (row.result, row.adapter, len(row.request_id)) == ("found", "simulator", 32)


def test_name_mismatch_returns_nothing_and_is_logged(officer: Any) -> None:
    assert lookup(officer, full_name="Nguyễn Văn Bình") is None
    assert lookup(officer, birth_year=1989) is None
    assert list(PopulationLookup.objects.order_by("pk").values_list("result", flat=True)) == [
        "not_found",
        "not_found",
    ]


@pytest.mark.parametrize(
    ("values", "errors"),
    [
        ({"id_number": "05209000123"}, [("id_number", "Số định danh cá nhân phải gồm đúng 12 chữ số.")]),
        ({"id_number": "05209000123a"}, [("id_number", "Số định danh cá nhân phải gồm đúng 12 chữ số.")]),
        ({"full_name": "  "}, [("full_name", "Nhập họ và tên.")]),
        ({"birth_year": 1899}, [("birth_year", f"Năm sinh phải từ 1900 đến {timezone.localdate().year}.")]),
        ({"purpose": ""}, [("purpose", "Nêu mục đích tra cứu.")]),
    ],
)
def test_bad_input_is_refused_and_not_logged(officer: Any, values: dict[str, Any], errors: list[Any]) -> None:
    with pytest.raises(InvalidInput) as caught:
        lookup(officer, **values)
    assert [(e.field, e.message) for e in caught.value.errors] == errors
    assert PopulationLookup.objects.count() == 0


def test_staff_without_reception_or_processing_role_is_refused(officer: Any) -> None:
    monitor = make_staff(Role.MONITOR, username="baocao.dancu").user
    with pytest.raises(PermissionDenied):
        lookup(monitor)
    anonymous = type("Anonymous", (), {"is_authenticated": False, "is_active": False})()
    with pytest.raises(PermissionDenied):
        lookup(anonymous)
    assert PopulationLookup.objects.count() == 0


def test_a_citizen_may_look_up_a_limited_number_of_times() -> None:
    citizen = UserFactory(username="congdan.dancu")
    for _index in range(CITIZEN_DAILY_LIMIT):
        lookup(citizen, purpose="Điền sẵn tờ khai", dossier_code="")
    with pytest.raises(PermissionDenied):
        lookup(citizen, purpose="Điền sẵn tờ khai")
    assert PopulationLookup.objects.filter(actor=citizen).count() == CITIZEN_DAILY_LIMIT


def test_log_rows_cannot_be_changed(officer: Any) -> None:
    lookup(officer)
    row = PopulationLookup.objects.get()
    row.purpose = "khác"
    with pytest.raises(Exception, match="không được sửa"):
        row.save()


def test_mask_keeps_the_last_four_digits() -> None:
    assert mask_id_number("052090001234") == "********1234"
    assert mask_id_number("12") == "12"


def test_citizen_as_prefill_source_fills_an_eform() -> None:
    citizen = SimulatorAdapter().lookup(id_number="052192004567", full_name="Lê Thị Hồng Nhung", birth_year=1992)
    assert citizen is not None
    source = citizen.as_source()
    assert source["birth_date"] == "1992-07-15"
    assert source["permanent_ward_code"] == "21583"
    assert source["spouse_name"] == "Nguyễn Văn An"
    items = eforms.fields(
        {
            "type": "object",
            "properties": {
                "name": {"type": "string", "title": "Họ tên"},
                "born": {"type": "string", "format": "date", "title": "Ngày sinh"},
                "sex": {
                    "type": "string",
                    "title": "Giới tính",
                    "oneOf": [{"const": "male", "title": "Nam"}, {"const": "female", "title": "Nữ"}],
                },
            },
        },
        {
            "name": {"prefill": "population.full_name"},
            "born": {"prefill": "population.birth_date"},
            "sex": {"prefill": "population.gender"},
        },
    )
    values = eforms.prefill(items, {"population": source})
    assert dict(values) == {"name": "Lê Thị Hồng Nhung", "born": "1992-07-15", "sex": "female"}


# ---- registry ---------------------------------------------------------------------------------------------


def test_registry_chooses_from_settings(settings: Any) -> None:
    assert registry.get_adapter().name == "simulator"
    assert registry.configuration_check() == []
    settings.MOTCUA_POPULATION_ADAPTER = "nowhere"
    with pytest.raises(ImproperlyConfigured):
        registry.get_adapter()
    settings.MOTCUA_POPULATION_ADAPTER = "gateway"
    settings.MOTCUA_POPULATION_GATEWAY_URL = ""
    assert registry.configuration_check() == [
        "MOTCUA_POPULATION_GATEWAY_URL must be an http(s) address",
        "MOTCUA_POPULATION_INTEGRATION_CODE and MOTCUA_POPULATION_SERVICE_CODE are required",
    ]


# ---- gateway adapter against a local fake server ---------------------------------------------------------

ANSWER = """<?xml version="1.0" encoding="utf-8"?>
<KetQua xmlns="urn:example:dancu"><CongDan>
  <SoDinhDanh>052090001234</SoDinhDanh><SoCMND>215000111</SoCMND><HoVaTen>Nguyễn Văn An</HoVaTen>
  <GioiTinh>1</GioiTinh><DanToc>01</DanToc><TonGiao>Không</TonGiao><TinhTrangHonNhan>2</TinhTrangHonNhan>
  <NhomMau>O</NhomMau><NgayThangNamSinh><NgayThangNam>19900302</NgayThangNam></NgayThangNamSinh>
  <NoiDangKyKhaiSinh>Phường Quy Nhơn, tỉnh Gia Lai</NoiDangKyKhaiSinh><QueQuan>Xã Phù Cát, tỉnh Gia Lai</QueQuan>
  <ThuongTru><MaTinh>52</MaTinh><MaXa>21583</MaXa><ChiTiet>Số 12 đường Lê Lợi, tổ 3</ChiTiet></ThuongTru>
  <QuocTich>VN</QuocTich>
  <Cha><HoVaTen>Nguyễn Văn Bình</HoVaTen><SoDinhDanh>052061000452</SoDinhDanh><QuocTich>VN</QuocTich></Cha>
  <Me><HoVaTen>Trần Thị Cúc</HoVaTen></Me>
</CongDan></KetQua>""".encode()


class FakeGateway(BaseHTTPRequestHandler):
    requests: list[tuple[dict[str, str], dict[str, Any]]] = []
    answer: bytes = ANSWER
    status = 200
    delay = 0.0

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        FakeGateway.requests.append((dict(self.headers), body))
        if FakeGateway.delay:
            threading.Event().wait(FakeGateway.delay)
        self.send_response(FakeGateway.status)
        self.send_header("Content-Type", "application/xml")
        self.end_headers()
        self.wfile.write(FakeGateway.answer if body["SoDinhDanh"] == "052090001234" else b"<KetQua/>")

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def gateway(settings: Any) -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), FakeGateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    FakeGateway.requests = []
    FakeGateway.answer, FakeGateway.status, FakeGateway.delay = ANSWER, 200, 0.0
    url = f"http://127.0.0.1:{server.server_address[1]}/dancu/tracuu"
    settings.MOTCUA_POPULATION_ADAPTER = "gateway"
    settings.MOTCUA_POPULATION_GATEWAY_URL = url
    settings.MOTCUA_POPULATION_GATEWAY_TOKEN = "secret-token"
    settings.MOTCUA_POPULATION_INTEGRATION_CODE = "MOTCUA-GL"
    settings.MOTCUA_POPULATION_SERVICE_CODE = "TRACUU-CD"
    settings.MOTCUA_POPULATION_TIMEOUT = 0.5
    yield url
    server.shutdown()
    server.server_close()


def test_gateway_request_and_answer(gateway: str, officer: Any) -> None:
    citizen = lookup(officer)
    assert citizen is not None
    assert (citizen.full_name, citizen.birth_date, citizen.gender) == ("Nguyễn Văn An", dt.date(1990, 3, 2), "male")
    assert (citizen.ethnicity, citizen.marital_status, citizen.nationality) == ("Kinh", "Đã kết hôn", "Việt Nam")
    assert citizen.permanent_address is not None
    assert (citizen.permanent_address.ward_code, citizen.permanent_address.line) == (
        "21583",
        "Số 12 đường Lê Lợi, tổ 3",
    )
    assert citizen.father is not None and citizen.father.id_number == "052061000452"
    headers, body = FakeGateway.requests[0]
    row = PopulationLookup.objects.get()
    assert body == {
        "MaYeuCau": row.request_id,
        "MaTichHop": "MOTCUA-GL",
        "MaDVC": "TRACUU-CD",
        "MaCanBo": "tiepnhan.dancu",
        "SoDinhDanh": "052090001234",
        "HoVaTen": "NGUYEN VAN AN",
        "NamSinh": "1990",
    }
    assert headers["Authorization"] == "Bearer secret-token"
    assert (row.result, row.adapter) == ("found", "gateway")


def test_gateway_without_record_or_with_other_name_returns_nothing(gateway: str, officer: Any) -> None:
    assert lookup(officer, id_number="064088012345", full_name="Trần Quốc Bảo", birth_year=1988) is None
    assert lookup(officer, full_name="Nguyễn Văn Bình") is None
    assert list(PopulationLookup.objects.values_list("result", flat=True)) == ["not_found", "not_found"]


@pytest.mark.parametrize("trouble", ["timeout", "status", "error", "doctype"])
def test_gateway_trouble_raises_and_is_logged(gateway: str, officer: Any, trouble: str) -> None:
    if trouble == "timeout":
        FakeGateway.delay = 1.5
    elif trouble == "status":
        FakeGateway.status = 500
    elif trouble == "error":
        FakeGateway.answer = b"<Error><Code>99</Code></Error>"
    else:
        FakeGateway.answer = b'<!DOCTYPE x [<!ENTITY a "aaaa">]><KetQua>&a;</KetQua>'
    with pytest.raises(PopulationUnavailable) as caught:
        lookup(officer)
    assert caught.value.status == 503
    row = PopulationLookup.objects.get()
    assert row.result == "error"
    assert row.detail.startswith("population gateway")


def test_parse_response_without_citizen_is_none() -> None:
    assert parse_response(b"<KetQua><CongDan></CongDan></KetQua>") is None
    with pytest.raises(PopulationUnavailable):
        parse_response(b"not xml")


def test_gateway_refuses_a_non_http_address() -> None:
    adapter = GatewayAdapter(url="file:///etc/passwd", integration_code="A", service_code="B")
    with pytest.raises(PopulationUnavailable):
        adapter.lookup(id_number="052090001234", full_name="An", birth_year=1990)


# ---- admin ----------------------------------------------------------------------------------------------


def _client(user: Any) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_admin_lists_lookups_masked_and_read_only(officer: Any) -> None:
    lookup(officer)
    admin = make_staff(Role.PROVINCE_ADMIN, username="quantri.dancu").user
    admin.is_staff = True
    admin.save()
    client = _client(admin)
    response = client.get(reverse("admin:integrations_populationlookup_changelist"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "********1234" in html
    assert "052090001234" not in html
    assert "Kiểm tra thông tin người nộp hồ sơ" in html
    row = PopulationLookup.objects.get()
    detail = client.get(reverse("admin:integrations_populationlookup_change", args=[row.pk]))
    assert detail.status_code == 200
    assert "052090001234" not in detail.content.decode()
    assert client.post(reverse("admin:integrations_populationlookup_change", args=[row.pk]), {}).status_code == 403
    assert client.get(reverse("admin:integrations_populationlookup_add")).status_code == 403


def test_admin_log_is_refused_to_officers_and_citizens(officer: Any) -> None:
    officer.is_staff = True
    officer.save()
    url = reverse("admin:integrations_populationlookup_changelist")
    assert _client(officer).get(url).status_code == 403
    citizen = UserFactory(username="congdan.log")
    assert _client(citizen).get(url).status_code == 302
