"""Payment callbacks delivered twice, concurrently, out of order, with a wrong amount or a forged signature.

Whatever the gateways send, the payment and the dossier's fee lines change at most once, the succeeded
payment has one receipt (its paid time and number never move), one "payment.succeeded" and one
"dossier.payment_received" outbox event are emitted, and the gateway gets the acknowledgement its protocol
expects (/work/shared/docs/integrations.md): VNPAY IPN `RspCode` 00 confirmed, 01 order not found, 02 already
confirmed, 04 invalid amount, 97 bad checksum; PayGov `errorCode` 00, 01, 02, 04, 97 with the same meanings.
The signatures are computed here, independently of the code under test.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections import Counter
from typing import Any
from urllib.parse import quote_plus

import pytest
from django.db import connection, connections
from django.test import Client

from motcua.core.audit import AuditEvent
from motcua.core.errors import Conflict
from motcua.core.outbox import OutboxEvent
from motcua.dossiers.models import Dossier, DossierFee
from motcua.payments import receipts, services
from motcua.payments.models import PaymentRequest, PaymentState, PaymentTransaction
from motcua.payments.providers import vnpay
from tests.payments.conftest import World, at, submit_online

PAYGOV_SECRET = "paygov-test-secret"
PAYGOV_PARTNER = "P01"
IPN_URL = "/thanh-toan/vnpay/ipn/"
PAYGOV_URL = "/thanh-toan/paygov/callback/"

CONFIRMED = {"RspCode": "00", "Message": "Confirm Success"}
NOT_FOUND = {"RspCode": "01", "Message": "Order not found"}
ALREADY = {"RspCode": "02", "Message": "Order already confirmed"}
BAD_AMOUNT = {"RspCode": "04", "Message": "Invalid amount"}
BAD_SIGNATURE = {"RspCode": "97", "Message": "Invalid signature"}


@pytest.fixture
def gateways(settings: Any) -> None:
    """The local VNPAY simulator's secret and a configured PayGov."""
    settings.MOTCUA_PAYMENT_SIMULATOR = True
    settings.MOTCUA_PAYMENT_PROVIDERS = ["vnpay", "paygov", "vietqr", "cash"]
    settings.MOTCUA_VNPAY_TMN_CODE = ""
    settings.MOTCUA_VNPAY_HASH_SECRET = ""
    settings.MOTCUA_VNPAY_PAYMENT_URL = ""
    settings.MOTCUA_PAYGOV_URL = "https://paygov.example.vn/init"
    settings.MOTCUA_PAYGOV_PARTNER_CODE = PAYGOV_PARTNER
    settings.MOTCUA_PAYGOV_SECRET = PAYGOV_SECRET


pytestmark = pytest.mark.usefixtures("gateways")


# ---- the gateways' messages, signed here ------------------------------------------------------------------


def vnpay_ipn(
    payment: PaymentRequest, *, code: str = "00", amount: int | None = None, number: str = "14000001"
) -> dict[str, str]:
    params = {
        "vnp_Amount": str((payment.amount if amount is None else amount) * 100),
        "vnp_BankCode": "NCB",
        "vnp_OrderInfo": "Thanh toan phi le phi",
        "vnp_PayDate": "20260302090500",
        "vnp_ResponseCode": code,
        "vnp_TmnCode": "DEMO0001",
        "vnp_TransactionNo": number,
        "vnp_TransactionStatus": "00" if code == "00" else "02",
        "vnp_TxnRef": payment.reference,
    }
    items = sorted((k, v) for k, v in params.items() if v)
    text = "&".join(f"{quote_plus(k)}={quote_plus(v)}" for k, v in items)
    params["vnp_SecureHash"] = hmac.new(vnpay.SIMULATOR_SECRET.encode(), text.encode(), hashlib.sha512).hexdigest()
    return params


