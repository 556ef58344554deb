"""Admin for organisations and staff; what an administrator sees is limited by the access rules."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from motcua.org import access
from motcua.org.models import AdministrativeUnit, Agency, OrganisationalUnit, ReceptionPoint, Staff, StaffRole


class ScopedAdmin(admin.ModelAdmin):
    """Rows are limited to the agencies the user may manage with `permission`."""

    permission = access.Permission.MANAGE_AGENCIES
    agency_path = "pk"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        scope = access.agencies_in_scope(request.user, self.permission)
        return queryset.filter(**{f"{self.agency_path}__in": scope})

    def _allowed(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser or access.can(request.user, self.permission))

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._allowed(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._allowed(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.related_model is Agency and not request.user.is_superuser:
            kwargs["queryset"] = access.agencies_in_scope(request.user, self.permission)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(AdministrativeUnit)
class AdministrativeUnitAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "level", "parent", "effective_from", "effective_to"]
    list_filter = ["level", "kind"]
    search_fields = ["code", "name", "codename"]
    raw_id_fields = ["parent", "successor"]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser or access.can(request.user, access.Permission.MANAGE_AGENCIES))

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class UnitInline(admin.TabularInline):
    model = OrganisationalUnit
    extra = 0


class ReceptionPointInline(admin.TabularInline):
    model = ReceptionPoint
    extra = 0
    raw_id_fields = ["administrative_unit"]


@admin.register(Agency)
class AgencyAdmin(ScopedAdmin):
    list_display = ["code", "name", "level", "kind", "parent", "is_active"]
    list_filter = ["level", "kind", "is_active"]
    search_fields = ["code", "name", "search_text"]
    raw_id_fields = ["administrative_unit"]
    inlines = [UnitInline, ReceptionPointInline]


class StaffRoleInline(admin.TabularInline):
    model = StaffRole
    extra = 1


@admin.register(Staff)
class StaffAdmin(ScopedAdmin):
    permission = access.Permission.MANAGE_STAFF
    agency_path = "agency"
    list_display = ["user", "agency", "unit", "position", "roles_display", "is_active"]
    list_filter = ["agency__level", "is_active", "roles__role"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "agency__name"]
    inlines = [StaffRoleInline]
    list_select_related = ["user", "agency", "unit"]

    @admin.display(description="vai trò")
    def roles_display(self, obj: Staff) -> str:
        return ", ".join(str(r.get_role_display()) for r in obj.roles.all())

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).prefetch_related("roles")
