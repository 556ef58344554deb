"""Browser security headers on every kind of page, `check --deploy` clean, and CSRF on every form.

The CSRF part reads the forms off the rendered pages (anonymous, citizen, officer, specialist, leader):
every `<form method="post">` must carry the token, and a POST to its action without the token is refused
with 403 and changes nothing.
"""

from __future__ import annotations

import os
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.test import Client

from motcua.core.audit import AuditEvent
from motcua.core.outbox import OutboxEvent
from motcua.dossiers import online, services
from motcua.dossiers.models import Document, Dossier, DossierDraft, Upload
from tests.dossiers.conftest import World, at, submit_online, world

__all__ = ["world"]

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


@pytest.fixture(autouse=True)
def _empty_cache() -> Any:
    cache.clear()
    yield
    cache.clear()


def signed_in(user: Any, **options: Any) -> Client:
    client = Client(**options)
    client.force_login(user)
    return client


class Pages:
    def __init__(self, world: World) -> None:
        self.world = world
        self.received = submit_online(world, "2026-03-02 09:00")
        services.dossier_receive(dossier=self.received, actor=world.officer.user, at=at("2026-03-02 10:00"))
        self.forwarded = submit_online(world, "2026-03-02 09:05")
        services.dossier_receive(dossier=self.forwarded, actor=world.officer.user, at=at("2026-03-02 10:00"))
        services.dossier_forward(dossier=self.forwarded, actor=world.officer.user, at=at("2026-03-02 10:05"))
        self.waiting = submit_online(world, "2026-03-02 09:10")
        self.draft = online.draft_create(
            actor=world.citizen, procedure_code=world.version.procedure.code, at=at("2026-03-02 09:00")
        )
        code = world.version.procedure.code
        self.by_user: dict[str, tuple[Any, list[str]]] = {
            "anonymous": (
                None,
                [
                    "/",
                    "/thu-tuc/",
                    f"/thu-tuc/{code}/",
                    "/tra-cuu/",
                    "/danh-gia/",
                    "/thong-ke/",
                    "/dang-nhap/",
                    "/tai-khoan/dang-ky/",
                    "/tai-khoan/quen-mat-khau/",
                    "/can-bo/dang-nhap/",
                ],
            ),
            "citizen": (
                world.citizen,
                [
                    "/tai-khoan/ho-so/",
                    "/ho-so-cua-toi/",
                    "/ho-so-cua-toi/kho-du-lieu/",
                    f"/ho-so-cua-toi/{self.received.code}/",
                    f"/ho-so-cua-toi/{self.waiting.code}/",
                    f"/ho-so-cua-toi/nhap/{self.draft.pk}/",
                    f"/ho-so-cua-toi/nhap/{self.draft.pk}/xem-lai/",
                    f"/ho-so-cua-toi/{self.received.code}/thanh-toan/",
                    f"/thu-tuc/{code}/",
                ],
            ),
            "officer": (
                world.officer.user,
                [
                    "/can-bo/",
                    "/can-bo/ho-so/",
                    "/can-bo/tiep-nhan/",
                    f"/can-bo/tiep-nhan/{code}/",
                    f"/can-bo/ho-so/{self.waiting.code}/",
                    f"/can-bo/ho-so/{self.received.code}/",
                    f"/can-bo/ho-so/{self.received.code}/thanh-toan/",
                    "/can-bo/tra-ket-qua/",
                    "/can-bo/so-theo-doi/",
                    "/can-bo/bao-mat/",
                ],
            ),
            "specialist": (
                world.specialist.user,
                ["/can-bo/", f"/can-bo/ho-so/{self.forwarded.code}/", f"/can-bo/ho-so/{self.forwarded.code}/ket-qua/"],
            ),
            "leader": (world.leader.user, ["/can-bo/phe-duyet/", "/can-bo/canh-bao/"]),
            "monitor": (world.monitor.user, ["/can-bo/thong-ke/?from=2026-03-01&to=2026-03-31&kind=range"]),
        }

    def client(self, name: str, **options: Any) -> Client:
        user = self.by_user[name][0]
        return signed_in(user, **options) if user is not None else Client(**options)


@pytest.fixture
def pages(world: World) -> Pages:
    return Pages(world)


# ---- headers ------------------------------------------------------------------------------------------------


def assert_headers(response: Any, where: str, *, csp: str = CSP) -> None:
    assert response["Content-Security-Policy"] == csp, where
    assert response["X-Frame-Options"] == "DENY", where
    assert response["X-Content-Type-Options"] == "nosniff", where
    assert response["Referrer-Policy"] == "same-origin", where
    assert response["Cross-Origin-Opener-Policy"] == "same-origin", where
    assert "camera=()" in response["Permissions-Policy"] and "geolocation=()" in response["Permissions-Policy"]


