"""The permission matrix of every payment endpoint, with "nothing changed" checks on denial."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from motcua.core.outbox import OutboxEvent
from motcua.payments import services
from motcua.payments.models import CollectingAccount, PaymentRequest, PaymentTransaction
from tests.payments.conftest import World, submit_online

pytestmark = pytest.mark.usefixtures("simulator")

WHO = ["anonymous", "citizen", "other_citizen", "officer", "other_officer", "leader"]


def _client(world: World, who: str) -> Client:
    client = Client()
    if who != "anonymous":
        client.force_login(world.users()[who])
    return client


def _state() -> tuple[list[Any], int, int]:
    rows = list(PaymentRequest.objects.order_by("pk").values_list("pk", "state", "finished"))
    return rows, OutboxEvent.objects.filter(topic__startswith="payment.").count(), PaymentTransaction.objects.count()


@pytest.fixture
def paying(world: World, account: CollectingAccount) -> tuple[Any, PaymentRequest, PaymentRequest]:
    """A dossier with an open VietQR payment, and a paid (cash) one of another dossier for the receipts."""
    dossier = submit_online(world, "2026-03-02 09:00")
    open_payment = services.payment_start(dossier=dossier, actor=world.citizen, provider="vietqr")
    paid_dossier = submit_online(world, "2026-03-02 09:10")
    paid = services.payment_record_cash(dossier=paid_dossier, actor=world.officer.user)
    return dossier, open_payment, paid


CITIZEN_EXPECTED = {
    "anonymous": 302,  # to the sign-in page
    "citizen": None,  # allowed
    "other_citizen": 404,
    "officer": 404,
    "other_officer": 404,
    "leader": 404,
}


@pytest.mark.parametrize("who", WHO)
def test_citizen_pages(world: World, paying: Any, who: str) -> None:
    dossier, open_payment, paid = paying
    client = _client(world, who)
    before = _state()
    expected = CITIZEN_EXPECTED[who]
    base = f"/ho-so-cua-toi/{dossier.code}/thanh-toan/"
    answers = {
        "page": client.get(base).status_code,
        "qr": client.get(f"{base}{open_payment.reference}/qr/").status_code,
        "receipt": client.get(f"/ho-so-cua-toi/{paid.dossier.code}/thanh-toan/{paid.reference}/bien-lai/").status_code,
    }
    if expected is None:
        assert answers == {"page": 200, "qr": 200, "receipt": 200}
    else:
        assert answers == {"page": expected, "qr": expected, "receipt": expected}
        assert client.post(f"{base}bat-dau/", {"provider": "vnpay"}).status_code == expected
        assert _state() == before


def test_citizen_start_is_allowed_to_the_owner_only(world: World, paying: Any) -> None:
    dossier, _open, _paid = paying
    response = _client(world, "citizen").post(
        f"/ho-so-cua-toi/{dossier.code}/thanh-toan/bat-dau/", {"provider": "vnpay"}
    )
    assert response.status_code == 302
    assert PaymentRequest.objects.filter(dossier=dossier, provider="vnpay", state="pending").count() == 1


STAFF_EXPECTED = {
    # page, cash, confirm, receipt, statement
    "anonymous": (302, 302, 302, 302, 302),
    "citizen": (403, 403, 403, 403, 403),
    "other_citizen": (403, 403, 403, 403, 403),
    "other_officer": (404, 404, 404, 404, 200),  # cannot see the dossier; may import for their own agency
    "leader": (200, 403, 403, 200, 403),  # sees the dossier, does not collect money
}


@pytest.mark.parametrize("who", list(STAFF_EXPECTED))
def test_staff_endpoints_denied(world: World, paying: Any, who: str) -> None:
    dossier, open_payment, paid = paying
    client = _client(world, who)
    before = _state()
    base = f"/can-bo/ho-so/{dossier.code}/thanh-toan/"
    answers = (
        client.get(base).status_code,
        client.post(f"{base}tien-mat/").status_code,
        client.post(f"{base}{open_payment.reference}/xac-nhan/").status_code,
        client.get(f"/can-bo/ho-so/{paid.dossier.code}/thanh-toan/{paid.reference}/bien-lai/").status_code,
        client.get("/can-bo/sao-ke/").status_code,
    )
    assert answers == STAFF_EXPECTED[who]
    assert _state() == before
    assert dossier.fees.get().paid_at is None


def test_statement_of_another_agency_confirms_nothing(world: World, paying: Any) -> None:
    _dossier, open_payment, _paid = paying
    from django.core.files.uploadedfile import SimpleUploadedFile

    before = _state()
    upload = SimpleUploadedFile("s.csv", f"reference,amount\n{open_payment.reference},100000\n".encode(), "text/csv")
    response = _client(world, "other_officer").post("/can-bo/sao-ke/", {"file": upload})
    assert response.status_code == 200
    assert response.context["report"].confirmed == []
    assert _state() == before


def test_officer_of_the_receiving_agency_is_allowed(world: World, paying: Any) -> None:
    dossier, open_payment, paid = paying
    client = _client(world, "officer")
    base = f"/can-bo/ho-so/{dossier.code}/thanh-toan/"
    assert client.get(base).status_code == 200
    assert client.get(f"/can-bo/ho-so/{paid.dossier.code}/thanh-toan/{paid.reference}/bien-lai/").status_code == 200
    assert client.get("/can-bo/sao-ke/").status_code == 200
    assert client.post(f"{base}{open_payment.reference}/xac-nhan/").status_code == 302
    open_payment.refresh_from_db()
    assert open_payment.state == "succeeded"


@pytest.mark.parametrize("who", WHO)
def test_public_endpoints_need_a_valid_checksum_whoever_calls(world: World, paying: Any, who: str) -> None:
    _dossier, open_payment, _paid = paying
    client = _client(world, who)
    before = _state()[:2]
    forged = {"vnp_TxnRef": open_payment.reference, "vnp_Amount": "10000000", "vnp_ResponseCode": "00"}
    assert client.get("/thanh-toan/vnpay/ipn/", {**forged, "vnp_SecureHash": "0" * 128}).json()["RspCode"] == "97"
    assert client.get("/thanh-toan/vnpay/ket-qua/", forged).status_code == 400
    assert client.post("/thanh-toan/paygov/callback/", "{}", content_type="application/json").json() == {
        "errorCode": "97",
        "message": "Invalid checksum",
    }
    assert _state()[:2] == before
