"""The account pages: they render, show errors on their fields, need CSRF, and show only one's own data."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client, override_settings
from django.utils import timezone

from motcua.accounts import services
from motcua.accounts.models import Profile
from tests.accounts.conftest import PASSWORD, code_events, last_code, wrong
from tests.factories import CommuneFactory, ProvinceFactory, make_staff

pytestmark = pytest.mark.django_db
User = get_user_model()

PAGES = [
    "/dang-nhap/",
    "/tai-khoan/dang-ky/",
    "/tai-khoan/xac-minh/",
    "/tai-khoan/quen-mat-khau/",
    "/tai-khoan/dat-lai-mat-khau/",
]
FORMS = [*PAGES, "/tai-khoan/xac-minh/gui-lai/", "/tai-khoan/ho-so/", "/tai-khoan/dang-xuat/"]


def active(identifier: str = "0912345678", full_name: str = "Nguyễn Thị Lan") -> Any:
    services.account_register(identifier=identifier, password=PASSWORD, full_name=full_name, kind="citizen")
    return services.account_verify(identifier=identifier, code=last_code(identifier))


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("url", PAGES)
def test_pages_render_in_vietnamese(url: str) -> None:
    response = Client().get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="vi">' in html and "csrfmiddlewaretoken" in html
    assert response["Cache-Control"].startswith("max-age=0")


def test_the_profile_page_needs_a_signed_in_user() -> None:
    response = Client().get("/tai-khoan/ho-so/")
    assert (response.status_code, response["Location"]) == (302, "/dang-nhap/?next=/tai-khoan/ho-so/")
    assert Client().get("/tai-khoan/").status_code == 302


def test_register_errors_are_tied_to_their_fields_with_a_summary() -> None:
    response = Client().post(
        "/tai-khoan/dang-ky/",
        {"kind": "citizen", "full_name": "", "identifier": "12345", "password": "abc", "password_again": "abd"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="error-summary"' in html and 'role="alert"' in html
    assert '<a href="#id_full_name">' in html
    for name in ("full_name", "password_again"):
        tag = re.search(rf'<input[^>]*id="id_{name}"[^>]*>', html)
        assert tag is not None, name
        assert 'aria-invalid="true"' in tag.group(0)
        assert f"id_{name}_error" in tag.group(0)  # aria-describedby
        assert f'id="id_{name}_error"' in html
    assert "Hai mật khẩu không giống nhau." in html
    assert User.objects.count() == 0


def test_service_errors_land_on_the_field() -> None:
    active("0912345678")
    response = Client().post(
        "/tai-khoan/dang-ky/",
        {
            "kind": "citizen",
            "full_name": "Lan",
            "identifier": "+84 912 345 678",
            "password": PASSWORD,
            "password_again": PASSWORD,
        },
    )
    html = response.content.decode()
    assert response.status_code == 400
    tag = re.search(r'<input[^>]*id="id_identifier"[^>]*>', html)
    assert tag is not None and 'aria-invalid="true"' in tag.group(0)
    assert '<p id="id_identifier_error" class="err">Số điện thoại hoặc thư điện tử này đã có tài khoản.' in html
    assert '<a href="#id_identifier">' in html


def test_a_malformed_identifier_is_reported_with_the_other_errors() -> None:
    response = Client().post(
        "/tai-khoan/dang-ky/",
        {"kind": "citizen", "full_name": "", "identifier": "12345", "password": PASSWORD, "password_again": PASSWORD},
    )
    html = response.content.decode()
    assert '<a href="#id_identifier">' in html and '<a href="#id_full_name">' in html
    assert "Nhập số điện thoại di động (10 số) hoặc địa chỉ thư điện tử hợp lệ." in html


def test_register_verify_and_land_signed_in_on_the_profile() -> None:
    client = Client()
    response = client.post(
        "/tai-khoan/dang-ky/",
        {
            "kind": "citizen",
            "full_name": "Nguyễn Thị Lan",
            "identifier": "0912 345 678",
            "password": PASSWORD,
            "password_again": PASSWORD,
        },
    )
    assert (response.status_code, response["Location"]) == (302, "/tai-khoan/xac-minh/")
    page = client.get("/tai-khoan/xac-minh/").content.decode()
    assert 'value="0912345678"' in page  # the number is filled in
    code = last_code("0912345678")
    response = client.post("/tai-khoan/xac-minh/", {"identifier": "0912345678", "code": wrong(code)})
    assert response.status_code == 400 and "Mã xác minh không đúng hoặc đã hết hạn." in response.content.decode()
    response = client.post("/tai-khoan/xac-minh/", {"identifier": "0912345678", "code": code})
    assert (response.status_code, response["Location"]) == (302, "/tai-khoan/ho-so/")
    profile_page = client.get("/tai-khoan/ho-so/")
    assert profile_page.status_code == 200 and "Nguyễn Thị Lan" in profile_page.content.decode()


def test_verifying_from_another_browser_asks_to_sign_in() -> None:
    services.account_register(identifier="0912345678", password=PASSWORD, full_name="Lan", kind="citizen")
    response = Client().post("/tai-khoan/xac-minh/", {"identifier": "0912345678", "code": last_code("0912345678")})
    assert response["Location"] == "/dang-nhap/"
    assert User.objects.get().is_active


@override_settings(MOTCUA_ACCOUNT_CODES_PER_TARGET=2)
def test_the_resend_button_is_rate_limited() -> None:
    client = Client()
    client.post(
        "/tai-khoan/dang-ky/",
        {
            "kind": "citizen",
            "full_name": "Lan",
            "identifier": "0912345678",
            "password": PASSWORD,
            "password_again": PASSWORD,
        },
    )
    assert client.post("/tai-khoan/xac-minh/gui-lai/", {"resend-identifier": "0912345678"}).status_code == 302
    response = client.post("/tai-khoan/xac-minh/gui-lai/", {"resend-identifier": "0912345678"})
    assert response.status_code == 429
    assert "Đã gửi quá nhiều mã." in response.content.decode()
    assert len(code_events("0912345678")) == 2
    assert client.get("/tai-khoan/xac-minh/gui-lai/").status_code == 405


def test_sign_in_with_next_goes_back_but_never_off_site() -> None:
    active()
    ok = Client().post("/dang-nhap/?next=/thu-tuc/", {"identifier": "0912345678", "password": PASSWORD})
    assert ok["Location"] == "/thu-tuc/"
    evil = Client().post(
        "/dang-nhap/", {"identifier": "0912345678", "password": PASSWORD, "next": "https://evil.example/"}
    )
    assert evil["Location"] == "/tai-khoan/ho-so/"
    page = Client().get("/dang-nhap/?next=https://evil.example/").content.decode()
    assert 'name="next" value="https://evil.example/"' not in page  # not carried into the form


def test_staff_are_sent_to_the_back_office_sign_in_without_a_session() -> None:
    staff = make_staff(username="tiepnhan")
    staff.user.set_password(PASSWORD)
    staff.user.save()
    client = Client()
    response = client.post("/dang-nhap/?next=/thu-tuc/", {"identifier": "tiepnhan", "password": PASSWORD})
    assert response["Location"] == "/can-bo/dang-nhap/"
    assert "_auth_user_id" not in client.session  # the back office asks for the second factor where it applies


def test_a_wrong_password_shows_the_error_and_signs_nobody_in() -> None:
    active()
    client = Client()
    response = client.post("/dang-nhap/", {"identifier": "0912345678", "password": "sai"})
    assert response.status_code == 400
    assert "Sai số điện thoại, thư điện tử hoặc mật khẩu." in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_password_reset_pages_answer_the_same_with_or_without_an_account() -> None:
    active()
    answers = []
    for name in ("0912345678", "0900000000"):
        client = Client()
        response = client.post("/tai-khoan/quen-mat-khau/", {"identifier": name})
        page = client.get(response["Location"]).content.decode()
        page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page).replace(name, "<name>")
        answers.append((response.status_code, response["Location"], page))
    assert answers[0] == answers[1]
    client = Client()
    client.post("/tai-khoan/quen-mat-khau/", {"identifier": "0912345678"})
    response = client.post(
        "/tai-khoan/dat-lai-mat-khau/",
        {
            "identifier": "0912345678",
            "code": last_code("0912345678", "reset"),
            "new_password": "Mới-Hơn-2026!",
            "new_password_again": "Mới-Hơn-2026!",
        },
    )
    assert response["Location"] == "/dang-nhap/"
    assert User.objects.get().check_password("Mới-Hơn-2026!")


def test_the_profile_page_saves_and_locks_verified_identity_fields() -> None:
    province = ProvinceFactory()
    ward = CommuneFactory(parent=province, name="Phường Quy Nhơn")
    CommuneFactory(parent=ProvinceFactory(code="01", name="Hà Nội"), name="Phường Ba Đình")
    user = active()
    client = signed_in(user)
    page = client.get("/tai-khoan/ho-so/").content.decode()
    assert "Phường Quy Nhơn" in page and "Phường Ba Đình" not in page  # the wards of this province
    response = client.post(
        "/tai-khoan/ho-so/",
        {
            "full_name": "Nguyễn Thị Lan",
            "id_number": "052190001234",
            "birth_date": "1990-05-17",
            "gender": "female",
            "permanent_ward": ward.code,
            "permanent_address": "12 Trần Hưng Đạo",
            "preferred_language": "vi",
            "notify_channels": ["sms"],
        },
    )
    assert response.status_code == 302
    profile = Profile.objects.get(user=user)
    assert (profile.id_number, profile.permanent_ward, profile.phone) == ("052190001234", ward, "0912345678")
    Profile.objects.filter(user=user).update(identity_verified_at=timezone.now(), identity_source="oidc")
    page = client.get("/tai-khoan/ho-so/").content.decode()
    assert re.search(r'<input[^>]*name="id_number"[^>]*disabled', page)
    client.post(
        "/tai-khoan/ho-so/",
        {"full_name": "Tên Khác", "id_number": "052190009999", "preferred_language": "en", "current_address": "Thôn 3"},
    )
    profile.refresh_from_db()
    assert (profile.full_name, profile.id_number, profile.preferred_language) == (
        "Nguyễn Thị Lan",
        "052190001234",
        "en",
    )


def test_profile_errors_are_shown_on_the_field() -> None:
    client = signed_in(active())
    response = client.post("/tai-khoan/ho-so/", {"full_name": "Lan", "id_number": "123", "preferred_language": "vi"})
    html = response.content.decode()
    assert response.status_code == 400
    assert "Số định danh cá nhân gồm đúng 12 chữ số." in html
    assert '<a href="#id_id_number">' in html


def test_no_personal_data_of_another_user_on_the_page() -> None:
    lan = active("0912345678", "Nguyễn Thị Lan")
    services.profile_update(user=lan, changes={"id_number": "052190001234", "current_address": "12 Trần Hưng Đạo"})
    binh = active("binh@example.vn", "Trần Văn Bình")
    for url in ("/tai-khoan/ho-so/", "/dang-nhap/", "/tai-khoan/xac-minh/", "/tai-khoan/dat-lai-mat-khau/"):
        html = signed_in(binh).get(url).content.decode()
        for secret in ("052190001234", "0912345678", "Nguyễn Thị Lan", "12 Trần Hưng Đạo"):
            assert secret not in html, (url, secret)
    own = signed_in(binh).get("/tai-khoan/ho-so/").content.decode()
    assert "Trần Văn Bình" in own and "binh@example.vn" in own


@pytest.mark.parametrize("url", FORMS)
def test_forms_need_the_csrf_token(url: str) -> None:
    user = active()
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    response = client.post(url, {"identifier": "0912345678", "password": PASSWORD})
    assert response.status_code == 403


def test_sign_out_is_a_post() -> None:
    client = signed_in(active())
    assert client.get("/tai-khoan/dang-xuat/").status_code == 405
    response = client.post("/tai-khoan/dang-xuat/")
    assert response["Location"] == "/" and "_auth_user_id" not in client.session


def test_the_sso_button_appears_only_when_configured(settings: Any) -> None:
    assert "định danh điện tử" not in Client().get("/dang-nhap/").content.decode()
    assert Client().get("/oidc/authenticate/").status_code == 404
    assert Client().get("/oidc/callback/?code=x&state=y").status_code == 404
    settings.MOTCUA_OIDC_ENABLED = True
    html = Client().get("/dang-nhap/?next=/thu-tuc/").content.decode()
    assert "Đăng nhập bằng tài khoản định danh điện tử" in html
    assert 'href="/oidc/authenticate/?next=/thu-tuc/"' in html
    settings.MOTCUA_OIDC_LABEL = "Đăng nhập bằng VNeID"
    assert "Đăng nhập bằng VNeID" in Client().get("/dang-nhap/").content.decode()
