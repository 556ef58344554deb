"""Templates: every event × channel × language exists by default, renders in Vietnamese and English."""

from __future__ import annotations

from typing import Any

import pytest

from motcua.notify import services
from motcua.notify.models import Channel, Event, Language, MessageTemplate
from motcua.notify.rendering import SAMPLE_CONTEXT, format_amount, format_datetime, render
from motcua.org.models import Role
from tests.factories import make_staff

pytestmark = pytest.mark.django_db


def test_the_migration_created_every_event_channel_and_language() -> None:
    pairs = set(MessageTemplate.objects.values_list("event", "channel", "language"))
    assert pairs == {(e, c, lang) for e in Event.values for c in Channel.values for lang in Language.values}
    assert len(pairs) == 54
    received = MessageTemplate.objects.get(event="received", channel="email", language="vi")
    assert received.subject == "Hồ sơ {{ code }} đã được tiếp nhận"
    zalo = MessageTemplate.objects.get(event="received", channel="zalo", language="vi")
    assert zalo.provider_template_id == ""
    assert zalo.parameters == {
        "customer_name": "applicant_name",
        "dossier_code": "code",
        "procedure_name": "procedure",
        "due_date": "due_at",
    }


def test_defaults_are_created_once_and_never_overwrite_an_edited_template() -> None:
    edited = MessageTemplate.objects.get(event="received", channel="sms", language="vi")
    edited.body = "Đã nhận hồ sơ {{ code }}."
    edited.save()
    MessageTemplate.objects.filter(event="reminder", channel="sms", language="en").delete()
    assert services.templates_ensure_defaults() == 1
    assert services.templates_ensure_defaults() == 0
    edited.refresh_from_db()
    assert edited.body == "Đã nhận hồ sơ {{ code }}."
    assert MessageTemplate.objects.count() == 54


def test_received_renders_with_diacritics_in_vietnamese_and_in_english() -> None:
    context = {**SAMPLE_CONTEXT, "code": "H21-0001", "due_at": "09:00 09/03/2026", "url": "https://x/tra-cuu/"}
    vi = MessageTemplate.objects.get(event="received", channel="sms", language="vi")
    en = MessageTemplate.objects.get(event="received", channel="sms", language="en")
    assert render(vi.body, context) == (
        "Hồ sơ H21-0001 đã được tiếp nhận. Hẹn trả kết quả: 09:00 09/03/2026. Tra cứu: https://x/tra-cuu/"
    )
    assert render(en.body, context) == (
        "Application H21-0001 received. Result due: 09:00 09/03/2026. Track: https://x/tra-cuu/"
    )
    email = MessageTemplate.objects.get(event="extension", channel="email", language="vi")
    assert render(email.subject, context) == "Thư xin lỗi và hẹn lại ngày trả kết quả hồ sơ H21-0001"
    body = render(email.body, {**context, "reason": "Chờ ý kiến cơ quan phối hợp", "old_due_at": ""})
    assert "chân thành xin lỗi Ông/Bà" in body
    assert "Lý do: Chờ ý kiến cơ quan phối hợp.\nThời gian hẹn trả kết quả mới: 09:00 09/03/2026." in body
    assert "()" not in body  # the empty old date leaves no trace


def test_rendering_is_plain_text_and_formats_dates_and_amounts() -> None:
    assert render("{{ name }} <b>", {"name": "Nguyễn & Trần <Lê>"}) == "Nguyễn & Trần <Lê> <b>"
    assert format_datetime("2026-03-09T02:00:00+00:00", "vi") == "09:00 09/03/2026"
    assert format_amount(200000, "vi") == "200.000 đồng"
    assert format_amount(1250000, "en") == "VND 1,250,000"


def test_a_missing_or_inactive_english_template_falls_back_to_vietnamese() -> None:
    MessageTemplate.objects.filter(event="reminder", channel="sms", language="en").update(is_active=False)
    found = services.template_for(event="reminder", channel="sms", language="en")
    assert found is not None and found.language == "vi"
    MessageTemplate.objects.filter(event="reminder", channel="sms").update(is_active=False)
    assert services.template_for(event="reminder", channel="sms", language="en") is None


def test_the_admin_edits_templates_with_a_preview_for_administrators_only(client: Any, admin_client: Any) -> None:
    template = MessageTemplate.objects.get(event="received", channel="email", language="vi")
    url = f"/quan-tri/notify/messagetemplate/{template.pk}/change/"
    page = admin_client.get(url).content.decode()
    assert "Hồ sơ 000.00.02.H21-260302-0001 đã được tiếp nhận" in page  # the preview of the sample
    assert "Kính gửi Nguyễn Văn An," in page
    listing = admin_client.get("/quan-tri/notify/messagetemplate/?channel__exact=sms&language__exact=en")
    assert listing.status_code == 200
    shown = listing.content.decode()
    for row in MessageTemplate.objects.all():
        link = f"/quan-tri/notify/messagetemplate/{row.pk}/change/"
        assert (link in shown) == (row.channel == "sms" and row.language == "en"), row

    response = admin_client.post(
        url,
        {
            "event": "received",
            "channel": "email",
            "language": "vi",
            "is_active": "on",
            "subject": "Hồ sơ {{ code }",
            "body": "{% if %}",
            "provider_template_id": "",
            "parameters": "{}",
        },
    )
    assert response.status_code == 200  # refused, shown again with the errors
    assert "Mẫu không hợp lệ" in response.content.decode()
    template.refresh_from_db()
    assert template.subject == "Hồ sơ {{ code }} đã được tiếp nhận"

    officer = make_staff(Role.ONE_STOP_OFFICER, username="officer", is_staff=True)
    province_admin = make_staff(Role.PROVINCE_ADMIN, username="province", is_staff=True)
    client.force_login(officer.user)
    assert client.get(url).status_code == 403
    assert client.get("/quan-tri/notify/message/").status_code == 403
    client.force_login(province_admin.user)
    assert client.get(url).status_code == 200
    assert client.get("/quan-tri/notify/message/").status_code == 200
