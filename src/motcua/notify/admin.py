"""Admin of notifications: templates are edited (with a preview), messages are only read (and resent).

Superusers and province administrators only (`access.Permission.MANAGE_AGENCIES`).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from motcua.notify import defaults, services
from motcua.notify.models import Channel, Message, MessageTemplate
from motcua.notify.rendering import CONTEXT_VARIABLES, SAMPLE_CONTEXT, check, render
from motcua.org import access


def sample_context(language: str) -> dict[str, str]:
    """The sample context of the preview, with the language-dependent values in `language`."""
    context = dict(SAMPLE_CONTEXT)
    if language == "en":
        context.update(
            amount="VND 200,000",
            outcome=defaults.OUTCOMES["granted"]["en"],
            purpose=defaults.PURPOSES["register"]["en"],
            alert=defaults.ALERTS["step_due_soon"]["en"],
        )
    return context


class MessageTemplateForm(forms.ModelForm):
    class Meta:
        model = MessageTemplate
        fields = ["event", "channel", "language", "is_active", "subject", "body", "provider_template_id", "parameters"]

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        for name in ("subject", "body"):
            error = check(cleaned.get(name) or "")
            if error is not None:
                self.add_error(name, _("Mẫu không hợp lệ: %(error)s") % {"error": error})
        channel = cleaned.get("channel")
        if channel != Channel.EMAIL and cleaned.get("subject"):
            self.add_error("subject", _("Tiêu đề chỉ dùng cho thư điện tử."))
        parameters = cleaned.get("parameters") or {}
        if not isinstance(parameters, dict) or not all(
            isinstance(name, str) and value in CONTEXT_VARIABLES for name, value in parameters.items()
        ):
            self.add_error(
                "parameters",
                _("Mỗi tham số phải ứng với một biến nội dung: %(names)s")
                % {"names": ", ".join(sorted(CONTEXT_VARIABLES))},
            )
        return cleaned


@admin.register(MessageTemplate)
class MessageTemplateAdmin(access.PermissionAdminMixin, admin.ModelAdmin):
    permission = access.Permission.MANAGE_AGENCIES
    allow_delete = False  # a template is turned off, not deleted
    form = MessageTemplateForm
    list_display = ["event", "channel", "language", "subject", "provider_template_id", "is_active", "updated_at"]
    list_filter = ["event", "channel", "language", "is_active"]
    search_fields = ["subject", "body", "provider_template_id"]
    ordering = ["event", "channel", "language"]
    readonly_fields = ["variables", "preview"]
    fieldsets = [
        (None, {"fields": ["event", "channel", "language", "is_active"]}),
        (_("Nội dung"), {"fields": ["subject", "body", "variables", "preview"]}),
        (_("Zalo ZNS"), {"fields": ["provider_template_id", "parameters"]}),
    ]

    @admin.display(description=_("các biến dùng được"))
    def variables(self, obj: MessageTemplate | None) -> SafeString:
        return format_html(
            "<ul>{}</ul>",
            format_html_join("", "<li><code>{{{{ {} }}}}</code>: {}</li>", CONTEXT_VARIABLES.items()),
        )

    @admin.display(description=_("xem trước (dữ liệu mẫu)"))
    def preview(self, obj: MessageTemplate | None) -> SafeString | str:
        if obj is None or obj.pk is None:
            return str(_("Lưu mẫu để xem trước."))
        context = sample_context(obj.language)
        try:
            subject = render(obj.subject, context) if obj.channel == Channel.EMAIL else ""
            body = render(obj.body, context)
        except Exception as error:  # an invalid template saved before validation existed
            return str(_("Mẫu không hợp lệ: %(error)s") % {"error": error})
        if subject:
            return format_html('<p><strong>{}</strong></p><pre style="white-space: pre-wrap">{}</pre>', subject, body)
        return format_html('<pre style="white-space: pre-wrap">{}</pre>', body)


@admin.register(Message)
class MessageAdmin(access.PermissionAdminMixin, admin.ModelAdmin):
    """Every message and its delivery; nothing is edited; failed messages can be queued again."""

    permission = access.Permission.MANAGE_AGENCIES
    allow_delete = False
    list_display = [
        "created_at",
        "status",
        "channel",
        "event",
        "recipient",
        "dossier_code",
        "attempts",
        "sent_at",
        "delivered_at",
        "error_display",
    ]
    list_filter = ["status", "channel", "event", "language"]
    search_fields = ["recipient", "dossier_code", "=provider_message_id"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-pk"]
    fields = readonly_fields = (
        "key",
        "event",
        "channel",
        "language",
        "recipient",
        "subject",
        "body",
        "provider_data",
        "status",
        "attempts",
        "provider",
        "provider_message_id",
        "error",
        "created_at",
        "next_attempt_at",
        "sent_at",
        "delivered_at",
        "dossier_code",
        "source_event_key",
    )
    actions = ["resend_failed"]

    def has_add_permission(self, request: Any, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_resend_permission(self, request: Any) -> bool:
        return self._granted(request)

    @admin.display(description=_("lỗi gần nhất"))
    def error_display(self, obj: Message) -> str:
        return obj.error if len(obj.error) <= 120 else obj.error[:119] + "…"

    @admin.action(description=_("Gửi lại các tin gửi lỗi"), permissions=["resend"])
    def resend_failed(self, request: HttpRequest, queryset: QuerySet[Message]) -> None:
        count = 0
        for message in queryset.filter(status=Message.Status.FAILED).order_by("pk"):
            count += services.message_resend(message=message).status == Message.Status.QUEUED
        self.message_user(
            request,
            ngettext(
                "Đã đưa %(count)d tin vào hàng đợi gửi lại.",
                "Đã đưa %(count)d tin vào hàng đợi gửi lại.",
                count,
            )
            % {"count": count},
        )
