"""Forms of the account pages: they parse and check input; the services decide."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from motcua.accounts import selectors
from motcua.accounts.identifiers import parse_identifier
from motcua.accounts.models import Profile
from motcua.accounts.services import NOTIFY_CHANNELS
from motcua.core.errors import DomainError
from motcua.org.models import AdministrativeUnit

DATE_INPUTS = ["%Y-%m-%d", "%d/%m/%Y"]
CHANNEL_LABELS = {"sms": _("Tin nhắn SMS"), "email": _("Thư điện tử"), "zalo": _("Zalo")}


def apply_errors(form: forms.Form, error: DomainError) -> None:
    """Put a service's field errors on the form's fields; the rest (and a lone detail) on top of the form."""
    placed = False
    for item in error.errors:
        name = item.field.rsplit(".", 1)[-1]
        if name in form.fields:
            form.add_error(name, item.message)
            placed = True
        else:
            form.add_error(None, item.message)
            placed = True
    if not placed:
        form.add_error(None, error.detail)


def _identifier_field(label: Any = None) -> forms.CharField:
    return forms.CharField(
        label=label or _("Số điện thoại hoặc thư điện tử"),
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}),
    )


def _code_field() -> forms.RegexField:
    return forms.RegexField(
        label=_("Mã xác minh (6 chữ số)"),
        regex=r"^\s*\d{6}\s*$",
        error_messages={"invalid": _("Mã gồm đúng 6 chữ số.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "maxlength": 6}),
    )


class LoginForm(forms.Form):
    identifier = _identifier_field(_("Số điện thoại, thư điện tử hoặc tên đăng nhập"))
    password = forms.CharField(
        label=_("Mật khẩu"),
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class IdentifierMixin:
    """Checks the phone number or e-mail address with the form, so that its error shows with the others."""

    cleaned_data: dict[str, Any]

    def clean_identifier(self) -> str:
        parsed = parse_identifier(self.cleaned_data.get("identifier", ""))
        if parsed is None:
            raise forms.ValidationError(_("Nhập số điện thoại di động (10 số) hoặc địa chỉ thư điện tử hợp lệ."))
        return parsed.value


class RegisterForm(IdentifierMixin, forms.Form):
    kind = forms.ChoiceField(
        label=_("Đăng ký cho"), choices=Profile.Kind.choices, initial=Profile.Kind.CITIZEN, widget=forms.RadioSelect
    )
    full_name = forms.CharField(
        label=_("Họ và tên"), max_length=255, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    identifier = _identifier_field()
    business_name = forms.CharField(
        label=_("Tên doanh nghiệp, tổ chức"),
        max_length=255,
        required=False,
        help_text=_("Chỉ khi đăng ký cho doanh nghiệp, tổ chức."),
    )
    tax_code = forms.CharField(
        label=_("Mã số thuế"),
        max_length=14,
        required=False,
        help_text=_("Chỉ khi đăng ký cho doanh nghiệp, tổ chức."),
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    password = forms.CharField(
        label=_("Mật khẩu"),
        max_length=128,
        strip=False,
        help_text=_("Ít nhất 8 ký tự, không toàn chữ số, không quá phổ biến."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password_again = forms.CharField(
        label=_("Nhập lại mật khẩu"),
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password") and data.get("password_again") and data["password"] != data["password_again"]:
            self.add_error("password_again", _("Hai mật khẩu không giống nhau."))
        return data


class VerifyForm(IdentifierMixin, forms.Form):
    identifier = _identifier_field()
    code = _code_field()


class ResendForm(IdentifierMixin, forms.Form):
    identifier = _identifier_field()


class ResetRequestForm(IdentifierMixin, forms.Form):
    identifier = _identifier_field()


class ResetConfirmForm(IdentifierMixin, forms.Form):
    identifier = _identifier_field()
    code = _code_field()
    new_password = forms.CharField(
        label=_("Mật khẩu mới"),
        max_length=128,
        strip=False,
        help_text=_("Ít nhất 8 ký tự, không toàn chữ số, không quá phổ biến."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    new_password_again = forms.CharField(
        label=_("Nhập lại mật khẩu mới"),
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, second = data.get("new_password"), data.get("new_password_again")
        if first and second and first != second:
            self.add_error("new_password_again", _("Hai mật khẩu không giống nhau."))
        return data


def _ward_choices(current: list[AdministrativeUnit | None]) -> list[tuple[str, Any]]:
    wards = list(selectors.province_wards())
    known = {w.code for w in wards}
    extra = [w for w in current if w is not None and w.code not in known]
    return [("", _("— Chọn xã, phường —")), *((w.code, w.name) for w in [*extra, *wards])]


class ProfileForm(forms.Form):
    """Hồ sơ: identity data (read-only once verified), contacts, addresses, language, notification channels."""

    full_name = forms.CharField(
        label=_("Họ và tên"), max_length=255, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    id_number = forms.RegexField(
        label=_("Số định danh cá nhân"),
        regex=r"^\d{12}$",
        required=False,
        error_messages={"invalid": _("Số định danh cá nhân gồm đúng 12 chữ số.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "maxlength": 12, "autocomplete": "off"}),
    )
    birth_date = forms.DateField(
        label=_("Ngày sinh"),
        required=False,
        input_formats=DATE_INPUTS,
        widget=forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}, format="%Y-%m-%d"),
    )
    gender = forms.ChoiceField(
        label=_("Giới tính"), required=False, choices=[("", _("— Chọn —")), *Profile.Gender.choices]
    )
    phone = forms.CharField(
        label=_("Số điện thoại di động"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    email = forms.EmailField(
        label=_("Thư điện tử"), required=False, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    business_name = forms.CharField(label=_("Tên doanh nghiệp, tổ chức"), max_length=255, required=False)
    tax_code = forms.CharField(label=_("Mã số thuế"), max_length=14, required=False)
    permanent_ward = forms.ChoiceField(label=_("Xã, phường thường trú"), required=False)
    permanent_address = forms.CharField(
        label=_("Địa chỉ thường trú (số nhà, đường, thôn, tổ)"), max_length=255, required=False
    )
    current_ward = forms.ChoiceField(label=_("Xã, phường nơi ở hiện tại"), required=False)
    current_address = forms.CharField(
        label=_("Địa chỉ nơi ở hiện tại (số nhà, đường, thôn, tổ)"), max_length=255, required=False
    )
    preferred_language = forms.ChoiceField(label=_("Ngôn ngữ nhận thông báo"), choices=Profile.Language.choices)
    notify_channels = forms.MultipleChoiceField(
        label=_("Nhận thông báo qua"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[(c, label) for c, label in CHANNEL_LABELS.items() if c in NOTIFY_CHANNELS],
    )

    def __init__(self, *args: Any, profile: Profile, **kwargs: Any) -> None:
        kwargs.setdefault("initial", self.initial_for(profile))
        super().__init__(*args, **kwargs)
        self.profile = profile
        wards = _ward_choices([profile.permanent_ward, profile.current_ward])
        cast(forms.ChoiceField, self.fields["permanent_ward"]).choices = wards
        cast(forms.ChoiceField, self.fields["current_ward"]).choices = wards
        locked: list[str] = []
        if profile.identity_verified:
            locked += ["full_name", "id_number", "birth_date", "gender"]
        if profile.phone_verified_at is not None:
            locked.append("phone")
        if profile.email_verified_at is not None:
            locked.append("email")
        for name in locked:
            field = self.fields[name]
            field.disabled = True
            field.required = False
            field.help_text = (
                _("Đã xác thực từ nguồn chính thức, không thể tự sửa.")
                if name in ("full_name", "id_number", "birth_date", "gender")
                else _("Đã xác minh.")
            )
        if profile.kind != Profile.Kind.BUSINESS:
            del self.fields["business_name"]
            del self.fields["tax_code"]

    @staticmethod
    def initial_for(profile: Profile) -> dict[str, Any]:
        return {
            "full_name": profile.full_name,
            "id_number": profile.id_number,
            "birth_date": profile.birth_date,
            "gender": profile.gender,
            "phone": profile.phone,
            "email": profile.email,
            "business_name": profile.business_name,
            "tax_code": profile.tax_code,
            "permanent_ward": profile.permanent_ward.code if profile.permanent_ward else "",
            "permanent_address": profile.permanent_address,
            "current_ward": profile.current_ward.code if profile.current_ward else "",
            "current_address": profile.current_address,
            "preferred_language": profile.preferred_language,
            "notify_channels": list(profile.notify_channels or []),
        }

    def changes(self) -> dict[str, Any]:
        """The submitted values as the service takes them (wards as units); read-only fields left out."""
        data = dict(self.cleaned_data)
        for name in ("permanent_ward", "current_ward"):
            code = data.get(name) or ""
            data[name] = next(
                (w for w in (self.profile.permanent_ward, self.profile.current_ward) if w and w.code == code),
                None,
            ) or selectors.ward_by_code(code)
        return {name: value for name, value in data.items() if not self.fields[name].disabled}
