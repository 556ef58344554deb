"""Public post: delivery orders for results, pickup of paper dossiers, status tracking, the simulator and VNPost."""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
import time_machine
from django.conf import settings as django_settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse

from motcua.core import outbox
from motcua.core.audit import AuditEvent
from motcua.core.errors import Conflict
from motcua.core.outbox import OutboxEvent
from motcua.dossiers import services as dossier_services
from motcua.dossiers.models import Dossier
from motcua.integrations.delivery import RETRY_TOPIC
from motcua.integrations.models import DeliveryRecord, PostalEvent, PostalOrder
from motcua.integrations.post import registry, services, tasks
from motcua.integrations.post.base import PostUnavailable
from motcua.integrations.post.selectors import postal_orders_of
from motcua.integrations.post.simulator import SIMULATOR, s10_item_code
from motcua.integrations.post.vnpost import VNPostAdapter
from motcua.org.models import AdministrativeUnit, Role
from tests.dossiers.conftest import World, applicant, at, upload_pdf
from tests.dossiers.conftest import world as _dossier_world  # noqa: F401  registers the fixture `_dossier_world`
from tests.factories import PASSWORD, CommuneFactory, ProvinceFactory, UserFactory, make_staff

S10 = re.compile(r"^EB\d{9}VN$")
Status = PostalOrder.Status


@pytest.fixture
def world(_dossier_world: World) -> World:  # noqa: F811  the imported fixture, renamed
    return _dossier_world


@pytest.fixture(autouse=True)
def _simulator(settings: Any) -> Iterator[None]:
    settings.MOTCUA_POST_PROVIDER = "simulator"
    SIMULATOR.reset()
    yield
    SIMULATOR.reset()


@pytest.fixture
def clock() -> Iterator[Any]:
    """Now is Monday 2 March 2026 08:00; the dossier actions below pass their own instants."""
    with time_machine.travel(at("2026-03-02 08:00"), tick=False) as traveller:
        yield traveller


@pytest.fixture
def relay(django_capture_on_commit_callbacks: Any) -> Callable[..., outbox.RelayReport]:
    def run(now: dt.datetime | None = None) -> outbox.RelayReport:
        with django_capture_on_commit_callbacks(execute=True):
            return outbox.relay_pending(now=now)

    return run


@pytest.fixture
def ward(db: Any) -> AdministrativeUnit:
    return CommuneFactory(code="21583", name="Phường Quy Nhơn", parent=ProvinceFactory())


def submit(world: World, ward: AdministrativeUnit, delivery: str = "post") -> Dossier:
    owner = world.citizen
    data = dossier_services.SubmissionData(
        procedure=world.version.procedure.code,
        agency=world.department.code,
        channel="online",
        applicant=applicant(
            phone="0905123456", email="an.nguyen@example.vn", ward_code=ward.code, address_line="Thôn Hòa Đại"
        ),
        documents=[
            dossier_services.DocumentData(component="TP1", upload_id=upload_pdf(owner)),
            dossier_services.DocumentData(component="TP2", upload_id=upload_pdf(owner)),
        ],
        delivery_method=delivery,
        delivery_ward_code=ward.code if delivery == "post" else None,
        delivery_address="Số 12 đường Lê Lợi, tổ 3" if delivery == "post" else "",
    )
    return dossier_services.dossier_submit(actor=owner, data=data, at=at("2026-03-02 08:30"))


def approve(world: World, dossier: Dossier) -> Dossier:
    dossier_services.dossier_receive(dossier=dossier, actor=world.officer.user, at=at("2026-03-02 09:00"))
    for actor, when in (
        (world.officer, "2026-03-02 09:10"),
        (world.specialist, "2026-03-03 10:00"),
        (world.head, "2026-03-04 09:00"),
    ):
        dossier.refresh_from_db()
        dossier_services.dossier_forward(dossier=dossier, actor=actor.user, at=at(when))
    dossier.refresh_from_db()
    dossier_services.dossier_approve(dossier=dossier, actor=world.leader.user, outcome="granted", at=at(ACT))
    dossier.refresh_from_db()
    return dossier


