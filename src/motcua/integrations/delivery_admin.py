"""Admin of the outbound deliveries: each destination's circuit, and the delivery records (dead letters).

Read-only; the one action puts failed or dead records back in the queue with a fresh set of attempts (the
replay of a dead letter). Registered from `integrations.admin`.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from motcua.integrations import delivery
from motcua.integrations.models import DeliveryRecord, Destination
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
    list_filter = ["circuit"]
    search_fields = ["name"]
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
    list_display = ["created_at", "dossier", "destination", "topic", "status", "attempts", "next_attempt_at", "sent_at"]
    list_filter = ["status", "destination"]
    search_fields = ["dossier__code", "=event_key", "=reference"]
    list_select_related = ["dossier", "destination"]
    date_hierarchy = "created_at"
    actions = ["send_again"]
    fields = (
        "dossier",
        "destination",
        "topic",
        "event_key",
        "reference",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
        "progress",
        "created_at",
        "sent_at",
    )
    readonly_fields = fields

    def has_send_again_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)

    @admin.action(description=_("Gửi lại các lượt lỗi đã chọn"), permissions=["send_again"])
    def send_again(self, request: HttpRequest, queryset: QuerySet[DeliveryRecord]) -> None:
        count = delivery.records_retry(queryset)
        self.message_user(
            request, _("Đã đưa %(count)d lượt vào hàng đợi gửi lại.") % {"count": count}, messages.SUCCESS
        )
