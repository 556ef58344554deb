"""Reconciliation (đối soát) with time travel: lost IPNs, expiry, late and duplicate callbacks."""

from __future__ import annotations

import pytest
import time_machine
from django.test import Client

from motcua.core.outbox import OutboxEvent
from motcua.payments import services, tasks
from motcua.payments.models import PaymentRequest, PaymentState, PaymentTransaction
from tests.payments.conftest import World, at, query, simulate, start_vnpay, submit_online

pytestmark = pytest.mark.usefixtures("simulator")


def test_lost_ipn_is_recovered_by_the_query_after_15_minutes(world: World, client: Client) -> None:
    dossier = submit_online(world, "2026-03-02 08:00")
    with time_machine.travel(at("2026-03-02 09:00"), tick=False):
        client.force_login(world.citizen)
        params = start_vnpay(client, dossier)
        return_url = simulate(client, params, "pay_no_ipn")  # paid, but the IPN never arrives
    payment = PaymentRequest.objects.get()
    assert payment.state == PaymentState.PENDING

    with time_machine.travel(at("2026-03-02 09:10"), tick=False):
        report = services.payment_reconcile()
    assert (report.queried, report.succeeded) == (0, 0)  # too young to be queried

    with time_machine.travel(at("2026-03-02 09:16"), tick=False):
        assert tasks.reconcile_payments() == {"queried": 1, "succeeded": 1, "failed": 0, "expired": 0}
    payment.refresh_from_db()
    assert (payment.state, payment.paid_at) == (PaymentState.SUCCEEDED, at("2026-03-02 09:16"))
    assert dossier.fees.get().paid_at == at("2026-03-02 09:16")
    assert PaymentTransaction.objects.filter(kind="query", accepted=True).count() == 1

    # the late IPN and a second run change nothing
    events = OutboxEvent.objects.count()
    with time_machine.travel(at("2026-03-02 09:20"), tick=False):
        assert Client().get("/thanh-toan/vnpay/ipn/", query(return_url)).json()["RspCode"] == "02"
        assert tasks.reconcile_payments() == {"queried": 0, "succeeded": 0, "failed": 0, "expired": 0}
        assert tasks.sweep_payments() == {"queried": 0, "succeeded": 0, "failed": 0, "expired": 0}
    assert OutboxEvent.objects.count() == events
    assert OutboxEvent.objects.filter(topic="payment.succeeded").count() == 1


def test_abandoned_payment_expires_and_a_late_success_is_accepted_once(world: World, client: Client) -> None:
    dossier = submit_online(world, "2026-03-02 08:00")
    with time_machine.travel(at("2026-03-02 09:00"), tick=False):
        client.force_login(world.citizen)
        params = start_vnpay(client, dossier)  # the applicant closes the tab
    with time_machine.travel(at("2026-03-02 09:16"), tick=False):
        assert tasks.reconcile_payments() == {"queried": 1, "succeeded": 0, "failed": 0, "expired": 1}
    payment = PaymentRequest.objects.get()
    assert (payment.state, payment.finished, payment.finished_at) == (
        PaymentState.EXPIRED,
        True,
        at("2026-03-02 09:16"),
    )
    assert dossier.fees.get().paid_at is None

    # the gateway reports a success after all (the money was taken): accepted once, then "already confirmed"
    with time_machine.travel(at("2026-03-02 09:30"), tick=False):
        answer = query(simulate(client, params, "pay_no_ipn"))
        assert Client().get("/thanh-toan/vnpay/ipn/", answer).json()["RspCode"] == "00"
        assert Client().get("/thanh-toan/vnpay/ipn/", answer).json()["RspCode"] == "02"
    payment.refresh_from_db()
    assert payment.state == PaymentState.SUCCEEDED
    assert dossier.fees.get().paid_at == at("2026-03-02 09:30")
    event = OutboxEvent.objects.get(topic="payment.succeeded")
    assert event.payload["late"] is True


def test_daily_sweep_queries_again_what_the_first_query_left_open(world: World, client: Client) -> None:
    dossier = submit_online(world, "2026-03-02 08:00")
    with time_machine.travel(at("2026-03-02 09:00"), tick=False):
        client.force_login(world.citizen)
        params = start_vnpay(client, dossier)
    PaymentRequest.objects.update(expires_at=at("2026-03-03 09:00"))  # a longer payment window
    with time_machine.travel(at("2026-03-02 09:16"), tick=False):
        assert tasks.reconcile_payments()["queried"] == 1  # nothing at the gateway yet: stays pending
    with time_machine.travel(at("2026-03-02 12:00"), tick=False):
        simulate(client, params, "pay_no_ipn")
        assert tasks.reconcile_payments()["queried"] == 0  # already queried once
    with time_machine.travel(at("2026-03-03 01:00"), tick=False):
        assert tasks.sweep_payments() == {"queried": 1, "succeeded": 1, "failed": 0, "expired": 0}
    assert PaymentRequest.objects.get().state == PaymentState.SUCCEEDED