def paygov_callback(payment: PaymentRequest, *, code: str = "00", amount: int | None = None) -> dict[str, str]:
    data = {
        "messageType": "PAY_RESULT",
        "errorCode": code,
        "partnerCode": PAYGOV_PARTNER,
        "reference": payment.reference,
        "amount": str(payment.amount if amount is None else amount),
        "currency": "VND",
        "transactionId": "PG-777",
        "bankCode": "VCB",
        "time": "20260302090500",
        "description": "Phi ho so",
    }
    order = ("messageType", "errorCode", "partnerCode", "reference", "amount", "currency", "transactionId")
    text = "|".join([*(data[k] for k in order), data["bankCode"], data["time"], data["description"], PAYGOV_SECRET])
    data["checksum"] = hashlib.sha256(text.encode()).hexdigest()
    return data


def send_ipn(params: dict[str, str]) -> dict[str, str]:
    response = Client().get(IPN_URL, params)
    assert response.status_code == 200
    return dict(response.json())


def send_paygov(data: dict[str, str]) -> dict[str, str]:
    response = Client().post(PAYGOV_URL, json.dumps(data), content_type="application/json")
    assert response.status_code == 200
    return dict(response.json())


# ---- what must change at most once -------------------------------------------------------------------------


def snapshot(payment: PaymentRequest) -> dict[str, Any]:
    """Everything a callback may change, except the log of received callbacks (which grows on each)."""
    payment.refresh_from_db()
    dossier = Dossier.objects.get(pk=payment.dossier_id)
    return {
        "state": payment.state,
        "finished": payment.finished,
        "paid_at": payment.paid_at,
        "finished_at": payment.finished_at,
        "provider_reference": payment.provider_reference,
        "fees": sorted(dossier.fees.values_list("pk", "paid_at")),
        "status": dossier.status,
        "topics": Counter(OutboxEvent.objects.filter(subject=dossier.code).values_list("topic", flat=True)),
        "audit": Counter(AuditEvent.objects.filter(stream=f"dossier:{dossier.pk}").values_list("action", flat=True)),
    }


def paid_once(payment: PaymentRequest) -> None:
    """Succeeded once: one success event and audit entry, one receipt with a fixed number and time."""
    state = snapshot(payment)
    assert (state["state"], state["finished"]) == (PaymentState.SUCCEEDED, True)
    assert state["topics"]["payment.succeeded"] == 1
    assert state["topics"]["dossier.payment_received"] == 1
    assert state["audit"]["payment_succeeded"] == 1
    assert state["audit"]["payment_received"] == 1
    assert all(paid_at == payment.paid_at for _pk, paid_at in state["fees"])
    html = receipts.receipt_html(payment)
    assert html.count(payment.reference) >= 1
    assert PaymentTransaction.objects.filter(request=payment, accepted=True, outcome="succeeded").count() <= 1


def start(world: World, provider: str, when: str = "2026-03-02 09:00") -> PaymentRequest:
    dossier = submit_online(world, "2026-03-02 08:00")
    return services.payment_start(dossier=dossier, actor=world.citizen, provider=provider, at=at(when))


# ---- VNPAY IPN ---------------------------------------------------------------------------------------------


def test_vnpay_same_success_twice_is_confirmed_then_already_confirmed(world: World) -> None:
    payment = start(world, "vnpay")
    assert send_ipn(vnpay_ipn(payment)) == CONFIRMED
    after_first = snapshot(payment)
    assert send_ipn(vnpay_ipn(payment)) == ALREADY
    assert send_ipn(vnpay_ipn(payment)) == ALREADY
    assert snapshot(payment) == after_first
    paid_once(payment)
    assert list(
        PaymentTransaction.objects.filter(request=payment).order_by("pk").values_list("accepted", "outcome")
    ) == [(True, "succeeded"), (False, "already confirmed"), (False, "already confirmed")]


def test_vnpay_failure_arriving_after_the_success_changes_nothing(world: World) -> None:
    payment = start(world, "vnpay")
    assert send_ipn(vnpay_ipn(payment)) == CONFIRMED
    after = snapshot(payment)
    assert send_ipn(vnpay_ipn(payment, code="24", number="0")) == ALREADY  # an older "cancelled" message
    assert send_ipn(vnpay_ipn(payment, code="51", number="0")) == ALREADY
    assert snapshot(payment) == after
    assert after["topics"]["payment.failed"] == 0
    paid_once(payment)


