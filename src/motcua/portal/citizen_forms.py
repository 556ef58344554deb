"""Forms of the citizen pages: they parse and check input; the services decide."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from motcua.catalog import eforms
from motcua.core.errors import DomainError
from motcua.core.text import person_name
from motcua.dossiers import online
from motcua.dossiers.models import ApplicantKind, Delivery, DossierDraft, SatisfactionRating, StoredDocument
from motcua.org.models import AdministrativeUnit

DATE_INPUTS = ["%Y-%m-%d", "%d/%m/%Y"]


def apply_errors(form: forms.Form, error: DomainError) -> None:
    """A service's field errors on the form's fields (by the last part of their path), its summary on top."""
    form.add_error(None, error.detail)
    aliases = {
        "applicant.address.ward_code": "ward_code",
        "delivery.method": "delivery_method",
        "delivery.address": "delivery_address",
    }
    for item in error.errors:
        if item.field.startswith("form.") and isinstance(form, DraftForm):
            # an e-form field: shown next to the field on the form page, with its label in the summary
            form.eform_errors.append(item)
            form.add_error(None, f"{form.eform_label(item.field[5:])}: {item.message}")
            continue
        name = aliases.get(item.field, item.field.rsplit(".", 1)[-1])
        form.add_error(name if name in form.fields else None, item.message)


def ward_choices() -> list[tuple[str, Any]]:
    province = AdministrativeUnit.objects.filter(code=getattr(settings, "MOTCUA_PROVINCE_CODE", "")).first()
    wards = AdministrativeUnit.objects.filter(level=AdministrativeUnit.Level.COMMUNE, effective_to__isnull=True)
    if province is not None:
        wards = wards.filter(parent=province)
    return [("", _("— Chọn xã, phường —")), *((w.code, w.name) for w in wards.order_by("name"))]


class LookupForm(forms.Form):
    code = forms.CharField(label=_("Mã hồ sơ"), max_length=40)
    id_number = forms.CharField(
        label=_("Số định danh cá nhân (hoặc mã số thuế) của người nộp"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Lý do rút hồ sơ"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class SupplementForm(forms.Form):
    """One file per component the agency asked for."""

    def __init__(self, *args: Any, components: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.components = components
        for code, name in components:
            self.fields[f"file_{code}"] = forms.FileField(
                label=name, widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/png,image/jpeg"})
            )

    def files_by_component(self) -> dict[str, Any]:
        return {code: self.cleaned_data[f"file_{code}"] for code, _name in self.components}


SCORE_CHOICES = [(2, _("Tốt (2 điểm)")), (1, _("Trung bình (1 điểm)")), (0, _("Chưa tốt (0 điểm)"))]


class RatingForm(forms.Form):
    overall = forms.ChoiceField(
        label=_("Mức độ hài lòng chung"), choices=SatisfactionRating.Overall.choices, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("Góp ý (không bắt buộc)"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for index, label in enumerate(online.RATING_INDICATORS, start=1):
            self.fields[f"score_{index}"] = forms.TypedChoiceField(
                label=label, choices=SCORE_CHOICES, coerce=int, widget=forms.RadioSelect
            )
        # the overall rating and the comment after the nine indicators
        self.order_fields([*(f"score_{i}" for i in range(1, len(online.RATING_INDICATORS) + 1)), "overall", "comment"])

    def rating(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "scores": [data[f"score_{i}"] for i in range(1, len(online.RATING_INDICATORS) + 1)],
            "overall": data["overall"],
            "comment": data.get("comment") or "",
        }


class KioskRatingForm(LookupForm, RatingForm):
    pass


class DraftForm(forms.Form):
    """The online dossier: applicant, competent agency, e-form data, delivery (documents are separate)."""

    applicant_kind = forms.ChoiceField(label=_("Người nộp là"), choices=ApplicantKind.choices, required=False)
    full_name = forms.CharField(label=_("Họ và tên / tên tổ chức"), max_length=255, required=False)
    id_number = forms.CharField(
        label=_("Số định danh cá nhân (12 số) / mã số thuế"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    birth_date = forms.DateField(
        label=_("Ngày sinh"), required=False, input_formats=DATE_INPUTS, widget=forms.DateInput(attrs={"type": "date"})
    )
    phone = forms.CharField(
        label=_("Điện thoại"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    email = forms.EmailField(
        label=_("Thư điện tử"), required=False, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    ward_code = forms.ChoiceField(label=_("Xã, phường"), required=False)
    address_line = forms.CharField(label=_("Địa chỉ (số nhà, đường, thôn)"), max_length=255, required=False)
    agency = forms.ChoiceField(label=_("Cơ quan giải quyết"), required=False)
    receiving_agency = forms.ChoiceField(
        label=_("Nơi tiếp nhận hồ sơ"),
        required=False,
        help_text=_("Thủ tục này được tiếp nhận tại bất kỳ Trung tâm Phục vụ hành chính công nào trong tỉnh."),
    )
    delivery_method = forms.ChoiceField(
        label=_("Nhận kết quả"), choices=Delivery.choices, widget=forms.RadioSelect, required=False
    )
    delivery_ward_code = forms.ChoiceField(label=_("Xã, phường nhận (bưu chính)"), required=False)
    delivery_address = forms.CharField(label=_("Địa chỉ nhận kết quả (bưu chính)"), max_length=255, required=False)

    def __init__(self, *args: Any, draft: DossierDraft, user: Any, **kwargs: Any) -> None:
        initial = draft_as_data(draft)
        if not draft.applicant:  # a new draft: the applicant is the account holder, as the profile says
            profile = _from_profile(user)
            initial.update({"applicant_kind": profile.pop("kind", ""), **profile})
        initial["applicant_kind"] = initial.get("applicant_kind") or ApplicantKind.CITIZEN
        kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        self.draft = draft
        version = draft.procedure_version
        agencies = list(version.agencies.filter(is_active=True).order_by("name"))
        cast(forms.ChoiceField, self.fields["agency"]).choices = [
            ("", _("— Chọn cơ quan —")),
            *((a.code, a.name) for a in agencies),
        ]
        centres = online.reception_centres(version)
        if centres:
            cast(forms.ChoiceField, self.fields["receiving_agency"]).choices = [
                ("", _("— Theo cơ quan giải quyết —")),
                *((c.code, c.name) for c in centres),
            ]
        else:
            del self.fields["receiving_agency"]
        wards = ward_choices()
        cast(forms.ChoiceField, self.fields["ward_code"]).choices = wards
        cast(forms.ChoiceField, self.fields["delivery_ward_code"]).choices = wards
        self.store: list[StoredDocument] = online.stored_documents(user)
        self.user = user
        self.eform_items = eforms.fields(version) if version.eform_schema else []
        self.eform_errors: list[Any] = []

    def draft_values(self) -> dict[str, Any]:
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}

        def value(name: str) -> Any:
            # only checked values are kept: an invalid entry is dropped, never stored as typed
            return data.get(name, "")

        birth = value("birth_date")
        return {
            "applicant": {
                "kind": value("applicant_kind") or ApplicantKind.CITIZEN,
                "full_name": value("full_name") or "",
                "id_number": (value("id_number") or "").strip(),
                "birth_date": birth.isoformat() if hasattr(birth, "isoformat") else "",
                "phone": value("phone") or "",
                "email": value("email") or "",
                "ward_code": value("ward_code") or "",
                "address_line": value("address_line") or "",
            },
            "agency_code": value("agency") or "",
            "receiving_agency_code": value("receiving_agency") or "",
            "form_data": self.form_data(),
            "delivery_method": value("delivery_method") or Delivery.ONLINE,
            "delivery_ward_code": value("delivery_ward_code") or "",
            "delivery_address": value("delivery_address") or "",
        }

    @property
    def agency_label(self) -> str:
        return dict(cast(forms.ChoiceField, self.fields["agency"]).choices).get(self.draft.agency_code, "")  # type: ignore[arg-type]

    @property
    def delivery_label(self) -> str:
        return str(Delivery(self.draft.delivery_method).label) if self.draft.delivery_method in Delivery.values else ""

    def form_data(self) -> dict[str, Any]:
        """The e-form's values as posted (kept as entered in the draft; checked at submission)."""
        if self.is_bound and self.eform_items:
            return eforms.parse_post(self.eform_items, self.data)
        return dict(self.draft.form_data)

    def eform_values(self, population: dict[str, Any] | None = None) -> dict[str, Any]:
        """What the e-form shows: the draft's values, else what the state and the applicant gave before."""
        if self.draft.form_data and population is None:
            return dict(self.draft.form_data)
        profile = getattr(self.user, "profile", None)
        filled = eforms.prefill(
            self.eform_items,
            {
                "profile": eforms.profile_source(profile) if profile is not None else None,
                "population": population,
                "previous": eforms.previous_source(online.earlier_forms(self.user, self.draft.procedure_version)),
            },
        )
        return {**filled, **{k: v for k, v in self.draft.form_data.items() if v not in ("", None)}}

    def eform_html(self) -> str:
        if not self.eform_items:
            return ""
        return eforms.render_eform(self.eform_items, self.eform_values(), self.eform_errors)

    def eform_label(self, path: str) -> str:
        for item in eforms.walk(self.eform_items):
            if item.path == path:
                return str(item.label)
        return path