ACT = "2026-03-04 14:00"


def topics(prefix: str = "post.") -> list[str]:
    return list(OutboxEvent.objects.filter(topic__startswith=prefix).order_by("pk").values_list("topic", flat=True))


def post_audit(dossier: Dossier) -> list[str]:
    return list(
        AuditEvent.objects.filter(stream=dossier_services.stream(dossier), action__startswith="post_")
        .order_by("seq")
        .values_list("action", flat=True)
    )


@pytest.fixture
def delivered_by_post(world: World, ward: AdministrativeUnit, clock: Any, relay: Any) -> PostalOrder:
    """An approved dossier to be delivered by post, relayed: its order is with the (simulated) post."""
    dossier = approve(world, submit(world, ward))
    clock.move_to(at("2026-03-04 14:05"))
    relay()
    return PostalOrder.objects.get(dossier=dossier)


# ---- result delivery ------------------------------------------------------------------------------------


def test_approval_makes_exactly_one_result_delivery_order_with_the_dossier_addresses(
    world: World, ward: AdministrativeUnit, clock: Any, relay: Any
) -> None:
    dossier = approve(world, submit(world, ward))
    clock.move_to(at("2026-03-04 14:05"))
    relay()
    relay()
    assert services.postal_order_for_result(dossier=dossier) is not None  # a replayed handler: still one
    order = PostalOrder.objects.get()
    assert order.dossier == dossier
    assert order.kind == "result_delivery"
    assert order.provider == "simulator"
    assert order.order_number == f"{dossier.code}-KQ1"
    assert order.status == "sent_to_provider"
    assert order.item_code == s10_item_code(order.order_number)
    assert S10.match(order.item_code)
    assert order.sent_at == at("2026-03-04 14:05")
    assert (order.receiver_name, order.receiver_address) == ("Nguyễn Văn An", "Số 12 đường Lê Lợi, tổ 3")
    assert (order.receiver_ward_code, order.receiver_ward_name, order.receiver_province_name) == (
        "21583",
        "Phường Quy Nhơn",
        "Gia Lai",
    )
    assert (order.receiver_phone, order.receiver_email) == ("0905123456", "an.nguyen@example.vn")
    assert order.sender_name == dossier.receiving_agency.name == "Trung tâm Phục vụ hành chính công tỉnh"
    assert order.cod_amount == 0
    assert order.description == f"Kết quả giải quyết hồ sơ {dossier.code}"
    assert topics() == ["post.created", "post.sent_to_provider"]
    assert post_audit(dossier) == ["post_created", "post_sent_to_provider"]
    assert SIMULATOR.orders == {order.order_number: order.item_code}


def test_no_order_when_the_result_is_not_delivered_by_post(
    world: World, ward: AdministrativeUnit, clock: Any, relay: Any
) -> None:
    dossier = approve(world, submit(world, ward, delivery="online"))
    relay()
    assert services.postal_order_for_result(dossier=dossier) is None
    assert PostalOrder.objects.count() == 0
    assert topics() == []


