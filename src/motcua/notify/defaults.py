"""The default message templates: every event on every channel, in Vietnamese and English.

`ensure(model)` creates the missing ones and never changes a template that exists (an administrator may
have edited it). It takes the model class so that the data migration can pass its historical model.

Zalo ZNS: the text sent is a template approved by Zalo for the official account; the defaults carry an
empty `provider_template_id` (fill it in the admin with the approved id before `MOTCUA_ZALO_PROVIDER=zns`)
and a `parameters` mapping from the ZNS parameter names proposed here to context variables. When the
approved template uses other parameter names, edit the mapping: the keys are ZNS names, the values context
variable names.
"""

from __future__ import annotations

from typing import Any

# Texts of the data per language: not gettext, each language is its own template row.
PURPOSES = {
    "register": {"vi": "đăng ký tài khoản", "en": "register your account"},
    "reset": {"vi": "đặt lại mật khẩu", "en": "reset your password"},
    "login": {"vi": "đăng nhập", "en": "sign in"},
}
OUTCOMES = {
    "granted": {"vi": "giải quyết", "en": "granted"},
    "refused": {"vi": "từ chối giải quyết", "en": "refused"},
}
ALERTS = {
    "step_due_soon": {"vi": "Sắp đến hạn xử lý", "en": "Step due soon"},
    "step_overdue": {"vi": "Quá hạn bước xử lý", "en": "Step overdue"},
    "dossier_overdue": {"vi": "Hồ sơ quá hạn", "en": "Dossier overdue"},
    "reception_overdue": {"vi": "Quá hạn tiếp nhận trực tuyến", "en": "Online reception overdue"},
    "apology_needed": {"vi": "Cần xin lỗi, hẹn lại", "en": "Apology letter needed"},
}

_DOSSIER_PARAMETERS = {
    "customer_name": "applicant_name",
    "dossier_code": "code",
    "procedure_name": "procedure",
    "due_date": "due_at",
}

