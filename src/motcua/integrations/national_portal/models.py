"""Delivery to remote systems (destinations, delivery records) and the portal simulator's call log."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from motcua.dossiers.models import Dossier


class Destination(models.Model):
    """A remote system we push to (nơi nhận), with its circuit breaker (closed / open / half-open)."""

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
    """One event of a dossier delivered (or not yet) to one destination; `event_key` is the idempotency key."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Chờ gửi")
        SENT = "sent", _("Đã gửi")
        FAILED = "failed", _("Lỗi, sẽ gửi lại")
        DEAD = "dead", _("Lỗi, đã dừng gửi")

    dossier = models.ForeignKey(
        Dossier, verbose_name=_("hồ sơ"), on_delete=models.CASCADE, related_name="delivery_records"
    )
    destination = models.ForeignKey(
        Destination, verbose_name=_("hệ thống nhận"), on_delete=models.PROTECT, related_name="records"
    )
    event_key = models.UUIDField(_("khóa sự kiện (idempotency key)"))
    topic = models.CharField(_("sự kiện"), max_length=80)
    status = models.CharField(_("trạng thái"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("số lần gửi"), default=0)
    last_error = models.TextField(_("lỗi gần nhất"), blank=True)
    next_attempt_at = models.DateTimeField(_("gửi lại lúc"), null=True, blank=True)
    dossier_accepted = models.BooleanField(_("hồ sơ đã được nhận"), default=False)
    step_digests = models.JSONField(_("bước xử lý đã gửi"), default=list, blank=True)
    created_at = models.DateTimeField(_("tạo lúc"), default=timezone.now)
    sent_at = models.DateTimeField(_("đã gửi lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("lượt đồng bộ hồ sơ")
        verbose_name_plural = _("lượt đồng bộ hồ sơ")
        ordering = ["dossier", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["destination", "event_key"], name="delivery_record_unique_event"),
        ]
        indexes = [models.Index(fields=["destination", "status"], name="delivery_record_status")]

    def __str__(self) -> str:
        return f"{self.dossier_id} {self.topic} → {self.destination_id}: {self.status}"


class SimulatedPortalCall(models.Model):
    """A request the local portal simulator received (for tests, the demo and the admin)."""

    endpoint = models.CharField(_("điểm cuối"), max_length=40)
    dossier_code = models.CharField(_("mã hồ sơ"), max_length=40, db_index=True)
    idempotency_key = models.CharField(_("khóa idempotency"), max_length=64, blank=True)
    body = models.JSONField(_("nội dung"), default=dict)
    http_status = models.PositiveSmallIntegerField(_("mã HTTP trả về"))
    error_code = models.CharField(_("mã lỗi trả về"), max_length=10, blank=True)
    received_at = models.DateTimeField(_("nhận lúc"), default=timezone.now)

    class Meta:
        verbose_name = _("lời gọi tới Cổng DVCQG mô phỏng")
        verbose_name_plural = _("lời gọi tới Cổng DVCQG mô phỏng")
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.endpoint} {self.dossier_code} {self.http_status}"
