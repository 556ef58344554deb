"""Single sign-on end to end against a local OpenID Connect provider that the tests start (real HTTP).

The browser is the Django test client; the redirect to the provider's /authorize is followed with `requests`,
and the back end calls the provider's /token, /jwks and /userinfo over HTTP itself.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from motcua.accounts import services
from motcua.accounts.models import Profile
from tests.accounts.conftest import PASSWORD, last_code
from tests.accounts.oidc_provider import Provider, new_key
from tests.factories import make_staff

pytestmark = pytest.mark.django_db
User = get_user_model()
BACKEND = "motcua.accounts.oidc.IdentityBackend"
CLAIMS = {
    "sub": "052190001234",
    "name": "Nguyễn Thị Lan",
    "birthdate": "1990-05-17",
    "gender": "female",
    "phone_number": "+84912345678",
    "phone_number_verified": True,
    "email": "Lan@Example.VN",
}


@pytest.fixture
def provider(settings: Any) -> Iterator[Provider]:
    with Provider(claims=dict(CLAIMS)) as running:
        for name, value in running.settings().items():
            setattr(settings, name, value)
        settings.AUTHENTICATION_BACKENDS = ["motcua.accounts.backends.AccountBackend", BACKEND]
        yield running


def sign_in_with_identity(client: Client, query: str = "") -> Any:
    """Start at /oidc/authenticate/, let the provider approve, come back to the callback; its response."""
    start = client.get(f"/oidc/authenticate/{query}")
    assert start.status_code == 302
    authorize = start["Location"]
    params = parse_qs(urlsplit(authorize).query)
    assert params["redirect_uri"] == ["http://testserver/oidc/callback/"]
    assert params["scope"] == ["openid profile email phone"]
    assert params["code_challenge_method"] == ["S256"] and params["nonce"][0]
    approved = requests.get(authorize, allow_redirects=False, timeout=5)
    assert approved.status_code == 302
    back = urlsplit(approved.headers["Location"])
    assert (back.scheme, back.netloc, back.path) == ("http", "testserver", "/oidc/callback/")
    return client.get(f"{back.path}?{back.query}")


def test_sign_in_with_the_e_identity_creates_a_verified_account(provider: Provider) -> None:
    client = Client()
    response = sign_in_with_identity(client)
    assert (response.status_code, response["Location"]) == (302, "/tai-khoan/ho-so/")
    assert client.session["_auth_user_backend"] == BACKEND
    user = User.objects.get(pk=client.session["_auth_user_id"])
    profile = user.profile
    assert (user.username, user.first_name, user.last_name, user.email) == (
        "052190001234",
        "Lan",
        "Nguyễn Thị",
        "lan@example.vn",
    )
    assert (
        profile.id_number,
        profile.full_name,
        profile.birth_date,
        profile.gender,
        profile.phone,
        profile.email,
        profile.identity_source,
    ) == ("052190001234", "Nguyễn Thị Lan", dt.date(1990, 5, 17), "female", "0912345678", "lan@example.vn", "oidc")
    assert profile.identity_verified_at is not None and profile.phone_verified_at is not None
    assert profile.email_verified_at is None  # the provider did not say the e-mail was verified
    assert not user.has_usable_password()
    assert provider.requests == ["GET /authorize", "POST /token", "GET /jwks", "GET /userinfo"]
    page = client.get("/tai-khoan/ho-so/").content.decode()
    assert "Danh tính đã được xác thực" in page and "052190001234" in page


def test_an_account_deactivated_after_an_e_identity_sign_in_is_signed_out(provider: Provider) -> None:
    """The session's user is read as a password sign-in's: with the session, active accounts only."""
    client = Client()
    sign_in_with_identity(client)
    assert client.session["_auth_user_backend"] == BACKEND
    assert client.get("/tai-khoan/ho-so/").status_code == 200
    User.objects.filter(pk=client.session["_auth_user_id"]).update(is_active=False)
    assert client.get("/tai-khoan/ho-so/").status_code == 302


def test_the_next_sign_in_finds_the_same_account_and_refreshes_the_identity(provider: Provider) -> None:
    sign_in_with_identity(Client())
    provider.claims["name"] = "Nguyễn Thị Lan Anh"
    client = Client()
    response = sign_in_with_identity(client, "?next=/thu-tuc/")
    assert response["Location"] == "/thu-tuc/"
    assert User.objects.count() == 1
    assert Profile.objects.get().full_name == "Nguyễn Thị Lan Anh"


def test_an_account_registered_by_phone_is_linked_when_it_is_the_same_person(provider: Provider) -> None:
    services.account_register(identifier="0912345678", password=PASSWORD, full_name="Lan", kind="citizen")
    user = services.account_verify(identifier="0912345678", code=last_code("0912345678"))
    services.profile_update(user=user, changes={"id_number": "052190001234"})
    client = Client()
    sign_in_with_identity(client)
    assert client.session["_auth_user_id"] == str(user.pk)
    profile = Profile.objects.get(user=user)
    assert (profile.identity_source, profile.full_name) == ("oidc", "Nguyễn Thị Lan")
    assert User.objects.count() == 1


def test_a_signed_in_citizen_links_the_e_identity_to_the_account(provider: Provider) -> None:
    services.account_register(identifier="lan@example.vn", password=PASSWORD, full_name="Lan", kind="citizen")
    user = services.account_verify(identifier="lan@example.vn", code=last_code("lan@example.vn"))
    client = Client()
    client.force_login(user)
    assert 'href="/oidc/authenticate/?next=/tai-khoan/ho-so/"' in client.get("/tai-khoan/ho-so/").content.decode()
    response = sign_in_with_identity(client, "?next=/tai-khoan/ho-so/")
    assert response["Location"] == "/tai-khoan/ho-so/"
    assert client.session["_auth_user_id"] == str(user.pk)
    assert Profile.objects.get(user=user).id_number == "052190001234"
    assert "/oidc/authenticate/" not in client.get("/tai-khoan/ho-so/").content.decode()  # done


def test_someone_who_only_typed_the_id_number_does_not_get_the_identity(provider: Provider) -> None:
    services.account_register(identifier="0987654321", password=PASSWORD, full_name="Kẻ Mạo Danh", kind="citizen")
    squatter = services.account_verify(identifier="0987654321", code=last_code("0987654321"))
    services.profile_update(user=squatter, changes={"id_number": "052190001234"})
    client = Client()
    sign_in_with_identity(client)
    assert client.session["_auth_user_id"] != str(squatter.pk)
    assert Profile.objects.get(user=squatter).id_number == ""
    assert Profile.objects.get(id_number="052190001234").identity_source == "oidc"


def test_staff_signing_in_with_the_e_identity_go_to_the_back_office(provider: Provider) -> None:
    staff = make_staff(username="tiepnhan")
    Profile.objects.create(
        user=staff.user, id_number="052190001234", identity_verified_at=timezone.now(), identity_source="oidc"
    )
    response = sign_in_with_identity(Client())
    assert response["Location"] == "/can-bo/"


def refused(client: Client) -> None:
    response = sign_in_with_identity(client)
    assert (response.status_code, response["Location"]) == (302, "/dang-nhap/?sso=failed")
    assert "_auth_user_id" not in client.session
    assert User.objects.count() == 0 and Profile.objects.count() == 0
    page = client.get(response["Location"]).content.decode()
    assert "Không đăng nhập được bằng tài khoản định danh điện tử." in page


def test_a_token_signed_with_another_key_is_refused(provider: Provider) -> None:
    provider.signing_key = new_key()
    refused(Client())


def test_a_token_for_another_audience_is_refused(provider: Provider) -> None:
    provider.audience = "another-client"
    refused(Client())


def test_a_token_from_another_issuer_is_refused(provider: Provider, settings: Any) -> None:
    settings.OIDC_OP_ISSUER = "https://vneid.example.gov.vn"
    refused(Client())


def test_a_token_with_another_nonce_is_refused(provider: Provider) -> None:
    provider.nonce_override = "replayed-nonce"
    refused(Client())


def test_an_expired_token_is_refused(provider: Provider) -> None:
    provider.expires_in = -120
    refused(Client())


def test_user_info_about_someone_else_is_refused(provider: Provider) -> None:
    provider.userinfo_override = {"sub": "079200009999"}
    refused(Client())


def test_an_identity_without_a_12_digit_personal_id_is_refused(provider: Provider) -> None:
    provider.claims["sub"] = "a5c1e0f2-6a8b-4c0e-9a55-0c7f6f1f2b10"
    refused(Client())


def test_the_personal_id_claim_is_configurable(provider: Provider, settings: Any) -> None:
    provider.claims["sub"] = "a5c1e0f2-6a8b-4c0e-9a55-0c7f6f1f2b10"
    provider.claims["citizen_id"] = "001099012345"
    settings.MOTCUA_OIDC_CLAIMS = {"id_number": "citizen_id"}
    client = Client()
    sign_in_with_identity(client)
    assert Profile.objects.get().id_number == "001099012345"
    assert client.session["_auth_user_backend"] == BACKEND


def test_a_state_that_was_not_issued_here_is_refused(provider: Provider) -> None:
    client = Client()
    client.get("/oidc/authenticate/")
    response = client.get("/oidc/callback/?code=abc&state=forged")
    assert response.status_code == 400
    assert "_auth_user_id" not in client.session


def test_the_password_sign_in_never_calls_the_provider(provider: Provider) -> None:
    services.account_register(identifier="0912345678", password=PASSWORD, full_name="Lan", kind="citizen")
    services.account_verify(identifier="0912345678", code=last_code("0912345678"))
    response = Client().post("/dang-nhap/?code=x&state=y", {"identifier": "0912345678", "password": PASSWORD})
    assert response.status_code == 302
    assert provider.requests == []