def draft_as_data(draft: DossierDraft) -> dict[str, Any]:
    """The draft's saved values as posted data, to show a bound form (e.g. with the submission's errors)."""
    applicant = draft.applicant
    return {
        "applicant_kind": applicant.get("kind", ""),
        "full_name": applicant.get("full_name", ""),
        "id_number": applicant.get("id_number", ""),
        "birth_date": applicant.get("birth_date", ""),
        "phone": applicant.get("phone", ""),
        "email": applicant.get("email", ""),
        "ward_code": applicant.get("ward_code", ""),
        "address_line": applicant.get("address_line", ""),
        "agency": draft.agency_code,
        "receiving_agency": draft.receiving_agency_code,
        "delivery_method": draft.delivery_method,
        "delivery_ward_code": draft.delivery_ward_code,
        "delivery_address": draft.delivery_address,
    }


def _from_profile(user: Any) -> dict[str, Any]:
    """Prefill the applicant from the account's profile (identity data the state or the user gave once)."""
    profile = getattr(user, "profile", None)
    if profile is None:
        return {
            "full_name": person_name(user) if getattr(user, "last_name", "") or getattr(user, "first_name", "") else "",
            "email": getattr(user, "email", ""),
        }
    ward = getattr(profile, "permanent_ward", None) or getattr(profile, "current_ward", None)
    birth = getattr(profile, "birth_date", None)
    return {
        "kind": getattr(profile, "kind", "") or ApplicantKind.CITIZEN,
        "full_name": getattr(profile, "full_name", "") or getattr(profile, "business_name", ""),
        "id_number": getattr(profile, "id_number", "") or getattr(profile, "tax_code", ""),
        "birth_date": birth.isoformat() if birth else "",
        "phone": getattr(profile, "phone", ""),
        "email": getattr(profile, "email", ""),
        "ward_code": getattr(ward, "code", "") if ward else "",
        "address_line": getattr(profile, "permanent_address", "") or getattr(profile, "current_address", ""),
    }
