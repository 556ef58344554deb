"""Admin: API clients (registered by administrators; the secret is shown once), their calls, webhooks."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from motcua.clients import services
from motcua.clients.models import ApiCall, ApiClient, Scope, WebhookDelivery, WebhookSubscription
from motcua.org import access


class ApiClientForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        label=_("phạm vi quyền"), choices=Scope.choices, widget=forms.CheckboxSelectMultiple, required=False
    )

    class Meta:
        model = ApiClient
        fields = ["name", "is_active", "scopes", "agencies", "rate_limit_per_minute"]


@admin.register(ApiClient)
class ApiClientAdmin(access.PermissionAdminMixin, admin.ModelAdmin):
    permission = access.Permission.MANAGE_AGENCIES
    form = ApiClientForm
    list_display = ["name", "client_id", "is_active", "rate_limit_per_minute", "last_used_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "client_id"]
    filter_horizontal = ["agencies"]
    readonly_fields = ["client_id", "created_by", "created_at", "last_used_at"]
    actions = ["generate_secret"]

    def save_model(self, request: HttpRequest, obj: ApiClient, form: Any, change: bool) -> None:
        if not change and request.user.is_authenticated:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
        if not change:
            self._show_secret(request, obj, services.api_client_rotate_secret(client=obj))

    def _show_secret(self, request: HttpRequest, client: ApiClient, secret: str) -> None:
        self.message_user(
            request,
            _("Mã bí mật của %(name)s (client_id %(id)s), chỉ hiển thị một lần: %(secret)s")
            % {"name": client.name, "id": client.client_id, "secret": secret},
            messages.WARNING,
        )

    @admin.action(description=_("Tạo mã bí mật mới (mã cũ và các token đã cấp hết hiệu lực)"))
    def generate_secret(self, request: HttpRequest, queryset: Any) -> None:
        for client in queryset:
            self._show_secret(request, client, services.api_client_rotate_secret(client=client))


class ReadOnlyAdmin(access.PermissionAdminMixin, admin.ModelAdmin):
    permission = access.Permission.MANAGE_AGENCIES
    allow_delete = False

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ApiCall)
class ApiCallAdmin(ReadOnlyAdmin):
    list_display = ["at", "client", "method", "path", "status", "duration_ms", "remote_address"]
    list_filter = ["status", "method", "client"]
    search_fields = ["path", "client__name", "client__client_id"]
    date_hierarchy = "at"


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(access.PermissionAdminMixin, admin.ModelAdmin):
    permission = access.Permission.MANAGE_AGENCIES
    list_display = ["name", "client", "url", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "url"]
    filter_horizontal = ["agencies"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "subscription", "topic", "status", "attempts", "response_code", "delivered_at"]
    list_filter = ["status", "topic"]
    search_fields = ["event_key", "key"]
