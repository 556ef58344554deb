"""Reliable delivery with a circuit breaker per destination: webhooks, SMS, VNPost and the VNPAY querydr.

Each outage test takes the remote side down for several events, shows that the circuit opens (no call while
it is open, one probe after the cool-down), brings the remote back and shows every event delivered exactly
once and nothing lost. Then: a dead letter sent again from the admin arrives, and the dossier page lists
every destination's deliveries.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from motcua.clients import webhooks
from motcua.clients.models import WebhookDelivery, WebhookSubscription
from motcua.core import outbox
from motcua.core.outbox import OutboxEvent
from motcua.dossiers import services as dossier_services
from motcua.dossiers.models import Dossier
from motcua.integrations import delivery
from motcua.integrations.models import DeliveryRecord, Destination, PostalOrder
from motcua.integrations.national_portal.selectors import sync_status
from motcua.integrations.post import services as post_services
from motcua.notify.channels import simulator as notify_simulator
from motcua.notify.channels.sms import SmsSimulator
from motcua.notify.models import Message
from motcua.org.models import AdministrativeUnit, Role
from motcua.payments import services as payment_services
from motcua.payments.models import PaymentRequest, PaymentState
from motcua.payments.providers import vnpay
from tests.dossiers.conftest import World, applicant, at, submit_counter, submit_online, world
from tests.factories import PASSWORD, CommuneFactory, ProvinceFactory, make_staff

__all__ = ["world"]

Open, Closed = Destination.Circuit.OPEN, Destination.Circuit.CLOSED
T0 = "2026-03-02 10:00"
COOLDOWN = 60
SECRET = "vnpay-test-secret-0123456789"


def later(seconds: float) -> dt.datetime:
    return at(T0) + dt.timedelta(seconds=seconds)


def relay(moment: dt.datetime) -> outbox.RelayReport:
    with time_machine.travel(moment, tick=False):
        return outbox.relay_pending(now=moment)


def relay_until_quiet(start: float, *, step: float = 200, rounds: int = 6) -> None:
    for number in range(rounds):
        relay(later(start + number * step))


def circuit(name: str) -> tuple[str, dt.datetime | None]:
    destination = Destination.objects.get(name=name)
    return destination.circuit, destination.opened_until


@pytest.fixture(autouse=True)
def _breaker(settings: Any) -> Iterator[None]:
    """Three failures open a circuit for a minute; the national portal off; notifications really sent."""
    settings.MOTCUA_DELIVERY_CIRCUIT_THRESHOLD = 3
    settings.MOTCUA_DELIVERY_CIRCUIT_COOLDOWN = COOLDOWN
    settings.MOTCUA_NATIONAL_PORTAL_URL = ""
    settings.MOTCUA_NATIONAL_PORTAL_SIMULATOR = False
    settings.MOTCUA_NOTIFY_TEST_MODE = False
    settings.MOTCUA_SMS_PROVIDER = "simulator"
    settings.MOTCUA_ZALO_PROVIDER = "simulator"
    settings.MOTCUA_POST_PROVIDER = "simulator"
    cache.clear()
    notify_simulator.clear()
    yield
    notify_simulator.clear()
    cache.clear()


# ---- fakes of the remote sides ----------------------------------------------------------------------------


@dataclass
class Receiver:
    """A webhook subscriber: refuses connections while down, answers `status` otherwise."""

    down: bool = False
    status: int = 200
    calls: list[dict[str, Any]] = field(default_factory=list)

    def __call__(self, url: str, body: bytes, headers: dict[str, str], timeout: float) -> webhooks.Answer:
        self.calls.append({"url": url, "headers": dict(headers), "down": self.down, "status": self.status})
        if self.down:
            raise ConnectionRefusedError("connection refused")
        return webhooks.Answer(status=self.status)

    def accepted_keys(self) -> list[str]:
        return [c["headers"]["Idempotency-Key"] for c in self.calls if not c["down"] and c["status"] < 300]


@pytest.fixture
def receiver(monkeypatch: pytest.MonkeyPatch) -> Receiver:
    fake = Receiver()
    monkeypatch.setattr(webhooks, "transport", fake)
    return fake


class FakeServer:
    """A local HTTP server answering JSON POSTs with `answer(path, body)`, or 503 while `down`."""

    def __init__(self, answer: Callable[[str, dict[str, Any]], dict[str, Any]]) -> None:
        self.answer = answer
        self.down = False
        self.calls: list[tuple[str, dict[str, Any], int]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                status, payload = (503, {"error": "down"}) if fake.down else (200, fake.answer(self.path, body))
                fake.calls.append((self.path, body, status))
                content = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# ---- webhooks ---------------------------------------------------------------------------------------------


def test_webhook_outage_opens_the_subscribers_circuit_and_every_event_arrives_once(
    world: World, receiver: Receiver
) -> None:
    subscription = WebhookSubscription.objects.create(
        name="Sở Tư pháp", url="https://hooks.example.vn/motcua", topics=["dossier.submitted"]
    )
    name = f"webhook:{subscription.pk}"
    receiver.down = True
    with time_machine.travel(later(0), tick=False):
        dossiers = [submit_counter(world, f"2026-03-02 09:0{n}") for n in range(5)]
    events = list(OutboxEvent.objects.filter(topic="dossier.submitted").order_by("pk"))
    assert len(events) == 5

    relay(later(0))  # three refused connections open the circuit; the two other deliveries are not attempted
    assert len(receiver.calls) == 3
    assert circuit(name) == (Open, later(COOLDOWN))
    records = DeliveryRecord.objects.filter(destination__name=name)
    assert Counter(r.status for r in records) == {"failed": 5}
    assert sorted(r.attempts for r in records) == [0, 0, 1, 1, 1]
    assert {r.dossier_id for r in records} == {d.pk for d in dossiers}

    relay(later(30))  # retries due (10 s back-off) but the circuit is open: nothing is called
    assert len(receiver.calls) == 3
    relay(later(COOLDOWN + 1))  # cool-down over, still down: one probe, open again
    assert len(receiver.calls) == 4
    assert circuit(name) == (Open, later(2 * COOLDOWN + 1))

    receiver.down = False
    relay_until_quiet(2 * COOLDOWN + 10)
    assert circuit(name)[0] == Closed
    assert sorted(receiver.accepted_keys()) == sorted(str(e.key) for e in events)  # each event once
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"delivered"}
    assert set(DeliveryRecord.objects.values_list("status", flat=True)) == {"sent"}
    assert not OutboxEvent.objects.exclude(state="delivered").exists()


def test_a_refused_webhook_is_a_dead_letter_the_admin_sends_again(world: World, receiver: Receiver) -> None:
    subscription = WebhookSubscription.objects.create(
        name="Sở Tư pháp", url="https://hooks.example.vn/motcua", topics=["dossier.submitted"]
    )
    receiver.status = 410
    with time_machine.travel(later(0), tick=False):
        submit_counter(world, "2026-03-02 09:00")
    relay(later(0))
    record = DeliveryRecord.objects.get()
    assert (record.status, record.attempts) == ("dead", 1)
    assert "HTTP 410" in record.last_error
    assert WebhookDelivery.objects.get().status == "failed"
    assert circuit(f"webhook:{subscription.pk}")[0] == Closed  # it answered: not an outage
    relay_until_quiet(10)
    assert len(receiver.calls) == 1  # a refusal is not retried by itself

    changelist = reverse("admin:integrations_deliveryrecord_changelist")
    payload = {"action": "send_again", "_selected_action": [record.pk]}
    officer = Client()
    officer.force_login(world.officer.user)
    assert officer.post(changelist, payload).status_code in (302, 403)
    record.refresh_from_db()
    assert record.status == "dead"  # an officer cannot replay

    receiver.status = 200  # the subscriber fixed its side
    admin = make_staff(Role.PROVINCE_ADMIN, agency=world.committee, username="quantri.gui", is_staff=True)
    client = Client()
    assert client.login(username=admin.user.username, password=PASSWORD)
    with time_machine.travel(later(3600), tick=False):
        assert client.post(changelist, payload).status_code == 302
    record.refresh_from_db()
    assert (record.status, record.attempts) == ("pending", 0)
    relay(later(3600))
    record.refresh_from_db()
    assert (record.status, record.attempts) == ("sent", 1)
    assert WebhookDelivery.objects.get().status == "delivered"
    assert len(receiver.accepted_keys()) == 1


# ---- notifications (SMS) ----------------------------------------------------------------------------------


def test_sms_outage_opens_the_channels_circuit_and_each_code_is_sent_once(
    db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_send = SmsSimulator.send
    state = {"down": True, "calls": 0}

    def gateway(self: SmsSimulator, message: Message) -> Any:
        state["calls"] += 1
        if state["down"]:
            raise ConnectionError("SMS gateway unreachable")
        return real_send(self, message)

    monkeypatch.setattr(SmsSimulator, "send", gateway)
    numbers = [f"091200000{n}" for n in range(5)]
    with time_machine.travel(later(0), tick=False):
        for number in numbers:
            outbox.emit(
                "account.code",
                payload={"channel": "sms", "recipient": number, "code": "123456", "purpose": "register"},
            )

    relay(later(0))
    assert state["calls"] == 3
    assert circuit("sms") == (Open, later(COOLDOWN))
    messages = Message.objects.order_by("pk")
    assert {m.status for m in messages} == {"queued"}
    assert sorted(m.attempts for m in messages) == [0, 0, 1, 1, 1]
    waiting = [m for m in messages if m.attempts == 0]
    assert all(m.error.startswith("circuit of sms open until") for m in waiting)
    assert all(m.next_attempt_at == later(COOLDOWN) for m in waiting)

    relay(later(30))  # the failed ones are due (10 s), the circuit is open: no call
    assert state["calls"] == 3
    relay(later(COOLDOWN + 1))  # one probe, still down
    assert state["calls"] == 4
    assert circuit("sms")[0] == Open

    state["down"] = False
    relay_until_quiet(2 * COOLDOWN + 10)
    assert circuit("sms")[0] == Closed
    assert sorted(item.recipient for item in notify_simulator.outbox) == sorted("84" + n[1:] for n in numbers)
    assert {m.status for m in Message.objects.all()} == {"sent"}
    assert not OutboxEvent.objects.exclude(state="delivered").exists()


# ---- VNPost -----------------------------------------------------------------------------------------------


@pytest.fixture
def ward(db: Any) -> AdministrativeUnit:
    return CommuneFactory(code="21583", name="Phường Quy Nhơn", parent=ProvinceFactory())


@pytest.fixture
def vnpost(settings: Any) -> Iterator[FakeServer]:
    created: Counter[str] = Counter()

    def answer(path: str, body: dict[str, Any]) -> dict[str, Any]:
        if path.endswith("/order/create"):
            created[body["OrderNumber"]] += 1
            return {"Status": "100", "Message": "Thành công", "ItemCode": f"EB{len(created):08d}5VN"}
        return {"Status": "true", "Message": ""}

    server = FakeServer(answer)
    server.created = created  # type: ignore[attr-defined]
    settings.MOTCUA_POST_PROVIDER = "vnpost"
    settings.MOTCUA_POST_VNPOST_URL = server.url + "/api"
    settings.MOTCUA_POST_VNPOST_TOKEN = "bi-mat"
    settings.MOTCUA_POST_VNPOST_CUSTOMER_CODE = "C0052"
    settings.MOTCUA_POST_TIMEOUT = 2
    yield server
    server.close()


def pickup(world: World, ward: AdministrativeUnit, when: str) -> PostalOrder:
    dossier = submit_counter(world, when)
    return post_services.postal_order_pickup(
        dossier=dossier, actor=world.officer.user, address_line="Thôn Hòa Đại", ward_code=ward.code
    )


def test_vnpost_outage_opens_the_circuit_and_every_order_reaches_the_post_once(
    world: World, ward: AdministrativeUnit, vnpost: FakeServer
) -> None:
    vnpost.down = True
    with time_machine.travel(later(0), tick=False):
        orders = [pickup(world, ward, f"2026-03-02 09:0{n}") for n in range(5)]
    relay(later(0))
    assert [status for _path, _body, status in vnpost.calls] == [503, 503, 503]
    assert circuit("vnpost") == (Open, later(COOLDOWN))
    records = DeliveryRecord.objects.filter(destination__name="vnpost", topic="post.created")
    assert sorted(r.attempts for r in records) == [0, 0, 1, 1, 1]
    assert {r.reference for r in records} == {str(o.pk) for o in orders}
    assert set(PostalOrder.objects.values_list("status", flat=True)) == {"created"}

    relay(later(30))
    assert len(vnpost.calls) == 3  # open: nothing called
    relay(later(COOLDOWN + 1))
    assert len(vnpost.calls) == 4  # the probe
    assert circuit("vnpost")[0] == Open

    vnpost.down = False
    relay_until_quiet(2 * COOLDOWN + 10)
    assert circuit("vnpost")[0] == Closed
    assert dict(vnpost.created) == {o.order_number: 1 for o in orders}  # exactly once per order
    assert set(PostalOrder.objects.values_list("status", flat=True)) == {"sent_to_provider"}
    assert all(o.item_code for o in PostalOrder.objects.all())
    assert set(records.values_list("status", flat=True)) == {"sent"}
    assert not OutboxEvent.objects.exclude(state="delivered").exists()


def test_a_vnpost_order_given_up_is_sent_again_from_the_admin(
    world: World, ward: AdministrativeUnit, vnpost: FakeServer, settings: Any
) -> None:
    settings.MOTCUA_OUTBOX_MAX_ATTEMPTS = 2  # the post keeps the outbox's number of attempts
    settings.MOTCUA_DELIVERY_CIRCUIT_THRESHOLD = 10
    vnpost.down = True
    with time_machine.travel(later(0), tick=False):
        order = pickup(world, ward, "2026-03-02 09:00")
    relay_until_quiet(0, step=100, rounds=4)
    record = DeliveryRecord.objects.get(topic="post.created")
    assert (record.status, record.attempts) == ("dead", 2)
    assert len(vnpost.calls) == 2
    assert not OutboxEvent.objects.exclude(state="delivered").exists()  # the dead letter is the record

    vnpost.down = False
    admin = make_staff(Role.PROVINCE_ADMIN, agency=world.committee, username="quantri.buudien", is_staff=True)
    client = Client()
    assert client.login(username=admin.user.username, password=PASSWORD)
    changelist = reverse("admin:integrations_deliveryrecord_changelist")
    assert "send_again" in client.get(changelist).content.decode()
    with time_machine.travel(later(3600), tick=False):
        client.post(changelist, {"action": "send_again", "_selected_action": [record.pk]})
    relay(later(3600))
    record.refresh_from_db()
    order.refresh_from_db()
    assert (record.status, order.status) == ("sent", "sent_to_provider")
    assert dict(vnpost.created) == {order.order_number: 1}


def test_tracking_polls_stop_while_the_posts_circuit_is_open(
    world: World, ward: AdministrativeUnit, vnpost: FakeServer
) -> None:
    with time_machine.travel(later(0), tick=False):
        orders = [pickup(world, ward, f"2026-03-02 09:0{n}") for n in range(4)]
    relay(later(0))
    assert set(PostalOrder.objects.values_list("status", flat=True)) == {"sent_to_provider"}
    sent = len(vnpost.calls)
    vnpost.down = True
    with time_machine.travel(later(100), tick=False):
        report = post_services.postal_poll()
    assert (report.checked, report.errors) == (3, 3)  # the third failure opens the circuit: the fourth is not asked
    assert len(vnpost.calls) == sent + 3
    assert circuit("vnpost") == (Open, later(100 + COOLDOWN))
    with time_machine.travel(later(130), tick=False):
        assert post_services.postal_poll().checked == 0
    assert len(vnpost.calls) == sent + 3
    vnpost.down = False
    with time_machine.travel(later(200), tick=False):
        assert post_services.postal_poll().checked == len(orders)
    assert circuit("vnpost")[0] == Closed


# ---- payment status queries (VNPAY querydr) ---------------------------------------------------------------


@pytest.fixture
def gateway(settings: Any) -> Iterator[FakeServer]:
    """VNPAY's querydr API: every payment asked for was paid (signed answers)."""
    amounts: dict[str, int] = {}

    def answer(path: str, body: dict[str, Any]) -> dict[str, Any]:
        reference = body["vnp_TxnRef"]
        reply = {
            "vnp_ResponseId": body["vnp_RequestId"],
            "vnp_Command": "querydr",
            "vnp_ResponseCode": "00",
            "vnp_Message": "QueryDR Success",
            "vnp_TmnCode": body["vnp_TmnCode"],
            "vnp_TxnRef": reference,
            "vnp_Amount": str(amounts[reference] * 100),
            "vnp_BankCode": "NCB",
            "vnp_PayDate": "20260302091000",
            "vnp_TransactionNo": f"14{len(reference):06d}",
            "vnp_TransactionType": "01",
            "vnp_TransactionStatus": "00",
            "vnp_OrderInfo": body["vnp_OrderInfo"],
        }
        reply["vnp_SecureHash"] = vnpay.query_answer_hash(reply, SECRET)
        return reply

    server = FakeServer(answer)
    server.amounts = amounts  # type: ignore[attr-defined]
    settings.MOTCUA_PAYMENT_SIMULATOR = False
    settings.MOTCUA_PAYMENT_PROVIDERS = ["vnpay"]
    settings.MOTCUA_VNPAY_TMN_CODE = "MOTCUA01"
    settings.MOTCUA_VNPAY_HASH_SECRET = SECRET
    settings.MOTCUA_VNPAY_PAYMENT_URL = "https://sandbox.vnpayment.vn/paymentv2/vpcpay.html"
    settings.MOTCUA_VNPAY_API_URL = server.url + "/merchant_webapi/api/transaction"
    yield server
    server.close()


