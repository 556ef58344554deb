"""Administrators read the population lookup log and the postal orders; nobody adds, changes or deletes them here."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from motcua.integrations import delivery_admin  # noqa: F401  registers the destinations and delivery records
from motcua.integrations.models import PopulationLookup, PostalEvent, PostalOrder
from motcua.integrations.post import registry as post_registry
from motcua.integrations.post import services as post_services
from motcua.org import access


@admin.register(PopulationLookup)
class PopulationLookupAdmin(access.PermissionAdminMixin, admin.ModelAdmin):
    permission = access.Permission.MANAGE_AGENCIES
    allow_delete = False
    list_display = [
        "at",
        "actor_name",
        "purpose",
        "dossier_code",
        "masked_id_number",
        "birth_year",
        "result",
        "adapter",
    ]
    list_filter = ["result", "adapter"]
    search_fields = ["dossier_code", "=id_number", "actor_name"]
    date_hierarchy = "at"
    fields = (
        "at",
        "actor_name",
        "purpose",
        "dossier_code",
        "masked_id_number",
        "birth_year",
        "result",
        "detail",
        "adapter",
        "request_id",
    )
    readonly_fields = fields

    @admin.display(description=_("số định danh cá nhân"))
    def masked_id_number(self, obj: PopulationLookup) -> str:
        return obj.id_number_masked

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class PostalEventInline(admin.TabularInline):
    model = PostalEvent
    extra = 0
    can_delete = False
    fields = ("at", "status", "note", "source", "recorded_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(PostalOrder)
class PostalOrderAdmin(access.PermissionAdminMixin, admin.ModelAdmin):
    """Postal orders, read-only; with the simulator, actions move items along (picked up, delivered, failed)."""

    permission = access.Permission.MANAGE_AGENCIES
    allow_delete = False
    list_display = ["order_number", "dossier", "kind", "status", "status_at", "item_code", "receiver_name", "provider"]
    list_filter = ["status", "kind", "provider"]
    search_fields = ["order_number", "=item_code", "dossier__code"]
    date_hierarchy = "created_at"
    list_select_related = ["dossier"]
    inlines = [PostalEventInline]
    actions = ["simulate_picked_up", "simulate_delivered", "simulate_failed"]
    fields = (
        "dossier",
        "kind",
        "provider",
        "order_number",
        "item_code",
        "status",
        "status_at",
        "sent_at",
        "picked_up_at",
        "delivered_at",
        "failed_at",
        "cancelled_at",
        "last_error",
        "sender_name",
        "sender_address",
        "sender_ward_name",
        "sender_province_name",
        "sender_phone",
        "receiver_name",
        "receiver_address",
        "receiver_ward_code",
        "receiver_ward_name",
        "receiver_province_name",
        "receiver_phone",
        "receiver_email",
        "cod_amount",
        "description",
        "created_by",
        "created_at",
    )
    readonly_fields = fields

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        if not post_registry.simulator_active():
            for name in self.actions or []:
                actions.pop(str(name), None)
        return actions

    def _simulate(self, request: HttpRequest, queryset: QuerySet[PostalOrder], status: str) -> None:
        moved = 0
        for order in queryset.filter(provider="simulator").order_by("pk"):
            if post_services.postal_simulate(order=order, status=status):
                moved += 1
        self.message_user(request, _("Đã cập nhật %(count)s bưu gửi (giả lập).") % {"count": moved})

    @admin.action(description=_("Giả lập: bưu điện đã nhận"))
    def simulate_picked_up(self, request: HttpRequest, queryset: QuerySet[PostalOrder]) -> None:
        self._simulate(request, queryset, PostalOrder.Status.PICKED_UP)

    @admin.action(description=_("Giả lập: đã phát thành công"))
    def simulate_delivered(self, request: HttpRequest, queryset: QuerySet[PostalOrder]) -> None:
        self._simulate(request, queryset, PostalOrder.Status.DELIVERED)

    @admin.action(description=_("Giả lập: phát không thành công"))
    def simulate_failed(self, request: HttpRequest, queryset: QuerySet[PostalOrder]) -> None:
        self._simulate(request, queryset, PostalOrder.Status.FAILED)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