def test_every_kind_of_page_has_the_security_headers(pages: Pages) -> None:
    for name, (_user, paths) in pages.by_user.items():
        client = pages.client(name)
        for path in paths:
            response = client.get(path)
            assert response.status_code == 200, (name, path, response.status_code)
            assert response["Content-Type"].startswith("text/html"), path
            assert_headers(response, f"{name} {path}")
    # error pages and the API too
    assert_headers(Client().get("/khong-co-trang-nay/"), "404")
    assert_headers(Client().get("/api/v1/health"), "api")


def test_the_admin_allows_inline_style_only(pages: Pages) -> None:
    admin = get_user_model().objects.create_superuser("quantri", "qt@example.invalid", "MotCua@2026-admin")
    response = signed_in(admin).get("/quan-tri/")
    assert response.status_code == 200
    assert_headers(response, "admin", csp=CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'"))
    assert "script-src 'self';" in response["Content-Security-Policy"]


def test_file_views_keep_their_own_sandbox_policy(pages: Pages) -> None:
    document = Document.objects.filter(dossier=pages.received).exclude(file="").first()
    assert document is not None
    response = signed_in(pages.world.officer.user).get(f"/can-bo/ho-so/{pages.received.code}/giay-to/{document.pk}/")
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_payment_gateways_are_allowed_as_form_targets(pages: Pages, settings: Any) -> None:
    settings.MOTCUA_VNPAY_PAYMENT_URL = "https://sandbox.vnpayment.vn/paymentv2/vpcpay.html"
    settings.MOTCUA_PAYGOV_URL = "javascript:alert(1)"  # not an http(s) origin: ignored
    policy = Client().get("/")["Content-Security-Policy"]
    assert "form-action 'self' https://sandbox.vnpayment.vn;" in policy
    assert "javascript" not in policy


def test_check_deploy_is_clean_with_a_production_environment(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": "prod-like-" + "k3y-" * 16,
        "ALLOWED_HOSTS": "motcua.example.gov.vn",
        "SECURE_SSL_REDIRECT": "true",
        "CSRF_TRUSTED_ORIGINS": "https://motcua.example.gov.vn",
        "STATIC_ROOT": str(tmp_path / "static"),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output, output
    assert "WARNING" not in output and "security.W" not in output, output


# ---- CSRF ---------------------------------------------------------------------------------------------------


class FormFinder(HTMLParser):
    """The POST forms of a page: their action and the names of their hidden inputs."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []
        self._current: dict[str, Any] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {key: value or "" for key, value in attrs}
        if tag == "form":
            self._current = {
                "method": values.get("method", "get").lower(),
                "action": values.get("action"),
                "inputs": [],
            }
            self.forms.append(self._current)
        elif tag == "input" and self._current is not None:
            self._current["inputs"].append(values.get("name", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._current = None


def post_forms(client: Client, path: str) -> list[dict[str, Any]]:
    response = client.get(path)
    assert response.status_code == 200, path
    finder = FormFinder()
    finder.feed(response.content.decode())
    forms = [form for form in finder.forms if form["method"] == "post"]
    for form in forms:
        form["url"] = urljoin(f"http://testserver{path}", form["action"] or path).removeprefix("http://testserver")
    return forms


def stored() -> dict[str, int]:
    return {
        "dossiers": Dossier.objects.count(),
        "drafts": DossierDraft.objects.count(),
        "uploads": Upload.objects.count(),
        "audit": AuditEvent.objects.count(),
        "outbox": OutboxEvent.objects.count(),
        "users": get_user_model().objects.count(),
        "statuses": sum(hash((d.pk, d.status)) % 1000 for d in Dossier.objects.all()),
    }


def test_every_post_form_carries_the_csrf_token_and_is_refused_without_it(pages: Pages) -> None:
    found: dict[str, set[str]] = {}
    missing: list[str] = []
    for name, (_user, paths) in pages.by_user.items():
        reader = pages.client(name)
        for path in paths:
            for form in post_forms(reader, path):
                if "csrfmiddlewaretoken" not in form["inputs"]:
                    missing.append(f"{name} {path} -> {form['url']}")
                found.setdefault(name, set()).add(form["url"])
    assert missing == []
    # the walk saw the state-changing forms of each kind of user
    assert len(found["anonymous"]) >= 4 and len(found["citizen"]) >= 4 and len(found["officer"]) >= 4
    assert any("/thao-tac/" in url for url in found["officer"] | found["specialist"])

    before = stored()
    for name, urls in found.items():
        forger = pages.client(name, enforce_csrf_checks=True)
        for url in sorted(urls):
            response = forger.post(url, {"action": "save", "decision": "receive", "username": "x", "password": "x"})
            assert response.status_code == 403, (name, url, response.status_code)
    assert stored() == before


def test_a_post_with_the_token_is_accepted_so_the_403s_above_are_the_csrf_check(pages: Pages) -> None:
    client = pages.client("citizen", enforce_csrf_checks=True)
    client.get(f"/ho-so-cua-toi/nhap/{pages.draft.pk}/")
    token = client.cookies["csrftoken"].value
    response = client.post(
        f"/ho-so-cua-toi/nhap/{pages.draft.pk}/", {"csrfmiddlewaretoken": token, "action": "save", "full_name": "An"}
    )
    assert response.status_code == 302
