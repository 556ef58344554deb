"""The real provider adapters (HTTP SMS gateway, Zalo ZNS) against a local HTTP server; the self-checks."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from motcua.core import outbox
from motcua.notify import channels, services
from motcua.notify.models import Message, MessageTemplate

pytestmark = pytest.mark.django_db


class Gateway:
    """A local HTTP server that records requests and answers with the next queued (status, JSON) pair."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], Any]] = []
        self.answers: list[tuple[int, Any]] = []
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                gateway.requests.append((dict(self.headers), json.loads(self.rfile.read(length))))
                status, answer = gateway.answers.pop(0)
                body = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/send"


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    gateway = Gateway()
    thread = threading.Thread(target=gateway.server.serve_forever, daemon=True)
    thread.start()
    yield gateway
    gateway.server.shutdown()
    gateway.server.server_close()


def queue(channel: str, phone: str = "0912345678") -> Message:
    [message] = services.message_queue(
        event="reminder",
        recipients=[services.Recipient(channel, phone)],
        context=lambda language: {"code": "H21-1", "applicant_name": "Nguyễn Văn An", "reason": "nộp lệ phí"},
        source_key=outbox.emit("x.reminder").key,
    )
    return message


def test_the_http_sms_provider_posts_the_message_and_keeps_the_gateway_id(
    gateway: Gateway, settings: Any, relay: Callable[..., Any]
) -> None:
    settings.MOTCUA_SMS_PROVIDER = "http"
    settings.MOTCUA_SMS_HTTP_URL = gateway.url
    settings.MOTCUA_SMS_HTTP_TOKEN = "gateway-token"
    settings.MOTCUA_SMS_BRANDNAME = "UBND TINH"
    settings.MOTCUA_SMS_STRIP_DIACRITICS = True
    gateway.answers = [(503, {}), (200, {"id": "gw-42"})]
    message = queue("sms")
    relay()
    message.refresh_from_db()
    assert (message.status, message.attempts, message.error) == ("queued", 1, "SMS gateway HTTP 503")
    relay(message.next_attempt_at)
    message.refresh_from_db()
    assert (message.status, message.provider, message.provider_message_id) == ("sent", "sms.http", "gw-42")
    headers, body = gateway.requests[-1]
    assert headers["Authorization"] == "Bearer gateway-token"
    assert body == {
        "to": "84912345678",
        "from": "UBND TINH",
        "text": "Nhac nho: ho so H21-1 dang cho Ong/Ba: nop le phi. Chi tiet:",
        "request_id": str(message.key),
    }
    assert services.message_mark_delivered("sms.http", "gw-42") == 1  # the gateway's delivery receipt
    message.refresh_from_db()
    assert message.status == "delivered"


def test_a_client_error_of_the_sms_gateway_is_final(gateway: Gateway, settings: Any, relay: Callable[..., Any]) -> None:
    settings.MOTCUA_SMS_PROVIDER = "http"
    settings.MOTCUA_SMS_HTTP_URL = gateway.url
    gateway.answers = [(400, {"error": "bad brandname"})]
    message = queue("sms")
    relay()
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("failed", 1)
    assert message.error == 'SMS gateway HTTP 400: {"error": "bad brandname"}'


def test_zalo_zns_sends_the_approved_template_with_its_data(
    gateway: Gateway, settings: Any, relay: Callable[..., Any]
) -> None:
    settings.MOTCUA_ZALO_PROVIDER = "zns"
    settings.ZALO_ZNS_API_URL = gateway.url
    settings.ZALO_OA_ACCESS_TOKEN = "oa-token"
    MessageTemplate.objects.filter(event="reminder", channel="zalo", language="vi").update(
        provider_template_id="231234"
    )
    gateway.answers = [
        (200, {"error": -124, "message": "Access token is invalid"}),
        (200, {"error": 0, "data": {"msg_id": "z-9"}}),
    ]
    message = queue("zalo", phone="+84 987 654 321")
    relay()
    message.refresh_from_db()
    assert (message.status, message.error) == ("queued", "Zalo error -124: Access token is invalid")
    relay(message.next_attempt_at)
    message.refresh_from_db()
    assert (message.status, message.provider, message.provider_message_id) == ("sent", "zalo.zns", "z-9")
    headers, body = gateway.requests[-1]
    assert headers["access_token"] == "oa-token"
    assert body == {
        "phone": "84987654321",
        "template_id": "231234",
        "template_data": {
            "customer_name": "Nguyễn Văn An",
            "dossier_code": "H21-1",
            "procedure_name": "",
            "due_date": "",
            "reason": "nộp lệ phí",
        },
        "tracking_id": str(message.key),
    }


def test_the_configuration_self_checks(settings: Any, capsys: Any) -> None:
    settings.DEBUG = False
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "smtp.tinh.example.vn"
    settings.DEFAULT_FROM_EMAIL = "Một cửa <khong-tra-loi@tinh.example.vn>"
    settings.MOTCUA_SMS_PROVIDER = "http"
    settings.MOTCUA_SMS_HTTP_URL = ""
    settings.MOTCUA_ZALO_PROVIDER = "zns"
    settings.ZALO_OA_ACCESS_TOKEN = "oa-token"
    assert channels.adapter_for("email").check_configuration() == []
    assert channels.adapter_for("sms").check_configuration() == [
        "MOTCUA_SMS_HTTP_URL is empty",
        "MOTCUA_SMS_HTTP_TOKEN is empty",
        "MOTCUA_SMS_BRANDNAME is empty (the registered brand name the SMS come from)",
    ]
    zalo_problems = channels.adapter_for("zalo").check_configuration()
    assert len(zalo_problems) == 18  # 9 events × 2 languages without an approved template id
    assert zalo_problems[0] == "Zalo template extension/en has no ZNS template id"
    with pytest.raises(CommandError, match="21 problem"):
        call_command("notify_check")
    assert "email.django: OK" in capsys.readouterr().out
    settings.MOTCUA_SMS_PROVIDER = "carrier-pigeon"
    with pytest.raises(Exception, match="unknown sms provider 'carrier-pigeon'"):
        channels.adapter_for("sms")


def test_the_message_admin_lists_filters_and_resends_failed_messages(
    admin_client: Any, relay: Callable[..., Any]
) -> None:
    sent = queue("sms")
    failed = queue("sms", phone="12345")  # not a mobile number: fails at once
    relay()
    page = admin_client.get("/quan-tri/notify/message/?status__exact=failed").content.decode()
    assert f"/quan-tri/notify/message/{failed.pk}/change/" in page
    assert f"/quan-tri/notify/message/{sent.pk}/change/" not in page
    assert admin_client.get("/quan-tri/notify/message/add/").status_code == 403
    response = admin_client.post(
        "/quan-tri/notify/message/",
        {"action": "resend_failed", "_selected_action": [str(failed.pk), str(sent.pk)]},
        follow=True,
    )
    assert "Đã đưa 1 tin vào hàng đợi gửi lại." in response.content.decode()
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == ("queued", 0)
