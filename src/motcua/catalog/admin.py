"""Admin for the catalogue: drafts are edited, published versions are read-only, publishing is a step."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from motcua.catalog import services
from motcua.catalog.models import Component, FeeLine, Field, Procedure, ProcedureVersion
from motcua.core.errors import DomainError
from motcua.org import access


def _can_manage(request: HttpRequest) -> bool:
    return bool(request.user.is_superuser or access.can(request.user, access.Permission.MANAGE_CATALOG))


class CatalogPermissionMixin(access.PermissionAdminMixin):
    """Catalogue administrators; nothing is deleted (procedures are withdrawn, versions superseded)."""

    permission = access.Permission.MANAGE_CATALOG
    allow_delete = False


@admin.register(Field)
class FieldAdmin(CatalogPermissionMixin, admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name", "name_folded"]


class DraftOnlyInline(CatalogPermissionMixin, admin.TabularInline):
    extra = 0

    def _editable(self, obj: ProcedureVersion | None) -> bool:
        return obj is None or obj.is_editable

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _can_manage(request) and self._editable(obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _can_manage(request) and self._editable(obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _can_manage(request) and self._editable(obj)


class ComponentInline(DraftOnlyInline):
    model = Component
    fields = ["order", "code", "name", "copy_kinds", "quantity", "required", "template", "template_name"]


class FeeInline(DraftOnlyInline):
    model = FeeLine
    fields = ["order", "name", "kind", "amount", "online_amount", "collected_at", "note"]


@admin.register(ProcedureVersion)
class ProcedureVersionAdmin(CatalogPermissionMixin, admin.ModelAdmin):
    list_display = ["procedure", "number", "name", "field", "status", "online_mode", "effective_from", "effective_to"]
    list_filter = ["status", "online_mode", "field"]
    search_fields = ["procedure__code", "name", "search_text"]
    filter_horizontal = ["agencies"]
    inlines = [ComponentInline, FeeInline]
    actions = ["publish", "new_draft"]
    readonly_fields = ["status", "effective_from", "effective_to", "published_at"]
    list_select_related = ["procedure", "field"]

    def get_readonly_fields(self, request: HttpRequest, obj: ProcedureVersion | None = None) -> Any:
        if obj is not None and not obj.is_editable:
            return [f.name for f in self.model._meta.fields if f.name != "id"] + ["agencies"]
        return super().get_readonly_fields(request, obj)

    def save_model(self, request: HttpRequest, obj: ProcedureVersion, form: Any, change: bool) -> None:
        if not change and not obj.number:
            last = obj.procedure.versions.order_by("-number").values_list("number", flat=True).first()
            obj.number = (last or 0) + 1
        super().save_model(request, obj, form, change)

    def get_exclude(self, request: HttpRequest, obj: ProcedureVersion | None = None) -> Any:
        return ["number"] if obj is None else []

    @admin.action(description=_("Công bố các phiên bản dự thảo đã chọn"))
    def publish(self, request: HttpRequest, queryset: QuerySet[ProcedureVersion]) -> None:
        for version in queryset:
            try:
                services.procedure_version_publish(version=version, actor=request.user)
            except PermissionDenied:
                self.message_user(request, _("Bạn không có quyền công bố thủ tục."), messages.ERROR)
                return
            except DomainError as exc:
                details = "; ".join(f"{e.field}: {e.message}" for e in exc.errors)
                self.message_user(request, f"{version}: {exc.detail} {details}", messages.ERROR)
            else:
                self.message_user(request, _("Đã công bố: %(v)s") % {"v": version}, messages.SUCCESS)

    @admin.action(description=_("Tạo phiên bản dự thảo mới từ phiên bản đã chọn"))
    def new_draft(self, request: HttpRequest, queryset: QuerySet[ProcedureVersion]) -> None:
        for version in queryset:
            try:
                draft = services.procedure_version_create_draft(
                    procedure=version.procedure, actor=request.user, from_version=version
                )
            except DomainError as exc:
                self.message_user(request, f"{version}: {exc.detail}", messages.ERROR)
            else:
                self.message_user(request, _("Đã tạo dự thảo: %(v)s") % {"v": draft}, messages.SUCCESS)


class VersionInline(admin.TabularInline):
    model = ProcedureVersion
    fields = ["number", "name", "status", "effective_from", "effective_to"]
    readonly_fields = ["number", "name", "status", "effective_from", "effective_to"]
    extra = 0
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Procedure)
class ProcedureAdmin(CatalogPermissionMixin, admin.ModelAdmin):
    list_display = ["code", "current_version"]
    search_fields = ["code", "versions__search_text"]
    inlines = [VersionInline]
    actions = ["withdraw"]

    @admin.action(description=_("Bãi bỏ các thủ tục đã chọn"))
    def withdraw(self, request: HttpRequest, queryset: QuerySet[Procedure]) -> None:
        for procedure in queryset:
            try:
                services.procedure_withdraw(procedure=procedure, actor=request.user)
            except PermissionDenied:
                self.message_user(request, _("Bạn không có quyền bãi bỏ thủ tục."), messages.ERROR)
                return
            except DomainError as exc:
                self.message_user(request, f"{procedure}: {exc.detail}", messages.ERROR)
