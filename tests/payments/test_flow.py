"""End to end through the local VNPAY simulator with the Django test client."""

from __future__ import annotations

import hashlib
import hmac
import logging
from typing import Any

import pytest
import time_machine
from django.test import Client

from motcua.core.audit import AuditEvent
from motcua.core.outbox import OutboxEvent
from motcua.dossiers import services as dossier_services
from motcua.dossiers.models import Status
from motcua.payments.models import PaymentRequest, PaymentState, PaymentTransaction
from motcua.payments.providers import vnpay
from tests.payments.conftest import World, at, query, simulate, start_vnpay, submit_online

pytestmark = pytest.mark.usefixtures("simulator")


def independent_hash(params: dict[str, str]) -> str:
    from urllib.parse import quote_plus

    items = sorted((k, v) for k, v in params.items() if v and k not in ("vnp_SecureHash", "vnp_SecureHashType"))
    text = "&".join(f"{quote_plus(k)}={quote_plus(v)}" for k, v in items)
    return hmac.new(vnpay.SIMULATOR_SECRET.encode(), text.encode(), hashlib.sha512).hexdigest()


def test_online_payment_through_the_simulator(world: World, client: Client) -> None:
    with time_machine.travel(at("2026-03-02 09:00"), tick=False):
        dossier = submit_online(world, "2026-03-02 09:00")
        client.force_login(world.citizen)
        page = client.get(f"/ho-so-cua-toi/{dossier.code}/thanh-toan/")
        assert page.status_code == 200
        assert "100.000 đ</td>" in page.content.decode()  # the online amount of the procedure's fee
        assert "Một trăm nghìn đồng" in page.content.decode()

        params = start_vnpay(client, dossier)
        payment = PaymentRequest.objects.get(dossier=dossier)
        assert params["vnp_Amount"] == "10000000"
        assert params["vnp_TxnRef"] == payment.reference
        assert params["vnp_CreateDate"] == "20260302090000"
        assert params["vnp_ExpireDate"] == "20260302091500"
        assert params["vnp_ReturnUrl"] == "http://testserver/thanh-toan/vnpay/ket-qua/"
        assert params["vnp_SecureHash"] == independent_hash(params)
        assert (payment.state, payment.finished, payment.amount) == (PaymentState.PENDING, False, 100000)

        sim_page = client.get("/mo-phong/vnpay/", params)
        assert sim_page.status_code == 200
        assert "Thanh toán thử" in sim_page.content.decode()

        return_url = simulate(client, params, "pay")
        answer = query(return_url)
        assert answer["vnp_ResponseCode"] == "00"
        assert answer["vnp_SecureHash"] == independent_hash(answer)

    payment.refresh_from_db()
    assert (payment.state, payment.finished) == (PaymentState.SUCCEEDED, True)
    assert payment.paid_at == at("2026-03-02 09:00")
    assert payment.provider_reference == answer["vnp_TransactionNo"]
    fee = dossier.fees.get()
    assert fee.paid_at == at("2026-03-02 09:00")
    dossier.refresh_from_db()
    assert dossier.status == Status.SUBMITTED  # a reception fee does not move the dossier
    actions = list(AuditEvent.objects.filter(stream=f"dossier:{dossier.pk}").values_list("action", flat=True))
    assert actions[-3:] == ["payment_created", "payment_received", "payment_succeeded"]
    topics = list(OutboxEvent.objects.filter(subject=dossier.code).values_list("topic", flat=True))
    assert topics[-3:] == ["payment.created", "dossier.payment_received", "payment.succeeded"]

    result = client.get(return_url)
    assert result.status_code == 200
    assert "Thanh toán thành công" in result.content.decode()

    # the same IPN again (VNPAY retries): "already confirmed", nothing changes
    events = OutboxEvent.objects.count()
    ipn = client.get("/thanh-toan/vnpay/ipn/", answer)
    assert ipn.json() == {"RspCode": "02", "Message": "Order already confirmed"}
    assert OutboxEvent.objects.count() == events
    payment.refresh_from_db()
    assert payment.paid_at == at("2026-03-02 09:00")

    client.force_login(world.citizen)  # the session opened in March has expired since
    receipt = client.get(f"/ho-so-cua-toi/{dossier.code}/thanh-toan/{payment.reference}/bien-lai/")
    assert receipt.status_code == 200
    assert receipt["Content-Type"] == "application/pdf"
    assert receipt.content.startswith(b"%PDF")


