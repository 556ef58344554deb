"""Notifications (thông báo): templates per event, channel and language, and every message sent or to send.

A `MessageTemplate` is the editable text of one event on one channel in one language (Django template
syntax, context in `motcua.notify.rendering.CONTEXT_VARIABLES`). A `Message` is one notification to one
recipient, rendered when it is queued and sent through its channel's provider adapter (`notify/channels/`);
its status moves queued → sent → delivered, or to failed.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Event(models.TextChoices):
    RECEIVED = "received", _("Tiếp nhận hồ sơ")
    SUPPLEMENT_REQUESTED = "supplement_requested", _("Yêu cầu bổ sung hồ sơ")
    SUPPLEMENT_RECEIVED = "supplement_received", _("Đã nhận hồ sơ bổ sung")
    EXTENSION = "extension", _("Xin lỗi và hẹn lại ngày trả kết quả")
    RESULT_READY = "result_ready", _("Có kết quả giải quyết")
    PAYMENT_REQUESTED = "payment_requested", _("Thông báo nộp phí, lệ phí")
    REMINDER = "reminder", _("Nhắc nhở")
    VERIFICATION_CODE = "verification_code", _("Mã xác minh")
    STAFF_ALERT = "staff_alert", _("Cảnh báo cho cán bộ")


class Channel(models.TextChoices):
    EMAIL = "email", _("Thư điện tử")
    SMS = "sms", _("Tin nhắn SMS")
    ZALO = "zalo", _("Zalo ZNS")


class Language(models.TextChoices):
    VI = "vi", _("Tiếng Việt")
    EN = "en", _("English")


class MessageTemplate(models.Model):
    """Mẫu thông báo: the text of one event on one channel in one language, edited in the admin.

    For Zalo ZNS the message actually sent is a template approved by Zalo beforehand: `provider_template_id`
    is its id and `parameters` maps each of its parameter names to a context variable (e.g.
    {"ma_ho_so": "code", "han_tra": "due_at"}); `body` is then only the text recorded and shown by the simulator.
    """

    event = models.CharField(_("sự kiện"), max_length=30, choices=Event.choices)
    channel = models.CharField(_("kênh"), max_length=10, choices=Channel.choices)
    language = models.CharField(_("ngôn ngữ"), max_length=2, choices=Language.choices, default=Language.VI)
    subject = models.CharField(_("tiêu đề"), max_length=255, blank=True, help_text=_("Chỉ dùng cho thư điện tử."))
    body = models.TextField(_("nội dung"), help_text=_("Cú pháp mẫu Django, ví dụ: Hồ sơ {{ code }}."))
    provider_template_id = models.CharField(
        _("mã mẫu ZNS"), max_length=40, blank=True, help_text=_("Mã mẫu đã được Zalo duyệt (chỉ cho Zalo ZNS).")
    )
    parameters = models.JSONField(
        _("tham số ZNS"),
        default=dict,
        blank=True,
        help_text=_('Tên tham số của mẫu ZNS → biến nội dung, ví dụ {"ma_ho_so": "code"}.'),
    )
    is_active = models.BooleanField(_("đang dùng"), default=True)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    class Meta:
        verbose_name = _("mẫu thông báo")
        verbose_name_plural = _("mẫu thông báo")
        ordering = ["event", "channel", "language"]
        constraints = [
            models.UniqueConstraint(fields=["event", "channel", "language"], name="notify_template_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.event} / {self.channel} / {self.language}"


class Message(models.Model):
    """Tin thông báo: one notification to one recipient, with its delivery status."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Chờ gửi")
        SENT = "sent", _("Đã gửi")
        DELIVERED = "delivered", _("Đã đến người nhận")
        FAILED = "failed", _("Gửi lỗi")

    key = models.UUIDField(_("khóa"), default=uuid.uuid4, unique=True, editable=False)
    event = models.CharField(_("sự kiện"), max_length=30, choices=Event.choices)
    channel = models.CharField(_("kênh"), max_length=10, choices=Channel.choices)
    language = models.CharField(_("ngôn ngữ"), max_length=2, choices=Language.choices, default=Language.VI)
    recipient = models.CharField(_("người nhận"), max_length=254, help_text=_("Địa chỉ thư hoặc số điện thoại."))
    subject = models.CharField(_("tiêu đề"), max_length=255, blank=True)
    body = models.TextField(_("nội dung"))
    provider_data = models.JSONField(_("dữ liệu gửi nhà cung cấp"), default=dict, blank=True)
    status = models.CharField(_("trạng thái"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("số lần gửi"), default=0)
    provider = models.CharField(_("nhà cung cấp"), max_length=40, blank=True)
    provider_message_id = models.CharField(_("mã tin của nhà cung cấp"), max_length=255, blank=True)
    error = models.TextField(_("lỗi gần nhất"), blank=True)
    created_at = models.DateTimeField(_("tạo lúc"), default=timezone.now)
    next_attempt_at = models.DateTimeField(_("gửi lần tới lúc"), null=True, blank=True)
    sent_at = models.DateTimeField(_("gửi lúc"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("đến người nhận lúc"), null=True, blank=True)
    dossier_code = models.CharField(_("mã hồ sơ"), max_length=40, blank=True, db_index=True)
    source_event_key = models.UUIDField(_("sự kiện nguồn (outbox)"))
    send_event_key = models.UUIDField(_("lượt gửi đang chờ (outbox)"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("tin thông báo")
        verbose_name_plural = _("tin thông báo")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["source_event_key", "channel", "recipient"], name="notify_message_once_per_event"
            ),
        ]
        indexes = [
            models.Index(fields=["provider", "provider_message_id"], name="notify_message_provider_id"),
            models.Index(fields=["status", "channel"], name="notify_message_status"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.recipient} {self.event}"