def test_status_progression_through_the_simulator_is_audited(delivered_by_post: PostalOrder, clock: Any) -> None:
    order = delivered_by_post
    clock.move_to(at("2026-03-05 08:00"))
    assert services.postal_simulate(order=order, status="picked_up", note="Bưu tá đã nhận") is True
    clock.move_to(at("2026-03-06 10:30"))
    assert services.postal_simulate(order=order, status="delivered") is True
    order.refresh_from_db()
    assert order.status == "delivered"
    assert order.picked_up_at == at("2026-03-05 08:00")
    assert order.delivered_at == at("2026-03-06 10:30")
    assert list(order.events.values_list("status", flat=True)) == [
        "created",
        "sent_to_provider",
        "picked_up",
        "delivered",
    ]
    assert post_audit(order.dossier) == ["post_created", "post_sent_to_provider", "post_picked_up", "post_delivered"]
    picked = AuditEvent.objects.get(stream=dossier_services.stream(order.dossier), action="post_picked_up")
    assert picked.comment == "Bưu tá đã nhận"
    assert picked.actor_name == "simulator"
    assert picked.data["order_number"] == order.order_number
    assert topics() == ["post.created", "post.sent_to_provider", "post.picked_up", "post.delivered"]
    assert OutboxEvent.objects.filter(topic="post.delivered").get().payload == {
        "code": order.dossier.code,
        "order": order.pk,
        "order_number": order.order_number,
        "kind": "result_delivery",
        "status": "delivered",
        "item_code": order.item_code,
    }


def test_late_repeated_and_out_of_order_updates_change_nothing(delivered_by_post: PostalOrder, clock: Any) -> None:
    order = delivered_by_post
    clock.move_to(at("2026-03-06 10:30"))
    assert services.postal_status_update(order=order, status="delivered", source="vnpost") is True
    counts = (PostalEvent.objects.count(), AuditEvent.objects.count(), OutboxEvent.objects.count())
    # the pickup report arrives after the delivery; the delivery is reported twice; a failure comes late
    assert services.postal_status_update(order=order, status="picked_up", at=at("2026-03-05 08:00")) is False
    assert services.postal_status_update(order=order, status="delivered") is False
    assert services.postal_status_update(order=order, status="failed", at=at("2026-03-05 09:00")) is False
    order.refresh_from_db()
    assert (order.status, order.status_at, order.picked_up_at, order.failed_at) == (
        "delivered",
        at("2026-03-06 10:30"),
        None,
        None,
    )
    assert (PostalEvent.objects.count(), AuditEvent.objects.count(), OutboxEvent.objects.count()) == counts


def test_polling_applies_the_provider_journey_once(delivered_by_post: PostalOrder, clock: Any) -> None:
    order = delivered_by_post
    SIMULATOR.advance(order, "picked_up", at("2026-03-05 08:00"), "Đã nhận tại bưu cục")
    SIMULATOR.advance(order, "delivered", at("2026-03-05 15:00"))
    clock.move_to(at("2026-03-05 16:00"))
    assert tasks.postal_poll() == {"checked": 1, "updated": 2, "errors": 0}
    order.refresh_from_db()
    assert (order.status, order.delivered_at) == ("delivered", at("2026-03-05 15:00"))
    assert services.postal_poll().checked == 0  # nothing on its way any more


def test_polling_records_a_provider_failure_on_the_order(delivered_by_post: PostalOrder) -> None:
    SIMULATOR.down = True
    report = services.postal_poll()
    assert (report.checked, report.updated, report.errors) == (1, 0, 1)
    delivered_by_post.refresh_from_db()
    assert delivered_by_post.status == "sent_to_provider"
    assert delivered_by_post.last_error == "post simulator: down"


