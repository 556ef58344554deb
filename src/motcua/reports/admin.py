"""Admin: targets (chỉ tiêu) per year, for the province (no agency) or one agency."""

from __future__ import annotations

from django.contrib import admin

from motcua.org import access
from motcua.reports.models import Target


@admin.register(Target)
class TargetAdmin(access.PermissionAdminMixin, admin.ModelAdmin):
    permission = access.Permission.MANAGE_AGENCIES
    list_display = ["year", "indicator", "agency", "value"]
    list_filter = ["year", "indicator"]
    search_fields = ["agency__name", "agency__code"]
    autocomplete_fields = ["agency"]