def test_vnpay_older_failure_then_newer_success_then_the_failure_again(world: World) -> None:
    payment = start(world, "vnpay")
    assert send_ipn(vnpay_ipn(payment, code="51", number="0")) == CONFIRMED  # insufficient balance
    failed = snapshot(payment)
    assert failed["state"] == PaymentState.FAILED
    assert all(paid_at is None for _pk, paid_at in failed["fees"])
    assert send_ipn(vnpay_ipn(payment, code="51", number="0")) == ALREADY  # the same failure again
    assert snapshot(payment) == failed
    # the money was taken after all: the late success is accepted once
    assert send_ipn(vnpay_ipn(payment)) == CONFIRMED
    assert send_ipn(vnpay_ipn(payment)) == ALREADY
    assert send_ipn(vnpay_ipn(payment, code="51", number="0")) == ALREADY
    paid_once(payment)
    assert snapshot(payment)["topics"]["payment.failed"] == 1
    assert OutboxEvent.objects.get(topic="payment.succeeded").payload["late"] is True


def test_vnpay_success_after_the_request_was_replaced_pays_the_fee_once(world: World) -> None:
    first = start(world, "vnpay", "2026-03-02 09:00")
    second = services.payment_start(
        dossier=first.dossier, actor=world.citizen, provider="vnpay", at=at("2026-03-02 09:05")
    )
    first.refresh_from_db()
    assert first.state == PaymentState.CANCELLED
    assert send_ipn(vnpay_ipn(first)) == CONFIRMED  # the applicant had paid on the first page
    assert send_ipn(vnpay_ipn(first)) == ALREADY
    paid_once(first)
    fees = snapshot(first)["fees"]
    # the replacement was closed by that success; its failure afterwards is old news and unpays nothing
    assert send_ipn(vnpay_ipn(second, code="24", number="0")) == ALREADY
    assert snapshot(first)["fees"] == fees
    second.refresh_from_db()
    assert second.state == PaymentState.CANCELLED


def test_vnpay_success_after_expiry_is_accepted_once(world: World) -> None:
    payment = start(world, "vnpay", "2026-03-02 09:00")
    PaymentRequest.objects.filter(pk=payment.pk).update(last_queried_at=at("2026-03-02 09:15"))
    report = services.payment_reconcile(now=at("2026-03-02 09:20"))
    assert report.expired == 1
    payment.refresh_from_db()
    assert payment.state == PaymentState.EXPIRED
    assert send_ipn(vnpay_ipn(payment, code="24", number="0")) == ALREADY  # a failure after the expiry: nothing
    assert send_ipn(vnpay_ipn(payment)) == CONFIRMED
    assert send_ipn(vnpay_ipn(payment)) == ALREADY
    paid_once(payment)


def test_vnpay_wrong_amount_is_refused_before_and_after_the_success(world: World) -> None:
    payment = start(world, "vnpay")
    before = snapshot(payment)
    assert send_ipn(vnpay_ipn(payment, amount=payment.amount - 1000)) == BAD_AMOUNT
    assert send_ipn(vnpay_ipn(payment, amount=payment.amount * 10)) == BAD_AMOUNT
    assert snapshot(payment) == before
    assert send_ipn(vnpay_ipn(payment)) == CONFIRMED
    after = snapshot(payment)
    assert send_ipn(vnpay_ipn(payment, amount=payment.amount + 1)) == BAD_AMOUNT
    assert snapshot(payment) == after
    paid_once(payment)


