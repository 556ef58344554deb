"""Admin: dossiers received from the national portal (read-only, retry) and code mappings."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from motcua.integrations.inbound import services
from motcua.integrations.inbound.models import CodeMapping, InboundDossier
from motcua.org import access


@admin.register(InboundDossier)
class InboundDossierAdmin(access.PermissionAdminMixin, admin.ModelAdmin):
    permission = access.Permission.MANAGE_AGENCIES
    allow_delete = False
    list_display = ["external_code", "state", "dossier", "attempts", "received_at", "updated_at"]
    list_filter = ["state", "source"]
    search_fields = ["external_code", "dossier__code"]
    readonly_fields = [
        "source",
        "external_code",
        "payload",
        "state",
        "problems",
        "dossier",
        "attempts",
        "received_at",
        "updated_at",
    ]
    actions = ["retry"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=_("Xử lý lại (sau khi bổ sung ánh xạ mã)"))
    def retry(self, request: HttpRequest, queryset: Any) -> None:
        created = services.retry(queryset)
        self.message_user(request, _("Đã tạo %(n)s hồ sơ.") % {"n": created}, messages.INFO)


@admin.register(CodeMapping)
class CodeMappingAdmin(access.PermissionAdminMixin, admin.ModelAdmin):
    permission = access.Permission.MANAGE_AGENCIES
    list_display = ["kind", "external_code", "local_code"]
    list_filter = ["kind"]
    search_fields = ["external_code", "local_code"]
