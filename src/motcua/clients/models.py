"""API clients (ứng dụng kết nối), their calls, and webhook subscriptions and deliveries."""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Scope(models.TextChoices):
    """What a client token may do; every scope is limited to the client's agencies."""

    DOSSIERS_READ = "dossiers:read", _("Xem hồ sơ")
    DOSSIERS_SUBMIT = "dossiers:submit", _("Nộp hồ sơ")
    LOOKUP = "lookup", _("Tra cứu hồ sơ")
    STATS_READ = "stats:read", _("Xem số liệu thống kê")
    CATALOG_READ = "catalog:read", _("Xem danh mục thủ tục")


def new_client_id() -> str:
    return "mc_" + secrets.token_hex(12)


class ApiClient(models.Model):
    """A third-party system (ứng dụng kết nối) that calls the API with its own credentials."""

    name = models.CharField(_("tên ứng dụng"), max_length=200)
    client_id = models.CharField(_("mã ứng dụng (client_id)"), max_length=40, unique=True, default=new_client_id)
    secret_hash = models.CharField(_("mã bí mật (đã băm)"), max_length=128, blank=True, editable=False)
    is_active = models.BooleanField(_("đang hoạt động"), default=True)
    scopes = models.JSONField(_("phạm vi quyền"), default=list, blank=True)
    agencies = models.ManyToManyField(
        "org.Agency", verbose_name=_("cơ quan được đại diện"), related_name="api_clients", blank=True
    )
    rate_limit_per_minute = models.PositiveIntegerField(_("số lượt gọi tối đa mỗi phút"), default=120)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người tạo"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(_("tạo lúc"), default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(_("lần gọi gần nhất"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("ứng dụng kết nối API")
        verbose_name_plural = _("ứng dụng kết nối API")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.client_id})"

    def clean(self) -> None:
        unknown = sorted(set(self.scopes or []) - set(Scope.values))
        if not isinstance(self.scopes, list) or unknown:
            raise ValidationError({"scopes": _("Phạm vi không hợp lệ: %(s)s") % {"s": ", ".join(unknown)}})


class ApiCall(models.Model):
    """One call of a client to the API: what, when, how it ended; never bodies nor personal data."""

    client = models.ForeignKey(ApiClient, verbose_name=_("ứng dụng"), on_delete=models.CASCADE, related_name="calls")
    method = models.CharField(_("phương thức"), max_length=10)
    path = models.CharField(_("đường dẫn"), max_length=255)
    status = models.PositiveSmallIntegerField(_("mã trạng thái"))
    at = models.DateTimeField(_("lúc"), default=timezone.now, db_index=True)
    duration_ms = models.PositiveIntegerField(_("thời gian xử lý (ms)"), default=0)
    remote_address = models.CharField(_("địa chỉ gọi"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("lượt gọi API của ứng dụng")
        verbose_name_plural = _("lượt gọi API của ứng dụng")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["client", "at"], name="clients_call_client_at")]

    def __str__(self) -> str:
        return f"{self.method} {self.path} {self.status}"


def webhook_topics_default() -> list[str]:
    return ["dossier.*"]


class WebhookSubscription(models.Model):
    """Where to POST the dossier events (đăng ký nhận sự kiện), for a client or on its own."""

    name = models.CharField(_("tên"), max_length=200)
    client = models.ForeignKey(
        ApiClient,
        verbose_name=_("ứng dụng"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="webhooks",
    )
    url = models.URLField(_("địa chỉ nhận (URL)"), max_length=500)
    secret = models.CharField(
        _("khóa ký (HMAC)"),
        max_length=128,
        default=secrets.token_urlsafe,
        help_text=_("Dùng để tính chữ ký X-Motcua-Signature của nội dung gửi đi."),
    )
    topics = models.JSONField(
        _("sự kiện"),
        default=webhook_topics_default,
        help_text=_('Danh sách chủ đề, có thể dùng "*": ["dossier.*"], ["dossier.submitted", "dossier.approve"].'),
    )
    agencies = models.ManyToManyField(
        "org.Agency",
        verbose_name=_("chỉ hồ sơ của các cơ quan"),
        related_name="+",
        blank=True,
        help_text=_("Bỏ trống: mọi cơ quan (của ứng dụng, nếu gắn với ứng dụng)."),
    )
    is_active = models.BooleanField(_("đang hoạt động"), default=True)
    created_at = models.DateTimeField(_("tạo lúc"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("đăng ký webhook")
        verbose_name_plural = _("đăng ký webhook")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.url and not self.url.startswith("https://") and not settings.DEBUG:
            raise ValidationError({"url": _("Địa chỉ nhận phải dùng https.")})
        if not isinstance(self.topics, list) or not all(isinstance(t, str) and t for t in self.topics):
            raise ValidationError({"topics": _('Nhập danh sách chủ đề, ví dụ ["dossier.*"].')})


class WebhookDelivery(models.Model):
    """One event sent (or to send) to one subscription; the body is kept so every retry is identical."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Đang gửi")
        DELIVERED = "delivered", _("Đã gửi")
        FAILED = "failed", _("Bị từ chối, không gửi lại")

    key = models.UUIDField(_("mã lần gửi"), default=uuid.uuid4, unique=True, editable=False)
    subscription = models.ForeignKey(
        WebhookSubscription, verbose_name=_("đăng ký"), on_delete=models.CASCADE, related_name="deliveries"
    )
    event_key = models.UUIDField(_("mã sự kiện"))
    topic = models.CharField(_("chủ đề"), max_length=80)
    body = models.TextField(_("nội dung gửi"))
    status = models.CharField(_("trạng thái"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("số lần thử"), default=0)
    response_code = models.PositiveSmallIntegerField(_("mã phản hồi"), null=True, blank=True)
    last_error = models.TextField(_("lỗi gần nhất"), blank=True)
    created_at = models.DateTimeField(_("tạo lúc"), default=timezone.now)
    delivered_at = models.DateTimeField(_("đã gửi lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("lần gửi webhook")
        verbose_name_plural = _("lần gửi webhook")
        ordering = ["-pk"]
        constraints = [
            models.UniqueConstraint(fields=["subscription", "event_key"], name="clients_delivery_once_per_event")
        ]

    def __str__(self) -> str:
        return f"{self.topic} → {self.subscription_id} ({self.status})"