def open_payment(dossier: Dossier, number: int, amounts: dict[str, int]) -> PaymentRequest:
    fees = list(dossier.fees.all())
    payment = PaymentRequest.objects.create(
        dossier=dossier,
        reference=f"HSTEST{number:04d}",
        amount=sum(fee.amount for fee in fees),
        provider="vnpay",
        state=PaymentState.PENDING,
        created_at=at("2026-03-02 09:00"),
        expires_at=at("2026-03-02 09:15"),
    )
    payment.fees.set(fees)
    amounts[payment.reference] = payment.amount
    return payment


def test_querydr_outage_opens_the_gateways_circuit_and_no_payment_is_lost(world: World, gateway: FakeServer) -> None:
    dossiers = [submit_online(world, f"2026-03-02 08:0{n}") for n in range(5)]
    payments = [open_payment(d, n, gateway.amounts) for n, d in enumerate(dossiers)]  # type: ignore[attr-defined]
    name = payment_services.query_destination("vnpay")
    gateway.down = True
    moment = at("2026-03-02 09:16")  # past the 15 minutes, and past the payments' expiry
    with time_machine.travel(moment, tick=False):
        report = payment_services.payment_reconcile()
    assert len(gateway.calls) == 3  # three 503s open the circuit; the two other payments are not asked
    assert (report.succeeded, report.expired) == (0, 0)
    destination = Destination.objects.get(name=name)
    assert (destination.circuit, destination.opened_until) == (Open, moment + dt.timedelta(seconds=COOLDOWN))
    for payment in PaymentRequest.objects.all():
        assert (payment.state, payment.last_queried_at) == (PaymentState.PENDING, None)  # not expired, asked again

    with time_machine.travel(moment + dt.timedelta(seconds=30), tick=False):
        payment_services.payment_reconcile()
    assert len(gateway.calls) == 3  # open: nothing asked

    gateway.down = False
    with time_machine.travel(moment + dt.timedelta(seconds=COOLDOWN + 1), tick=False):
        report = payment_services.payment_reconcile()
    assert report.succeeded == 5
    with time_machine.travel(moment + dt.timedelta(minutes=10), tick=False):
        assert payment_services.payment_reconcile().queried == 0
    assert Destination.objects.get(name=name).circuit == Closed
    answered = Counter(body["vnp_TxnRef"] for _path, body, status in gateway.calls if status == 200)
    assert answered == {p.reference: 1 for p in payments}  # each payment settled by one answered query
    assert set(PaymentRequest.objects.values_list("state", flat=True)) == {PaymentState.SUCCEEDED}
    assert OutboxEvent.objects.filter(topic="payment.succeeded").count() == 5
    assert all(fee.paid_at is not None for d in dossiers for fee in d.fees.all())