# event -> language -> (e-mail subject, e-mail body, short text for SMS and Zalo)
TEXTS: dict[str, dict[str, tuple[str, str, str]]] = {
    "received": {
        "vi": (
            "Hồ sơ {{ code }} đã được tiếp nhận",
            "Kính gửi {{ applicant_name }},\n\n"
            "Hồ sơ {{ code }} về thủ tục “{{ procedure }}” đã được tiếp nhận.\n"
            "Ngày hẹn trả kết quả: {{ due_at }}.\n\n"
            "Tra cứu tình trạng hồ sơ tại: {{ url }}\n\n"
            "Trân trọng.",
            "Hồ sơ {{ code }} đã được tiếp nhận. Hẹn trả kết quả: {{ due_at }}. Tra cứu: {{ url }}",
        ),
        "en": (
            "Your application {{ code }} has been received",
            "Dear {{ applicant_name }},\n\n"
            "Your application {{ code }} for “{{ procedure }}” has been received.\n"
            "Result due: {{ due_at }}.\n\n"
            "Track its progress at: {{ url }}\n\n"
            "Kind regards.",
            "Application {{ code }} received. Result due: {{ due_at }}. Track: {{ url }}",
        ),
    },
    "supplement_requested": {
        "vi": (
            "Hồ sơ {{ code }} cần bổ sung, hoàn thiện",
            "Kính gửi {{ applicant_name }},\n\n"
            "Hồ sơ {{ code }} về thủ tục “{{ procedure }}” cần được bổ sung, hoàn thiện.\n"
            "{% if components %}Thành phần cần bổ sung: {{ components }}.\n{% endif %}"
            "{% if reason %}Nội dung yêu cầu: {{ reason }}.\n{% endif %}"
            "Thời gian giải quyết tạm dừng cho đến khi nhận được hồ sơ bổ sung.\n\n"
            "Xem chi tiết và nộp bổ sung tại: {{ url }}\n\n"
            "Trân trọng.",
            "Hồ sơ {{ code }} cần bổ sung{% if components %}: {{ components }}{% endif %}. Chi tiết: {{ url }}",
        ),
        "en": (
            "Your application {{ code }} needs more documents",
            "Dear {{ applicant_name }},\n\n"
            "Your application {{ code }} for “{{ procedure }}” needs to be completed.\n"
            "{% if components %}Documents to provide: {{ components }}.\n{% endif %}"
            "{% if reason %}Details: {{ reason }}.\n{% endif %}"
            "Processing is paused until the documents are received.\n\n"
            "See the details and send the documents at: {{ url }}\n\n"
            "Kind regards.",
            "Application {{ code }} needs more documents{% if components %}: {{ components }}{% endif %}. "
            "Details: {{ url }}",
        ),
    },
    "supplement_received": {
        "vi": (
            "Đã nhận hồ sơ bổ sung {{ code }}",
            "Kính gửi {{ applicant_name }},\n\n"
            "Cơ quan giải quyết đã nhận giấy tờ bổ sung của hồ sơ {{ code }} về thủ tục “{{ procedure }}”.\n"
            "Hồ sơ tiếp tục được giải quyết{% if due_at %}; hẹn trả kết quả: {{ due_at }}{% endif %}.\n\n"
            "Tra cứu tình trạng hồ sơ tại: {{ url }}\n\n"
            "Trân trọng.",
            "Đã nhận hồ sơ bổ sung {{ code }}.{% if due_at %} Hẹn trả kết quả: {{ due_at }}.{% endif %} "
            "Tra cứu: {{ url }}",
        ),
        "en": (
            "Documents received for application {{ code }}",
            "Dear {{ applicant_name }},\n\n"
            "The documents you provided for application {{ code }} (“{{ procedure }}”) have been received.\n"
            "Processing has resumed{% if due_at %}; result due: {{ due_at }}{% endif %}.\n\n"
            "Track its progress at: {{ url }}\n\n"
            "Kind regards.",
            "Documents for application {{ code }} received.{% if due_at %} Result due: {{ due_at }}.{% endif %} "
            "Track: {{ url }}",
        ),
    },
    "extension": {
        "vi": (
            "Thư xin lỗi và hẹn lại ngày trả kết quả hồ sơ {{ code }}",
            "Kính gửi {{ applicant_name }},\n\n"
            "Cơ quan giải quyết chân thành xin lỗi Ông/Bà vì hồ sơ {{ code }} về thủ tục “{{ procedure }}” "
            "không thể trả kết quả đúng hẹn{% if old_due_at %} ({{ old_due_at }}){% endif %}.\n"
            "{% if reason %}Lý do: {{ reason }}.\n{% endif %}"
            "Thời gian hẹn trả kết quả mới: {{ due_at }}.\n\n"
            "Rất mong Ông/Bà thông cảm. Tra cứu hồ sơ tại: {{ url }}\n\n"
            "Trân trọng.",
            "Xin lỗi Ông/Bà: hồ sơ {{ code }} không thể trả kết quả đúng hẹn. Hẹn lại: {{ due_at }}. "
            "Chi tiết: {{ url }}",
        ),
        "en": (
            "Apology: new result date for application {{ code }}",
            "Dear {{ applicant_name }},\n\n"
            "We sincerely apologise: the result of your application {{ code }} (“{{ procedure }}”) cannot be "
            "ready on the date promised{% if old_due_at %} ({{ old_due_at }}){% endif %}.\n"
            "{% if reason %}Reason: {{ reason }}.\n{% endif %}"
            "New result date: {{ due_at }}.\n\n"
            "Thank you for your understanding. Track your application at: {{ url }}\n\n"
            "Kind regards.",
            "We apologise: application {{ code }} is delayed. New result date: {{ due_at }}. Details: {{ url }}",
        ),
    },
    "result_ready": {
        "vi": (
            "Hồ sơ {{ code }} đã có kết quả giải quyết",
            "Kính gửi {{ applicant_name }},\n\n"
            "Hồ sơ {{ code }} về thủ tục “{{ procedure }}” đã có kết quả{% if outcome %}: {{ outcome }}{% endif %}.\n"
            "{% if reason %}Lý do: {{ reason }}.\n{% endif %}"
            "Mời Ông/Bà nhận kết quả theo hình thức đã đăng ký.\n\n"
            "Tra cứu tại: {{ url }}\n\n"
            "Trân trọng.",
            "Hồ sơ {{ code }} đã có kết quả giải quyết. Tra cứu: {{ url }}",
        ),
        "en": (
            "The result of application {{ code }} is ready",
            "Dear {{ applicant_name }},\n\n"
            "A decision has been made on your application {{ code }} (“{{ procedure }}”)"
            "{% if outcome %}: {{ outcome }}{% endif %}.\n"
            "{% if reason %}Reason: {{ reason }}.\n{% endif %}"
            "Please collect the result as you chose when applying.\n\n"
            "Details at: {{ url }}\n\n"
            "Kind regards.",
            "The result of application {{ code }} is ready. Details: {{ url }}",
        ),
    },
    "payment_requested": {
        "vi": (
            "Thông báo nộp phí, lệ phí hồ sơ {{ code }}",
            "Kính gửi {{ applicant_name }},\n\n"
            "Hồ sơ {{ code }} về thủ tục “{{ procedure }}” cần nộp số tiền {{ amount }}"
            "{% if reason %} ({{ reason }}){% endif %}.\n"
            "Hồ sơ được tiếp tục giải quyết sau khi xác nhận đã nộp.\n\n"
            "Thanh toán hoặc xem chi tiết tại: {{ url }}\n\n"
            "Trân trọng.",
            "Hồ sơ {{ code }}: đề nghị nộp {{ amount }}. Chi tiết: {{ url }}",
        ),
        "en": (
            "Payment requested for application {{ code }}",
            "Dear {{ applicant_name }},\n\n"
            "Your application {{ code }} (“{{ procedure }}”) requires a payment of {{ amount }}"
            "{% if reason %} ({{ reason }}){% endif %}.\n"
            "Processing resumes once the payment is confirmed.\n\n"
            "Pay or see the details at: {{ url }}\n\n"
            "Kind regards.",
            "Application {{ code }}: please pay {{ amount }}. Details: {{ url }}",
        ),
    },
    "reminder": {
        "vi": (
            "Nhắc nhở về hồ sơ {{ code }}",
            "Kính gửi {{ applicant_name }},\n\n"
            "Hồ sơ {{ code }} về thủ tục “{{ procedure }}” đang chờ Ông/Bà"
            "{% if reason %}: {{ reason }}{% endif %}.\n\n"
            "Xem chi tiết tại: {{ url }}\n\n"
            "Trân trọng.",
            "Nhắc nhở: hồ sơ {{ code }} đang chờ Ông/Bà{% if reason %}: {{ reason }}{% endif %}. Chi tiết: {{ url }}",
        ),
        "en": (
            "Reminder about application {{ code }}",
            "Dear {{ applicant_name }},\n\n"
            "Your application {{ code }} (“{{ procedure }}”) is waiting for you"
            "{% if reason %}: {{ reason }}{% endif %}.\n\n"
            "See the details at: {{ url }}\n\n"
            "Kind regards.",
            "Reminder: application {{ code }} is waiting for you{% if reason %}: {{ reason }}{% endif %}. "
            "Details: {{ url }}",
        ),
    },
    "verification_code": {
        "vi": (
            "Mã xác minh dịch vụ công",
            "Mã xác minh của Ông/Bà là: {{ verification_code }}\n\n"
            "Mã dùng để {{ purpose }} và có hiệu lực trong 10 phút.\n"
            "Không cung cấp mã này cho bất kỳ ai, kể cả người tự xưng là cán bộ.",
            "Mã xác minh của Ông/Bà là {{ verification_code }} (hiệu lực 10 phút). "
            "Không cung cấp mã này cho bất kỳ ai.",
        ),
        "en": (
            "Your public services verification code",
            "Your verification code is: {{ verification_code }}\n\n"
            "Use it to {{ purpose }} within 10 minutes.\n"
            "Never share this code with anyone, even someone claiming to be an official.",
            "Your verification code is {{ verification_code }} (valid for 10 minutes). Never share it.",
        ),
    },
    "staff_alert": {
        "vi": (
            "[Cảnh báo] {{ alert }}: hồ sơ {{ code }}",
            "Kính gửi {{ staff_name }},\n\n"
            "{{ alert }}: hồ sơ {{ code }}{% if procedure %} về thủ tục “{{ procedure }}”{% endif %}, "
            "thời hạn {{ due_at }}.\n\n"
            "Xử lý hồ sơ tại: {{ url }}",
            "{{ alert }}: hồ sơ {{ code }}, thời hạn {{ due_at }}.",
        ),
        "en": (
            "[Alert] {{ alert }}: dossier {{ code }}",
            "Dear {{ staff_name }},\n\n"
            "{{ alert }}: dossier {{ code }}{% if procedure %} (“{{ procedure }}”){% endif %}, due {{ due_at }}.\n\n"
            "Process it at: {{ url }}",
            "{{ alert }}: dossier {{ code }}, due {{ due_at }}.",
        ),
    },
}