def test_obligation_paid_online_resumes_the_dossier(world: World, client: Client) -> None:
    dossier = submit_online(world, "2026-03-02 09:00")
    dossier_services.dossier_receive(dossier=dossier, actor=world.officer.user, at=at("2026-03-02 10:00"))
    dossier.refresh_from_db()
    dossier_services.dossier_request_payment(
        dossier=dossier, actor=world.officer.user, amount=350000, reason="Lệ phí trước bạ", at=at("2026-03-02 11:00")
    )
    dossier.refresh_from_db()
    assert dossier.status == Status.AWAITING_PAYMENT
    client.force_login(world.citizen)
    with time_machine.travel(at("2026-03-03 09:00"), tick=False):
        params = start_vnpay(client, dossier)
        assert params["vnp_Amount"] == str((100000 + 350000) * 100)
        simulate(client, params, "pay")
    dossier.refresh_from_db()
    assert dossier.status == Status.RECEIVED
    assert dossier.paused_at is None
    assert not dossier.fees.filter(paid_at__isnull=True).exists()
    last = AuditEvent.objects.filter(stream=f"dossier:{dossier.pk}", action="confirm_payment").get()
    assert last.actor is None
    assert last.data["transaction_ref"] == PaymentRequest.objects.get().reference


def test_cancelled_payment_leaves_the_fee_unpaid(world: World, client: Client) -> None:
    dossier = submit_online(world, "2026-03-02 09:00")
    client.force_login(world.citizen)
    params = start_vnpay(client, dossier)
    return_url = simulate(client, params, "cancel")
    payment = PaymentRequest.objects.get()
    assert (payment.state, payment.finished) == (PaymentState.FAILED, True)
    assert dossier.fees.get().paid_at is None
    page = client.get(return_url)
    assert "Thanh toán không thành công" in page.content.decode()
    assert "Khách hàng hủy giao dịch" in page.content.decode()


def _signed(params: dict[str, str]) -> dict[str, str]:
    params = {k: v for k, v in params.items() if k != "vnp_SecureHash"}
    return {**params, "vnp_SecureHash": independent_hash(params)}


def test_tampered_checksum_or_amount_is_refused_and_logged(
    world: World, client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    dossier = submit_online(world, "2026-03-02 09:00")
    client.force_login(world.citizen)
    params = start_vnpay(client, dossier)
    payment = PaymentRequest.objects.get()
    answer = {
        "vnp_Amount": "10000000",
        "vnp_ResponseCode": "00",
        "vnp_TransactionStatus": "00",
        "vnp_TmnCode": params["vnp_TmnCode"],
        "vnp_TransactionNo": "777",
        "vnp_TxnRef": payment.reference,
    }
    anonymous = Client()
    caplog.set_level(logging.WARNING)
    forged = {**_signed(answer), "vnp_Amount": "100"}  # amount changed after signing
    assert anonymous.get("/thanh-toan/vnpay/ipn/", forged).json() == {"RspCode": "97", "Message": "Invalid signature"}
    wrong_amount = _signed({**answer, "vnp_Amount": "100"})  # correctly signed, wrong amount
    assert anonymous.get("/thanh-toan/vnpay/ipn/", wrong_amount).json() == {
        "RspCode": "04",
        "Message": "Invalid amount",
    }
    unknown = _signed({**answer, "vnp_TxnRef": "HSNOPET1"})
    assert anonymous.get("/thanh-toan/vnpay/ipn/", unknown).json() == {"RspCode": "01", "Message": "Order not found"}
    bad_return = anonymous.get("/thanh-toan/vnpay/ket-qua/", forged)
    assert bad_return.status_code == 400

    payment.refresh_from_db()
    assert payment.state == PaymentState.PENDING
    assert dossier.fees.get().paid_at is None
    logged = list(PaymentTransaction.objects.order_by("pk").values_list("checksum_ok", "accepted", "outcome"))
    assert logged == [(False, False, "bad checksum"), (True, False, "invalid amount"), (True, False, "order not found")]
    assert "bad checksum" in caplog.text
    assert "amount" in caplog.text

    # the genuine IPN is still accepted afterwards
    assert anonymous.get("/thanh-toan/vnpay/ipn/", _signed(answer)).json() == {
        "RspCode": "00",
        "Message": "Confirm Success",
    }
    payment.refresh_from_db()
    assert payment.state == PaymentState.SUCCEEDED


def test_simulator_is_off_unless_enabled(world: World, client: Client, settings: Any) -> None:
    settings.MOTCUA_PAYMENT_SIMULATOR = False
    assert client.get("/mo-phong/vnpay/").status_code == 404
    assert client.post("/mo-phong/vnpay/", {"outcome": "pay"}).status_code == 404


def test_simulator_refuses_a_request_it_cannot_verify(world: World, client: Client) -> None:
    dossier = submit_online(world, "2026-03-02 09:00")
    client.force_login(world.citizen)
    params = start_vnpay(client, dossier)
    response = client.post("/mo-phong/vnpay/", {**params, "vnp_Amount": "100", "outcome": "pay"})
    assert response.status_code == 400
    assert PaymentRequest.objects.get().state == PaymentState.PENDING
