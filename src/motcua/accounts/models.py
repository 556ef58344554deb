"""Citizen and business accounts: the profile (hồ sơ người dùng) and one-time verification codes.

The sign-in itself is Django's `User` (username = the normalised phone number or e-mail address used to
register, or the personal ID for accounts created by the national e-identity). Everything a procedure needs
to know about the person lives on `Profile`; e-forms prefill from it and notifications read its channels.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from motcua.org.models import AdministrativeUnit


def default_channels() -> list[str]:
    return ["sms", "email"]


class Profile(models.Model):
    """Hồ sơ tài khoản: identity data, contacts and addresses of a citizen or a business."""

    class Kind(models.TextChoices):
        CITIZEN = "citizen", _("Công dân")
        BUSINESS = "business", _("Doanh nghiệp, tổ chức")

    class Gender(models.TextChoices):
        MALE = "male", _("Nam")
        FEMALE = "female", _("Nữ")

    class IdentitySource(models.TextChoices):
        NONE = "", _("Tự khai")
        OIDC = "oidc", _("Tài khoản định danh điện tử")
        POPULATION = "population", _("Cơ sở dữ liệu quốc gia về dân cư")

    class Language(models.TextChoices):
        VI = "vi", _("Tiếng Việt")
        EN = "en", _("English")

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    kind = models.CharField(_("loại tài khoản"), max_length=10, choices=Kind.choices, default=Kind.CITIZEN)
    full_name = models.CharField(_("họ và tên"), max_length=255, blank=True)
    id_number = models.CharField(_("số định danh cá nhân"), max_length=12, blank=True)
    birth_date = models.DateField(_("ngày sinh"), null=True, blank=True)
    gender = models.CharField(_("giới tính"), max_length=10, choices=Gender.choices, blank=True)
    phone = models.CharField(_("số điện thoại"), max_length=10, blank=True)
    email = models.EmailField(_("thư điện tử"), blank=True)
    phone_verified_at = models.DateTimeField(_("xác minh điện thoại lúc"), null=True, blank=True)
    email_verified_at = models.DateTimeField(_("xác minh thư điện tử lúc"), null=True, blank=True)
    identity_verified_at = models.DateTimeField(_("xác thực danh tính lúc"), null=True, blank=True)
    identity_source = models.CharField(
        _("nguồn xác thực danh tính"), max_length=12, choices=IdentitySource.choices, default="", blank=True
    )
    tax_code = models.CharField(_("mã số thuế"), max_length=14, blank=True)
    business_name = models.CharField(_("tên doanh nghiệp, tổ chức"), max_length=255, blank=True)
    permanent_ward = models.ForeignKey(
        AdministrativeUnit,
        verbose_name=_("xã, phường thường trú"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    permanent_address = models.CharField(_("địa chỉ thường trú"), max_length=255, blank=True)
    current_ward = models.ForeignKey(
        AdministrativeUnit,
        verbose_name=_("xã, phường nơi ở hiện tại"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    current_address = models.CharField(_("địa chỉ nơi ở hiện tại"), max_length=255, blank=True)
    preferred_language = models.CharField(_("ngôn ngữ"), max_length=2, choices=Language.choices, default=Language.VI)
    notify_channels = models.JSONField(_("kênh nhận thông báo"), default=default_channels, blank=True)
    created_at = models.DateTimeField(_("tạo lúc"), default=timezone.now)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    class Meta:
        verbose_name = _("hồ sơ tài khoản")
        verbose_name_plural = _("hồ sơ tài khoản")
        constraints = [
            models.UniqueConstraint(fields=["id_number"], condition=~Q(id_number=""), name="profile_id_number_unique"),
            models.UniqueConstraint(fields=["phone"], condition=~Q(phone=""), name="profile_phone_unique"),
            models.UniqueConstraint(fields=["email"], condition=~Q(email=""), name="profile_email_unique"),
            models.CheckConstraint(
                condition=Q(id_number="") | Q(id_number__regex=r"^[0-9]{12}$"), name="profile_id_number_12_digits"
            ),
            models.CheckConstraint(
                condition=Q(phone="") | Q(phone__regex=r"^0[0-9]{9}$"), name="profile_phone_normalised"
            ),
            models.CheckConstraint(
                condition=Q(identity_source__in=["", "oidc", "population"]), name="profile_identity_source_known"
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or str(self.pk)

    @property
    def identity_verified(self) -> bool:
        return self.identity_verified_at is not None


class VerificationCode(models.Model):
    """Mã xác minh một lần: six digits sent by SMS or e-mail, stored only as a keyed hash."""

    class Channel(models.TextChoices):
        SMS = "sms", _("Tin nhắn SMS")
        EMAIL = "email", _("Thư điện tử")

    class Purpose(models.TextChoices):
        REGISTER = "register", _("Đăng ký tài khoản")
        RESET = "reset", _("Đặt lại mật khẩu")

    target = models.CharField(_("số điện thoại hoặc thư điện tử"), max_length=254, db_index=True)
    channel = models.CharField(_("kênh"), max_length=5, choices=Channel.choices)
    purpose = models.CharField(_("mục đích"), max_length=10, choices=Purpose.choices)
    code_hash = models.CharField(max_length=128)
    expires_at = models.DateTimeField(_("hết hạn lúc"))
    attempts = models.PositiveSmallIntegerField(_("số lần nhập sai"), default=0)
    used_at = models.DateTimeField(_("đã dùng lúc"), null=True, blank=True)
    created_at = models.DateTimeField(_("tạo lúc"), default=timezone.now)

    class Meta:
        verbose_name = _("mã xác minh")
        verbose_name_plural = _("mã xác minh")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["target", "purpose", "used_at"], name="verification_lookup")]

    def __str__(self) -> str:
        return f"{self.purpose} {self.channel} {self.created_at:%Y-%m-%d %H:%M}"


class Session(AbstractBaseSession):
    """A signed-in or anonymous browser session (`SESSION_ENGINE = "motcua.accounts.sessions"`): Django's
    database session with the signed-in user's id in a column of its own, so that the session and its user
    (with the staff record, agency and roles) are read in one statement at the start of each request."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người dùng"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,  # a deleted account is signed out everywhere (by the ORM's delete)
        related_name="+",
        # No constraint in the database: the column only saves a read (`user_read_with_session`). With one, a
        # session whose data names an account deleted meanwhile could not be saved, and Django's `create`
        # retries a failed insert for ever; without, such an id joins to no user and Django signs nobody in.
        db_constraint=False,
    )

    class Meta:
        verbose_name = _("phiên đăng nhập")
        verbose_name_plural = _("phiên đăng nhập")

    @classmethod
    def get_session_store_class(cls) -> type[SessionBase]:
        from motcua.accounts.sessions import SessionStore

        return SessionStore
