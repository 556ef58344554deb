"""The Content-Security-Policy in a real browser: the main pages load without a single violation.

The policy (motcua.core.middleware.SecurityHeadersMiddleware) forbids inline script and style; Chromium
reports whatever it blocks on the console ("Refused to ... because it violates the following Content
Security Policy directive"). The test first proves that such a report is seen (a style attribute set on a
page is refused), then walks the citizen portal, the online form, the back office and the admin.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage

from motcua.dossiers import online, services
from tests.e2e.conftest import World, at, submit_online


def signed_in(browser: Browser, live_server: Any, user: Any) -> BrowserContext:
    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="vi-VN")
    host = live_server.url.split("//", 1)[1].split(":")[0]
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "domain": host, "path": "/"}])
    return context


def violations_on(context: BrowserContext, base: str, paths: list[str]) -> dict[str, list[str]]:
    page = context.new_page()
    seen: list[str] = []

    def listen(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            seen.append(message.text)

    page.on("console", listen)
    report: dict[str, list[str]] = {}
    for path in paths:
        seen.clear()
        response = page.goto(f"{base}{path}")
        assert response is not None and response.status == 200, path
        assert "script-src 'self'" in (response.headers.get("content-security-policy") or ""), path
        page.wait_for_load_state("load")
        if seen:
            report[path] = list(seen)
    page.close()
    return report


def test_a_violation_is_reported_on_the_console(browser: Browser, live_server: Any, transactional_db: Any) -> None:
    context = browser.new_context()
    page = context.new_page()
    seen: list[str] = []
    page.on("console", lambda message: seen.append(message.text))
    page.goto(f"{live_server.url}/thu-tuc/")
    page.evaluate("() => document.body.setAttribute('style', 'color: red')")
    page.wait_for_timeout(200)
    context.close()
    assert any("Content Security Policy" in text for text in seen), seen


def test_the_main_pages_raise_no_csp_violation(
    browser: Browser, live_server: Any, transactional_db: Any, world: World
) -> None:
    dossier = submit_online(world, "2026-03-02 09:00")
    services.dossier_receive(dossier=dossier, actor=world.officer.user, at=at("2026-03-02 10:00"))
    draft = online.draft_create(
        actor=world.citizen, procedure_code=world.version.procedure.code, at=at("2026-03-02 09:00")
    )
    code = world.version.procedure.code
    problems: dict[str, list[str]] = {}

    anonymous = browser.new_context(locale="vi-VN")
    public = ["/", "/thu-tuc/", f"/thu-tuc/{code}/", f"/tra-cuu/?code={dossier.code}", "/dang-nhap/", "/thong-ke/"]
    problems |= violations_on(anonymous, live_server.url, [*public, "/can-bo/dang-nhap/", "/quan-tri/login/"])
    anonymous.close()

    citizen = signed_in(browser, live_server, world.citizen)
    problems |= violations_on(
        citizen,
        live_server.url,
        [
            "/ho-so-cua-toi/",
            f"/ho-so-cua-toi/{dossier.code}/",
            f"/ho-so-cua-toi/nhap/{draft.pk}/",
            f"/ho-so-cua-toi/nhap/{draft.pk}/xem-lai/",
            "/tai-khoan/ho-so/",
        ],
    )
    citizen.close()

    staff = signed_in(browser, live_server, world.officer.user)
    problems |= violations_on(
        staff,
        live_server.url,
        ["/can-bo/", "/can-bo/ho-so/", f"/can-bo/ho-so/{dossier.code}/", f"/can-bo/tiep-nhan/{code}/"],
    )
    staff.close()

    monitor = signed_in(browser, live_server, world.monitor.user)
    period = "from=2026-03-01&to=2026-03-31&kind=range"
    problems |= violations_on(monitor, live_server.url, [f"/can-bo/thong-ke/?{period}"])
    monitor.close()

    admin = get_user_model().objects.create_superuser("quantri-csp", "qt@example.invalid", "MotCua@2026-csp")
    superuser = signed_in(browser, live_server, admin)
    problems |= violations_on(superuser, live_server.url, ["/quan-tri/", "/quan-tri/auth/user/"])
    superuser.close()

    assert problems == {}, problems