def test_provider_down_the_delivery_retries_and_the_order_goes_out_once(
    world: World, ward: AdministrativeUnit, clock: Any, relay: Any
) -> None:
    dossier = approve(world, submit(world, ward))
    SIMULATOR.down = True
    clock.move_to(at("2026-03-04 14:05"))
    relay()
    order = PostalOrder.objects.get()
    assert (order.status, order.item_code) == ("created", "")
    # the failure is written on the order's delivery record and retried with the outbox's back-off (10 s)
    record = DeliveryRecord.objects.get()
    assert (record.destination.name, record.topic, record.reference) == (
        "post:simulator",
        "post.created",
        str(order.pk),
    )
    assert (record.dossier, record.status, record.attempts) == (dossier, "failed", 1)
    assert "PostUnavailable: post simulator: down" in record.last_error
    assert record.next_attempt_at == at("2026-03-04 14:05:10")
    [retry] = OutboxEvent.objects.filter(topic=RETRY_TOPIC)
    assert (retry.state, retry.available_at) == ("pending", at("2026-03-04 14:05:10"))
    SIMULATOR.down = False
    relay()  # not due yet: back-off
    assert PostalOrder.objects.get().status == "created"
    clock.move_to(at("2026-03-04 14:06"))
    relay()
    relay()
    record.refresh_from_db()
    assert (record.status, record.attempts, record.sent_at) == ("sent", 2, at("2026-03-04 14:06"))
    assert not OutboxEvent.objects.exclude(state="delivered").exists()
    order = PostalOrder.objects.get()
    assert order.status == "sent_to_provider"
    assert order.sent_at == at("2026-03-04 14:06")
    assert topics() == ["post.created", "post.sent_to_provider"]
    assert post_audit(dossier) == ["post_created", "post_sent_to_provider"]


# ---- pickup of paper dossiers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "who", ["anonymous", "citizen", "other_citizen", "other_officer", "specialist", "leader", "monitor"]
)
def test_pickup_is_refused_to_all_but_the_receiving_officer_and_changes_nothing(
    world: World, ward: AdministrativeUnit, clock: Any, who: str
) -> None:
    dossier = submit(world, ward, delivery="online")
    before = (OutboxEvent.objects.count(), AuditEvent.objects.count())
    user = AnonymousUser() if who == "anonymous" else world.users()[who]
    with pytest.raises(PermissionDenied):
        services.postal_order_pickup(dossier=dossier, actor=user)
    assert PostalOrder.objects.count() == 0
    assert (OutboxEvent.objects.count(), AuditEvent.objects.count()) == before


def test_pickup_by_the_receiving_officer_collects_at_the_applicants_address(
    world: World, ward: AdministrativeUnit, clock: Any, relay: Any
) -> None:
    dossier = submit(world, ward, delivery="online")
    order = services.postal_order_pickup(dossier=dossier, actor=world.officer.user, note="Hẹn 9 giờ sáng")
    assert (order.kind, order.status, order.order_number) == ("dossier_pickup", "created", f"{dossier.code}-HS1")
    assert (order.sender_name, order.sender_address, order.sender_ward_code, order.sender_phone) == (
        "Nguyễn Văn An",
        "Thôn Hòa Đại",
        "21583",
        "0905123456",
    )
    assert order.receiver_name == "Trung tâm Phục vụ hành chính công tỉnh"
    assert order.created_by == world.officer.user
    assert SIMULATOR.orders == {}  # nothing sent inside the request
    with pytest.raises(Conflict):
        services.postal_order_pickup(dossier=dossier, actor=world.officer.user)
    relay()
    order.refresh_from_db()
    assert order.status == "sent_to_provider"
    audit = AuditEvent.objects.get(stream=dossier_services.stream(dossier), action="post_created")
    assert (audit.actor, audit.comment) == (world.officer.user, "Hẹn 9 giờ sáng")


def test_a_cancelled_pickup_is_cancelled_at_the_provider(
    world: World, ward: AdministrativeUnit, clock: Any, relay: Any
) -> None:
    dossier = submit(world, ward, delivery="online")
    order = services.postal_order_pickup(dossier=dossier, actor=world.officer.user)
    relay()
    with pytest.raises(PermissionDenied):
        services.postal_order_cancel(order=order, actor=world.other_officer.user, reason="Nhầm")
    services.postal_order_cancel(order=order, actor=world.officer.user, reason="Công dân tự mang đến")
    relay()
    order.refresh_from_db()
    assert order.status == "cancelled"
    assert SIMULATOR.cancelled == {order.order_number}
    # a new pickup may be ordered once the earlier one is cancelled
    again = services.postal_order_pickup(dossier=dossier, actor=world.officer.user)
    assert again.order_number == f"{dossier.code}-HS2"


