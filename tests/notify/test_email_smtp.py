"""E-mail for real: through Django's SMTP backend to a local SMTP server started by the test."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from motcua.core import outbox
from motcua.notify.models import Message
from tests.notify.conftest import free_port

pytestmark = pytest.mark.django_db


class Inbox:
    def __init__(self) -> None:
        self.envelopes: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server(settings: Any) -> Iterator[Inbox]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.DEFAULT_FROM_EMAIL = "Một cửa tỉnh <khong-tra-loi@tinh.example.vn>"
    try:
        yield inbox
    finally:
        controller.stop()


def test_a_verification_code_is_sent_by_smtp_in_vietnamese(smtp_server: Inbox, relay: Callable[..., Any]) -> None:
    outbox.emit(
        "account.code",
        payload={
            "channel": "email",
            "recipient": "an@example.vn",
            "code": "246810",
            "purpose": "register",
            "language": "vi",
        },
    )
    relay()
    [envelope] = smtp_server.envelopes
    assert envelope.mail_from == "khong-tra-loi@tinh.example.vn"
    assert envelope.rcpt_tos == ["an@example.vn"]
    received = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
    assert received["Subject"] == "Mã xác minh dịch vụ công"
    assert received["From"] == "Một cửa tỉnh <khong-tra-loi@tinh.example.vn>"
    assert received.get_content_charset() == "utf-8"
    assert received.get_content().replace("\r\n", "\n") == (
        "Mã xác minh của Ông/Bà là: 246810\n\n"
        "Mã dùng để đăng ký tài khoản và có hiệu lực trong 10 phút.\n"
        "Không cung cấp mã này cho bất kỳ ai, kể cả người tự xưng là cán bộ.\n"
    )
    message = Message.objects.get()
    assert (message.status, message.provider, message.attempts) == ("sent", "email.django", 1)
    assert message.provider_message_id == received["Message-ID"]
    assert received["X-Motcua-Message"] == str(message.key)


def test_an_unreachable_smtp_server_is_a_failed_attempt_kept_on_the_message(
    smtp_server: Inbox, relay: Callable[..., Any], settings: Any
) -> None:
    settings.EMAIL_PORT = free_port()  # nothing listens there
    outbox.emit(
        "account.code",
        payload={
            "channel": "email",
            "recipient": "an@example.vn",
            "code": "246810",
            "purpose": "login",
            "language": "en",
        },
    )
    relay()
    message = Message.objects.get()
    assert (message.status, message.attempts) == ("queued", 1)
    assert message.error.startswith("ConnectionRefusedError")
    assert smtp_server.envelopes == []
