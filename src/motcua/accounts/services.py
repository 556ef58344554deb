"""Writes of the accounts app: registration, one-time codes, sign-in, password reset, profile, e-identity.

One-time codes are never sent from here: `code_issue` records an outbox event "account.code" in the same
transaction, and the notify app delivers it. Failed code entries are counted in their own committed
transaction before the error is raised, so an attacker cannot undo the count by making the request fail.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from motcua.accounts.identifiers import (
    Identifier,
    IdentifierKind,
    is_id_number,
    normalise_email,
    normalise_phone,
    parse_identifier,
)
from motcua.accounts.models import Profile, VerificationCode
from motcua.core import audit, lockout, outbox, ratelimit
from motcua.core.errors import DomainError, FieldError, InvalidInput
from motcua.org.models import AdministrativeUnit, Staff

logger = logging.getLogger(__name__)

CODE_TOPIC = "account.code"
CODE_LIFETIME = dt.timedelta(minutes=10)
CODE_MAX_ATTEMPTS = 5
CODE_WINDOW_SECONDS = 3600
IDENTITY_FIELDS = ("full_name", "id_number", "birth_date", "gender")
NOTIFY_CHANNELS = ("sms", "email", "zalo")
_TAX_CODE = re.compile(r"^[0-9]{10}(-[0-9]{3})?\Z")


class RateLimited(DomainError):
    def __init__(self, detail: str) -> None:
        super().__init__(detail=detail, status=429, title="Too many requests")


class NotVerified(DomainError):
    """The password is right but the account has not been verified with its one-time code yet."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail=detail, status=403, title="Account not verified")


class CodeOutcome(StrEnum):
    OK = "ok"
    WRONG = "wrong"  # counted
    LOCKED = "locked"  # too many wrong entries: ask for a new code
    INVALID = "invalid"  # none, used, expired or superseded


def _invalid(field: str, message: str) -> InvalidInput:
    return InvalidInput(detail=message, errors=[FieldError(field, message)])


def _parse(text: str, field: str = "identifier") -> Identifier:
    identifier = parse_identifier(text or "")
    if identifier is None:
        raise _invalid(field, _("Nhập số điện thoại di động (10 số) hoặc địa chỉ thư điện tử hợp lệ."))
    return identifier


def _language(value: str) -> str:
    return value if value in Profile.Language.values else Profile.Language.VI


# --- one-time codes ------------------------------------------------------------------------------------------


def _hash_code(code: str, salt: str | None = None) -> str:
    """A keyed, salted hash: reading the table without the secret key does not give the codes."""
    salt = salt or secrets.token_hex(8)
    digest = salted_hmac("motcua.accounts.code", f"{salt}:{code}", algorithm="sha256").hexdigest()
    return f"{salt}${digest}"


def _code_matches(code: str, stored: str) -> bool:
    salt, _sep, _digest = stored.partition("$")
    return bool(salt) and constant_time_compare(_hash_code(code, salt), stored)


