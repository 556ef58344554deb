"""No personal data in the logs: a realistic day, every logger at DEBUG, then the output is searched.

The flow: a citizen registers and submits a dossier through the API with a personal ID number, a phone
number, an e-mail address and a full name; the officer, the specialist, the head and the leader process it
through the pages and the services; an officer looks the citizen up in the population database;
notifications go out (one e-mail is refused by the mail server, whose error names the address); sign-ins
fail until the account locks; the public lookup is tried with a wrong number. Every record of every logger
(the root, `django.request` and `django.server` included) is formatted as a handler would write it and must
not contain any of the four values.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.core.mail.backends.base import BaseEmailBackend
from django.test import Client
from django.utils import timezone

from motcua.accounts import services as accounts
from motcua.core import outbox
from motcua.dossiers import services
from motcua.dossiers.models import Dossier
from motcua.integrations.population import services as population
from motcua.notify.models import Message
from tests.api.test_dossiers_api import Tokens, submission
from tests.dossiers.conftest import World, at, world
from tests.factories import SMALL_PDF, CommuneFactory

__all__ = ["world"]

pytestmark = pytest.mark.django_db

ID_NUMBER = "079203004567"
PHONE = "0987654321"
EMAIL = "ngoc.tran@example.vn"
FULL_NAME = "Trần Thị Bích Ngọc"
SECRETS = {
    "ID number": ID_NUMBER,
    "phone": PHONE,
    "phone (international)": "84987654321",
    "e-mail": EMAIL,
    "full name": FULL_NAME,
}


class RefusingBackend(BaseEmailBackend):
    """A mail server that refuses the recipient, as a real one does for an unknown mailbox."""

    def send_messages(self, email_messages: Any) -> int:
        recipients = [address for message in email_messages for address in message.to]
        raise smtplib.SMTPRecipientsRefused({address: (550, b"5.1.1 mailbox unavailable") for address in recipients})


class Collector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def collector() -> Iterator[Collector]:
    """A handler on the root and on the loggers that do not propagate, every logger at DEBUG."""
    handler = Collector()
    names = [*logging.root.manager.loggerDict, "django.request", "django.server", "django.security.csrf"]
    loggers = [logging.getLogger(name) for name in dict.fromkeys(names)]
    levels = [(logger, logger.level) for logger in loggers]
    root_level = logging.root.level
    logging.root.setLevel(logging.DEBUG)
    logging.root.addHandler(handler)
    quiet = [logger for logger in loggers if not logger.propagate]
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
    for logger in quiet:
        logger.addHandler(handler)
    try:
        yield handler
    finally:
        logging.root.removeHandler(handler)
        logging.root.setLevel(root_level)
        for logger in quiet:
            logger.removeHandler(handler)
        for logger, level in levels:
            logger.setLevel(level)


@pytest.fixture(autouse=True)
def _sending(settings: Any) -> Iterator[None]:
    settings.MOTCUA_NOTIFY_TEST_MODE = False
    settings.MOTCUA_SMS_PROVIDER = "simulator"
    settings.MOTCUA_ZALO_PROVIDER = "simulator"
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    cache.clear()
    yield
    cache.clear()


def relay(capture: Any) -> None:
    for _round in range(3):
        with capture(execute=True):
            outbox.relay_pending(now=timezone.now())


def test_a_realistic_flow_logs_no_personal_data(
    collector: Collector, world: World, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    CommuneFactory(code="23425", name="Phường Pleiku", parent=world.committee.administrative_unit)
    client = Client()

    # a citizen account with the phone number and one with the e-mail address, through the pages
    for identifier in (PHONE, EMAIL):
        response = client.post(
            "/tai-khoan/dang-ky/",
            {
                "kind": "citizen",
                "identifier": identifier,
                "full_name": FULL_NAME,
                "password": "Lúa-Chín-2026!",
                "password_again": "Lúa-Chín-2026!",
            },
        )
        assert response.status_code in {200, 302}, response.content.decode()[:500]
    relay(django_capture_on_commit_callbacks)  # the verification codes: an SMS and a refused e-mail

    # the dossier, submitted through the API by the world's citizen with the applicant's personal data
    tokens = Tokens(client)
    headers = tokens.headers(world.citizen)
    files = [
        client.post("/api/v1/uploads", {"file": _pdf()}, headers=headers).json()["id"],
        client.post("/api/v1/uploads", {"file": _pdf()}, headers=headers).json()["id"],
    ]
    body = submission(world, files)
    body["applicant"].update(full_name=FULL_NAME, id_number=ID_NUMBER, phone=PHONE, email=EMAIL)
    response = client.post("/api/v1/dossiers", body, content_type="application/json", headers=headers)
    assert response.status_code == 201, response.content
    dossier = Dossier.objects.get(code=response.json()["code"])

    # processing: reception on the page, then the steps
    officer = Client()
    officer.force_login(world.officer.user)
    assert officer.get(f"/can-bo/ho-so/{dossier.code}/").status_code == 200
    now = timezone.now()
    services.dossier_receive(dossier=dossier, actor=world.officer.user, at=now)
    services.dossier_forward(dossier=dossier, actor=world.officer.user, at=now)
    services.dossier_forward(dossier=dossier, actor=world.specialist.user, at=now)
    services.dossier_forward(dossier=dossier, actor=world.head.user, at=now)
    services.dossier_approve(dossier=dossier, actor=world.leader.user, outcome="granted", at=now)
    services.dossier_return_result(dossier=dossier, actor=world.officer.user, at=now)
    assert officer.get(f"/can-bo/ho-so/{dossier.code}/").status_code == 200
    population.population_lookup(
        actor=world.officer.user,
        id_number=ID_NUMBER,
        full_name=FULL_NAME,
        birth_year=1990,
        purpose="Kiểm tra hồ sơ",
        dossier_code=dossier.code,
    )
    relay(django_capture_on_commit_callbacks)  # the dossier's notifications
    assert Message.objects.filter(recipient=EMAIL).exists()
    assert Message.objects.filter(recipient=EMAIL, status=Message.Status.SENT).count() == 0  # refused

    # failed sign-ins until the lock, on both sign-in pages and the API; a bad lookup
    settings.MOTCUA_LOGIN_MAX_FAILURES = 3
    for _attempt in range(4):
        Client().post("/dang-nhap/", {"identifier": PHONE, "password": "sai"})
        Client().post("/dang-nhap/", {"identifier": EMAIL, "password": "sai"})
        Client().post("/can-bo/dang-nhap/", {"username": EMAIL, "password": "sai"})
        Client().post("/api/v1/auth/token", {"username": PHONE, "password": "sai"}, content_type="application/json")
    Client().post("/tra-cuu/", {"code": dossier.code, "id_number": "0" * 12})
    Client().get("/api/v1/lookup", {"code": "KHONG-CO", "id_number": ID_NUMBER})
    Client().post("/tai-khoan/quen-mat-khau/", {"identifier": "0911111111"})
    with pytest.raises(Exception):  # noqa: B017  any failure: only its log output matters here
        accounts.account_login(request=None, identifier=PHONE, password="sai")

    output = "\n".join(collector.lines)
    assert "sign-in locked" in output and "notify: sending message" in output  # the log was captured
    leaks = {what: [line for line in collector.lines if value in line] for what, value in SECRETS.items()}
    assert {what: lines for what, lines in leaks.items() if lines} == {}


def _pdf() -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("giay-to.pdf", SMALL_PDF, "application/pdf")


def test_the_scan_finds_a_leak_when_there_is_one(collector: Collector) -> None:
    logging.getLogger("motcua.example").debug("applicant %s, phone %s", FULL_NAME, PHONE)
    assert any(FULL_NAME in line and PHONE in line for line in collector.lines)
    assert at("2026-03-02 09:00")  # the dossier tests' clock helper is importable from here