# ---- VNPost over HTTP -----------------------------------------------------------------------------------


class FakeVNPost(BaseHTTPRequestHandler):
    answers: dict[str, Any] = {}
    requests: list[tuple[str, dict[str, Any], str]] = []
    delay = 0.0

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        FakeVNPost.requests.append((self.path, body, self.headers.get("Authorization", "")))
        time.sleep(FakeVNPost.delay)
        answer = json.dumps(FakeVNPost.answers.get(self.path, {"Status": "false", "Message": "?"})).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def vnpost() -> Iterator[VNPostAdapter]:
    FakeVNPost.answers, FakeVNPost.requests, FakeVNPost.delay = {}, [], 0.0
    server = HTTPServer(("127.0.0.1", 0), FakeVNPost)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/api"
    yield VNPostAdapter(url=url, token="bi-mat", customer_code="C0052", timeout=2)
    server.shutdown()
    server.server_close()


def test_vnpost_order_carries_the_fields_and_reads_the_answer(
    vnpost: VNPostAdapter, delivered_by_post: PostalOrder
) -> None:
    order = delivered_by_post
    FakeVNPost.answers["/api/order/create"] = {"Status": "100", "Message": "Thành công", "ItemCode": "EB123456785VN"}
    result = vnpost.create_order(order)
    assert (result.item_code, result.status, result.message) == ("EB123456785VN", "sent_to_provider", "Thành công")
    path, body, authorization = FakeVNPost.requests[0]
    assert (path, authorization) == ("/api/order/create", "Bearer bi-mat")
    assert body["CustomerCode"] == "C0052"
    assert body["OrderNumber"] == order.order_number
    assert body["CODAmount"] == 0
    assert body["ReceiverFullname"] == "Nguyễn Văn An"
    assert body["ReceiverAddress"] == "Số 12 đường Lê Lợi, tổ 3"
    assert body["ReceiverWardId"] == "21583"
    assert body["ReceiverTel"] == "0905123456"
    assert body["SenderFullname"] == "Trung tâm Phục vụ hành chính công tỉnh"
    assert body["OrderContent"] == f"Kết quả giải quyết hồ sơ {order.dossier.code}"
    assert body["ServiceName"] == "TRA_KET_QUA"


def test_vnpost_refusal_timeout_and_tracking(vnpost: VNPostAdapter, delivered_by_post: PostalOrder) -> None:
    order = delivered_by_post
    FakeVNPost.answers["/api/order/create"] = {"Status": "false", "Message": "Sai mã khách hàng"}
    with pytest.raises(PostUnavailable, match="Sai mã khách hàng"):
        vnpost.create_order(order)
    FakeVNPost.answers["/api/order/tracking"] = {
        "Status": "true",
        "Message": "",
        "Events": [
            {"StatusCode": "DELIVERED", "Time": "05/03/2026 15:00:00", "Note": "Người nhận ký"},
            {"StatusCode": "IN_TRANSIT", "Time": "05/03/2026 10:00:00"},
            {"StatusCode": "NHAN_GUI", "Time": "05/03/2026 08:00:00"},
        ],
    }
    events = vnpost.fetch_status(order)
    assert [(e.status, e.at, e.note) for e in events] == [
        ("picked_up", at("2026-03-05 08:00"), ""),
        ("delivered", at("2026-03-05 15:00"), "Người nhận ký"),
    ]
    FakeVNPost.answers["/api/order/cancel"] = {"Status": "true", "Message": "Đã hủy"}
    vnpost.cancel(order)
    assert FakeVNPost.requests[-1][1]["ItemCode"] == order.item_code
    FakeVNPost.delay = 1.0
    vnpost.timeout = 0.2
    with pytest.raises(PostUnavailable, match="unreachable"):
        vnpost.create_order(order)


