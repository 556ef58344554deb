"""Dossier actions of the real services reach the applicant by e-mail, SMS and Zalo."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from motcua.dossiers import services as dossier_services
from motcua.dossiers.models import Dossier
from motcua.notify.channels import simulator
from motcua.notify.models import Message
from tests.dossiers.conftest import World, applicant, at

pytestmark = pytest.mark.django_db


def counter_dossier(world: World, *, email: str = "an@example.vn", phone: str = "0912345678") -> Dossier:
    data = dossier_services.SubmissionData(
        procedure=world.version.procedure.code,
        agency=world.department.code,
        channel="counter",
        applicant=applicant(email=email, phone=phone),
    )
    return dossier_services.dossier_submit(actor=world.officer.user, data=data, at=at("2026-03-02 08:30"))


def test_reception_tells_the_applicant_on_every_channel_in_vietnamese(world: World, relay: Callable[..., Any]) -> None:
    dossier = counter_dossier(world)
    relay()
    assert Message.objects.count() == 0  # submission itself is not announced
    dossier_services.dossier_receive(dossier=dossier, actor=world.officer.user, at=at("2026-03-02 09:00"))
    relay()
    dossier.refresh_from_db()
    due = timezone.localtime(dossier.due_at).strftime("%H:%M %d/%m/%Y")
    url = f"https://dichvucong.example.gov.vn/tra-cuu/?code={dossier.code}"
    messages = {m.channel: m for m in Message.objects.filter(dossier_code=dossier.code)}
    assert set(messages) == {"email", "sms", "zalo"}
    assert {m.event for m in messages.values()} == {"received"}
    assert {m.status for m in messages.values()} == {"sent", "delivered"}
    assert messages["sms"].body == f"Hồ sơ {dossier.code} đã được tiếp nhận. Hẹn trả kết quả: {due}. Tra cứu: {url}"
    [email] = mail.outbox
    assert email.to == ["an@example.vn"]
    assert email.subject == f"Hồ sơ {dossier.code} đã được tiếp nhận"
    assert email.body == (
        "Kính gửi Nguyễn Văn An,\n\n"
        f"Hồ sơ {dossier.code} về thủ tục “Cấp Phiếu lý lịch tư pháp” đã được tiếp nhận.\n"
        f"Ngày hẹn trả kết quả: {due}.\n\n"
        f"Tra cứu tình trạng hồ sơ tại: {url}\n\n"
        "Trân trọng."
    )
    assert sorted(item.provider for item in simulator.outbox) == ["sms.simulator", "zalo.simulator"]
    zalo = next(item for item in simulator.outbox if item.provider == "zalo.simulator")
    assert zalo.data["template_data"]["dossier_code"] == dossier.code
    assert zalo.data["template_data"]["due_date"] == due


def test_a_supplement_request_names_the_components_and_the_reason(world: World, relay: Callable[..., Any]) -> None:
    dossier = counter_dossier(world, email="")
    dossier_services.dossier_request_supplement(
        dossier=dossier,
        actor=world.officer.user,
        reason="Bản sao chưa chứng thực",
        components=["TP1"],
        at=at("2026-03-02 09:00"),
    )
    relay()
    component = world.version.components.get(code="TP1").name
    sms = Message.objects.get(channel="sms")
    assert sms.event == "supplement_requested"
    assert sms.body == (
        f"Hồ sơ {dossier.code} cần bổ sung: {component}. "
        f"Chi tiết: https://dichvucong.example.gov.vn/tra-cuu/?code={dossier.code}"
    )
    assert not Message.objects.filter(channel="email").exists()  # no address given


def test_an_online_applicant_is_told_in_their_language_on_the_channels_they_chose(
    world: World, relay: Callable[..., Any]
) -> None:
    from motcua.accounts.models import Profile
    from tests.dossiers.conftest import submit_online

    Profile.objects.create(
        user=world.citizen, preferred_language="en", notify_channels=["email"], email="an@example.vn"
    )
    dossier = submit_online(world, "2026-03-02 08:00")
    assert dossier.applicant_email == "" and dossier.account == world.citizen
    dossier_services.dossier_receive(dossier=dossier, actor=world.officer.user, at=at("2026-03-02 09:00"))
    relay()
    relay()  # nothing more the second time
    [message] = Message.objects.all()
    assert (message.channel, message.language, message.recipient) == ("email", "en", "an@example.vn")
    assert message.subject == f"Your application {dossier.code} has been received"
    assert message.body.startswith("Dear Nguyễn Văn An,\n\nYour application")
    assert len(mail.outbox) == 1
