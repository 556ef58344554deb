"""Admin for the catalogue: drafts are edited, published versions are read-only, publishing is a step."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from motcua.catalog import eforms, services
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


class PrettyJSONField(forms.JSONField):
    """A JSON textarea shown indented, with Vietnamese text kept readable."""

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, forms.fields.InvalidJSONInput):
            return value
        return json.dumps(value, ensure_ascii=False, indent=2, cls=self.encoder)


JSON_TEXTAREA = forms.Textarea(
    attrs={"rows": 18, "cols": 100, "style": "font-family: monospace", "spellcheck": "false"}
)


class ProcedureVersionForm(forms.ModelForm):
    eform_schema = PrettyJSONField(
        label=_("tờ khai điện tử (JSON Schema)"),
        required=False,
        widget=JSON_TEXTAREA,
        help_text=_("JSON Schema 2020-12 kiểu object (xem docs/catalog-format.md); để {} nếu không có tờ khai."),
    )
    eform_ui = PrettyJSONField(
        label=_("gợi ý giao diện tờ khai"),
        required=False,
        widget=JSON_TEXTAREA,
        help_text=_("Theo đường dẫn trường: widget, order, help, placeholder, prefill, rows, pattern_message."),
    )

    class Meta:
        model = ProcedureVersion
        fields = ["eform_schema", "eform_ui"]  # the admin adds the other fields of the version

    def clean_eform_schema(self) -> Any:
        return self.cleaned_data.get("eform_schema") or {}

    def clean_eform_ui(self) -> Any:
        return self.cleaned_data.get("eform_ui") or {}


@admin.register(ProcedureVersion)
class ProcedureVersionAdmin(CatalogPermissionMixin, admin.ModelAdmin):
    list_display = ["procedure", "number", "name", "field", "status", "online_mode", "effective_from", "effective_to"]
    list_filter = ["status", "online_mode", "field"]
    search_fields = ["procedure__code", "name", "search_text"]
    filter_horizontal = ["agencies"]
    inlines = [ComponentInline, FeeInline]
    actions = ["publish", "new_draft"]
    readonly_fields = ["status", "effective_from", "effective_to", "published_at", "eform_preview"]
    list_select_related = ["procedure", "field"]
    form = ProcedureVersionForm

    def get_readonly_fields(self, request: HttpRequest, obj: ProcedureVersion | None = None) -> Any:
        if obj is not None and not obj.is_editable:
            return [f.name for f in self.model._meta.fields if f.name != "id"] + ["agencies", "eform_preview"]
        return super().get_readonly_fields(request, obj)

    @admin.display(description=_("xem trước tờ khai"))
    def eform_preview(self, obj: ProcedureVersion | None) -> SafeString | str:
        """The e-form as the citizen sees it (inputs disabled); the stored definition, not unsaved edits."""
        if obj is None or obj.pk is None or not obj.eform_schema:
            return str(_("Chưa có tờ khai điện tử."))
        if eforms.schema_check(obj.eform_schema, obj.eform_ui):
            return str(_("Tờ khai chưa hợp lệ; sửa lược đồ để xem trước."))
        items = eforms.fields(obj)
        url = reverse("admin:catalog_procedureversion_eform", args=[obj.pk])
        return format_html(
            '<p><a href="{}">{}</a></p><fieldset disabled class="eform-preview">{}</fieldset>',
            url,
            _("Mở trang thử tờ khai (nhập và kiểm tra)"),
            eforms.render_eform(items, eforms.prefill(items, {})),
        )

    def get_urls(self) -> list[URLPattern]:
        extra = [
            path(
                "<int:object_id>/eform/",
                self.admin_site.admin_view(self.eform_view),
                name="catalog_procedureversion_eform",
            )
        ]
        return extra + super().get_urls()

    def eform_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        """Try the e-form: render it, and on POST validate the entries and show messages or the data kept."""
        version = ProcedureVersion.objects.select_related("procedure").filter(pk=object_id).first()
        if version is None:
            raise Http404
        if not self.has_view_permission(request, version):
            raise PermissionDenied
        problems = eforms.schema_check(version.eform_schema, version.eform_ui)
        items = eforms.fields(version) if not problems else []
        values: dict[str, Any] = eforms.prefill(items, {})
        errors: list[Any] = []
        cleaned: dict[str, Any] | None = None
        if request.method == "POST" and items:
            posted = eforms.parse_post(items, request.POST)
            cleaned, errors = eforms.validate(version.eform_schema, posted, version.eform_ui)
            values = cleaned
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": version,
            "title": _("Thử tờ khai: %(v)s") % {"v": version},
            "problems": problems,
            "form_html": eforms.render_eform(items, values, errors) if items else "",
            "cleaned": json.dumps(cleaned, ensure_ascii=False, indent=2) if cleaned is not None and not errors else "",
        }
        return TemplateResponse(request, "catalog/eform/admin_preview.html", context)

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