def test_configuration_self_check(settings: Any) -> None:
    assert registry.configuration_check() == []
    settings.MOTCUA_POST_PROVIDER = "vnpost"
    settings.MOTCUA_POST_VNPOST_URL = "file:///etc/passwd"
    settings.MOTCUA_POST_VNPOST_CUSTOMER_CODE = ""
    assert registry.configuration_check() == [
        "MOTCUA_POST_VNPOST_URL must be an http(s) address",
        "MOTCUA_POST_VNPOST_CUSTOMER_CODE is required",
        "MOTCUA_POST_VNPOST_TOKEN is required",
    ]
    settings.MOTCUA_POST_PROVIDER = "pigeon"
    assert registry.configuration_check() == [
        "MOTCUA_POST_PROVIDER='pigeon' is unknown; choose one of: simulator, vnpost"
    ]
    assert django_settings.CELERY_BEAT_SCHEDULE["post-poll"]["task"] == "motcua.integrations.post.tasks.postal_poll"


# ---- reads: selector, back-office include ---------------------------------------------------------------


def test_the_delivery_include_shows_the_orders_and_their_journey(
    delivered_by_post: PostalOrder, django_assert_max_num_queries: Any
) -> None:
    dossier = delivered_by_post.dossier
    with django_assert_max_num_queries(2):  # the orders, their events
        html = render_to_string("backoffice/_delivery.html", {"orders": list(postal_orders_of(dossier))})
    assert delivered_by_post.order_number in html
    assert delivered_by_post.item_code in html
    assert "Chuyển phát kết quả" in html
    assert "Đã gửi bưu điện" in html
    assert "Phường Quy Nhơn" in html
    assert "Chưa có đơn hàng bưu chính." in render_to_string("backoffice/_delivery.html", {"orders": []})


# ---- admin ----------------------------------------------------------------------------------------------


def _client(user: Any) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def _admin_user(kind: str, world: World) -> Any:
    if kind == "superuser":
        return UserFactory(username="sieuquantri", is_staff=True, is_superuser=True)
    if kind == "province_admin":
        user = make_staff(Role.PROVINCE_ADMIN, agency=world.committee, username="quantri.tinh").user
    elif kind == "officer":
        user = world.officer.user
    else:
        return world.citizen
    user.is_staff = True
    user.save()
    return user


@pytest.mark.parametrize(
    ("kind", "status"), [("superuser", 200), ("province_admin", 200), ("officer", 403), ("citizen", 302)]
)
def test_admin_access_matrix(world: World, delivered_by_post: PostalOrder, kind: str, status: int) -> None:
    client = _client(_admin_user(kind, world))
    changelist = reverse("admin:integrations_postalorder_changelist")
    assert client.get(changelist).status_code == status
    assert client.get(reverse("admin:integrations_postalorder_change", args=[delivered_by_post.pk])).status_code == (
        status
    )
    response = client.post(
        changelist, {"action": "simulate_delivered", "_selected_action": [delivered_by_post.pk]}, follow=False
    )
    delivered_by_post.refresh_from_db()
    assert delivered_by_post.status == ("delivered" if status == 200 else "sent_to_provider")
    if status == 200:
        assert response.status_code == 302
        assert client.get(reverse("admin:integrations_postalorder_add")).status_code == 403
        assert client.get(changelist + "?status__exact=delivered").status_code == 200


def test_admin_simulation_actions_only_with_the_simulator(
    world: World, delivered_by_post: PostalOrder, settings: Any
) -> None:
    client = _client(_admin_user("province_admin", world))
    changelist = reverse("admin:integrations_postalorder_changelist")
    assert "simulate_picked_up" in client.get(changelist).content.decode()
    settings.MOTCUA_POST_PROVIDER = "vnpost"
    assert "simulate_picked_up" not in client.get(changelist).content.decode()
    client.post(changelist, {"action": "simulate_delivered", "_selected_action": [delivered_by_post.pk]})
    delivered_by_post.refresh_from_db()
    assert delivered_by_post.status == "sent_to_provider"
