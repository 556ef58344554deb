"""National portal push: the payload contract, new → update, steps by 10, refusals, and an outage."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import pytest
import time_machine

from motcua.core import outbox
from motcua.core.outbox import OutboxEvent
from motcua.dossiers import services
from motcua.dossiers.models import Dossier, DossierStep
from motcua.integrations import delivery
from motcua.integrations.models import DeliveryRecord, Destination
from motcua.integrations.national_portal import mapping, simulator, sync
from motcua.integrations.national_portal.models import SimulatedPortalCall
from motcua.integrations.national_portal.selectors import sync_status
from motcua.org.models import Role

from .conftest import DjangoClientTransport, World, at, submit_counter, submit_online

Sent = DeliveryRecord.Status.SENT


def relay(moment: dt.datetime) -> outbox.RelayReport:
    with time_machine.travel(moment, tick=False):
        return outbox.relay_pending(now=moment)


def calls(**filters: Any) -> list[SimulatedPortalCall]:
    return list(SimulatedPortalCall.objects.filter(**filters).order_by("pk"))


def test_payload_of_a_received_counter_dossier(world: World) -> None:
    dossier = submit_counter(world, "2026-03-02 09:00")
    dossier = services.dossier_receive(dossier=dossier, actor=world.officer.user, at=at("2026-03-02 09:30"))
    payload = mapping.dossier_payload(dossier)
    assert payload["MaHoSo"] == dossier.code
    assert payload["MaTTHC"] == world.version.procedure.code
    assert payload["TenTTHC"] == world.version.name
    assert payload["MaLinhVuc"] == world.version.field.code
    assert payload["KenhThucHien"] == "1"  # in person
    assert payload["TrangThaiHoSo"] == "2"  # received
    assert payload["LoaiDoiTuong"] == "1"  # citizen
    assert payload["ChuHoSo"] == "Nguyễn Văn An"
    assert payload["SoGiayToChuHoSo"] == "052090001234"
    assert payload["DinhDanhCHS"] == [{"LoaiDinhDanh": "1", "SoDinhDanh": "052090001234"}]
    assert payload["NgayNopHoSo"] == "20260302090000"  # yyyyMMddHHmmss, Vietnam time
    assert payload["NgayTiepNhan"] == "20260302093000"
    assert payload["NgayHenTra"] == mapping.portal_date(dossier.due_at)
    assert len(payload["NgayHenTra"]) == 14
    assert payload["NgayTra"] == ""
    assert payload["NgayTuChoi"] == ""
    assert payload["HinhThuc"] in {"0", "1"}
    assert payload["DuocThanhToanTrucTuyen"] == "0"
    assert payload["TaiKhoanDuocXacThucVoiVNeID"] == "0"
    assert payload["DonViXuLy"] == world.department.name
    assert payload["DanhSachLePhi"] == [
        {
            "TenPhiLePhi": fee.name,
            "MaPhiLePhi": str(fee.pk),
            "HinhThucThu": str(mapping.FEE_COLLECTION[fee.collected_at]),
            "Gia": str(fee.amount),
            "LoaiPhiLePhi": "1",
        }
        for fee in dossier.fees.all()
    ]


def test_payload_of_an_online_dossier_lists_its_documents_and_rejection_date(world: World) -> None:
    dossier = submit_online(world, "2026-03-02 08:00")
    payload = mapping.dossier_payload(dossier)
    assert payload["KenhThucHien"] == "2"
    assert payload["TrangThaiHoSo"] == "1"
    assert payload["NgayNopHoSo"] == "20260302080000"
    assert payload["NgayTiepNhan"] == ""
    assert [d["MaThanhPhanHoSo"] for d in payload["TaiLieuNop"]] == ["TP1", "TP2"]
    assert {(d["DuocSoHoa"], d["DuocTaiSuDung"], d["DuocLayTuKhoDMQG"]) for d in payload["TaiLieuNop"]} == {
        ("0", "0", "0")
    }
    rejected = services.dossier_reject(
        dossier=dossier, actor=world.officer.user, reason="Sai thẩm quyền", at=at("2026-03-02 10:15")
    )
    payload = mapping.dossier_payload(rejected)
    assert payload["TrangThaiHoSo"] == "3"
    assert payload["NgayTuChoi"] == "20260302101500"


def test_status_codes_cover_every_status() -> None:
    assert sorted(mapping.STATUS_CODE.values()) == list(range(1, 11))
    assert sorted(mapping.CHANNEL_CODE.values()) == [1, 2, 3]


def test_events_reach_the_portal_new_then_update(world: World, transport: DjangoClientTransport) -> None:
    t0 = at("2026-03-02 10:00")
    with time_machine.travel(t0, tick=False):
        dossier = submit_counter(world, "2026-03-02 09:00")
    relay(t0)
    first = calls()
    submitted_key = str(OutboxEvent.objects.get(topic="dossier.submitted").key)
    assert [(c.endpoint, c.error_code, c.idempotency_key) for c in first if c.endpoint != "dossiers/steps"] == [
        ("dossiers/new", "0", submitted_key)
    ]
    with time_machine.travel(t0, tick=False):
        services.dossier_receive(dossier=dossier, actor=world.officer.user, at=at("2026-03-02 09:30"))
    relay(t0)
    received_key = str(OutboxEvent.objects.get(topic="dossier.receive").key)
    dossier_calls = [
        (c.endpoint, c.error_code, c.idempotency_key)
        for c in calls(pk__gt=first[-1].pk)
        if c.endpoint != "dossiers/steps"
    ]
    assert dossier_calls == [("dossiers/new", "2", received_key), ("dossiers/update", "0", received_key)]
    assert calls(endpoint="dossiers/update")[0].body["TrangThaiHoSo"] == "2"
    assert [(r.topic, r.status, r.attempts) for r in sync_status(dossier)] == [
        ("dossier.submitted", Sent, 1),
        ("dossier.receive", Sent, 1),
    ]


def test_steps_go_in_calls_of_ten(world: World, transport: DjangoClientTransport) -> None:
    dossier = submit_counter(world, "2026-03-02 09:00")
    DossierStep.objects.filter(dossier=dossier).delete()
    for number in range(1, 24):
        DossierStep.objects.create(
            dossier=dossier,
            sequence=number,
            position=number,
            name=f"Bước {number}",
            role=Role.SPECIALIST,
            agency=world.department,
            state=DossierStep.State.DONE,
            started_at=at("2026-03-02 09:00") + dt.timedelta(minutes=number),
            finished_at=at("2026-03-02 09:00") + dt.timedelta(minutes=number + 1),
        )
    record = delivery.record_for_event(
        dossier=dossier,
        destination=delivery.destination_get(sync.DESTINATION),
        event_key="6f1c1e0a-0000-4000-8000-000000000023",
        topic="dossier.submitted",
    )
    sync.deliver(record)
    step_calls = calls(endpoint="dossiers/steps")
    assert [len(c.body[mapping.STEPS_LIST]) for c in step_calls] == [10, 10, 3]
    assert step_calls[0].body[mapping.STEPS_LIST][0] == {
        "MaHoSo": dossier.code,
        "NguoiXuLy": "",
        "ChucDanh": str(Role.SPECIALIST.label),
        "ThoiDiemXuLy": "20260302090200",
        "PhongBanXuLy": world.department.name,
        "NoiDungXuLy": "Bước 1",
        "TrangThai": "1",
        "NgayBatDau": "20260302090100",
        "NgayKetThucTheoQuyDinh": "",
    }
    assert all(c.idempotency_key.startswith(str(record.event_key) + ":steps:") for c in step_calls)
    record.refresh_from_db()
    assert (record.status, record.progress["accepted"], len(record.progress["steps"])) == (Sent, True, 23)
    # a second event sends the dossier again but no step the portal already has
    again = delivery.record_for_event(
        dossier=dossier, destination=record.destination, event_key="6f1c1e0a-0000-4000-8000-000000000024", topic="x"
    )
    sync.deliver(again)
    assert len(calls(endpoint="dossiers/steps")) == 3


def test_a_refused_dossier_is_dead_at_once_and_never_retried(world: World, transport: DjangoClientTransport) -> None:
    t0 = at("2026-03-02 10:00")
    simulator.STATE.refuse = True
    with time_machine.travel(t0, tick=False):
        dossier = submit_counter(world, "2026-03-02 09:00")
    relay(t0)
    for minutes in (1, 10, 100, 1000):
        relay(t0 + dt.timedelta(minutes=minutes))
    assert [(c.endpoint, c.http_status) for c in calls()] == [("dossiers/new", 400)]
    [row] = sync_status(dossier)
    assert (row.destination, row.status, row.attempts, row.problem) == (sync.DESTINATION, "dead", 1, True)
    record = DeliveryRecord.objects.get(dossier=dossier)
    assert (record.status, record.attempts) == (DeliveryRecord.Status.DEAD, 1)
    assert "HTTP 400" in record.last_error
    assert not OutboxEvent.objects.filter(topic=delivery.RETRY_TOPIC).exists()
    assert Destination.objects.get(name=sync.DESTINATION).circuit == Destination.Circuit.CLOSED
    # the administrator's "send again" once the content is fixed
    simulator.STATE.refuse = False
    with time_machine.travel(t0 + dt.timedelta(days=1), tick=False):
        assert delivery.records_retry(DeliveryRecord.objects.all()) == 1
    relay(t0 + dt.timedelta(days=1))
    record.refresh_from_db()
    assert record.status == Sent


def test_an_outage_opens_the_circuit_and_nothing_is_lost(world: World, transport: DjangoClientTransport) -> None:
    t0 = at("2026-03-02 10:00")
    simulator.STATE.down = True
    with time_machine.travel(t0, tick=False):
        dossiers = [submit_counter(world, f"2026-03-02 09:0{n}") for n in range(4)]
        for dossier in dossiers[:2]:
            services.dossier_receive(dossier=dossier, actor=world.officer.user, at=at("2026-03-02 09:30"))
    events = list(OutboxEvent.objects.filter(topic__startswith="dossier.").order_by("pk"))
    assert len(events) == 6

    relay(t0)  # three real attempts (503), the circuit opens, the three others fail fast
    assert [c.http_status for c in calls()] == [503, 503, 503]
    portal = Destination.objects.get(name=sync.DESTINATION)
    assert (portal.circuit, portal.opened_until) == (Destination.Circuit.OPEN, t0 + dt.timedelta(seconds=60))
    assert Counter(r.status for r in DeliveryRecord.objects.all()) == {DeliveryRecord.Status.FAILED: 6}
    assert sorted(r.attempts for r in DeliveryRecord.objects.all()) == [0, 0, 0, 1, 1, 1]

    relay(t0 + dt.timedelta(seconds=30))  # still open: nothing is due, nothing is called
    assert len(calls()) == 3
    relay(t0 + dt.timedelta(seconds=61))  # cool-down over, portal still down: one probe, open again
    assert len(calls()) == 4
    portal.refresh_from_db()
    assert (portal.circuit, portal.opened_until) == (Destination.Circuit.OPEN, t0 + dt.timedelta(seconds=121))

    simulator.STATE.down = False
    relay(t0 + dt.timedelta(seconds=200))  # the probe succeeds, the circuit closes, everything goes
    relay(t0 + dt.timedelta(seconds=400))
    portal.refresh_from_db()
    assert (portal.circuit, portal.consecutive_failures) == (Destination.Circuit.CLOSED, 0)
    assert not OutboxEvent.objects.exclude(state=OutboxEvent.State.DELIVERED).exists()
    assert {r.status for r in DeliveryRecord.objects.all()} == {Sent}

    accepted = [c for c in calls(http_status=200) if c.endpoint != "dossiers/steps" and c.error_code == "0"]
    # exactly one accepted dossier call per event, under the event's key
    assert sorted(c.idempotency_key for c in accepted) == sorted(str(e.key) for e in events)
    # the portal ends with every dossier in its latest status
    latest = {c.dossier_code: c.body["TrangThaiHoSo"] for c in accepted}
    assert latest == {d.code: str(Dossier.objects.get(pk=d.pk).status_code) for d in dossiers}
    # every step delivered exactly once
    sent_steps = [
        mapping.digest(step)
        for c in calls(endpoint="dossiers/steps", error_code="0")
        for step in c.body[mapping.STEPS_LIST]
    ]
    expected = [mapping.digest(step) for d in dossiers for step in mapping.step_payloads(d)]
    assert len(sent_steps) == len(set(sent_steps))
    assert set(expected) <= set(sent_steps)


def test_off_when_no_portal_and_no_simulator(world: World, settings: Any) -> None:
    settings.MOTCUA_NATIONAL_PORTAL_URL = ""
    settings.MOTCUA_NATIONAL_PORTAL_SIMULATOR = False
    submit_counter(world, "2026-03-02 09:00")
    outbox.relay_pending()
    assert not DeliveryRecord.objects.exists()
    assert not SimulatedPortalCall.objects.exists()


def test_the_simulator_url_is_closed_unless_enabled(client: Any, settings: Any, db: Any) -> None:
    settings.MOTCUA_NATIONAL_PORTAL_SIMULATOR = False
    assert client.post("/mo-phong/dvcqg/dossiers/new", data={}, content_type="application/json").status_code == 404
    settings.MOTCUA_NATIONAL_PORTAL_SIMULATOR = True
    answer = client.post("/mo-phong/dvcqg/dossiers/new", data={"MaHoSo": "X-1"}, content_type="application/json")
    assert (answer.status_code, answer.json()) == (200, {"error_code": "0", "message": "Thành công"})


@pytest.mark.parametrize(("number", "expected"), [("052090001234", "1"), ("123456789", "2")])
def test_identity_document_kinds(number: str, expected: str) -> None:
    assert mapping._identity_documents(number)[0]["LoaiDinhDanh"] == expected


def test_the_dossier_page_shows_the_sync_status(world: World, transport: DjangoClientTransport) -> None:
    from django.test import Client

    t0 = at("2026-03-02 10:00")
    with time_machine.travel(t0, tick=False):
        dossier = submit_counter(world, "2026-03-02 09:00")
    relay(t0)
    client = Client()
    client.force_login(world.officer.user)
    page = client.get(f"/can-bo/ho-so/{dossier.code}/").content.decode()
    assert "Gửi sang hệ thống khác, thông báo" in page
    assert "<td>Cổng Dịch vụ công quốc gia</td><td>dossier.submitted</td><td>Đã gửi</td>" in page
