"""Registration, verification codes, sign-in, password reset and profile rules (services)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import override_settings
from django.utils import timezone

from motcua.accounts import selectors, services
from motcua.accounts.identifiers import normalise_phone, parse_identifier
from motcua.accounts.models import Profile, VerificationCode
from motcua.core import audit
from motcua.core.audit import AuditEvent
from motcua.core.errors import DomainError, InvalidInput
from motcua.core.lockout import LoginThrottle
from tests.accounts.conftest import PASSWORD, code_events, last_code, wrong
from tests.factories import CommuneFactory, UserFactory, make_staff

pytestmark = pytest.mark.django_db
User = get_user_model()


def register(identifier: str = "0912 345 678", **extra: Any) -> Profile:
    values: dict[str, Any] = {"password": PASSWORD, "full_name": "Nguyễn Thị Lan", "kind": "citizen"}
    values.update(extra)
    return services.account_register(identifier=identifier, **values)


def active(identifier: str = "0912345678", **extra: Any) -> Any:
    profile = register(identifier, **extra)
    return services.account_verify(identifier=identifier, code=last_code(profile.user.username))


def field_errors(error: DomainError) -> dict[str, str]:
    return {item.field: item.message for item in error.errors}


# --- identifiers --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0912345678", "0912345678"),
        ("+84 912 345 678", "0912345678"),
        ("84912345678", "0912345678"),
        ("0912.345.678", "0912345678"),
        ("091234567", None),  # nine digits
        ("1912345678", None),
        ("09123456789", None),
    ],
)
def test_phone_numbers_are_normalised(text: str, expected: str | None) -> None:
    assert normalise_phone(text) == expected


def test_an_email_is_lower_cased_and_a_non_address_refused() -> None:
    parsed = parse_identifier("  Lan.Nguyen@Example.VN ")
    assert parsed is not None and (parsed.value, parsed.channel) == ("lan.nguyen@example.vn", "email")
    assert parse_identifier("lan@") is None


# --- registration -------------------------------------------------------------------------------------------


def test_registration_by_phone_creates_an_inactive_account_and_sends_a_code_by_sms() -> None:
    profile = register("+84 912 345 678")
    user = profile.user
    assert (user.username, user.is_active, user.first_name, user.last_name) == (
        "0912345678",
        False,
        "Lan",
        "Nguyễn Thị",
    )
    assert user.check_password(PASSWORD)
    assert (profile.phone, profile.email, profile.kind, profile.phone_verified_at) == (
        "0912345678",
        "",
        "citizen",
        None,
    )
    [event] = code_events()
    assert set(event) == {"channel", "recipient", "code", "purpose", "language"}
    assert (event["channel"], event["recipient"], event["purpose"], event["language"]) == (
        "sms",
        "0912345678",
        "register",
        "vi",
    )
    assert len(event["code"]) == 6 and event["code"].isdigit()
    row = VerificationCode.objects.get()
    assert event["code"] not in row.code_hash  # stored hashed
    assert row.expires_at - row.created_at == dt.timedelta(minutes=10)


def test_registration_by_email_sends_the_code_by_email_in_the_chosen_language() -> None:
    profile = register("Lan.Nguyen@Example.VN", language="en")
    assert (profile.user.username, profile.user.email, profile.email, profile.preferred_language) == (
        "lan.nguyen@example.vn",
        "lan.nguyen@example.vn",
        "lan.nguyen@example.vn",
        "en",
    )
    [event] = code_events()
    assert (event["channel"], event["recipient"], event["language"]) == ("email", "lan.nguyen@example.vn", "en")


def test_a_business_registers_with_its_name_and_tax_code() -> None:
    profile = register(
        "ketoan@htx.vn", kind="business", business_name="HTX Nông nghiệp Hòa Bình", tax_code="5900123456"
    )
    assert (profile.kind, profile.business_name, profile.tax_code) == (
        "business",
        "HTX Nông nghiệp Hòa Bình",
        "5900123456",
    )


def test_registration_checks_every_field_and_creates_nothing_when_refused() -> None:
    with pytest.raises(InvalidInput) as refused:
        services.account_register(identifier="12345", password="123", full_name=" ", kind="business")
    errors = field_errors(refused.value)
    assert set(errors) == {"identifier", "full_name", "business_name", "tax_code", "password"}
    assert User.objects.count() == 0 and code_events() == []


def test_an_unverified_registration_is_replaced_but_a_verified_account_is_not() -> None:
    register("0912345678", full_name="Người Khác")
    profile = register("0912345678", full_name="Nguyễn Thị Lan")
    assert User.objects.count() == 1 and profile.full_name == "Nguyễn Thị Lan"
    services.account_verify(identifier="0912345678", code=last_code("0912345678"))
    with pytest.raises(InvalidInput) as refused:
        register("0912345678", full_name="Kẻ Giả Mạo")
    assert "đã có tài khoản" in field_errors(refused.value)["identifier"]
    assert Profile.objects.get().full_name == "Nguyễn Thị Lan"
    # the audit chain starts at the verification and stays intact
    assert list(AuditEvent.objects.values_list("stream", "action")) == [(f"account:{profile.user.pk}", "verify")]
    assert audit.verify() == []


# --- verification -------------------------------------------------------------------------------------------


def test_the_right_code_activates_the_account_and_verifies_the_phone() -> None:
    register()
    user = services.account_verify(identifier="0912 345 678", code=last_code("0912345678"))
    user.refresh_from_db()
    assert user.is_active
    assert user.profile.phone_verified_at is not None and user.profile.email_verified_at is None
    with pytest.raises(InvalidInput):  # a code works once
        services.account_verify(identifier="0912345678", code=last_code("0912345678"))


def test_a_wrong_code_is_counted_and_the_fifth_locks_the_code() -> None:
    register()
    code = last_code("0912345678")
    for attempt in range(1, 5):
        with pytest.raises(InvalidInput) as refused:
            services.account_verify(identifier="0912345678", code=wrong(code))
        assert field_errors(refused.value)["code"] == "Mã xác minh không đúng hoặc đã hết hạn."
        assert VerificationCode.objects.get().attempts == attempt
    with pytest.raises(InvalidInput) as refused:
        services.account_verify(identifier="0912345678", code=wrong(code))
    assert "quá nhiều lần" in field_errors(refused.value)["code"]
    with pytest.raises(InvalidInput):  # even the right code now
        services.account_verify(identifier="0912345678", code=code)
    assert VerificationCode.objects.get().attempts == 5
    assert not User.objects.get().is_active


def test_an_expired_code_is_refused() -> None:
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        register()
    code = last_code("0912345678")
    with time_machine.travel(start + dt.timedelta(minutes=10, seconds=1), tick=False), pytest.raises(InvalidInput):
        services.account_verify(identifier="0912345678", code=code)
    assert not User.objects.get().is_active
    with time_machine.travel(start + dt.timedelta(minutes=9, seconds=59), tick=False):
        assert services.account_verify(identifier="0912345678", code=code).is_active


def test_a_new_code_supersedes_the_old_one() -> None:
    register()
    old = last_code("0912345678")
    services.code_resend(identifier="0912345678")
    new = last_code("0912345678")
    if new != old:  # one chance in a million that they are equal
        with pytest.raises(InvalidInput):
            services.account_verify(identifier="0912345678", code=old)
    assert services.account_verify(identifier="0912345678", code=new).is_active


@override_settings(MOTCUA_ACCOUNT_CODES_PER_TARGET=3)
def test_resending_is_rate_limited_per_phone_number() -> None:
    register(client="203.0.113.7")
    services.code_resend(identifier="0912345678", client="203.0.113.7")
    services.code_resend(identifier="0912345678", client="203.0.113.8")
    with pytest.raises(services.RateLimited) as refused:
        services.code_resend(identifier="0912345678", client="203.0.113.9")
    assert refused.value.status == 429
    assert len(code_events("0912345678")) == 3


@override_settings(MOTCUA_ACCOUNT_CODES_PER_ADDRESS=2)
def test_codes_are_rate_limited_per_client_address() -> None:
    register("0912345678", client="203.0.113.7")
    register("0987654321", client="203.0.113.7")
    with pytest.raises(services.RateLimited):
        register("0911111111", client="203.0.113.7")
    assert not User.objects.filter(username="0911111111").exists()
    register("0911111111", client="198.51.100.1")  # another address is not held back


def test_no_code_is_resent_to_an_account_that_is_already_verified() -> None:
    active()
    services.code_resend(identifier="0912345678")
    assert len(code_events("0912345678", "register")) == 1


# --- sign-in --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["0912345678", "+84 912 345 678", "lan@example.vn", "LAN@Example.vn"])
def test_sign_in_by_phone_or_email(name: str) -> None:
    user = active("0912345678")
    services.profile_update(user=user, changes={"email": "lan@example.vn"})
    Profile.objects.filter(user=user).update(email_verified_at=timezone.now())
    assert services.account_login(request=None, identifier=name, password=PASSWORD) == user


def test_an_unverified_email_on_the_profile_is_not_a_sign_in_name() -> None:
    user = active("0912345678")
    services.profile_update(user=user, changes={"email": "lan@example.vn"})
    with pytest.raises(DomainError) as refused:
        services.account_login(request=None, identifier="lan@example.vn", password=PASSWORD)
    assert refused.value.status == 401


def test_staff_sign_in_by_username_works_here_too() -> None:
    staff = make_staff(username="tiepnhan")
    staff.user.set_password(PASSWORD)
    staff.user.save()
    assert services.account_login(request=None, identifier="tiepnhan", password=PASSWORD) == staff.user


def test_a_wrong_password_is_refused_and_an_unverified_account_is_told_to_verify() -> None:
    active("0912345678")
    with pytest.raises(DomainError) as refused:
        services.account_login(request=None, identifier="0912345678", password="sai-mat-khau")
    assert (refused.value.status, refused.value.detail) == (401, "Sai số điện thoại, thư điện tử hoặc mật khẩu.")
    register("0987654321")
    with pytest.raises(services.NotVerified):
        services.account_login(request=None, identifier="0987654321", password=PASSWORD)
    with pytest.raises(DomainError) as refused:  # without the password it says nothing more
        services.account_login(request=None, identifier="0987654321", password="sai-mat-khau")
    assert refused.value.status == 401


@override_settings(MOTCUA_LOGIN_MAX_FAILURES=3, MOTCUA_LOGIN_LOCK_MINUTES=15)
def test_repeated_failures_lock_the_account_whatever_name_is_used() -> None:
    active("0912345678")
    for name in ("0912345678", "+84912345678"):
        with pytest.raises(DomainError):
            services.account_login(request=None, identifier=name, password="sai-mat-khau")
    with pytest.raises(DomainError) as refused:
        services.account_login(request=None, identifier="0912.345.678", password="sai-mat-khau")
    assert refused.value.status == 429 and "tạm khóa" in refused.value.detail
    with pytest.raises(DomainError) as refused:  # the right password does not help while locked
        services.account_login(request=None, identifier="0912345678", password=PASSWORD)
    assert refused.value.status == 429
    assert LoginThrottle.objects.get().username == "0912345678"


@override_settings(MOTCUA_LOGIN_MAX_FAILURES=2)
def test_an_unknown_name_locks_the_same_way() -> None:
    for _attempt in range(2):
        with pytest.raises(DomainError):
            services.account_login(request=None, identifier="0999999999", password="x")
    with pytest.raises(DomainError) as refused:
        services.account_login(request=None, identifier="0999999999", password="x")
    assert refused.value.status == 429


# --- password reset -----------------------------------------------------------------------------------------


def test_password_reset_without_account_enumeration() -> None:
    active("0912345678")
    assert services.password_reset_request(identifier="0912345678") is None
    assert services.password_reset_request(identifier="0900000000") is None  # no account: same answer
    assert [e["recipient"] for e in code_events(purpose="reset")] == ["0912345678"]
    assert VerificationCode.objects.filter(purpose="reset").count() == 1


@override_settings(MOTCUA_ACCOUNT_CODES_PER_TARGET=2)
def test_reset_requests_are_limited_the_same_with_or_without_an_account() -> None:
    active("0912345678")
    services.password_reset_request(identifier="0912345678")  # second code for this number this hour
    services.password_reset_request(identifier="0900000000")
    services.password_reset_request(identifier="0900000000")
    for name in ("0912345678", "0900000000"):
        with pytest.raises(services.RateLimited):
            services.password_reset_request(identifier=name)


def test_password_reset_with_the_code_sets_the_new_password_and_ends_the_lock() -> None:
    user = active("0912345678")
    LoginThrottle.objects.create(username="0912345678", locked_until=timezone.now() + dt.timedelta(minutes=10))
    services.password_reset_request(identifier="0912345678")
    code = last_code("0912345678", "reset")
    with pytest.raises(InvalidInput) as refused:  # too weak: refused before the code is spent
        services.password_reset_confirm(identifier="0912345678", code=code, new_password="12345678")
    assert set(field_errors(refused.value)) == {"new_password"}
    with pytest.raises(InvalidInput):
        services.password_reset_confirm(identifier="0912345678", code=wrong(code), new_password="Mới-Hơn-2026!")
    assert VerificationCode.objects.get(purpose="reset").attempts == 1
    services.password_reset_confirm(identifier="0912345678", code=code, new_password="Mới-Hơn-2026!")
    user.refresh_from_db()
    assert user.check_password("Mới-Hơn-2026!") and not LoginThrottle.objects.exists()
    assert services.account_login(request=None, identifier="0912345678", password="Mới-Hơn-2026!") == user


def test_a_reset_code_of_one_account_does_not_open_another() -> None:
    active("0912345678")
    active("0987654321")
    services.password_reset_request(identifier="0912345678")
    with pytest.raises(InvalidInput):
        services.password_reset_confirm(
            identifier="0987654321", code=last_code("0912345678", "reset"), new_password="Mới-Hơn-2026!"
        )
    assert not User.objects.get(username="0987654321").check_password("Mới-Hơn-2026!")


# --- profile ------------------------------------------------------------------------------------------------


def test_profile_update_sets_addresses_and_contacts() -> None:
    user = active("0912345678")
    ward = CommuneFactory(name="Phường Quy Nhơn")
    profile = services.profile_update(
        user=user,
        changes={
            "id_number": "052190001234",
            "birth_date": dt.date(1990, 5, 17),
            "gender": "female",
            "email": "Lan@Example.VN",
            "permanent_ward": ward,
            "permanent_address": "12 Trần Hưng Đạo",
            "notify_channels": ["email", "fax"],
        },
    )
    assert (profile.id_number, profile.email, profile.permanent_ward, profile.notify_channels) == (
        "052190001234",
        "lan@example.vn",
        ward,
        ["email"],
    )
    assert selectors.profile_for(user) == profile


def test_profile_refuses_changes_to_verified_identity_and_changes_nothing() -> None:
    user = active("0912345678")
    services.profile_update(user=user, changes={"id_number": "052190001234", "full_name": "Nguyễn Thị Lan"})
    Profile.objects.filter(user=user).update(identity_verified_at=timezone.now(), identity_source="oidc")
    with pytest.raises(InvalidInput) as refused:
        services.profile_update(
            user=user,
            changes={"full_name": "Tên Khác", "id_number": "052190009999", "current_address": "Thôn 3"},
        )
    assert set(field_errors(refused.value)) == {"full_name", "id_number"}
    profile = Profile.objects.get(user=user)
    assert (profile.full_name, profile.id_number, profile.current_address) == ("Nguyễn Thị Lan", "052190001234", "")
    # the same values, and the other fields, are still accepted
    profile = services.profile_update(user=user, changes={"full_name": "Nguyễn Thị Lan", "current_address": "Thôn 3"})
    assert profile.current_address == "Thôn 3"


def test_a_verified_phone_stays_and_contacts_are_unique() -> None:
    user = active("0912345678")
    other = active("lan@example.vn")
    with pytest.raises(InvalidInput) as refused:
        services.profile_update(user=user, changes={"phone": "0987654321"})
    assert set(field_errors(refused.value)) == {"phone"}
    with pytest.raises(InvalidInput) as refused:
        services.profile_update(user=other, changes={"phone": "0912 345 678", "id_number": "12"})
    assert set(field_errors(refused.value)) == {"phone", "id_number"}


def test_profile_for_is_none_for_anonymous_and_accounts_without_profile() -> None:
    from django.contrib.auth.models import AnonymousUser

    assert selectors.profile_for(AnonymousUser()) is None
    assert selectors.profile_for(UserFactory()) is None
