"""Administrators read the population lookup log; nobody adds, changes or deletes it here."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from motcua.integrations.models import PopulationLookup
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
