"""Rate limits and lockout where the other test modules do not reach them.

Already covered elsewhere (not repeated here): the API token limit per address and per name and its lockout
(tests/api/test_dossiers_api.py), the API lookup limit (same file), the OAuth token limit per client
(tests/clients/test_tokens_and_calls.py), the public lookup page limit (tests/portal/test_citizen.py), the
code limits per target and address and the code lockout (tests/accounts/test_services.py), the resend
button (tests/accounts/test_pages.py), the staff password lockout (tests/backoffice/test_auth.py).

Here: the citizen sign-in page locks with a readable message and a 429, even for the right password; the
staff second factor locks after repeated wrong codes; the OAuth token endpoint limits one address trying
many client ids; the password-reset page stops sending codes; and a forged `X-Forwarded-For` does not buy a
fresh lookup allowance.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from motcua.accounts import services as accounts
from motcua.clients.views import ATTEMPTS_PER_ADDRESS_PER_MINUTE
from motcua.core.lockout import LoginThrottle
from motcua.core.outbox import OutboxEvent
from tests.dossiers.conftest import World, submit_online, world

__all__ = ["world"]

pytestmark = pytest.mark.django_db

PASSWORD = "Lúa-Chín-2026!"
PHONE = "0912345678"


@pytest.fixture(autouse=True)
def _fresh_limits() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


def citizen() -> Any:
    accounts.account_register(identifier=PHONE, password=PASSWORD, full_name="Nguyễn Thị Lan", kind="citizen")
    event = OutboxEvent.objects.filter(topic="account.code").latest("pk")
    return accounts.account_verify(identifier=PHONE, code=str(event.payload["code"]))


def test_the_citizen_sign_in_page_locks_after_repeated_failures(settings: Any) -> None:
    citizen()
    limit = settings.MOTCUA_LOGIN_MAX_FAILURES = 5
    client = Client()
    statuses = [client.post("/dang-nhap/", {"identifier": PHONE, "password": "sai"}).status_code for _ in range(limit)]
    assert statuses[:-1] == [400] * (limit - 1)
    assert statuses[-1] == 429  # the failure that locks says so
    right = client.post("/dang-nhap/", {"identifier": PHONE, "password": PASSWORD})
    assert right.status_code == 429
    assert "tạm khóa" in right.content.decode()
    assert "_auth_user_id" not in client.session
    # the lock is on the account, not on the browser: another browser is refused as well
    other = Client().post("/dang-nhap/", {"identifier": PHONE, "password": PASSWORD}, REMOTE_ADDR="203.0.113.7")
    assert other.status_code == 429
    # and it ends: once the lock is lifted the right password works again
    LoginThrottle.objects.all().delete()
    assert Client().post("/dang-nhap/", {"identifier": PHONE, "password": PASSWORD}).status_code == 302


def test_the_staff_second_factor_locks_after_repeated_wrong_codes(world: World, settings: Any) -> None:
    settings.MOTCUA_LOGIN_MAX_FAILURES = 3
    user = world.officer.user
    user.set_password(PASSWORD)
    user.save()
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)

    def code() -> str:
        device.refresh_from_db()
        device.throttle_reset()  # django-otp's own growing delay is not what this test measures
        return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift):06d}"

    client = Client()
    assert client.post("/can-bo/dang-nhap/", {"username": user.get_username(), "password": PASSWORD}).status_code == 302
    for _attempt in range(3):
        bad = f"{(int(code()) + 1) % 10**6:06d}"
        assert client.post("/can-bo/xac-thuc/", {"token": bad}).status_code == 400
    locked = client.post("/can-bo/xac-thuc/", {"token": code()})
    assert locked.status_code == 400
    assert "tạm khóa" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    assert client.get("/can-bo/").status_code == 302  # still not signed in


def test_the_oauth_token_endpoint_limits_one_address_trying_many_clients(world: World) -> None:
    client = Client()
    answers = [
        client.post(
            "/api/v1/oauth/token",
            {"grant_type": "client_credentials", "client_id": f"doan-{attempt}", "client_secret": "x"},
        ).status_code
        for attempt in range(ATTEMPTS_PER_ADDRESS_PER_MINUTE + 1)
    ]
    assert answers[:-1] == [401] * ATTEMPTS_PER_ADDRESS_PER_MINUTE
    assert answers[-1] == 429
    # another address is not limited by this one's guesses
    elsewhere = client.post(
        "/api/v1/oauth/token",
        {"grant_type": "client_credentials", "client_id": "doan-x", "client_secret": "x"},
        REMOTE_ADDR="198.51.100.20",
    )
    assert elsewhere.status_code == 401


def test_the_password_reset_page_stops_sending_codes(settings: Any) -> None:
    citizen()
    settings.MOTCUA_ACCOUNT_CODES_PER_TARGET = 3
    client = Client()
    answers = [client.post("/tai-khoan/quen-mat-khau/", {"identifier": PHONE}) for _ in range(5)]
    # the registration code counts too: three codes to this phone in the hour, then no more
    assert OutboxEvent.objects.filter(topic="account.code").count() == 3
    assert answers[-1].status_code == 429
    assert "quá nhiều" in answers[-1].content.decode()


def test_a_forged_forwarded_header_does_not_reset_the_lookup_limit(world: World, settings: Any) -> None:
    settings.MOTCUA_TRUSTED_PROXIES = 0  # served directly: X-Forwarded-For is whatever the client wrote
    dossier = submit_online(world, "2026-03-02 09:00")
    client = Client()
    answers = [
        client.post(
            "/tra-cuu/", {"code": dossier.code, "id_number": "0" * 12}, HTTP_X_FORWARDED_FOR=f"10.0.0.{attempt}"
        ).status_code
        for attempt in range(40)
    ]
    assert 429 in answers
    first = answers.index(429)
    assert set(answers[first:]) == {429}
    limited = client.post("/tra-cuu/", {"code": dossier.code, "id_number": "052090001234"})
    assert limited.status_code == 429
    assert "nhiều" in limited.content.decode()


@pytest.mark.parametrize(
    ("url", "field"), [("/can-bo/dang-nhap/", "username"), ("/dang-nhap/", "identifier")], ids=["staff", "citizen"]
)
def test_one_address_trying_many_accounts_is_stopped(
    url: str, field: str, settings: Any, django_user_model: Any
) -> None:
    """The lockout guards one account; the limit per address stops one address trying many accounts."""
    settings.MOTCUA_SIGN_IN_ATTEMPTS_PER_ADDRESS = 3
    # the limit counts a fixed minute: time stands still in its middle, so a slow run crossing into the next
    # minute does not start a new count between the attempts
    with time_machine.travel(dt.datetime(2026, 3, 2, 2, 0, 30, tzinfo=dt.UTC), tick=False):
        _try_many_accounts(url, field, django_user_model)


def _try_many_accounts(url: str, field: str, django_user_model: Any) -> None:
    django_user_model.objects.create_user(username="nguoithat", password=PASSWORD)
    client = Client()
    for n in range(3):
        response = client.post(url, {field: f"doan{n}", "password": "sai-mat-khau"})
        assert response.status_code == 400
    refused = client.post(url, {field: "nguoithat", "password": PASSWORD})
    assert refused.status_code == 429
    assert "Quá nhiều lần đăng nhập từ địa chỉ này" in refused.content.decode()
    assert "_auth_user_id" not in client.session
    # another address is not affected
    other = Client(REMOTE_ADDR="10.9.8.7").post(url, {field: "doan9", "password": "sai-mat-khau"})
    assert other.status_code == 400
