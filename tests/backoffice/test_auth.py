"""Staff sign-in: lockout, the TOTP second factor, and the admin behind the same rules."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client, override_settings
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from motcua.core.lockout import LoginThrottle
from motcua.org.models import Role
from tests.backoffice.conftest import World
from tests.factories import make_staff

pytestmark = pytest.mark.django_db
PASSWORD = "MotCua@2026-test"


def with_password(user: Any) -> Any:
    user.set_password(PASSWORD)
    user.save()
    return user


def code_for(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift):06d}"


def test_staff_signs_in_and_lands_on_the_inbox(world: World) -> None:
    with_password(world.officer.user)
    client = Client()
    response = client.post("/can-bo/dang-nhap/", {"username": "tiepnhan", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/can-bo/"
    assert client.get("/can-bo/").status_code == 200


def test_next_goes_back_to_the_page_but_never_off_site(world: World) -> None:
    with_password(world.officer.user)
    ok = Client().post("/can-bo/dang-nhap/?next=/can-bo/ho-so/", {"username": "tiepnhan", "password": PASSWORD})
    assert ok["Location"] == "/can-bo/ho-so/"
    evil = Client().post(
        "/can-bo/dang-nhap/", {"username": "tiepnhan", "password": PASSWORD, "next": "https://evil.example/"}
    )
    assert evil["Location"] == "/can-bo/"


def test_wrong_password_is_refused_with_a_message(world: World) -> None:
    with_password(world.officer.user)
    response = Client().post("/can-bo/dang-nhap/", {"username": "tiepnhan", "password": "sai"})
    assert response.status_code == 400
    assert "Sai tên đăng nhập hoặc mật khẩu." in response.content.decode()


@override_settings(MOTCUA_LOGIN_MAX_FAILURES=3, MOTCUA_LOGIN_LOCK_MINUTES=15)
def test_repeated_failures_lock_the_account_even_for_the_right_password(world: World) -> None:
    with_password(world.officer.user)
    client = Client()
    for _attempt in range(2):
        client.post("/can-bo/dang-nhap/", {"username": "tiepnhan", "password": "sai"})
    third = client.post("/can-bo/dang-nhap/", {"username": "TiepNhan", "password": "sai"})
    assert "Tài khoản tạm khóa" in third.content.decode()
    right = client.post("/can-bo/dang-nhap/", {"username": "tiepnhan", "password": PASSWORD})
    assert right.status_code == 400
    assert "Tài khoản tạm khóa" in right.content.decode()
    assert "_auth_user_id" not in client.session
    assert LoginThrottle.objects.get(username="tiepnhan").locked_until is not None


def test_success_clears_earlier_failures(world: World) -> None:
    with_password(world.officer.user)
    Client().post("/can-bo/dang-nhap/", {"username": "tiepnhan", "password": "sai"})
    Client().post("/can-bo/dang-nhap/", {"username": "tiepnhan", "password": PASSWORD})
    assert not LoginThrottle.objects.filter(username="tiepnhan").exists()


def test_a_citizen_cannot_sign_in_to_the_back_office(world: World) -> None:
    with_password(world.citizen)
    response = Client().post("/can-bo/dang-nhap/", {"username": "congdan1", "password": PASSWORD})
    assert response.status_code == 400
    assert "không phải tài khoản cán bộ" in response.content.decode()


def test_a_signed_in_citizen_is_denied_every_page(world: World) -> None:
    client = Client()
    client.force_login(world.citizen)
    assert client.get("/can-bo/").status_code == 403


def test_anonymous_is_sent_to_sign_in(world: World) -> None:
    response = Client().get("/can-bo/ho-so/")
    assert response.status_code == 302
    assert response["Location"] == "/can-bo/dang-nhap/?next=%2Fcan-bo%2Fho-so%2F"


def test_a_user_with_an_authenticator_must_give_a_code(world: World) -> None:
    user = with_password(world.officer.user)
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    client = Client()
    response = client.post("/can-bo/dang-nhap/", {"username": "tiepnhan", "password": PASSWORD})
    assert response["Location"].startswith("/can-bo/xac-thuc/")
    assert "_auth_user_id" not in client.session  # not signed in before the code
    wrong = client.post("/can-bo/xac-thuc/", {"token": "000000" if code_for(device) != "000000" else "111111"})
    assert wrong.status_code == 400
    assert "Mã không đúng" in wrong.content.decode()
    throttled = client.post("/can-bo/xac-thuc/", {"token": code_for(device)})
    assert throttled.status_code == 400  # django-otp waits longer after each wrong code
    device.refresh_from_db()
    device.throttle_reset()
    right = client.post("/can-bo/xac-thuc/", {"token": code_for(device)})
    assert right.status_code == 302
    assert client.get("/can-bo/").status_code == 200


@override_settings(MOTCUA_ADMIN_2FA_REQUIRED=True)
def test_administrators_must_set_up_the_second_factor_when_required(world: World) -> None:
    admin = make_staff(Role.AGENCY_ADMIN, agency=world.department, username="quantri")
    with_password(admin.user)
    client = Client()
    response = client.post("/can-bo/dang-nhap/", {"username": "quantri", "password": PASSWORD})
    assert response["Location"] == "/can-bo/bao-mat/"
    assert client.get("/can-bo/").status_code == 302  # nothing else until it is set up
    page = client.get("/can-bo/bao-mat/")
    assert page.status_code == 200 and "data:image/svg+xml;base64," in page.content.decode()
    device = TOTPDevice.objects.get(user=admin.user)
    assert not device.confirmed
    done = client.post("/can-bo/bao-mat/", {"token": code_for(device)})
    assert done.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/can-bo/").status_code == 200


@override_settings(MOTCUA_ADMIN_2FA_REQUIRED=True)
def test_officers_are_not_forced_to_use_a_second_factor(world: World) -> None:
    with_password(world.officer.user)
    client = Client()
    response = client.post("/can-bo/dang-nhap/", {"username": "tiepnhan", "password": PASSWORD})
    assert response["Location"] == "/can-bo/"


@override_settings(MOTCUA_ADMIN_2FA_REQUIRED=True)
def test_the_admin_site_needs_the_second_factor_too(world: World, django_user_model: Any) -> None:
    root = django_user_model.objects.create_superuser("root", "root@example.vn", PASSWORD)
    client = Client()
    client.force_login(root)  # a password-only session
    response = client.get("/quan-tri/")
    assert response.status_code == 302
    login = client.get(response["Location"])
    assert login["Location"] == "/can-bo/dang-nhap/?next=%2Fquan-tri%2F"
    device = TOTPDevice.objects.create(user=root, name="phone", confirmed=True)
    client.post("/can-bo/xac-thuc/", {"token": code_for(device)})
    assert client.get("/quan-tri/").status_code == 200


def test_a_used_code_cannot_be_replayed(world: World) -> None:
    user = with_password(world.officer.user)
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    token = code_for(device)
    first = Client()
    first.post("/can-bo/dang-nhap/", {"username": "tiepnhan", "password": PASSWORD})
    assert first.post("/can-bo/xac-thuc/", {"token": token}).status_code == 302
    second = Client()
    second.post("/can-bo/dang-nhap/", {"username": "tiepnhan", "password": PASSWORD})
    assert second.post("/can-bo/xac-thuc/", {"token": token}).status_code == 400
