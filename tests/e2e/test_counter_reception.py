"""End to end in a real browser: an officer receives a dossier at the counter and prints form 01.

Drives Debian's Chromium (`/usr/bin/chromium`, installed by `.ci/run` when missing) through Playwright
against a live server.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from playwright.sync_api import Browser
from pypdf import PdfReader

from motcua.dossiers.models import Dossier, Status
from tests.e2e.conftest import World

PASSWORD = "MotCua@2026-e2e"


@pytest.fixture
def world_live(transactional_db: Any, world: World) -> World:
    user = world.officer.user
    user.set_password(PASSWORD)
    user.save()
    return world


def test_officer_receives_at_the_counter_and_prints_form_01(
    browser: Browser, live_server: Any, world_live: World
) -> None:
    world = world_live
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="vi-VN")
    page = context.new_page()
    page.goto(f"{live_server.url}/can-bo/")
    # sent to the sign-in page first
    page.get_by_label("Tên đăng nhập").fill("tiepnhan")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.get_by_role("heading", name="Việc của tôi").wait_for()

    page.get_by_role("link", name="Tiếp nhận", exact=True).click()
    page.get_by_label("Tìm thủ tục").fill("ly lich tu phap")  # without diacritics
    page.keyboard.press("Enter")
    page.get_by_role("link", name="Cấp Phiếu lý lịch tư pháp").click()

    page.get_by_label("Số định danh cá nhân / mã số thuế").fill("052090001234")
    page.get_by_label("Họ và tên / tên tổ chức").fill("Nguyễn Văn An")
    page.get_by_label("Điện thoại").fill("0905123456")
    for component in world.version.components.all():
        page.get_by_role("checkbox", name=component.name).check()
    assert "Nếu tiếp nhận bây giờ" in page.content()
    page.get_by_role("button", name="Tiếp nhận và in giấy hẹn (mẫu 01)").click()

    page.get_by_text("Đã tiếp nhận hồ sơ").wait_for()
    dossier = Dossier.objects.get()
    assert dossier.status == Status.RECEIVED
    assert dossier.code in page.content()

    link = page.get_by_role("link", name="Mẫu 01: Giấy tiếp nhận hồ sơ và hẹn trả kết quả (PDF)")
    href = link.get_attribute("href")
    assert href is not None
    response = context.request.get(f"{live_server.url}{href}")
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    text = PdfReader(io.BytesIO(response.body())).pages[0].extract_text()
    assert dossier.code in text
    assert "Nguyễn Văn An" in text
    context.close()