def test_vnpay_forged_or_unknown_callbacks_change_nothing(world: World) -> None:
    payment = start(world, "vnpay")
    before = snapshot(payment)
    genuine = vnpay_ipn(payment)
    assert send_ipn({**genuine, "vnp_SecureHash": "0" * 128}) == BAD_SIGNATURE
    assert send_ipn({**genuine, "vnp_Amount": str(payment.amount * 100 + 100)}) == BAD_SIGNATURE  # tampered
    assert send_ipn({k: v for k, v in genuine.items() if k != "vnp_SecureHash"}) == BAD_SIGNATURE
    other = PaymentRequest(reference="HSKHONGCOT1", amount=payment.amount)
    assert send_ipn(vnpay_ipn(other)) == NOT_FOUND
    assert snapshot(payment) == before
    assert send_ipn(genuine) == CONFIRMED
    after = snapshot(payment)
    assert send_ipn({**vnpay_ipn(payment, code="24"), "vnp_SecureHash": "1" * 128}) == BAD_SIGNATURE
    assert snapshot(payment) == after
    paid_once(payment)


# ---- PayGov callback ---------------------------------------------------------------------------------------

PG_OK = {"errorCode": "00", "message": "Success"}
PG_ALREADY = {"errorCode": "02", "message": "Already confirmed"}


def test_paygov_duplicate_and_out_of_order_callbacks(world: World) -> None:
    payment = start(world, "paygov")
    assert send_paygov(paygov_callback(payment)) == PG_OK
    after = snapshot(payment)
    assert send_paygov(paygov_callback(payment)) == PG_ALREADY
    assert send_paygov(paygov_callback(payment, code="10")) == PG_ALREADY  # an older failure, late
    assert snapshot(payment) == after
    paid_once(payment)


def test_paygov_failure_then_late_success_then_replays(world: World) -> None:
    payment = start(world, "paygov")
    assert send_paygov(paygov_callback(payment, code="10")) == PG_OK
    assert send_paygov(paygov_callback(payment, code="10")) == PG_ALREADY
    assert snapshot(payment)["state"] == PaymentState.FAILED
    assert send_paygov(paygov_callback(payment)) == PG_OK
    assert send_paygov(paygov_callback(payment)) == PG_ALREADY
    assert send_paygov(paygov_callback(payment, code="10")) == PG_ALREADY
    paid_once(payment)
    assert snapshot(payment)["topics"]["payment.failed"] == 1


def test_paygov_wrong_amount_forged_and_unknown_are_refused(world: World) -> None:
    payment = start(world, "paygov")
    before = snapshot(payment)
    assert send_paygov(paygov_callback(payment, amount=payment.amount + 1)) == {
        "errorCode": "04",
        "message": "Invalid amount",
    }
    forged = {**paygov_callback(payment), "checksum": "0" * 64}
    assert send_paygov(forged) == {"errorCode": "97", "message": "Invalid checksum"}
    tampered = {**paygov_callback(payment, amount=1), "amount": str(payment.amount)}
    assert send_paygov(tampered) == {"errorCode": "97", "message": "Invalid checksum"}
    other = PaymentRequest(reference="HSKHONGCOT1", amount=payment.amount)
    assert send_paygov(paygov_callback(other)) == {"errorCode": "01", "message": "Reference not found"}
    assert snapshot(payment) == before
    assert PaymentTransaction.objects.filter(accepted=True).count() == 0


# ---- the same success from two threads at once (separate connections, committed transactions) -------------


def _race(send: Any, message: dict[str, str], runs: int = 2) -> list[dict[str, str]]:
    barrier = threading.Barrier(runs)
    answers: list[dict[str, str]] = []
    errors: list[BaseException] = []

    def deliver() -> None:
        try:
            barrier.wait(timeout=10)
            answers.append(send(message))
        except BaseException as exc:  # reported by the test below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=deliver, name=f"callback-{n}") for n in range(runs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), "a callback hung"
    assert not errors, errors
    return answers


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("gateway", ["vnpay", "paygov"])
def test_the_same_success_from_two_threads_at_once_is_applied_once(world: World, gateway: str) -> None:
    payment = start(world, gateway)
    if gateway == "vnpay":
        answers = _race(send_ipn, vnpay_ipn(payment), runs=3)
        expected = [CONFIRMED, ALREADY, ALREADY]
        code = "RspCode"
    else:
        answers = _race(send_paygov, paygov_callback(payment), runs=3)
        expected = [PG_OK, PG_ALREADY, PG_ALREADY]
        code = "errorCode"
    assert sorted(answers, key=lambda a: a[code]) == expected, f"{connection.vendor}: {answers}"
    paid_once(payment)
    assert PaymentTransaction.objects.filter(request=payment).count() == 3


