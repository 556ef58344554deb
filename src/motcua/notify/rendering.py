"""Rendering of message templates: a plain-text Django template engine and the context it is given.

Templates are edited by administrators, so they are rendered by their own engine: no HTML escaping (the
messages are plain text), no template loaders (an `{% include %}` finds nothing), and a context of strings
only (no model object whose methods a template could call).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.template import Context, Engine, TemplateSyntaxError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from motcua.core.money import group_thousands, vnd

# The variables a template may use; the admin shows this list next to the body.
CONTEXT_VARIABLES: dict[str, Any] = {
    "code": _("mã hồ sơ"),
    "procedure": _("tên thủ tục hành chính"),
    "applicant_name": _("tên người nộp hồ sơ"),
    "due_at": _("hẹn trả kết quả (giờ Việt Nam)"),
    "old_due_at": _("hẹn trả trước khi gia hạn"),
    "reason": _("lý do (yêu cầu bổ sung, gia hạn, từ chối, khoản phí)"),
    "components": _("các thành phần cần bổ sung"),
    "amount": _("số tiền phải nộp"),
    "outcome": _("kết quả giải quyết (giải quyết hoặc từ chối)"),
    "url": _("đường dẫn tra cứu hoặc xử lý hồ sơ"),
    "verification_code": _("mã xác minh (6 chữ số)"),
    "purpose": _("mục đích của mã xác minh"),
    "alert": _("loại cảnh báo (cho cán bộ)"),
    "staff_name": _("tên cán bộ nhận cảnh báo"),
}

SAMPLE_CONTEXT: dict[str, str] = {
    "code": "000.00.02.H21-260302-0001",
    "procedure": "Cấp Phiếu lý lịch tư pháp",
    "applicant_name": "Nguyễn Văn An",
    "due_at": "09:00 09/03/2026",
    "old_due_at": "09:00 06/03/2026",
    "reason": "Thiếu bản sao giấy khai sinh",
    "components": "Bản sao giấy khai sinh",
    "amount": "200.000 đồng",
    "outcome": "giải quyết",
    "url": "https://dichvucong.example.gov.vn/tra-cuu/?code=000.00.02.H21-260302-0001",
    "verification_code": "123456",
    "purpose": "đăng ký tài khoản",
    "alert": "Sắp đến hạn",
    "staff_name": "Trần Thị Lan",
}

_ENGINE = Engine(autoescape=False)


def render(text: str, context: Mapping[str, Any]) -> str:
    """Render `text` (Django template syntax) with `context`, as plain text without surrounding blanks."""
    return _ENGINE.from_string(text).render(Context(dict(context), autoescape=False)).strip()


def check(text: str) -> str | None:
    """The syntax error of `text` as a template, or None when it renders."""
    try:
        render(text, SAMPLE_CONTEXT)
    except TemplateSyntaxError as error:
        return str(error)
    return None


def format_datetime(value: dt.datetime | str | None, language: str) -> str:
    """An instant in Vietnam time: '09:00 09/03/2026' (the same in both languages, as on official forms)."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
    else:
        moment = value
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return moment.strftime("%H:%M %d/%m/%Y")


def format_amount(amount: int | None, language: str) -> str:
    """200000 → '200.000 đồng' (vi) or 'VND 200,000' (en)."""
    if amount is None:
        return ""
    if language == "en":
        return "VND " + group_thousands(amount).replace(".", ",")
    return vnd(amount)
