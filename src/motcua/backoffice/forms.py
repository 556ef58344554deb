"""Forms of the back office: they parse and check input; the services decide."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from motcua.catalog.models import Component, CopyKind, ProcedureVersion
from motcua.core.errors import DomainError
from motcua.dossiers.models import ApplicantKind, Delivery, Outcome
from motcua.dossiers.services import CounterDecision
from motcua.org.models import AdministrativeUnit, Staff

DATE_INPUTS = ["%Y-%m-%d", "%d/%m/%Y"]
DATETIME_INPUTS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"]


def apply_errors(form: forms.Form, error: DomainError, aliases: dict[str, str] | None = None) -> None:
    """Put a service's field errors on the form's fields (by the last part of their path), and its summary on top."""
    form.add_error(None, error.detail)
    for item in error.errors:
        name = (aliases or {}).get(item.field, item.field.rsplit(".", 1)[-1])
        form.add_error(name if name in form.fields else None, item.message)


class LoginForm(forms.Form):
    username = forms.CharField(label=_("Tên đăng nhập"), max_length=150)
    password = forms.CharField(label=_("Mật khẩu"), widget=forms.PasswordInput, max_length=128)


class CodeForm(forms.Form):
    token = forms.RegexField(
        label=_("Mã xác thực (6 chữ số)"),
        regex=r"^\d{6}$",
        error_messages={"invalid": _("Mã gồm đúng 6 chữ số.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "maxlength": 6}),
    )


class ProcedureSearchForm(forms.Form):
    q = forms.CharField(label=_("Tìm thủ tục (tên hoặc mã, có dấu hoặc không dấu)"), max_length=200, required=False)


def ward_choices(province: AdministrativeUnit | None) -> list[tuple[str, Any]]:
    wards = AdministrativeUnit.objects.filter(level=AdministrativeUnit.Level.COMMUNE, effective_to__isnull=True)
    if province is not None:
        wards = wards.filter(parent=province)
    return [("", _("— Chọn xã, phường —")), *((w.code, w.name) for w in wards.order_by("name"))]


class ReceptionForm(forms.Form):
    """Counter reception of one procedure: applicant, checklist of components with copy kinds and scans."""

    agency = forms.ChoiceField(label=_("Cơ quan giải quyết"))
    applicant_kind = forms.ChoiceField(
        label=_("Người nộp là"), choices=ApplicantKind.choices, initial=ApplicantKind.CITIZEN
    )
    id_number = forms.CharField(
        label=_("Số định danh cá nhân / mã số thuế"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    full_name = forms.CharField(label=_("Họ và tên / tên tổ chức"), max_length=255, required=False)
    birth_date = forms.DateField(
        label=_("Ngày sinh"), required=False, input_formats=DATE_INPUTS, widget=forms.DateInput(attrs={"type": "date"})
    )
    phone = forms.CharField(label=_("Điện thoại"), max_length=20, required=False)
    email = forms.EmailField(label=_("Thư điện tử"), required=False)
    ward_code = forms.ChoiceField(label=_("Xã, phường"), required=False)
    address_line = forms.CharField(label=_("Địa chỉ (số nhà, đường, thôn)"), max_length=255, required=False)
    delivery_method = forms.ChoiceField(
        label=_("Nhận kết quả"), choices=Delivery.choices, initial=Delivery.COUNTER, widget=forms.RadioSelect
    )
    delivery_ward_code = forms.ChoiceField(label=_("Xã, phường nhận (bưu chính)"), required=False)
    delivery_address = forms.CharField(label=_("Địa chỉ nhận kết quả (bưu chính)"), max_length=255, required=False)
    decision = forms.ChoiceField(choices=CounterDecision.choices, required=False)
    reason = forms.CharField(
        label=_("Lý do (khi yêu cầu bổ sung hoặc từ chối)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(
        self,
        *args: Any,
        version: ProcedureVersion,
        province: AdministrativeUnit | None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.version = version
        agencies = list(version.agencies.filter(is_active=True).order_by("name"))
        cast(forms.ChoiceField, self.fields["agency"]).choices = [(a.code, a.name) for a in agencies]
        if len(agencies) == 1:
            self.fields["agency"].initial = agencies[0].code
        wards = ward_choices(province)
        cast(forms.ChoiceField, self.fields["ward_code"]).choices = wards
        cast(forms.ChoiceField, self.fields["delivery_ward_code"]).choices = wards
        self.components: list[Component] = list(version.components.order_by("order", "pk"))
        copy_choices = [c for c in CopyKind.choices if c[0] != CopyKind.ELECTRONIC]
        for component in self.components:
            self.fields[f"has_{component.code}"] = forms.BooleanField(
                label=component.name, required=False, initial=False
            )
            self.fields[f"copy_{component.code}"] = forms.ChoiceField(
                label=_("Loại bản"), choices=copy_choices, initial=CopyKind.ORIGINAL
            )
            self.fields[f"scan_{component.code}"] = forms.FileField(
                label=_("Bản quét (PDF, PNG, JPEG)"),
                required=False,
                widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/png,image/jpeg"}),
            )

    def component_rows(self) -> list[dict[str, Any]]:
        return [
            {
                "component": c,
                "has": self[f"has_{c.code}"],
                "copy": self[f"copy_{c.code}"],
                "scan": self[f"scan_{c.code}"],
            }
            for c in self.components
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        decision = data.get("decision") or CounterDecision.RECEIVE
        data["decision"] = decision
        ticked = [c.code for c in self.components if data.get(f"has_{c.code}")]
        data["ticked"] = ticked
        missing = [c for c in self.components if c.required and c.code not in ticked]
        data["missing"] = [c.code for c in missing]
        if decision == CounterDecision.RECEIVE and missing:
            self.add_error(
                None,
                _("Còn thiếu thành phần bắt buộc: %(names)s. Hãy yêu cầu bổ sung hoặc từ chối.")
                % {"names": "; ".join(c.name for c in missing)},
            )
        if decision != CounterDecision.RECEIVE and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Nhập lý do."))
        for component in self.components:
            if data.get(f"scan_{component.code}") and component.code not in ticked:
                self.add_error(f"has_{component.code}", _("Đánh dấu thành phần đã nhận khi đính kèm bản quét."))
        return data


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Lý do"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class CommentForm(forms.Form):
    comment = forms.CharField(label=_("Ý kiến"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class OptionalCommentForm(forms.Form):
    comment = forms.CharField(
        label=_("Ý kiến"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


def staff_choices(people: list[Staff]) -> list[tuple[str, str]]:
    return [(str(s.pk), f"{s} ({s.user.get_username()})") for s in people]


class ForwardForm(OptionalCommentForm):
    assignee = forms.ChoiceField(label=_("Chuyển cho"), required=False)

    def __init__(self, *args: Any, people: list[Staff], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["assignee"]).choices = [
            ("", _("— Theo phân công của đơn vị —")),
            *staff_choices(people),
        ]


class AssignForm(forms.Form):
    assignee = forms.ChoiceField(label=_("Giao cho"))

    def __init__(self, *args: Any, people: list[Staff], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["assignee"]).choices = staff_choices(people)


class SupplementRequestForm(ReasonForm):
    components = forms.MultipleChoiceField(
        label=_("Thành phần cần bổ sung"), widget=forms.CheckboxSelectMultiple, required=True
    )

    def __init__(self, *args: Any, version: ProcedureVersion, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["components"]).choices = [
            (c.code, c.name) for c in version.components.order_by("order", "pk")
        ]


class SupplementForm(forms.Form):
    """Documents handed in at the counter for a supplement request: paper (copy kind) and/or a scan."""

    component = forms.ChoiceField(label=_("Thành phần"))
    copy_kind = forms.ChoiceField(label=_("Loại bản"), choices=CopyKind.choices, initial=CopyKind.ORIGINAL)
    scan = forms.FileField(label=_("Bản quét (không bắt buộc với bản giấy)"), required=False)

    def __init__(self, *args: Any, version: ProcedureVersion, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["component"]).choices = [
            (c.code, c.name) for c in version.components.order_by("order", "pk")
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("copy_kind") == CopyKind.ELECTRONIC and not data.get("scan"):
            self.add_error("scan", _("Bản điện tử cần tệp đính kèm."))
        return data


class PaymentRequestForm(ReasonForm):
    amount = forms.IntegerField(label=_("Số tiền (đồng)"), min_value=1, max_value=10**12)


class ApproveForm(OptionalCommentForm):
    outcome = forms.ChoiceField(label=_("Quyết định"), choices=Outcome.choices, widget=forms.RadioSelect)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("outcome") == Outcome.REFUSED and not (data.get("comment") or "").strip():
            self.add_error("comment", _("Nêu lý do từ chối."))
        return data


class ExtendForm(ReasonForm):
    new_due_at = forms.DateTimeField(
        label=_("Hẹn trả mới"),
        input_formats=DATETIME_INPUTS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )

    def clean_new_due_at(self) -> dt.datetime:
        value: dt.datetime = self.cleaned_data["new_due_at"]
        return value if timezone.is_aware(value) else timezone.make_aware(value)


class ReturnForm(forms.Form):
    recipient_name = forms.CharField(
        label=_("Người nhận kết quả"), max_length=255, required=False, help_text=_("Để trống nếu là người nộp.")
    )
    recipient_id_number = forms.CharField(label=_("Số định danh người nhận"), max_length=20, required=False)
    note = forms.CharField(
        label=_("Ghi chú giao nhận"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class BatchApproveForm(OptionalCommentForm):
    codes = forms.MultipleChoiceField(label=_("Hồ sơ"), widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, codes: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["codes"]).choices = [(c, c) for c in codes]


class TrackingBookForm(forms.Form):
    start = forms.DateField(
        label=_("Từ ngày"), input_formats=DATE_INPUTS, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("Đến ngày"), input_formats=DATE_INPUTS, widget=forms.DateInput(attrs={"type": "date"})
    )
    agency = forms.ChoiceField(label=_("Cơ quan tiếp nhận"))
    format = forms.ChoiceField(label=_("Định dạng"), choices=[("pdf", "PDF"), ("xlsx", "Excel (XLSX)")])

    def __init__(self, *args: Any, agencies: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["agency"]).choices = agencies

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                self.add_error("end", _("Ngày kết thúc phải sau ngày bắt đầu."))
            elif (end - start).days > 366:
                self.add_error("end", _("Chọn khoảng thời gian không quá một năm."))
        return data
