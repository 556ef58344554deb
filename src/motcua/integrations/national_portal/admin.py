"""Delivery status per dossier and per destination, read-only; failed or dead deliveries can be sent again."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from motcua.integrations.national_portal import delivery
from motcua.integrations.national_portal.models import DeliveryRecord, Destination, SimulatedPortalCall
from motcua.org import access


class ReadOnlyAdmin(access.PermissionAdminMixin, admin.ModelAdmin):
    permission = access.Permission.MANAGE_AGENCIES
    allow_delete = False

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Destination)
class DestinationAdmin(ReadOnlyAdmin):
    list_display = ["name", "circuit", "consecutive_failures", "opened_until", "last_success_at", "updated_at"]
    fields = (
        "name",
        "circuit",
        "consecutive_failures",
        "opened_until",
        "probe_started_at",
        "last_success_at",
        "last_error",
        "updated_at",
    )
    readonly_fields = fields


@admin.register(DeliveryRecord)
class DeliveryRecordAdmin(ReadOnlyAdmin):
    list_display = ["dossier", "destination", "topic", "status", "attempts", "next_attempt_at", "sent_at"]
    list_filter = ["status", "destination"]
    search_fields = ["dossier__code", "=event_key"]
    list_select_related = ["dossier", "destination"]
    date_hierarchy = "created_at"
    actions = ["send_again"]
    fields = (
        "dossier",
        "destination",
        "topic",
        "event_key",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
        "dossier_accepted",
        "step_digests",
        "created_at",
        "sent_at",
    )
    readonly_fields = fields

    @admin.action(description=_("Gửi lại các lượt lỗi đã chọn"))
    def send_again(self, request: HttpRequest, queryset: QuerySet[DeliveryRecord]) -> None:
        count = delivery.records_retry(queryset)
        self.message_user(
            request, _("Đã đưa %(count)d lượt vào hàng đợi gửi lại.") % {"count": count}, messages.SUCCESS
        )


@admin.register(SimulatedPortalCall)
class SimulatedPortalCallAdmin(ReadOnlyAdmin):
    list_display = ["received_at", "endpoint", "dossier_code", "http_status", "error_code", "idempotency_key"]
    list_filter = ["endpoint", "http_status"]
    search_fields = ["dossier_code"]
    fields = ("received_at", "endpoint", "dossier_code", "http_status", "error_code", "idempotency_key", "body")
    readonly_fields = fields
