"""Catalogue of administrative procedures (thủ tục hành chính) and their versions.

A `Procedure` is the identity (national code). Its content lives in `ProcedureVersion`s: a draft can be
edited; a published version is immutable, and editing it means creating a new draft version. Dossiers
keep the version in force when they were received.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from motcua.catalog import eforms
from motcua.core.text import fold
from motcua.org.models import Agency, Role

PROCEDURE_CODE_PATTERN = r"^\d\.\d{6}(\.\d{3}\.\d{2}\.\d{2}\.[GH]\d{2})?$"


class Field(models.Model):
    """Lĩnh vực: the field a procedure belongs to (hộ tịch, đất đai, ...)."""

    code = models.CharField(_("mã lĩnh vực"), max_length=30, unique=True)
    name = models.CharField(_("tên lĩnh vực"), max_length=255)
    name_folded = models.CharField(max_length=255, editable=False, default="")

    class Meta:
        verbose_name = _("lĩnh vực")
        verbose_name_plural = _("lĩnh vực")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.name_folded = fold(self.name)
        super().save(*args, **kwargs)


class Procedure(models.Model):
    """Thủ tục hành chính: identified by its national code (e.g. 1.001193)."""

    code = models.CharField(
        _("mã thủ tục"),
        max_length=40,
        unique=True,
        help_text=_("Mã trên Cơ sở dữ liệu quốc gia về TTHC, ví dụ 1.001193."),
    )
    current_version = models.OneToOneField(
        "ProcedureVersion",
        verbose_name=_("phiên bản đang áp dụng"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("thủ tục hành chính")
        verbose_name_plural = _("thủ tục hành chính")
        ordering = ["code"]

    def __str__(self) -> str:
        if self.current_version is not None:
            return f"{self.code} {self.current_version.name}"
        return self.code


class Subject(models.TextChoices):
    CITIZEN = "citizen", _("Công dân Việt Nam")
    FOREIGNER = "foreigner", _("Người nước ngoài")
    BUSINESS = "business", _("Doanh nghiệp")
    ORGANISATION = "organisation", _("Tổ chức")
    HOUSEHOLD_BUSINESS = "household_business", _("Hộ kinh doanh")
    COOPERATIVE = "cooperative", _("Hợp tác xã")


class CompetenceLevel(models.TextChoices):
    CENTRAL = "central", _("Cấp trung ương")
    PROVINCE = "province", _("Cấp tỉnh")
    COMMUNE = "commune", _("Cấp xã")


class Method(models.TextChoices):
    COUNTER = "counter", _("Trực tiếp")
    ONLINE = "online", _("Trực tuyến")
    POST = "post", _("Dịch vụ bưu chính")


class TimeUnit(models.TextChoices):
    WORKING_DAYS = "working_days", _("ngày làm việc")
    WORKING_HOURS = "working_hours", _("giờ làm việc")
    CALENDAR_DAYS = "calendar_days", _("ngày")


class OnlineMode(models.TextChoices):
    FULL = "full", _("Toàn trình")
    PARTIAL = "partial", _("Một phần")
    NONE = "none", _("Không cung cấp trực tuyến")


LEGACY_LEVEL = {OnlineMode.FULL: 4, OnlineMode.PARTIAL: 3, OnlineMode.NONE: 2}


class ProcedureVersion(models.Model):
    """A version of a procedure's content; immutable once published."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Dự thảo")
        PUBLISHED = "published", _("Đã công bố")
        WITHDRAWN = "withdrawn", _("Đã bãi bỏ")

    procedure = models.ForeignKey(
        Procedure, verbose_name=_("thủ tục"), on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField(_("phiên bản số"))
    status = models.CharField(_("trạng thái"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    effective_from = models.DateTimeField(_("hiệu lực từ"), null=True, blank=True)
    effective_to = models.DateTimeField(_("hiệu lực đến"), null=True, blank=True)
    published_at = models.DateTimeField(_("công bố lúc"), null=True, blank=True, editable=False)

    name = models.CharField(_("tên thủ tục"), max_length=500)
    field = models.ForeignKey(Field, verbose_name=_("lĩnh vực"), on_delete=models.PROTECT, related_name="versions")
    subjects = models.JSONField(_("đối tượng thực hiện"), default=list, blank=True)
    competence_levels = models.JSONField(_("cấp thực hiện"), default=list, blank=True)
    agencies = models.ManyToManyField(
        Agency, verbose_name=_("cơ quan thực hiện"), blank=True, related_name="procedure_versions"
    )
    steps = models.JSONField(_("trình tự thực hiện"), default=list, blank=True)
    methods = models.JSONField(_("cách thức thực hiện"), default=list, blank=True)
    processing_time_value = models.DecimalField(_("thời hạn giải quyết theo quy định"), max_digits=6, decimal_places=1)
    processing_time_unit = models.CharField(
        _("đơn vị thời hạn"), max_length=20, choices=TimeUnit.choices, default=TimeUnit.WORKING_DAYS
    )
    local_time_value = models.DecimalField(
        _("thời hạn cam kết tại địa phương"), max_digits=6, decimal_places=1, null=True, blank=True
    )
    local_time_unit = models.CharField(
        _("đơn vị thời hạn cam kết"), max_length=20, choices=TimeUnit.choices, blank=True
    )
    result = models.TextField(_("kết quả thực hiện"))
    legal_bases = models.JSONField(_("căn cứ pháp lý"), default=list, blank=True)
    requirements = models.TextField(_("yêu cầu, điều kiện"), blank=True)
    online_mode = models.CharField(
        _("mức độ dịch vụ công trực tuyến"), max_length=10, choices=OnlineMode.choices, default=OnlineMode.NONE
    )
    online_only = models.BooleanField(_("chỉ tiếp nhận trực tuyến"), default=False)
    any_reception_point = models.BooleanField(
        _("tiếp nhận không phụ thuộc địa giới hành chính trong tỉnh"), default=False
    )
    eform_schema = models.JSONField(
        _("tờ khai điện tử (JSON Schema)"),
        default=dict,
        blank=True,
        help_text=_("JSON Schema 2020-12 kiểu object; để trống {} nếu thủ tục không có tờ khai điện tử."),
    )
    eform_ui = models.JSONField(
        _("gợi ý giao diện tờ khai"),
        default=dict,
        blank=True,
        help_text=_("Theo từng trường: widget, order, help, placeholder, prefill (ví dụ profile.full_name)."),
    )
    search_text = models.TextField(editable=False, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("phiên bản thủ tục")
        verbose_name_plural = _("phiên bản thủ tục")
        ordering = ["procedure__code", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["procedure", "number"], name="procedure_version_number_unique"),
            models.UniqueConstraint(
                fields=["procedure"],
                condition=Q(status="published", effective_to__isnull=True),
                name="procedure_one_open_published_version",
            ),
            models.CheckConstraint(condition=Q(processing_time_value__gt=0), name="procedure_time_positive"),
            models.CheckConstraint(
                condition=Q(local_time_value__isnull=True) | Q(local_time_value__gt=0),
                name="procedure_local_time_positive",
            ),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True)
                | Q(effective_from__isnull=True)
                | Q(effective_to__gte=models.F("effective_from")),
                name="procedure_version_effective_range",
            ),
            models.CheckConstraint(
                condition=~Q(online_only=True) | ~Q(online_mode="none"), name="procedure_online_only_needs_online"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.procedure.code} v{self.number}: {self.name}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        allow_published_change = kwargs.pop("allow_published_change", False)
        if self.pk is not None and not allow_published_change:
            stored = ProcedureVersion.objects.filter(pk=self.pk).values_list("status", flat=True).first()
            if stored is not None and stored != self.Status.DRAFT:
                raise ValidationError(_("Phiên bản đã công bố không được sửa; hãy tạo phiên bản mới."))
        if self.eform_schema:  # keep the fields' order: jsonb (PostgreSQL) does not keep the order of keys
            self.eform_ui = eforms.with_order(self.eform_schema, self.eform_ui or {})
        self.search_text = self.build_search_text()
        super().save(*args, **kwargs)

    @property
    def legacy_level(self) -> int:
        return LEGACY_LEVEL[OnlineMode(self.online_mode)]

    @property
    def subject_labels(self) -> list[str]:
        return [str(Subject(v).label) for v in self.subjects if v in Subject.values]

    @property
    def method_labels(self) -> list[str]:
        return [str(Method(v).label) for v in self.methods if v in Method.values]

    @property
    def competence_labels(self) -> list[str]:
        return [str(CompetenceLevel(v).label) for v in self.competence_levels if v in CompetenceLevel.values]

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.DRAFT

    def clean(self) -> None:
        super().clean()
        errors: dict[str, Any] = {}
        for name, allowed in (
            ("subjects", Subject.values),
            ("competence_levels", CompetenceLevel.values),
            ("methods", Method.values),
        ):
            value = getattr(self, name)
            if not isinstance(value, list) or any(item not in allowed for item in value):
                errors[name] = _("Giá trị không hợp lệ; chọn trong: %(allowed)s") % {"allowed": ", ".join(allowed)}
        for name in ("steps", "legal_bases"):
            value = getattr(self, name)
            if not isinstance(value, list) or any(not isinstance(item, str) or not item.strip() for item in value):
                errors[name] = _("Phải là danh sách các dòng văn bản.")
        if self.local_time_value is not None and not self.local_time_unit:
            errors["local_time_unit"] = _("Chọn đơn vị cho thời hạn cam kết.")
        if self.online_only and self.online_mode == OnlineMode.NONE:
            errors["online_only"] = _("Thủ tục không cung cấp trực tuyến thì không thể chỉ tiếp nhận trực tuyến.")
        schema_problems = eforms.schema_check(self.eform_schema)
        if schema_problems:
            errors["eform_schema"] = schema_problems
        else:
            ui_problems = eforms.schema_check(self.eform_schema, self.eform_ui)
            if ui_problems:
                errors["eform_ui"] = ui_problems
        if errors:
            raise ValidationError(errors)

    def build_search_text(self) -> str:
        return fold(" ".join([self.procedure.code, self.name, self.field.name]))


class _DraftChildMixin:
    """Components and fees belong to a version and can change only while it is a draft."""

    version: ProcedureVersion

    def _require_draft(self) -> None:
        status = ProcedureVersion.objects.filter(pk=self.version.pk).values_list("status", flat=True).first()
        if status is not None and status != ProcedureVersion.Status.DRAFT:
            raise ValidationError(_("Phiên bản đã công bố không được sửa; hãy tạo phiên bản mới."))

    def save(self, *args: Any, **kwargs: Any) -> None:
        self._require_draft()
        super().save(*args, **kwargs)  # type: ignore[misc]

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        self._require_draft()
        return super().delete(*args, **kwargs)  # type: ignore[misc]


class CopyKind(models.TextChoices):
    ORIGINAL = "original", _("Bản chính")
    CERTIFIED_COPY = "certified_copy", _("Bản sao có chứng thực")
    PHOTOCOPY = "photocopy", _("Bản sao (xuất trình bản chính để đối chiếu)")
    ELECTRONIC = "electronic", _("Bản điện tử")


class Component(_DraftChildMixin, models.Model):
    """Thành phần hồ sơ: a document the applicant provides."""

    version = models.ForeignKey(
        ProcedureVersion, verbose_name=_("phiên bản"), on_delete=models.CASCADE, related_name="components"
    )
    code = models.CharField(_("mã thành phần"), max_length=30)
    name = models.CharField(_("tên giấy tờ"), max_length=500)
    copy_kinds = models.JSONField(_("loại bản"), default=list)
    quantity = models.PositiveSmallIntegerField(_("số lượng"), default=1)
    required = models.BooleanField(_("bắt buộc"), default=True)
    template = models.FileField(_("mẫu đơn, tờ khai"), upload_to="catalog/templates/%Y/", blank=True)
    template_name = models.CharField(_("tên mẫu"), max_length=255, blank=True)
    order = models.PositiveSmallIntegerField(_("thứ tự"), default=0)

    class Meta:
        verbose_name = _("thành phần hồ sơ")
        verbose_name_plural = _("thành phần hồ sơ")
        ordering = ["version", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="component_code_unique_in_version"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="component_quantity_positive"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        if (
            not isinstance(self.copy_kinds, list)
            or not self.copy_kinds
            or any(kind not in CopyKind.values for kind in self.copy_kinds)
        ):
            raise ValidationError({"copy_kinds": _("Chọn ít nhất một loại bản hợp lệ.")})

    def copy_kind_labels(self) -> list[str]:
        return [str(CopyKind(kind).label) for kind in self.copy_kinds if kind in CopyKind.values]


class FeeKind(models.TextChoices):
    FEE = "phi", _("Phí")
    CHARGE = "le_phi", _("Lệ phí")


class FeeCollection(models.TextChoices):
    AT_RECEPTION = "reception", _("Khi nộp hồ sơ")
    AT_SUPPLEMENT = "supplement", _("Khi bổ sung hồ sơ")
    AT_RESULT = "result", _("Khi nhận kết quả")
    ON_OBLIGATION = "obligation", _("Khi có thông báo nghĩa vụ tài chính")


class FeeLine(_DraftChildMixin, models.Model):
    """Phí, lệ phí: an amount in VND (integer, no minor unit)."""

    version = models.ForeignKey(
        ProcedureVersion, verbose_name=_("phiên bản"), on_delete=models.CASCADE, related_name="fees"
    )
    name = models.CharField(_("nội dung"), max_length=500)
    kind = models.CharField(_("loại"), max_length=10, choices=FeeKind.choices)
    amount = models.PositiveBigIntegerField(_("mức thu (đồng)"))
    online_amount = models.PositiveBigIntegerField(_("mức thu khi nộp trực tuyến (đồng)"), null=True, blank=True)
    collected_at = models.CharField(
        _("thời điểm thu"), max_length=12, choices=FeeCollection.choices, default=FeeCollection.AT_RECEPTION
    )
    note = models.CharField(_("ghi chú"), max_length=500, blank=True)
    order = models.PositiveSmallIntegerField(_("thứ tự"), default=0)

    class Meta:
        verbose_name = _("phí, lệ phí")
        verbose_name_plural = _("phí, lệ phí")
        ordering = ["version", "order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(online_amount__isnull=True) | Q(online_amount__lte=models.F("amount")),
                name="fee_online_amount_not_above_amount",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}: {self.amount}"


class StepAction(models.TextChoices):
    FORWARD = "forward", _("Chuyển bước tiếp theo")
    SEND_BACK = "send_back", _("Trả lại bước trước")
    REQUEST_SUPPLEMENT = "request_supplement", _("Yêu cầu bổ sung")
    PROPOSE_REFUSAL = "propose_refusal", _("Đề xuất từ chối")
    APPROVE = "approve", _("Phê duyệt")
    REQUEST_PAYMENT = "request_payment", _("Thông báo nghĩa vụ tài chính")


class ProcessStep(_DraftChildMixin, models.Model):
    """Bước của quy trình nội bộ điện tử: who handles the dossier, for how long, with which actions.

    `agency` empty means the competent agency of the dossier; another agency makes it an inter-agency
    (liên thông) step. `unit_code` names the unit (phòng) inside that agency; empty means the agency's
    staff with the role, whatever their unit.
    """

    version = models.ForeignKey(
        ProcedureVersion, verbose_name=_("phiên bản"), on_delete=models.CASCADE, related_name="process_steps"
    )
    order = models.PositiveSmallIntegerField(_("thứ tự"))
    name = models.CharField(_("tên bước"), max_length=255)
    role = models.CharField(_("vai trò xử lý"), max_length=30, choices=Role.choices)
    agency = models.ForeignKey(
        Agency,
        verbose_name=_("cơ quan (liên thông)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    unit_code = models.CharField(_("mã phòng"), max_length=30, blank=True)
    allotted_hours = models.DecimalField(_("thời gian (giờ làm việc)"), max_digits=6, decimal_places=1)
    actions = models.JSONField(_("thao tác được phép"), default=list)

    class Meta:
        verbose_name = _("bước quy trình")
        verbose_name_plural = _("quy trình nội bộ")
        ordering = ["version", "order"]
        constraints = [
            models.UniqueConstraint(fields=["version", "order"], name="process_step_order_unique"),
            models.CheckConstraint(condition=Q(allotted_hours__gt=0), name="process_step_time_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.name}"

    def clean(self) -> None:
        super().clean()
        if not isinstance(self.actions, list) or any(a not in StepAction.values for a in self.actions):
            raise ValidationError({"actions": _("Thao tác không hợp lệ.")})
