"""Admin: each agency's collecting account (organisation accounts only), payments read-only for review."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from motcua.org import access
from motcua.payments.models import CollectingAccount, PaymentRequest, PaymentTransaction


@admin.register(CollectingAccount)
class CollectingAccountAdmin(access.PermissionAdminMixin, admin.ModelAdmin):
    permission = access.Permission.MANAGE_AGENCIES
    allow_delete = False
    list_display = ["agency", "bank_name", "account_number", "account_holder", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["agency__name", "account_number", "account_holder"]


class TransactionInline(admin.TabularInline):
    model = PaymentTransaction
    extra = 0
    can_delete = False
    fields = ("received_at", "kind", "response_code", "amount", "checksum_ok", "accepted", "outcome")
    readonly_fields = ("received_at", "kind", "response_code", "amount", "checksum_ok", "accepted", "outcome")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(PaymentRequest)
class PaymentRequestAdmin(access.PermissionAdminMixin, admin.ModelAdmin):
    permission = access.Permission.MANAGE_AGENCIES
    allow_delete = False
    list_display = ["reference", "dossier", "provider", "amount", "state", "created_at", "paid_at"]
    list_filter = ["provider", "state", "finished"]
    search_fields = ["reference", "dossier__code", "provider_reference"]
    inlines = [TransactionInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in PaymentRequest._meta.get_fields() if getattr(f, "concrete", False)]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(PaymentTransaction)
class PaymentTransactionAdmin(access.PermissionAdminMixin, admin.ModelAdmin):
    permission = access.Permission.MANAGE_AGENCIES
    allow_delete = False
    list_display = ["received_at", "kind", "provider", "reference", "amount", "checksum_ok", "accepted", "outcome"]
    list_filter = ["kind", "provider", "checksum_ok", "accepted"]
    search_fields = ["reference", "provider_reference"]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