# ---- the dossier page -------------------------------------------------------------------------------------


def test_the_dossier_page_lists_the_deliveries_of_every_destination(
    world: World, ward: AdministrativeUnit, receiver: Receiver
) -> None:
    subscription = WebhookSubscription.objects.create(
        name="Sở Tư pháp", url="https://hooks.example.vn/motcua", topics=["dossier.*"]
    )
    data = dossier_services.SubmissionData(
        procedure=world.version.procedure.code,
        agency=world.department.code,
        channel="counter",
        applicant=applicant(phone="0905123456"),
    )
    receiver.down = True
    with time_machine.travel(later(0), tick=False):
        dossier = dossier_services.dossier_submit(actor=world.officer.user, data=data, at=later(0))
        dossier = dossier_services.dossier_receive(dossier=dossier, actor=world.officer.user, at=later(0))
        post_services.postal_order_pickup(
            dossier=dossier, actor=world.officer.user, address_line="Thôn Hòa Đại", ward_code=ward.code
        )
    relay(later(0))

    rows = sync_status(dossier)
    kinds = Counter(delivery.kind_of(row.destination) for row in rows)
    assert kinds == {"webhook": 2, "post": 1, "sms": 1, "zalo": 1}
    assert [row.status for row in sync_status(dossier, destination="webhook")] == ["failed", "failed"]
    assert [row.topic for row in sync_status(dossier, destination="post:simulator")] == ["post.created"]

    client = Client()
    client.force_login(world.officer.user)
    page = client.get(f"/can-bo/ho-so/{dossier.code}/").content.decode()
    assert "Gửi sang hệ thống khác, thông báo" in page
    assert f"<td>Webhook ({subscription.pk})</td><td>dossier.submitted</td>" in page
    assert '<span class="late">Lỗi, sẽ gửi lại</span>' in page
    assert "DeliveryFailed: https://hooks.example.vn/motcua: connection refused" in page
    assert "<td>Bưu chính công ích (simulator)</td><td>post.created</td><td>Đã gửi</td>" in page
    assert "<td>Tin nhắn SMS</td><td>Thông báo: Tiếp nhận hồ sơ</td><td>Đã gửi</td>" in page
    # a citizen never sees the back-office page
    citizen = Client()
    citizen.force_login(world.citizen)
    assert f"Webhook ({subscription.pk})" not in citizen.get(f"/can-bo/ho-so/{dossier.code}/").content.decode()
