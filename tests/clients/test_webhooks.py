"""Webhooks: signed, at least once through the outbox, permanent refusals not retried, no personal data."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from motcua.clients.models import WebhookDelivery, WebhookSubscription
from motcua.clients.webhooks import DELIVER_TOPIC
from motcua.core import outbox
from motcua.core.outbox import OutboxEvent
from motcua.integrations.delivery import RETRY_TOPIC
from motcua.integrations.models import DeliveryRecord
from tests.clients.conftest import Receiver, World, at, later, submit_counter

SECRET = "whsec-test-0123456789"
URL = "https://hooks.example.vn/motcua"


@pytest.fixture
def subscription(world: World, register: Any) -> WebhookSubscription:
    registered = register(world.department, scopes=["dossiers:read"])
    return WebhookSubscription.objects.create(name="A", client=registered.client, url=URL, secret=SECRET)


def submitted_event(code: str) -> OutboxEvent:
    return OutboxEvent.objects.get(topic="dossier.submitted", subject=code)


def test_a_signed_delivery(world: World, subscription: WebhookSubscription, receiver: Receiver) -> None:
    dossier = submit_counter(world, "2026-03-02 08:30")
    event = submitted_event(dossier.code)
    outbox.relay_pending(now=later(1))
    assert len(receiver.calls) == 1
    call = receiver.calls[0]
    assert call["url"] == URL
    expected = "sha256=" + hmac.new(SECRET.encode(), call["body"], hashlib.sha256).hexdigest()
    headers = call["headers"]
    assert hmac.compare_digest(headers["X-Motcua-Signature"], expected)
    delivery = WebhookDelivery.objects.get()
    assert headers["X-Motcua-Event"] == "dossier.submitted"
    assert headers["X-Motcua-Delivery"] == str(delivery.key)
    assert headers["Idempotency-Key"] == str(event.key)
    body = json.loads(call["body"])
    assert body == {
        "id": str(event.key),
        "topic": "dossier.submitted",
        "occurred_at": "2026-03-02T09:00:00+07:00",
        "data": {
            "code": dossier.code,
            "status": "submitted",
            "status_code": 1,
            "procedure": {"code": world.version.procedure.code, "name": "Cấp Phiếu lý lịch tư pháp"},
            "receiving_agency": "000.00.01.H21",
            "competent_agency": "000.00.02.H21",
            "channel": "counter",
            "submitted_at": "2026-03-02T08:30:00+07:00",
            "received_at": None,
            "due_at": None,
            "finished_at": None,
            "returned_at": None,
        },
    }
    assert "Nguyễn" not in call["body"].decode() and "052090001234" not in call["body"].decode()
    assert (delivery.status, delivery.response_code, delivery.attempts) == ("delivered", 200, 1)
    # the wrong secret does not verify
    wrong = "sha256=" + hmac.new(b"other", call["body"], hashlib.sha256).hexdigest()
    assert not hmac.compare_digest(headers["X-Motcua-Signature"], wrong)


def test_a_failing_receiver_is_retried_until_it_answers(
    world: World, subscription: WebhookSubscription, receiver: Receiver
) -> None:
    receiver.answers = [503, OSError("connection refused"), 408, 204]
    dossier = submit_counter(world, "2026-03-02 08:30")
    outbox.relay_pending(now=later(1))  # fan-out, then the first attempt: 503
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.response_code) == ("pending", 1, 503)
    assert "503" in delivery.last_error
    # the failure is the delivery record's (the outbox would roll it back): retried by a `delivery.retry` event
    record = DeliveryRecord.objects.get()
    assert (record.destination.name, record.status, record.attempts) == (f"webhook:{subscription.pk}", "failed", 1)
    assert record.event_key == submitted_event(dossier.code).key and "503" in record.last_error
    [retry] = OutboxEvent.objects.filter(topic=RETRY_TOPIC)
    assert (retry.state, retry.available_at) == ("pending", later(10))  # the outbox's back-off: 10 s
    assert OutboxEvent.objects.get(topic=DELIVER_TOPIC).state == "delivered"
    outbox.relay_pending(now=later(5))  # backing off (10 s): nothing sent
    assert len(receiver.calls) == 1
    outbox.relay_pending(now=later(12))  # refused connection
    outbox.relay_pending(now=later(40))  # 408: retried too
    outbox.relay_pending(now=later(200))  # 204
    assert len(receiver.calls) == 4
    bodies = {c["body"] for c in receiver.calls}
    assert len(bodies) == 1  # identical bytes on every attempt
    assert {c["headers"]["Idempotency-Key"] for c in receiver.calls} == {str(submitted_event(dossier.code).key)}
    delivery.refresh_from_db()
    assert (delivery.status, delivery.response_code, delivery.attempts) == ("delivered", 204, 4)
    record.refresh_from_db()
    assert (record.status, record.attempts, record.last_error) == ("sent", 4, "")
    assert not OutboxEvent.objects.exclude(state="delivered").exists()
    outbox.relay_pending(now=later(4000))
    assert len(receiver.calls) == 4  # never again


@pytest.mark.parametrize("status", [400, 401, 404, 410, 422, 301])
def test_a_permanent_refusal_is_not_retried(
    world: World, subscription: WebhookSubscription, receiver: Receiver, status: int
) -> None:
    receiver.answers = [status]
    submit_counter(world, "2026-03-02 08:30")
    outbox.relay_pending(now=later(1))
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.response_code) == ("failed", status)
    assert OutboxEvent.objects.get(topic=DELIVER_TOPIC).state == "delivered"
    outbox.relay_pending(now=later(4000))
    assert len(receiver.calls) == 1


def test_who_receives_what(world: World, register: Any, receiver: Receiver) -> None:
    client_a = register(world.department, scopes=["dossiers:read"], name="A").client
    client_b = register(world.other_department, scopes=["dossiers:read"], name="B").client
    no_scope = register(world.department, scopes=["stats:read"], name="A without dossiers:read").client
    WebhookSubscription.objects.create(name="A", client=client_a, url=URL + "/a", topics=["dossier.receive"])
    WebhookSubscription.objects.create(name="B", client=client_b, url=URL + "/b")
    WebhookSubscription.objects.create(name="no scope", client=no_scope, url=URL + "/none")
    WebhookSubscription.objects.create(name="off", url=URL + "/off", is_active=False)
    everything = WebhookSubscription.objects.create(name="province", url=URL + "/all", topics=["dossier.*"])
    other_only = WebhookSubscription.objects.create(name="Sở Xây dựng", url=URL + "/xd")
    other_only.agencies.set([world.other_department])
    assert everything.pk
    from motcua.dossiers import services

    dossier = submit_counter(world, "2026-03-02 08:30")
    services.dossier_receive(dossier=dossier, actor=world.officer.user, at=at("2026-03-02 08:40"))
    outbox.relay_pending(now=later(1))
    seen = sorted((c["url"].rsplit("/", 1)[1], c["headers"]["X-Motcua-Event"]) for c in receiver.calls)
    assert seen == [("a", "dossier.receive"), ("all", "dossier.receive"), ("all", "dossier.submitted")]


def test_https_only_unless_debug(settings: Any, world: World) -> None:
    subscription = WebhookSubscription(name="plain", url="http://hooks.example.vn/x", topics=["dossier.*"])
    with pytest.raises(ValidationError):
        subscription.full_clean()
    settings.DEBUG = True
    subscription.full_clean()


def test_a_plain_http_url_is_not_called_in_production(world: World, receiver: Receiver) -> None:
    WebhookSubscription.objects.create(name="plain", url="http://hooks.example.vn/x")
    submit_counter(world, "2026-03-02 08:30")
    outbox.relay_pending(now=later(1))
    assert receiver.calls == []
    assert WebhookDelivery.objects.get().status == "failed"
