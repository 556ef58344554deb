"""Delivery through the outbox: simulators, idempotency, retries, rate limits, test mode, receipts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.core.cache import cache
from django.utils import timezone

from motcua.core import outbox
from motcua.core.outbox import OutboxEvent
from motcua.notify import handlers, services
from motcua.notify.channels import simulator
from motcua.notify.channels.sms import SmsSimulator
from motcua.notify.models import Message
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
Relay = Callable[..., outbox.RelayReport]


def code_event(recipient: str = "0912345678", code: str = "123456", channel: str = "sms", **extra: Any) -> OutboxEvent:
    payload = {"channel": channel, "recipient": recipient, "code": code, "purpose": "register", "language": "vi"}
    return outbox.emit("account.code", payload={**payload, **extra})


def test_a_verification_code_goes_by_sms_through_the_simulator_and_is_delivered(relay: Relay) -> None:
    event = code_event()
    report = relay()
    assert (report.delivered, report.failed, report.dead) == (2, 0, 0)  # account.code, then notify.send
    [sent] = simulator.outbox
    assert (sent.provider, sent.recipient) == ("sms.simulator", "84912345678")
    assert sent.text == ("Mã xác minh của Ông/Bà là 123456 (hiệu lực 10 phút). Không cung cấp mã này cho bất kỳ ai.")
    message = Message.objects.get()
    assert (message.event, message.channel, message.recipient, message.language) == (
        "verification_code",
        "sms",
        "0912345678",
        "vi",
    )
    assert (message.status, message.attempts, message.provider) == ("delivered", 1, "sms.simulator")
    assert message.provider_message_id == sent.provider_message_id
    assert message.source_event_key == event.key
    assert message.sent_at is not None and message.delivered_at is not None
    # the stored text no longer holds the code once it is sent
    assert "123456" not in message.body and "••••••" in message.body
    assert "redact" not in message.provider_data


def test_an_english_code_by_email(relay: Relay) -> None:
    code_event(recipient="an@example.vn", channel="email", code="654321", language="en", purpose="reset")
    relay()
    [email] = mail.outbox
    assert email.subject == "Your public services verification code"
    assert email.to == ["an@example.vn"]
    assert email.body.startswith(
        "Your verification code is: 654321\n\nUse it to reset your password within 10 minutes."
    )
    assert Message.objects.get().status == "sent"  # SMTP does not report delivery


def test_zalo_goes_through_the_simulator_with_the_template_id_and_data(relay: Relay, world: Any) -> None:
    from motcua.notify.models import MessageTemplate

    MessageTemplate.objects.filter(event="reminder", channel="zalo", language="vi").update(
        provider_template_id="231234"
    )
    from tests.notify.test_dossier_events import counter_dossier

    dossier = counter_dossier(world, phone="0987654321", email="")
    services.dossier_notify(
        dossier=dossier, event="reminder", source_key=outbox.emit("x.reminder").key, payload={"reason": "nộp lệ phí"}
    )
    relay()
    zalo = next(item for item in simulator.outbox if item.provider == "zalo.simulator")
    assert zalo.recipient == "84987654321"
    assert zalo.data["template_id"] == "231234"
    assert zalo.data["template_data"] == {
        "customer_name": "Nguyễn Văn An",
        "dossier_code": dossier.code,
        "procedure_name": "Cấp Phiếu lý lịch tư pháp",
        "due_date": "",
        "reason": "nộp lệ phí",
    }
    assert zalo.text.startswith(f"Nhắc nhở: hồ sơ {dossier.code} đang chờ Ông/Bà: nộp lệ phí.")
    assert set(Message.objects.values_list("channel", "status")) == {("sms", "delivered"), ("zalo", "delivered")}


def test_the_zns_provider_skips_zalo_when_the_template_has_no_approved_id(relay: Relay, settings: Any) -> None:
    settings.MOTCUA_ZALO_PROVIDER = "zns"
    source = outbox.emit("x.reminder")
    queued = services.message_queue(
        event="reminder",
        recipients=[services.Recipient("zalo", "0987654321"), services.Recipient("sms", "0987654321")],
        context=lambda language: {"code": "H21"},
        source_key=source.key,
    )
    assert [m.channel for m in queued] == ["sms"]


def test_relaying_twice_or_handling_the_source_event_again_makes_and_sends_one_message(relay: Relay) -> None:
    event = code_event()
    relay()
    relay()
    handlers.on_account_code(event)  # as if the handler ran again (a replay after a crash)
    outbox.replay(event)
    relay()
    assert Message.objects.count() == 1
    assert len(simulator.outbox) == 1
    # a repeated or stale notify.send event does nothing either
    message = Message.objects.get()
    services.message_send(message_id=message.pk)
    assert len(simulator.outbox) == 1


def test_a_failing_provider_is_retried_with_back_off_then_the_message_is_failed(
    relay: Relay, settings: Any, monkeypatch: Any
) -> None:
    settings.MOTCUA_OUTBOX_MAX_ATTEMPTS = 3
    calls: list[str] = []

    def down(self: SmsSimulator, message: Message) -> Any:
        calls.append(message.recipient)
        raise ConnectionError("gateway down")

    monkeypatch.setattr(SmsSimulator, "send", down)
    code_event()
    start = timezone.now()
    relay(start)
    message = Message.objects.get()
    assert (message.status, message.attempts, message.error) == ("queued", 1, "ConnectionError: gateway down")
    assert message.next_attempt_at is not None
    first_wait = message.next_attempt_at - start
    assert dt.timedelta(seconds=9) < first_wait <= dt.timedelta(seconds=11)  # 10 s, then doubling
    relay(start + dt.timedelta(seconds=5))  # not due yet
    assert len(calls) == 1
    relay(message.next_attempt_at + dt.timedelta(seconds=1))
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("queued", 2)
    second_wait = message.next_attempt_at - timezone.now()
    assert dt.timedelta(seconds=15) < second_wait <= dt.timedelta(seconds=20)
    relay(message.next_attempt_at + dt.timedelta(seconds=1))
    message.refresh_from_db()
    assert (message.status, message.attempts, message.error) == ("failed", 3, "ConnectionError: gateway down")
    assert message.next_attempt_at is None
    assert "123456" not in message.body  # the code is blanked out of a failed message too
    relay(timezone.now() + dt.timedelta(days=1))
    assert len(calls) == 3  # never tried again
    # no event is left pending or dead: the failures are on the message
    assert not OutboxEvent.objects.exclude(state="delivered").exists()


def test_a_message_that_fails_once_is_sent_on_the_next_attempt(relay: Relay, monkeypatch: Any) -> None:
    real_send = SmsSimulator.send
    outcomes = [ConnectionError("timeout")]

    def flaky(self: SmsSimulator, message: Message) -> Any:
        if outcomes:
            raise outcomes.pop()
        return real_send(self, message)

    monkeypatch.setattr(SmsSimulator, "send", flaky)
    source = outbox.emit("x.reminder")
    services.message_queue(
        event="reminder",
        recipients=[services.Recipient("sms", "0912345678")],
        context=lambda language: {"code": "H21", "url": "u"},
        source_key=source.key,
    )
    relay()
    message = Message.objects.get()
    relay(message.next_attempt_at + dt.timedelta(seconds=1))
    message.refresh_from_db()
    assert (message.status, message.attempts, message.error) == ("delivered", 2, "")
    assert len(simulator.outbox) == 1


def test_a_final_rejection_fails_at_once(relay: Relay) -> None:
    code_event(recipient="12345")  # not a mobile number
    relay()
    message = Message.objects.get()
    assert (message.status, message.attempts) == ("failed", 1)
    assert message.error == "not a Vietnamese mobile number: '12345'"
    assert simulator.outbox == type(simulator.outbox)()


def test_over_the_rate_limit_messages_stay_queued_and_go_in_the_next_minute(relay: Relay, settings: Any) -> None:
    settings.MOTCUA_NOTIFY_RATE_SMS = 2
    for number in ("0912000001", "0912000002", "0912000003"):
        code_event(recipient=number)
    relay()
    statuses = dict(Message.objects.values_list("recipient", "status"))
    assert statuses == {"0912000001": "delivered", "0912000002": "delivered", "0912000003": "queued"}
    waiting = Message.objects.get(recipient="0912000003")
    assert (waiting.attempts, waiting.error) == (0, "rate limit of 2 per minute reached")
    assert waiting.next_attempt_at is not None
    assert timezone.now() < waiting.next_attempt_at <= timezone.now() + dt.timedelta(seconds=60)
    assert len(simulator.outbox) == 2
    cache.clear()  # the next minute
    relay(waiting.next_attempt_at + dt.timedelta(seconds=1))
    waiting.refresh_from_db()
    assert (waiting.status, waiting.attempts) == ("delivered", 1)
    assert [item.recipient for item in simulator.outbox] == ["84912000001", "84912000002", "84912000003"]


def test_test_mode_sends_nothing_and_records_the_messages_as_sent(relay: Relay, settings: Any) -> None:
    settings.MOTCUA_NOTIFY_TEST_MODE = True
    code_event()
    code_event(recipient="an@example.vn", channel="email")
    relay()
    assert list(simulator.outbox) == []
    assert mail.outbox == []
    assert set(Message.objects.values_list("status", "provider", "provider_message_id")) == {
        ("sent", "test-mode", "test-mode")
    }


def test_staff_alerts_are_emailed_to_the_staff_member_in_their_language(relay: Relay) -> None:
    UserFactory(username="truongphong", email="tp@example.vn", first_name="Bình", last_name="Lê Văn")
    UserFactory(username="noaddress", email="")
    for username in ("truongphong", "noaddress", "nobody"):
        outbox.emit(
            "staff.alert",
            subject="H21-1",
            payload={
                "kind": "step_due_soon",
                "code": "H21-1",
                "recipient": username,
                "due_at": "2026-03-09T02:00:00+00:00",
            },
        )
    relay()
    [email] = mail.outbox
    assert email.to == ["tp@example.vn"]
    assert email.subject == "[Cảnh báo] Sắp đến hạn xử lý: hồ sơ H21-1"
    assert email.body == (
        "Kính gửi Lê Văn Bình,\n\nSắp đến hạn xử lý: hồ sơ H21-1, thời hạn 09:00 09/03/2026.\n\n"
        "Xử lý hồ sơ tại: https://dichvucong.example.gov.vn/can-bo/ho-so/H21-1/"
    )
    assert Message.objects.get().dossier_code == "H21-1"


def test_delivery_receipts_and_resending_a_failed_message(relay: Relay, monkeypatch: Any) -> None:
    assert services.message_mark_delivered("sms.simulator", "sim-unknown") == 0
    monkeypatch.setattr(
        SmsSimulator, "send", lambda self, message: services.ProviderResult.rejected("no", retryable=False)
    )
    source = outbox.emit("x.reminder")
    services.message_queue(
        event="reminder",
        recipients=[services.Recipient("sms", "0912345678")],
        context=lambda language: {"code": "H21"},
        source_key=source.key,
    )
    relay()
    message = Message.objects.get()
    assert message.status == "failed"
    monkeypatch.undo()
    services.message_resend(message=message)
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("queued", 0)
    relay()
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("delivered", 1)
    assert services.message_mark_delivered("sms.simulator", message.provider_message_id) == 0  # repeated receipt
