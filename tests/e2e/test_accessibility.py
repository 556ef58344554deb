"""WCAG 2.1 AA (axe-core, served from node_modules to the browser), a 360 px wide screen, page weight.

Pages: the catalogue, a procedure, the public lookup, sign-in and registration, "my dossiers", a dossier,
the online form and its review before submission, the data store and the profile.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Browser, Page

from motcua.dossiers import online, services
from tests.e2e.conftest import World, at, submit_online

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
PAGE_BUDGET_BYTES = 150 * 1024


def axe_violations(page: Page) -> list[dict[str, Any]]:
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `make node` (make test does).")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async () => await axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
    )
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
    ]


def transferred(page: Page) -> int:
    return int(
        page.evaluate(
            "() => performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'))"
            ".reduce((sum, e) => sum + (e.transferSize || e.encodedBodySize || 0), 0)"
        )
    )


@pytest.fixture
def pages(transactional_db: Any, world: World, live_server: Any) -> dict[str, Any]:
    dossier = submit_online(world, "2026-03-02 09:00")
    draft = online.draft_create(
        actor=world.citizen, procedure_code=world.version.procedure.code, at=at("2026-03-02 09:00")
    )
    client = Client()
    client.force_login(world.citizen)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    code = world.version.procedure.code
    return {
        "cookie": cookie,
        "public": [
            "/thu-tuc/",
            f"/thu-tuc/{code}/",
            f"/tra-cuu/?code={dossier.code}",
            "/dang-nhap/",
            "/tai-khoan/dang-ky/",
            "/thong-ke/",
        ],
        "private": [
            "/ho-so-cua-toi/",
            f"/ho-so-cua-toi/{dossier.code}/",
            f"/ho-so-cua-toi/nhap/{draft.pk}/",
            f"/ho-so-cua-toi/nhap/{draft.pk}/xem-lai/",
            "/ho-so-cua-toi/kho-du-lieu/",
            "/tai-khoan/ho-so/",
        ],
    }


def test_citizen_pages_meet_wcag_21_aa_on_a_small_screen_and_stay_light(
    browser: Browser, live_server: Any, pages: dict[str, Any]
) -> None:
    # bypass_csp: the pages forbid inline script, and axe is injected as one (tests/e2e/test_csp.py checks
    # the policy itself)
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="vi-VN", bypass_csp=True)
    host = live_server.url.split("//", 1)[1].split(":")[0]
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": pages["cookie"], "domain": host, "path": "/"}])
    page = context.new_page()
    # the checker itself finds a problem where there is one (an input without a label)
    page.set_content(
        '<!doctype html><html lang="vi"><head><title>t</title></head><body><main><input></main></body></html>'
    )
    assert "label" in {v["id"] for v in axe_violations(page)}
    report: dict[str, Any] = {}
    for path in [*pages["public"], *pages["private"]]:
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None and response.status == 200, path
        width = page.evaluate("() => document.documentElement.scrollWidth")
        report[path] = {"violations": axe_violations(page), "bytes": transferred(page), "width": width}
    context.close()
    problems = {
        p: r for p, r in report.items() if r["violations"] or r["bytes"] > PAGE_BUDGET_BYTES or r["width"] > 360
    }
    assert problems == {}, json.dumps(problems, ensure_ascii=False, indent=1)


def test_statistics_pages_meet_wcag_21_aa_on_a_small_screen(
    browser: Browser, live_server: Any, transactional_db: Any, world: World
) -> None:
    dossier = submit_online(world, "2026-03-02 09:00")
    services.dossier_receive(dossier=dossier, actor=world.officer.user, at=at("2026-03-02 10:00"))
    client = Client()
    client.force_login(world.monitor.user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    # bypass_csp: the pages forbid inline script, and axe is injected as one (tests/e2e/test_csp.py checks
    # the policy itself)
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="vi-VN", bypass_csp=True)
    host = live_server.url.split("//", 1)[1].split(":")[0]
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "domain": host, "path": "/"}])
    page = context.new_page()
    report: dict[str, Any] = {}
    period = "from=2026-03-01&to=2026-03-31&kind=range"
    for path in ["/can-bo/thong-ke/?" + period, "/can-bo/thong-ke/chi-tiet/?figure=received&" + period]:
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None and response.status == 200, path
        width = page.evaluate("() => document.documentElement.scrollWidth")
        report[path] = {"violations": axe_violations(page), "width": width}
    context.close()
    problems = {p: r for p, r in report.items() if r["violations"] or r["width"] > 360}
    assert problems == {}, json.dumps(problems, ensure_ascii=False, indent=1)
