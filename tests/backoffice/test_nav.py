"""The officer's menu, rendered once a language and set of screens (`backoffice_nav`), is the menu the
template writes afresh for that officer: links by role, the unread-alert count, their name, the CSRF token."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from django.middleware.csrf import _unmask_cipher_token
from django.template.loader import render_to_string
from django.test import Client, override_settings
from django.utils import translation

from motcua.backoffice.templatetags import backoffice
from motcua.org.models import Role
from tests.factories import make_staff

pytestmark = pytest.mark.django_db

NAV = re.compile(r'<nav aria-label="(?:Chức năng|Menu)">.*?</nav>', re.S)
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.mark.parametrize(
    ("roles", "alerts"),
    [
        ((Role.ONE_STOP_OFFICER,), 0),
        ((Role.DIVISION_HEAD, Role.AGENCY_LEADER), 3),
        ((Role.SPECIALIST,), 12),
        ((Role.MONITOR,), 0),
    ],
)
@override_settings(DEBUG=False)
def test_the_menu_is_the_template_rendered_afresh(
    roles: tuple[str, ...], alerts: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(backoffice, "alert_count", lambda user: alerts)
    staff = make_staff(*roles, first_name="<b>An</b> & Bình", last_name="Lê")
    client = Client()
    client.force_login(staff.user)
    for language in ("vi", "en", "vi"):
        client.cookies["django_language"] = language
        path = '/can-bo/canh-bao/?q=<i>"x"&page=2'
        response = client.get(path)
        page, full_path = response.content.decode(), response.wsgi_request.get_full_path()
        (nav,) = NAV.findall(page)
        tokens = TOKEN.findall(nav)
        assert len(tokens) == 2
        secret = _unmask_cipher_token(tokens[0])
        assert _unmask_cipher_token(tokens[1]) == secret == client.cookies["csrftoken"].value
        menu = backoffice.menu_for(staff.user)
        with translation.override(language):
            fresh = render_to_string(
                "backoffice/_nav.html",
                {
                    "menu": menu,
                    "user_name": "Lê <b>An</b> & Bình",
                    "request": SimpleNamespace(get_full_path=lambda path=full_path: path),
                    "csrf_token": "TOKEN",
                },
            )
        assert TOKEN.sub('name="csrfmiddlewaretoken" value="TOKEN"', nav) == NAV.findall(fresh)[0]
        assert "<b>An</b>" not in nav and "&lt;b&gt;An&lt;/b&gt; &amp; Bình" in nav
        assert ('alert-pill">' in nav) is (alerts > 0) and (f">{alerts}</span>" in nav) is (alerts > 0)
        assert ("/can-bo/thong-ke/" in nav) is (Role.AGENCY_LEADER in roles or Role.MONITOR in roles)


@override_settings(DEBUG=False)
def test_officers_with_the_same_screens_share_the_text_and_see_only_their_own_values(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    counts = {}
    monkeypatch.setattr(backoffice, "alert_count", lambda user: counts[user.pk])
    first = make_staff(Role.SPECIALIST, first_name="Một", last_name="Trần")
    second = make_staff(Role.SPECIALIST, first_name="<i>Hai</i>", last_name="Phạm")
    counts.update({first.user.pk: 4, second.user.pk: 9})
    backoffice._NAV.forget()
    navs = []
    for staff in (first, second, first):
        client = Client()
        client.force_login(staff.user)
        (nav,) = NAV.findall(client.get("/can-bo/canh-bao/?who=" + str(staff.pk)).content.decode())
        assert _unmask_cipher_token(TOKEN.findall(nav)[0]) == client.cookies["csrftoken"].value
        navs.append(nav)
    assert "Trần Một" in navs[0] and ">4</span>" in navs[0] and f"who={first.pk}" in navs[0]
    assert "Hai" not in navs[0] and ">9</span>" not in navs[0]
    assert "Phạm &lt;i&gt;Hai&lt;/i&gt;" in navs[1] and ">9</span>" in navs[1] and f"who={second.pk}" in navs[1]
    assert "Một" not in navs[1] and ">4</span>" not in navs[1]
    assert TOKEN.sub("", navs[0]) == TOKEN.sub("", navs[2])
    assert len(backoffice._NAV._rendered) == 1  # one text for both: same language, same screens
