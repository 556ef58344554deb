"""End to end in Chromium: a citizen registers, submits online with files, the one-stop officer receives
the dossier and asks for a supplement, the citizen supplements online, tracks the dossier, gets the
result and rates it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from motcua.core.outbox import OutboxEvent
from motcua.dossiers import services
from motcua.dossiers.models import Dossier, SatisfactionRating, Status
from tests.e2e.conftest import World
from tests.factories import SMALL_PDF

PASSWORD = "Hoa-Sen-2026!"
STAFF_PASSWORD = "MotCua@2026-e2e"


@pytest.fixture
def journey(transactional_db: Any, world: World, tmp_path: Path) -> dict[str, Any]:
    world.officer.user.set_password(STAFF_PASSWORD)
    world.officer.user.save()
    files = {}
    for name in ("to-khai.pdf", "cccd.pdf", "to-khai-ro.pdf"):
        path = tmp_path / name
        path.write_bytes(SMALL_PDF + f"\n% {name}".encode())
        files[name] = str(path)
    return {"world": world, "files": files}


def new_page(browser: Browser, live_server: Any) -> tuple[BrowserContext, Page]:
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="vi-VN")
    context.set_default_timeout(15000)
    return context, context.new_page()


def test_register_submit_supplement_track_and_rate(browser: Browser, live_server: Any, journey: dict[str, Any]) -> None:
    world: World = journey["world"]
    files = journey["files"]
    base = live_server.url

    # 1. register with a phone number; the one-time code goes out through the outbox
    citizen_ctx, citizen = new_page(browser, live_server)
    citizen.goto(f"{base}/tai-khoan/dang-ky/")
    citizen.get_by_label("Họ và tên").fill("Trần Thị Hoa")
    citizen.get_by_label("Số điện thoại hoặc thư điện tử").fill("0912345678")
    citizen.locator("#id_password").fill(PASSWORD)
    citizen.get_by_label("Nhập lại mật khẩu").fill(PASSWORD)
    citizen.get_by_role("button", name="Đăng ký").click()
    citizen.get_by_label("Mã xác minh (6 chữ số)").wait_for()
    event = OutboxEvent.objects.filter(topic="account.code").latest("pk")
    assert event.payload["recipient"] == "0912345678"
    citizen.get_by_label("Mã xác minh (6 chữ số)").fill(event.payload["code"])
    citizen.get_by_role("button", name="Xác minh").click()
    citizen.get_by_text("Tài khoản đã được kích hoạt").wait_for()

    # 2. submit online: the applicant's name comes from the profile; two files
    citizen.goto(f"{base}/thu-tuc/{world.version.procedure.code}/")
    citizen.get_by_role("button", name="Nộp hồ sơ trực tuyến").click()
    assert citizen.get_by_label("Họ và tên / tên tổ chức").input_value() == "Trần Thị Hoa"
    citizen.get_by_label("Số định danh cá nhân (12 số) / mã số thuế").fill("052090004321")
    citizen.get_by_label("Cơ quan giải quyết").select_option(world.department.code)
    for component, name in (("TP1", "to-khai.pdf"), ("TP2", "cccd.pdf")):
        citizen.locator(f"#file_{component}").set_input_files(files[name])
        citizen.locator(f"button[value='attach:{component}']").click()
        citizen.get_by_text("Đã đính kèm giấy tờ").wait_for()
    citizen.get_by_role("button", name="Xem lại và nộp").click()
    citizen.get_by_role("button", name="Nộp hồ sơ").click()
    citizen.get_by_text("Đã nộp hồ sơ").wait_for()
    dossier = Dossier.objects.get()
    assert (dossier.channel, dossier.status, dossier.applicant_name) == ("online", Status.SUBMITTED, "Trần Thị Hoa")

    # 3. the one-stop officer receives it and asks for a clearer declaration
    staff_ctx, staff = new_page(browser, live_server)
    staff.goto(f"{base}/can-bo/dang-nhap/")
    staff.get_by_label("Tên đăng nhập").fill("tiepnhan")
    staff.get_by_label("Mật khẩu").fill(STAFF_PASSWORD)
    staff.get_by_role("button", name="Đăng nhập").click()
    staff.goto(f"{base}/can-bo/tiep-nhan/")
    staff.get_by_role("link", name=dossier.code).click()
    staff.locator("details:has(form[action$='/receive/']) summary").click()
    staff.locator("form[action$='/receive/'] button[type=submit]").click()
    staff.get_by_text("Đã thực hiện: Tiếp nhận").wait_for()
    staff.locator("details:has(form[action$='/request_supplement/']) summary").click()
    staff.locator("#id_request_supplement-reason").fill("Tờ khai bị mờ, đề nghị nộp lại")
    staff.locator("form[action$='/request_supplement/'] input[value='TP1']").check()
    staff.locator("form[action$='/request_supplement/'] button[type=submit]").click()
    staff.get_by_text("Đã thực hiện: Yêu cầu bổ sung").wait_for()
    assert Dossier.objects.get().status == Status.AWAITING_SUPPLEMENT

    # 4. the citizen sees the request and supplements online; the clock resumes
    citizen.goto(f"{base}/ho-so-cua-toi/")
    citizen.get_by_role("link", name=dossier.code).click()
    citizen.get_by_text("Tờ khai bị mờ, đề nghị nộp lại").wait_for()
    citizen.locator("input[name='file_TP1']").set_input_files(files["to-khai-ro.pdf"])
    citizen.get_by_role("button", name="Gửi giấy tờ bổ sung").click()
    citizen.get_by_text("Đã gửi giấy tờ bổ sung").wait_for()
    assert Dossier.objects.get().status == Status.RECEIVED

    # 5. processing and return (the back-office pages are tested on their own)
    current = Dossier.objects.get()
    for actor in (world.officer, world.specialist, world.head):
        services.dossier_forward(dossier=current, actor=actor.user)
    services.dossier_approve(dossier=current, actor=world.leader.user, outcome="granted")
    services.dossier_return_result(dossier=current, actor=world.officer.user)

    # 6. the citizen tracks it and rates the service
    citizen.reload()
    assert "Đã trả kết quả" in citizen.content()
    for index in range(1, 10):
        citizen.locator(f"input[name='score_{index}'][value='2']").check()
    citizen.locator("input[name='overall'][value='very_satisfied']").check()
    citizen.get_by_role("button", name="Gửi đánh giá").click()
    citizen.get_by_text("Cảm ơn bạn đã đánh giá").wait_for()
    rating = SatisfactionRating.objects.get()
    assert (rating.total, rating.overall, rating.channel) == (18, "very_satisfied", "online")
    staff_ctx.close()
    citizen_ctx.close()