ZALO_PARAMETERS: dict[str, dict[str, str]] = {
    "received": _DOSSIER_PARAMETERS,
    "supplement_requested": {**_DOSSIER_PARAMETERS, "documents": "components"},
    "supplement_received": _DOSSIER_PARAMETERS,
    "extension": {**_DOSSIER_PARAMETERS, "reason": "reason"},
    "result_ready": {**_DOSSIER_PARAMETERS, "outcome": "outcome"},
    "payment_requested": {**_DOSSIER_PARAMETERS, "amount": "amount"},
    "reminder": {**_DOSSIER_PARAMETERS, "reason": "reason"},
    "verification_code": {"otp": "verification_code"},
    "staff_alert": {"staff_name": "staff_name", "alert": "alert", "dossier_code": "code", "due_date": "due_at"},
}


def default_rows() -> list[dict[str, Any]]:
    """Every default template as the field values of a `MessageTemplate`."""
    rows: list[dict[str, Any]] = []
    for event, languages in TEXTS.items():
        for language, (subject, body, short) in languages.items():
            rows.append({"event": event, "channel": "email", "language": language, "subject": subject, "body": body})
            rows.append({"event": event, "channel": "sms", "language": language, "subject": "", "body": short})
            rows.append(
                {
                    "event": event,
                    "channel": "zalo",
                    "language": language,
                    "subject": "",
                    "body": short,
                    "provider_template_id": "",
                    "parameters": dict(ZALO_PARAMETERS[event]),
                }
            )
    return rows


def ensure(model: Any) -> int:
    """Create the default templates that do not exist yet; returns how many were created."""
    created = 0
    for row in default_rows():
        keys = {name: row.pop(name) for name in ("event", "channel", "language")}
        _template, was_created = model.objects.get_or_create(**keys, defaults=row)
        created += int(was_created)
    return created