def test_both_requests_paid_takes_the_money_twice_but_pays_the_fee_lines_once(world: World) -> None:
    """The applicant paid a replaced request and its replacement: both gateway successes are acknowledged (the
    money was taken, a refund is due), the fee lines and the dossier change once, and the dossier announces one
    payment."""
    first = start(world, "vnpay", "2026-03-02 09:00")
    second = services.payment_start(
        dossier=first.dossier, actor=world.citizen, provider="vnpay", at=at("2026-03-02 09:05")
    )
    assert send_ipn(vnpay_ipn(second)) == CONFIRMED
    fees = snapshot(second)["fees"]
    assert send_ipn(vnpay_ipn(first, number="14000002")) == CONFIRMED  # the replaced page was paid too
    assert send_ipn(vnpay_ipn(first, number="14000002")) == ALREADY
    state = snapshot(first)
    assert state["fees"] == fees
    assert state["topics"]["payment.succeeded"] == 2
    assert state["topics"]["dossier.payment_received"] == 1
    assert state["audit"]["payment_received"] == 1
    refund = OutboxEvent.objects.filter(topic="payment.succeeded").order_by("pk").last()
    assert refund is not None
    assert (refund.payload["reference"], refund.payload["already_paid_lines"]) == (first.reference, 1)


def test_a_replaced_request_paid_late_closes_its_replacement(world: World) -> None:
    """The applicant started a second request, then the first (replaced) one was paid after all: its success pays
    the lines, and the replacement, left with nothing to collect, is cancelled at once so that it cannot be paid
    a second time; no new request can be started either."""
    first = start(world, "vnpay", "2026-03-02 09:00")
    second = services.payment_start(
        dossier=first.dossier, actor=world.citizen, provider="vnpay", at=at("2026-03-02 09:05")
    )
    assert send_ipn(vnpay_ipn(first)) == CONFIRMED  # late: first was cancelled when second was started
    second.refresh_from_db()
    assert (second.state, second.finished) == (PaymentState.CANCELLED, True)
    cancelled = OutboxEvent.objects.filter(topic="payment.cancelled", payload__reference=second.reference).get()
    assert (cancelled.payload["reason"], cancelled.payload["paid_by"]) == ("paid_by", first.reference)
    paid_once(first)
    with pytest.raises(Conflict):
        services.payment_start(dossier=first.dossier, actor=world.citizen, provider="vnpay", at=at("2026-03-02 09:20"))
    # the page that was already open at the gateway is paid anyway: acknowledged, flagged for refund, no news
    assert send_ipn(vnpay_ipn(second, number="14000003")) == CONFIRMED
    refund = OutboxEvent.objects.filter(topic="payment.succeeded").order_by("pk").last()
    assert refund is not None and refund.payload["already_paid_lines"] == 1
    assert OutboxEvent.objects.filter(topic="dossier.payment_received").count() == 1


def test_a_success_keeps_another_request_that_still_has_lines_to_collect(world: World) -> None:
    """Only requests left without an unpaid line are closed: one that still collects something stays open."""
    first = start(world, "vnpay", "2026-03-02 09:00")
    fee = first.fees.get()
    extra = DossierFee.objects.create(
        dossier=first.dossier, kind=fee.kind, name="Lệ phí bổ sung", amount=20000, collected_at=fee.collected_at
    )
    second = services.payment_start(
        dossier=first.dossier, actor=world.citizen, provider="vnpay", at=at("2026-03-02 09:05")
    )
    assert set(second.fees.values_list("pk", flat=True)) == {fee.pk, extra.pk}
    assert send_ipn(vnpay_ipn(first)) == CONFIRMED
    second.refresh_from_db()
    assert second.state == PaymentState.PENDING