def _limit(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def _check_issue_limits(target: str, client: str) -> None:
    """Count one code request for the target and for the client address; refuse over either limit."""
    per_target = ratelimit.hit(
        "account-code",
        target,
        limit=_limit("MOTCUA_ACCOUNT_CODES_PER_TARGET", 5),
        window_seconds=CODE_WINDOW_SECONDS,
    )
    per_address = not client or ratelimit.hit(
        "account-code-address",
        client,
        limit=_limit("MOTCUA_ACCOUNT_CODES_PER_ADDRESS", 30),
        window_seconds=CODE_WINDOW_SECONDS,
    )
    if not (per_target and per_address):
        raise RateLimited(_("Đã gửi quá nhiều mã. Vui lòng thử lại sau một giờ."))


@transaction.atomic
def code_issue(
    *,
    identifier: Identifier,
    purpose: str,
    language: str = "vi",
    client: str = "",
    check_limits: bool = True,
) -> VerificationCode:
    """Create a six-digit code for `identifier` and hand it to the notify app through the outbox.

    A new code supersedes the earlier ones of the same target and purpose (only the newest is checked).
    """
    if check_limits:
        _check_issue_limits(identifier.value, client)
    code = f"{secrets.randbelow(10**6):06d}"
    now = timezone.now()
    row = VerificationCode.objects.create(
        target=identifier.value,
        channel=identifier.channel,
        purpose=purpose,
        code_hash=_hash_code(code),
        expires_at=now + CODE_LIFETIME,
        created_at=now,
    )
    outbox.emit(
        CODE_TOPIC,
        payload={
            "channel": identifier.channel,
            "recipient": identifier.value,
            "code": code,
            "purpose": purpose,
            "language": _language(language),
        },
    )
    return row


def _use_code(target: str, purpose: str, code: str) -> CodeOutcome:
    """Check `code` against the newest code of (target, purpose); counts a wrong entry, marks a right one used.

    Call inside a transaction: on OK the caller does its work in the same transaction; on any other outcome
    it must let the transaction commit (the count) and raise afterwards.
    """
    now = timezone.now()
    row = (
        VerificationCode.objects.select_for_update()
        .filter(target=target, purpose=purpose)
        .order_by("-created_at", "-pk")
        .first()
    )
    if row is None or row.used_at is not None or row.expires_at <= now:
        return CodeOutcome.INVALID
    if row.attempts >= CODE_MAX_ATTEMPTS:
        return CodeOutcome.LOCKED
    if not _code_matches(code.strip(), row.code_hash):
        row.attempts += 1
        row.save(update_fields=["attempts"])
        return CodeOutcome.LOCKED if row.attempts >= CODE_MAX_ATTEMPTS else CodeOutcome.WRONG
    row.used_at = now
    row.save(update_fields=["used_at"])
    return CodeOutcome.OK


def _code_error(outcome: CodeOutcome) -> InvalidInput:
    if outcome == CodeOutcome.LOCKED:
        return _invalid("code", _("Đã nhập sai quá nhiều lần. Hãy yêu cầu gửi mã mới."))
    return _invalid("code", _("Mã xác minh không đúng hoặc đã hết hạn."))


# --- registration and verification --------------------------------------------------------------------------


def _split_name(full_name: str) -> tuple[str, str]:
    """'Nguyễn Văn An' -> ('An', 'Nguyễn Văn'): given name, then family and middle names."""
    parts = full_name.split()
    if not parts:
        return "", ""
    return parts[-1][:150], " ".join(parts[:-1])[:150]


def _contact_field(identifier: Identifier) -> str:
    return "phone" if identifier.kind == IdentifierKind.PHONE else "email"


def _holder(identifier: Identifier) -> AbstractBaseUser | None:
    """The account that signs in with, or has on its profile, this phone number or e-mail address."""
    user_model = get_user_model()
    user = user_model.objects.filter(username=identifier.value).first()
    if user is not None:
        return user
    profile = Profile.objects.filter(**{_contact_field(identifier): identifier.value}).select_related("user").first()
    return profile.user if profile is not None else None


def _never_verified(user: Any) -> bool:
    """A registration still waiting for its code (not an account an administrator switched off)."""
    profile = Profile.objects.filter(user=user).first()
    return (
        not user.is_active
        and user.last_login is None
        and profile is not None
        and profile.phone_verified_at is None
        and profile.email_verified_at is None
        and profile.identity_verified_at is None
        and not Staff.objects.filter(user=user).exists()
    )


def _free_identifier(identifier: Identifier) -> None:
    """Make way for a new registration, or refuse when an account really owns the identifier.

    A registration that was never verified is replaced (nobody proved they own the number); an unverified
    contact typed into another account's profile is taken off it (the new registrant is about to prove it).
    """
    field = _contact_field(identifier)
    holder = _holder(identifier)
    if holder is None:
        return
    if _never_verified(holder):
        holder.delete()
        return
    profile = Profile.objects.select_for_update().filter(**{field: identifier.value}).first()
    if (
        holder.get_username() != identifier.value
        and profile is not None
        and getattr(profile, f"{field}_verified_at") is None
    ):
        setattr(profile, field, "")
        profile.save(update_fields=[field, "updated_at"])
        return
    raise _invalid(
        "identifier",
        _("Số điện thoại hoặc thư điện tử này đã có tài khoản. Hãy đăng nhập hoặc lấy lại mật khẩu."),
    )


@transaction.atomic
def account_register(
    *,
    identifier: str,
    password: str,
    full_name: str,
    kind: str = Profile.Kind.CITIZEN,
    business_name: str = "",
    tax_code: str = "",
    language: str = "vi",
    client: str = "",
) -> Profile:
    """Đăng ký: an inactive account and its profile, and a code sent to the phone or e-mail to verify it."""
    parsed = parse_identifier(identifier or "")
    errors: list[FieldError] = []
    if parsed is None:
        errors.append(
            FieldError("identifier", _("Nhập số điện thoại di động (10 số) hoặc địa chỉ thư điện tử hợp lệ."))
        )
    full_name = " ".join((full_name or "").split())
    if not full_name:
        errors.append(FieldError("full_name", _("Nhập họ và tên.")))
    if kind not in Profile.Kind.values:
        errors.append(FieldError("kind", _("Chọn loại tài khoản.")))
    business_name = (business_name or "").strip()
    tax_code = (tax_code or "").strip()
    if kind == Profile.Kind.BUSINESS:
        if not business_name:
            errors.append(FieldError("business_name", _("Nhập tên doanh nghiệp, tổ chức.")))
        if not _TAX_CODE.match(tax_code):
            errors.append(FieldError("tax_code", _("Mã số thuế gồm 10 chữ số (hoặc 10 chữ số, gạch ngang, 3 chữ số).")))
    first_name, last_name = _split_name(full_name)
    probe = get_user_model()(
        username=parsed.value if parsed else "",
        email=parsed.value if parsed and parsed.kind == IdentifierKind.EMAIL else "",
        first_name=first_name,
        last_name=last_name,
    )
    try:
        validate_password(password, user=probe)
    except ValidationError as error:
        errors.extend(FieldError("password", str(message)) for message in error.messages)
    if errors or parsed is None:
        raise InvalidInput(detail=_("Vui lòng sửa các lỗi bên dưới."), errors=errors)
    _check_issue_limits(parsed.value, client)
    _free_identifier(parsed)
    user_model = get_user_model()
    try:
        with transaction.atomic():
            user = user_model.objects.create_user(
                username=parsed.value,
                password=password,
                email=probe.email,
                first_name=first_name,
                last_name=last_name,
                is_active=False,
            )
            profile = Profile.objects.create(
                user=user,
                kind=kind,
                full_name=full_name,
                business_name=business_name if kind == Profile.Kind.BUSINESS else "",
                tax_code=tax_code if kind == Profile.Kind.BUSINESS else "",
                preferred_language=_language(language),
                **{_contact_field(parsed): parsed.value},
            )
    except IntegrityError as error:  # a concurrent registration of the same identifier won
        raise _invalid("identifier", _("Số điện thoại hoặc thư điện tử này đang được đăng ký.")) from error
    # no audit event yet: a registration never verified is deleted when someone registers the number again,
    # and the audit chain must not point at deleted users (the verification records the first event)
    code_issue(identifier=parsed, purpose=VerificationCode.Purpose.REGISTER, language=language, check_limits=False)
    return profile


def code_resend(*, identifier: str, language: str = "vi", client: str = "") -> None:
    """Send a new registration code, only to an account still waiting for its verification (rate-limited)."""
    parsed = _parse(identifier)
    _check_issue_limits(parsed.value, client)
    holder = _holder(parsed)
    if holder is not None and _never_verified(holder):
        code_issue(identifier=parsed, purpose=VerificationCode.Purpose.REGISTER, language=language, check_limits=False)


def account_verify(*, identifier: str, code: str) -> AbstractBaseUser:
    """Xác minh: the right code activates the account and marks the phone number or e-mail verified."""
    parsed = _parse(identifier)
    with transaction.atomic():
        outcome = _use_code(parsed.value, VerificationCode.Purpose.REGISTER, code or "")
        if outcome == CodeOutcome.OK:
            user = get_user_model().objects.select_for_update().filter(username=parsed.value).first()
            if user is not None:
                now = timezone.now()
                user.is_active = True
                user.save(update_fields=["is_active"])
                profile, _created = Profile.objects.get_or_create(user=user)
                field = _contact_field(parsed)
                setattr(profile, field, parsed.value)
                setattr(profile, f"{field}_verified_at", now)
                profile.save(update_fields=[field, f"{field}_verified_at", "updated_at"])
                audit.record(stream=f"account:{user.pk}", actor=user, action="verify", data={"channel": parsed.channel})
                return user
            outcome = CodeOutcome.INVALID
    raise _code_error(outcome)


# --- sign-in and password reset -----------------------------------------------------------------------------


def _user_for_sign_in(text: str) -> Any:
    """The account a sign-in name designates: its phone or e-mail (as registered or verified), or its username."""
    user_model = get_user_model()
    parsed = parse_identifier(text)
    if parsed is not None:
        user = user_model.objects.filter(username=parsed.value).first()
        if user is not None:
            return user
        field = _contact_field(parsed)
        profile = (
            Profile.objects.filter(**{field: parsed.value, f"{field}_verified_at__isnull": False})
            .select_related("user")
            .first()
        )
        if profile is not None:
            return profile.user
    return user_model.objects.filter(username=text.strip()).first()


def _locked(until: dt.datetime) -> DomainError:
    message = _("Tài khoản tạm khóa do đăng nhập sai nhiều lần. Thử lại sau %(time)s.") % {
        "time": timezone.localtime(until).strftime("%H:%M")
    }
    return DomainError(detail=message, status=429, title="Locked")


def account_login(*, request: HttpRequest | None, identifier: str, password: str) -> AbstractBaseUser:
    """Check a sign-in by phone number, e-mail or username and password, with the lockout of core.lockout.

    Returns the user; the caller starts the session (`django.contrib.auth.login`).
    """
    text = (identifier or "").strip()
    user = _user_for_sign_in(text) if text else None
    key = user.get_username() if user is not None else text.lower()
    until = lockout.locked_until(key)
    if until is not None:
        raise _locked(until)
    wrong = _("Sai số điện thoại, thư điện tử hoặc mật khẩu.")
    if user is None:
        make_password(password)  # same time as a real check: the answer must not tell whether the name exists
        until = lockout.record_failure(key)
        raise _locked(until) if until else DomainError(detail=wrong, status=401, title="Unauthorized")
    signed_in = authenticate(request, username=user.get_username(), password=password)
    if signed_in is None:
        if not user.is_active and user.check_password(password) and _never_verified(user):
            raise NotVerified(_("Tài khoản chưa được xác minh. Nhập mã đã gửi đến bạn, hoặc yêu cầu gửi mã mới."))
        until = lockout.record_failure(key)
        raise _locked(until) if until else DomainError(detail=wrong, status=401, title="Unauthorized")
    lockout.record_success(key)
    return signed_in


def _reset_holder(identifier: Identifier) -> Any:
    """The active account whose sign-in name or verified contact is `identifier` (codes go only there)."""
    user = get_user_model().objects.filter(username=identifier.value, is_active=True).first()
    if user is not None:
        return user
    field = _contact_field(identifier)
    profile = (
        Profile.objects.filter(**{field: identifier.value, f"{field}_verified_at__isnull": False}, user__is_active=True)
        .select_related("user")
        .first()
    )
    return profile.user if profile is not None else None


def password_reset_request(*, identifier: str, language: str = "vi", client: str = "") -> None:
    """Quên mật khẩu: send a reset code when an account has this phone or e-mail; the same answer otherwise.

    The rate limits are counted before the account is looked up, so that they do not tell either.
    """
    parsed = _parse(identifier)
    _check_issue_limits(parsed.value, client)
    user = _reset_holder(parsed)
    if user is None:
        logger.info("password reset asked for an unknown %s", parsed.kind)
        return
    profile = Profile.objects.filter(user=user).first()
    code_issue(
        identifier=parsed,
        purpose=VerificationCode.Purpose.RESET,
        language=profile.preferred_language if profile else language,
        check_limits=False,
    )


def password_reset_confirm(*, identifier: str, code: str, new_password: str) -> AbstractBaseUser:
    """Đặt lại mật khẩu with the code; Django's password validators apply. Ends the lock of the account."""
    parsed = _parse(identifier)
    user = _reset_holder(parsed)
    try:
        validate_password(new_password, user=user)
    except ValidationError as error:
        raise InvalidInput(
            detail=_("Vui lòng sửa các lỗi bên dưới."),
            errors=[FieldError("new_password", str(message)) for message in error.messages],
        ) from error
    with transaction.atomic():
        outcome = _use_code(parsed.value, VerificationCode.Purpose.RESET, code or "")
        if outcome == CodeOutcome.OK and user is not None:
            user = get_user_model().objects.select_for_update().get(pk=user.pk)
            user.set_password(new_password)
            user.save(update_fields=["password"])
            profile = Profile.objects.filter(user=user).first()
            field = _contact_field(parsed)
            if profile is not None and getattr(profile, field) == parsed.value:
                setattr(profile, f"{field}_verified_at", getattr(profile, f"{field}_verified_at") or timezone.now())
                profile.save(update_fields=[f"{field}_verified_at", "updated_at"])
            audit.record(stream=f"account:{user.pk}", actor=user, action="password_reset")
            lockout.record_success(user.get_username())
            return user
    raise _code_error(outcome if outcome != CodeOutcome.OK else CodeOutcome.INVALID)


# --- profile ------------------------------------------------------------------------------------------------

PROFILE_FIELDS = frozenset(
    {
        *IDENTITY_FIELDS,
        "phone",
        "email",
        "kind",
        "tax_code",
        "business_name",
        "permanent_ward",
        "permanent_address",
        "current_ward",
        "current_address",
        "preferred_language",
        "notify_channels",
    }
)


def _clean_change(name: str, value: Any, errors: list[FieldError]) -> Any:
    """The value to store for one field, or the current one after recording an error."""
    if isinstance(value, str):
        value = " ".join(value.split()) if name in {"full_name", "business_name"} else value.strip()
    if name == "id_number" and value and not is_id_number(value):
        errors.append(FieldError(name, _("Số định danh cá nhân gồm đúng 12 chữ số.")))
    elif name == "phone" and value:
        phone = normalise_phone(value)
        if phone is None:
            errors.append(FieldError(name, _("Số điện thoại di động gồm 10 chữ số, bắt đầu bằng 0.")))
        value = phone or value
    elif name == "email" and value:
        email = normalise_email(value)
        if email is None:
            errors.append(FieldError(name, _("Địa chỉ thư điện tử không hợp lệ.")))
        value = email or value
    elif name == "tax_code" and value and not _TAX_CODE.match(value):
        errors.append(FieldError(name, _("Mã số thuế gồm 10 chữ số (hoặc 10 chữ số, gạch ngang, 3 chữ số).")))
    elif name in {"permanent_ward", "current_ward"} and value is not None:
        if not isinstance(value, AdministrativeUnit) or value.level != AdministrativeUnit.Level.COMMUNE:
            errors.append(FieldError(name, _("Chọn một xã, phường.")))
    elif name == "gender" and value not in ("", *Profile.Gender.values):
        errors.append(FieldError(name, _("Chọn giới tính.")))
    elif name == "kind" and value not in Profile.Kind.values:
        errors.append(FieldError(name, _("Chọn loại tài khoản.")))
    elif name == "preferred_language" and value not in Profile.Language.values:
        errors.append(FieldError(name, _("Chọn ngôn ngữ.")))
    elif name == "notify_channels":
        value = [channel for channel in NOTIFY_CHANNELS if channel in set(value or [])]
    elif name == "birth_date" and value is not None and value > timezone.localdate():
        errors.append(FieldError(name, _("Ngày sinh không thể ở tương lai.")))
    return value


@transaction.atomic
def profile_update(*, user: Any, changes: Mapping[str, Any]) -> Profile:
    """Cập nhật hồ sơ. Identity data verified by an official source, and verified contacts, stay as they are."""
    unknown = set(changes) - PROFILE_FIELDS
    if unknown:
        raise InvalidInput(detail=f"Unknown profile fields: {', '.join(sorted(unknown))}")
    profile, _created = Profile.objects.select_for_update().get_or_create(user=user)
    errors: list[FieldError] = []
    cleaned: dict[str, Any] = {}
    for name, raw in changes.items():
        value = _clean_change(name, raw, errors)
        if value == getattr(profile, name):
            continue
        if name in IDENTITY_FIELDS and profile.identity_verified:
            errors.append(FieldError(name, _("Thông tin đã được xác thực, không thể tự sửa.")))
        elif name in {"phone", "email"} and getattr(profile, f"{name}_verified_at") is not None:
            errors.append(FieldError(name, _("Đã được xác minh; liên hệ bộ phận hỗ trợ để thay đổi.")))
        elif (
            name in {"phone", "email", "id_number"}
            and value
            and Profile.objects.filter(**{name: value}).exclude(pk=profile.pk).exists()
        ):
            errors.append(FieldError(name, _("Đã được dùng cho một tài khoản khác.")))
        cleaned[name] = value
    if errors:
        raise InvalidInput(detail=_("Vui lòng sửa các lỗi bên dưới."), errors=errors)
    if not cleaned:
        return profile
    for name, value in cleaned.items():
        setattr(profile, name, value)
    profile.save()
    if "full_name" in cleaned or "email" in cleaned:
        first_name, last_name = _split_name(profile.full_name)
        user.first_name, user.last_name = first_name, last_name
        if "email" in cleaned and not user.get_username().count("@"):
            user.email = profile.email
        user.save(update_fields=["first_name", "last_name", "email"])
    audit.record(stream=f"account:{user.pk}", actor=user, action="profile_update", data={"fields": sorted(cleaned)})
    return profile


# --- verified identity (national e-identity through OpenID Connect, population database) -------------------


@dataclass(frozen=True)
class VerifiedIdentity:
    """Identity data asserted by an official source."""

    id_number: str
    full_name: str = ""
    birth_date: dt.date | None = None
    gender: str = ""
    phone: str = ""
    email: str = ""
    phone_verified: bool = False
    email_verified: bool = False


def _attachable(user: Any) -> bool:
    """A signed-in citizen account the verified identity may be attached to (never a staff account)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.is_staff or user.is_superuser or Staff.objects.filter(user=user).exists():
        return False
    profile = Profile.objects.filter(user=user).first()
    return profile is not None and not profile.id_number and not profile.identity_verified


def _same_person(profile: Profile, identity: VerifiedIdentity) -> bool:
    phone = bool(identity.phone) and profile.phone == identity.phone and profile.phone_verified_at is not None
    email = bool(identity.email) and profile.email == identity.email and profile.email_verified_at is not None
    return phone or email


def _set_contact(profile: Profile, field: str, value: str, verified: bool, now: dt.datetime) -> None:
    if not value or (getattr(profile, f"{field}_verified_at") is not None and getattr(profile, field) != value):
        return
    if Profile.objects.filter(**{field: value}).exclude(pk=profile.pk).exists():
        logger.info("verified identity: %s already on another account, not copied", field)
        return
    setattr(profile, field, value)
    if verified:
        setattr(profile, f"{field}_verified_at", getattr(profile, f"{field}_verified_at") or now)


@transaction.atomic
def account_from_identity(*, identity: VerifiedIdentity, source: str, signed_in: Any = None) -> Any:
    """Find or create the account of a person identified by an official source; copy and mark the identity.

    The account is the one whose verified identity has this ID number; else the signed-in citizen account (it
    gets linked); else one that declared the ID number itself and whose verified phone or e-mail matches; else a
    new account (username = the ID number). A self-declared ID number that the source contradicts is dropped.
    """
    if not is_id_number(identity.id_number):
        raise InvalidInput(detail="The identity has no 12-digit personal identification number")
    if source not in {Profile.IdentitySource.OIDC, Profile.IdentitySource.POPULATION}:
        raise InvalidInput(detail=f"Unknown identity source {source!r}")
    user_model = get_user_model()
    now = timezone.now()
    profile = Profile.objects.select_for_update().filter(id_number=identity.id_number).select_related("user").first()
    if (
        profile is not None
        and not profile.identity_verified
        and not _same_person(profile, identity)
        and (signed_in is None or profile.user_id != signed_in.pk)
    ):
        logger.warning("verified identity: dropped a self-declared ID number from account %s", profile.user_id)
        profile.id_number = ""
        profile.save(update_fields=["id_number", "updated_at"])
        profile = None
    if profile is None and _attachable(signed_in):
        profile = Profile.objects.select_for_update().get(user=signed_in)
    if profile is None:
        username = identity.id_number
        if user_model.objects.filter(username=username).exists():
            username = f"id-{identity.id_number}"
        user = user_model.objects.create_user(username=username, password=None)
        profile = Profile.objects.create(user=user, kind=Profile.Kind.CITIZEN, created_at=now)
        audit.record(stream=f"account:{user.pk}", actor=user, action="register", data={"source": source})
    user = user_model.objects.select_for_update().get(pk=profile.user_id)
    profile.id_number = identity.id_number
    profile.full_name = identity.full_name or profile.full_name
    profile.birth_date = identity.birth_date or profile.birth_date
    profile.gender = identity.gender or profile.gender
    _set_contact(profile, "phone", identity.phone, identity.phone_verified, now)
    _set_contact(profile, "email", identity.email, identity.email_verified, now)
    profile.identity_verified_at = now
    profile.identity_source = source
    profile.save()
    first_name, last_name = _split_name(profile.full_name)
    user.first_name, user.last_name = first_name, last_name
    if profile.email and not user.email:
        user.email = profile.email
    user.save(update_fields=["first_name", "last_name", "email"])
    audit.record(stream=f"account:{user.pk}", actor=user, action="identity_verified", data={"source": source})
    return user
