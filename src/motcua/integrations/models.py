"""Records of the connectors to outside systems."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def mask_id_number(value: str) -> str:
    """'052090001234' -> '********1234': what lists show of a personal ID."""
    return "*" * max(len(value) - 4, 0) + value[-4:]


class PopulationLookup(models.Model):
    """One question to the population database (tra cứu Cơ sở dữ liệu quốc gia về dân cư): who, why, what.

    The full ID is stored for audit; lists and pages show it masked. The name asked is not stored.
    Rows are never changed.
    """

    class Result(models.TextChoices):
        FOUND = "found", _("Có thông tin")
        NOT_FOUND = "not_found", _("Không có thông tin khớp")
        ERROR = "error", _("Lỗi kết nối")

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người tra cứu"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_name = models.CharField(_("tài khoản tra cứu"), max_length=150)
    dossier_code = models.CharField(_("mã hồ sơ"), max_length=60, blank=True, db_index=True)
    purpose = models.CharField(_("mục đích"), max_length=255)
    id_number = models.CharField(_("số định danh cá nhân"), max_length=12, db_index=True)
    birth_year = models.PositiveSmallIntegerField(_("năm sinh"))
    adapter = models.CharField(_("nguồn"), max_length=30)
    request_id = models.CharField(_("mã yêu cầu"), max_length=40)
    result = models.CharField(_("kết quả"), max_length=10, choices=Result.choices)
    detail = models.CharField(_("chi tiết"), max_length=255, blank=True)
    at = models.DateTimeField(_("lúc"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("lượt tra cứu dân cư")
        verbose_name_plural = _("lượt tra cứu dân cư")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["actor", "at"], name="population_lookup_actor_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.id_number_masked}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and PopulationLookup.objects.filter(pk=self.pk).exists():
            raise ValidationError(_("Nhật ký tra cứu không được sửa."))
        super().save(*args, **kwargs)

    @property
    def id_number_masked(self) -> str:
        return mask_id_number(self.id_number)


class PostalOrder(models.Model):
    """Đơn hàng bưu chính công ích (VNPost): delivery of a result or pickup of a paper dossier, with tracking.

    `sender_*` and `receiver_*` are copied when the order is made (the dossier may change later): for a
    result, the receiving agency sends to the applicant's delivery address; for a pickup, the post collects
    the paper dossier at the applicant's address and brings it to the receiving agency. Status changes go
    through `integrations.post.services.postal_status_update` only, and each one is a PostalEvent.
    """

    class Kind(models.TextChoices):
        RESULT_DELIVERY = "result_delivery", _("Chuyển phát kết quả")
        DOSSIER_PICKUP = "dossier_pickup", _("Thu gom hồ sơ giấy")

    class Status(models.TextChoices):
        CREATED = "created", _("Đã tạo")
        SENT_TO_PROVIDER = "sent_to_provider", _("Đã gửi bưu điện")
        PICKED_UP = "picked_up", _("Bưu điện đã nhận")
        DELIVERED = "delivered", _("Đã phát thành công")
        FAILED = "failed", _("Phát không thành công")
        CANCELLED = "cancelled", _("Đã hủy")

    dossier = models.ForeignKey(
        "dossiers.Dossier", verbose_name=_("hồ sơ"), on_delete=models.PROTECT, related_name="postal_orders"
    )
    kind = models.CharField(_("loại"), max_length=20, choices=Kind.choices)
    provider = models.CharField(_("đơn vị bưu chính"), max_length=30)
    order_number = models.CharField(_("số đơn hàng"), max_length=60, unique=True)
    item_code = models.CharField(_("số hiệu bưu gửi"), max_length=40, blank=True, db_index=True)

    sender_name = models.CharField(_("người gửi"), max_length=255)
    sender_address = models.CharField(_("địa chỉ người gửi"), max_length=255, blank=True)
    sender_ward_code = models.CharField(_("mã xã, phường người gửi"), max_length=10, blank=True)
    sender_ward_name = models.CharField(_("xã, phường người gửi"), max_length=200, blank=True)
    sender_province_name = models.CharField(_("tỉnh, thành phố người gửi"), max_length=200, blank=True)
    sender_phone = models.CharField(_("điện thoại người gửi"), max_length=30, blank=True)
    sender_email = models.EmailField(_("thư điện tử người gửi"), blank=True)

    receiver_name = models.CharField(_("người nhận"), max_length=255)
    receiver_address = models.CharField(_("địa chỉ người nhận"), max_length=255)
    receiver_ward_code = models.CharField(_("mã xã, phường người nhận"), max_length=10, blank=True)
    receiver_ward_name = models.CharField(_("xã, phường người nhận"), max_length=200, blank=True)
    receiver_province_name = models.CharField(_("tỉnh, thành phố người nhận"), max_length=200, blank=True)
    receiver_phone = models.CharField(_("điện thoại người nhận"), max_length=30, blank=True)
    receiver_email = models.EmailField(_("thư điện tử người nhận"), blank=True)

    cod_amount = models.PositiveBigIntegerField(_("tiền thu hộ (đồng)"), default=0)
    description = models.CharField(_("nội dung bưu gửi"), max_length=255, blank=True)

    status = models.CharField(_("trạng thái"), max_length=20, choices=Status.choices, default=Status.CREATED)
    status_at = models.DateTimeField(_("trạng thái từ"), default=timezone.now)
    sent_at = models.DateTimeField(_("gửi bưu điện lúc"), null=True, blank=True)
    picked_up_at = models.DateTimeField(_("bưu điện nhận lúc"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("phát thành công lúc"), null=True, blank=True)
    failed_at = models.DateTimeField(_("phát không thành công lúc"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("hủy lúc"), null=True, blank=True)
    last_error = models.TextField(_("lỗi gần nhất"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người tạo"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("tạo lúc"), default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("đơn hàng bưu chính")
        verbose_name_plural = _("đơn hàng bưu chính")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # a retried relay (or a double click) never makes a second live order of a kind for a dossier
            models.UniqueConstraint(
                fields=["dossier", "kind"],
                condition=~models.Q(status__in=["failed", "cancelled"]),
                name="postal_order_one_active_per_kind",
            ),
            models.CheckConstraint(condition=models.Q(cod_amount__gte=0), name="postal_order_cod_not_negative"),
        ]
        indexes = [models.Index(fields=["status", "provider"], name="postal_order_status_provider")]

    def __str__(self) -> str:
        return f"{self.order_number} ({self.get_status_display()})"

    @property
    def is_active(self) -> bool:
        return self.status not in (self.Status.FAILED, self.Status.CANCELLED)


class PostalEvent(models.Model):
    """One status change of a postal order (hành trình bưu gửi), in the order it was applied."""

    order = models.ForeignKey(PostalOrder, verbose_name=_("đơn hàng"), on_delete=models.CASCADE, related_name="events")
    status = models.CharField(_("trạng thái"), max_length=20, choices=PostalOrder.Status.choices)
    at = models.DateTimeField(_("lúc"))
    note = models.CharField(_("ghi chú"), max_length=255, blank=True)
    source = models.CharField(_("nguồn"), max_length=30, blank=True)  # the service, the provider, a poll, a user
    recorded_at = models.DateTimeField(_("ghi nhận lúc"), default=timezone.now)

    class Meta:
        verbose_name = _("hành trình bưu gửi")
        verbose_name_plural = _("hành trình bưu gửi")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.order_id} {self.status} {self.at:%Y-%m-%d %H:%M}"


# ---- reliable delivery to remote systems (motcua.integrations.delivery) -----------------------------------
# Moved here from the national_portal app (migrations national_portal 0002 and integrations 0003 keep the
# rows): every outbound call (national portal, webhooks, VNPost, notification channels, payment queries)
# goes through a destination's circuit breaker, and a push to a remote system is one DeliveryRecord.


class Destination(models.Model):
    """A remote system we call (nơi nhận), with its circuit breaker (closed / open / half-open).

    Names: "national_portal", "webhook:<subscription id>", "vnpost", "sms", "zalo", "email",
    "payment:<provider>"; the part before ":" is the kind that knows how to deliver (see `delivery.register`).
    """

    class Circuit(models.TextChoices):
        CLOSED = "closed", _("Bình thường")
        OPEN = "open", _("Tạm ngắt (đang lỗi)")
        HALF_OPEN = "half_open", _("Đang thử lại")

    name = models.CharField(_("tên"), max_length=60, unique=True)
    circuit = models.CharField(_("trạng thái kết nối"), max_length=10, choices=Circuit.choices, default=Circuit.CLOSED)
    consecutive_failures = models.PositiveIntegerField(_("số lần lỗi liên tiếp"), default=0)
    opened_until = models.DateTimeField(_("tạm ngắt đến"), null=True, blank=True)
    probe_started_at = models.DateTimeField(_("bắt đầu thử lại lúc"), null=True, blank=True)
    last_error = models.TextField(_("lỗi gần nhất"), blank=True)
    last_success_at = models.DateTimeField(_("gửi thành công gần nhất"), null=True, blank=True)
    updated_at = models.DateTimeField(_("cập nhật lúc"), default=timezone.now)

    class Meta:
        verbose_name = _("hệ thống nhận")
        verbose_name_plural = _("hệ thống nhận")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class DeliveryRecord(models.Model):
    """One event delivered (or not yet) to one destination; `event_key` is the idempotency key sent.

    `dossier` is set when the call concerns a dossier (its page shows the record); `reference` names the local
    object the delivery carries (a webhook delivery, a postal order); `progress` is what the destination has
    acknowledged so far (the national portal: {"accepted": true, "steps": [digests]}), so a retry resumes.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Chờ gửi")
        SENT = "sent", _("Đã gửi")
        FAILED = "failed", _("Lỗi, sẽ gửi lại")
        DEAD = "dead", _("Lỗi, đã dừng gửi")

    dossier = models.ForeignKey(
        "dossiers.Dossier",
        verbose_name=_("hồ sơ"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="delivery_records",
    )
    destination = models.ForeignKey(
        Destination, verbose_name=_("hệ thống nhận"), on_delete=models.PROTECT, related_name="records"
    )
    event_key = models.UUIDField(_("khóa sự kiện (idempotency key)"))
    topic = models.CharField(_("sự kiện"), max_length=80)
    reference = models.CharField(_("đối tượng gửi"), max_length=64, blank=True)
    status = models.CharField(_("trạng thái"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("số lần gửi"), default=0)
    last_error = models.TextField(_("lỗi gần nhất"), blank=True)
    next_attempt_at = models.DateTimeField(_("gửi lại lúc"), null=True, blank=True)
    progress = models.JSONField(_("phần đã được nhận"), default=dict, blank=True)
    created_at = models.DateTimeField(_("tạo lúc"), default=timezone.now)
    sent_at = models.DateTimeField(_("đã gửi lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("lượt gửi sang hệ thống khác")
        verbose_name_plural = _("lượt gửi sang hệ thống khác")
        ordering = ["dossier", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["destination", "event_key"], name="delivery_record_unique_event"),
        ]
        indexes = [models.Index(fields=["destination", "status"], name="delivery_record_status")]

    def __str__(self) -> str:
        return f"{self.dossier_id} {self.topic} → {self.destination_id}: {self.status}"
