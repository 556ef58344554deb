"""VietQR transfers confirmed by staff or by a bank statement, cash at the counter, the receipt, the accounts."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from motcua.core.audit import AuditEvent
from motcua.dossiers.models import Dossier
from motcua.payments import providers, receipts, services
from motcua.payments.models import CollectingAccount, PaymentRequest, PaymentState, PaymentTransaction
from motcua.payments.providers import vietqr
from tests.payments.conftest import World, at, submit_counter, submit_online

pytestmark = pytest.mark.usefixtures("simulator")


def start_vietqr(client: Client, world: World, dossier: Dossier) -> PaymentRequest:
    client.force_login(world.citizen)
    response = client.post(f"/ho-so-cua-toi/{dossier.code}/thanh-toan/bat-dau/", {"provider": "vietqr"})
    payment = PaymentRequest.objects.get(dossier=dossier, provider="vietqr", finished=False)
    assert response["Location"] == f"/ho-so-cua-toi/{dossier.code}/thanh-toan/{payment.reference}/qr/"
    return payment


def test_vietqr_page_shows_the_qr_and_the_transfer_details(
    world: World, client: Client, account: CollectingAccount
) -> None:
    dossier = submit_online(world, "2026-03-02 09:00")
    payment = start_vietqr(client, world, dossier)
    assert payment.reference == "HS0000001H212603020001T1"  # the dossier code without separators
    page = client.get(f"/ho-so-cua-toi/{dossier.code}/thanh-toan/{payment.reference}/qr/").content.decode()
    assert "<svg" in page
    assert "113000012345" in page
    assert payment.reference in page
    assert "Một trăm nghìn đồng" in page
    text = services.vietqr_payload(payment)
    assert text == vietqr.payload(
        bank_bin="970415", account_number="113000012345", amount=100000, reference=payment.reference
    )
    assert "0006970415" in text and "54061000005802VN" in text


def test_vietqr_refused_without_a_collecting_account(world: World, client: Client) -> None:
    dossier = submit_online(world, "2026-03-02 09:00")
    client.force_login(world.citizen)
    response = client.post(f"/ho-so-cua-toi/{dossier.code}/thanh-toan/bat-dau/", {"provider": "vietqr"})
    assert response.status_code == 409
    assert not PaymentRequest.objects.exists()


def test_staff_confirms_a_transfer(world: World, client: Client, account: CollectingAccount) -> None:
    dossier = submit_online(world, "2026-03-02 09:00")
    payment = start_vietqr(client, world, dossier)
    client.force_login(world.officer.user)
    response = client.post(f"/can-bo/ho-so/{dossier.code}/thanh-toan/{payment.reference}/xac-nhan/")
    assert response.status_code == 302
    payment.refresh_from_db()
    assert (payment.state, payment.confirmed_by) == (PaymentState.SUCCEEDED, world.officer.user)
    event = AuditEvent.objects.filter(stream=f"dossier:{dossier.pk}").order_by("-seq").first()
    assert event is not None and (event.action, event.actor) == ("payment_succeeded", world.officer.user)
    again = client.post(f"/can-bo/ho-so/{dossier.code}/thanh-toan/{payment.reference}/xac-nhan/")
    assert again.status_code == 409


def test_bank_statement_confirms_matching_payments_only(
    world: World, client: Client, account: CollectingAccount
) -> None:
    first = submit_online(world, "2026-03-02 09:00")
    second = submit_online(world, "2026-03-02 09:05")
    one = start_vietqr(client, world, first)
    two = start_vietqr(client, world, second)
    csv_text = (
        "date,description,amount,bank_reference\n"
        f"02/03/2026,CT NGUYEN VAN AN {one.reference.lower()} thanh toan,100000,FT001\n"
        f"02/03/2026,{two.reference},10000,FT002\n"
        "02/03/2026,HSNOTHINGT9,100000,FT003\n"
    )
    client.force_login(world.officer.user)
    upload = SimpleUploadedFile("saoke.csv", csv_text.encode(), "text/csv")
    response = client.post("/can-bo/sao-ke/", {"file": upload})
    assert response.status_code == 200
    report = response.context["report"]
    assert report.confirmed == [one.reference]
    assert [line for line, _problem in report.problems] == [3, 4]
    one.refresh_from_db()
    two.refresh_from_db()
    assert (one.state, one.provider_reference) == (PaymentState.SUCCEEDED, "FT001")
    assert two.state == PaymentState.PENDING  # wrong amount: refused and logged
    assert PaymentTransaction.objects.get(kind="statement", accepted=False).amount == 10000
    # importing the same statement again confirms nothing twice
    upload = SimpleUploadedFile("saoke.csv", csv_text.encode(), "text/csv")
    assert client.post("/can-bo/sao-ke/", {"file": upload}).context["report"].already == [one.reference]


def test_cash_at_the_counter_and_receipt_in_words(world: World, client: Client) -> None:
    dossier = submit_counter(world, "2026-03-02 09:00")
    client.force_login(world.officer.user)
    response = client.post(f"/can-bo/ho-so/{dossier.code}/thanh-toan/tien-mat/", {"payer_name": "Nguyễn Văn An"})
    assert response.status_code == 302
    payment = PaymentRequest.objects.get()
    assert (payment.provider, payment.state, payment.amount) == ("cash", PaymentState.SUCCEEDED, 200000)
    assert dossier.fees.get().paid_at is not None
    html = receipts.receipt_html(payment)
    assert "Hai trăm nghìn đồng" in html
    assert "200.000 đồng" in html
    assert "BIÊN LAI THU PHÍ, LỆ PHÍ" in html
    pdf = client.get(f"/can-bo/ho-so/{dossier.code}/thanh-toan/{payment.reference}/bien-lai/")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    # nothing left to collect
    again = client.post(f"/can-bo/ho-so/{dossier.code}/thanh-toan/tien-mat/", {})
    assert again.status_code == 409
    assert PaymentRequest.objects.count() == 1


def test_a_new_payment_cancels_the_open_one(world: World, client: Client, account: CollectingAccount) -> None:
    dossier = submit_online(world, "2026-03-02 09:00")
    first = start_vietqr(client, world, dossier)
    services.payment_start(dossier=dossier, actor=world.citizen, provider="vnpay", at=at("2026-03-02 10:00"))
    first.refresh_from_db()
    assert (first.state, first.finished) == (PaymentState.CANCELLED, True)


def test_collecting_account_must_belong_to_an_organisation(world: World) -> None:
    personal = CollectingAccount(
        agency=world.centre,
        bank_bin="970415",
        bank_name="VietinBank",
        account_number="0123456789",
        account_holder="NGUYEN VAN AN",
        is_organisation=False,
    )
    with pytest.raises(ValidationError) as error:
        personal.full_clean()
    assert set(error.value.message_dict) == {"is_organisation", "account_holder"}
    personal.account_holder = "KHO BAC NHA NUOC TINH"
    personal.is_organisation = True
    personal.full_clean()


def test_provider_self_checks(settings: object) -> None:
    from django.test import override_settings

    assert providers.check_all() == {"vnpay": [], "vietqr": [], "cash": []}  # the simulator configures VNPAY
    with override_settings(MOTCUA_PAYMENT_SIMULATOR=False, MOTCUA_PAYMENT_PROVIDERS=["vnpay", "paygov", "nope"]):
        report = providers.check_all()
        assert [p.setting for p in report["vnpay"]] == [
            "MOTCUA_VNPAY_TMN_CODE",
            "MOTCUA_VNPAY_HASH_SECRET",
            "MOTCUA_VNPAY_PAYMENT_URL",
            "MOTCUA_VNPAY_API_URL",
        ]
        assert [p.setting for p in report["paygov"]] == [
            "MOTCUA_PAYGOV_PARTNER_CODE",
            "MOTCUA_PAYGOV_SECRET",
            "MOTCUA_PAYGOV_URL",
        ]
        assert [p.setting for p in report["nope"]] == ["MOTCUA_PAYMENT_PROVIDERS"]
        assert [p.code for p in providers.available(online_only=True)] == []
