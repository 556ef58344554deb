"""The site's menu, rendered once a language and for signed-in or not (`site_nav`), is the menu the template
writes afresh: the links for each, the CSRF token of the visitor, the path to come back to."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from django.middleware.csrf import _unmask_cipher_token
from django.template.loader import render_to_string
from django.test import Client, override_settings
from django.utils import translation

from motcua.portal.templatetags import motcua as tags
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NAV = re.compile(r'<nav aria-label="(?:Điều hướng chính|Main navigation)">.*?</nav>', re.S)
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@override_settings(DEBUG=False)
@pytest.mark.parametrize("signed_in", [False, True])
def test_the_menu_is_the_template_rendered_afresh(signed_in: bool) -> None:
    tags._SITE_NAV.forget()
    client = Client()
    if signed_in:
        client.force_login(UserFactory())
    for language in ("vi", "en", "vi"):
        client.cookies["django_language"] = language
        response = client.get('/tra-cuu/?q=<i>"x"&page=2')
        (nav,) = NAV.findall(response.content.decode())
        tokens = TOKEN.findall(nav)
        assert len(tokens) == (2 if signed_in else 1)  # the sign-out form and the language form
        assert {_unmask_cipher_token(token) for token in tokens} == {client.cookies["csrftoken"].value}
        path = response.wsgi_request.get_full_path()
        with translation.override(language):
            fresh = render_to_string(
                "_site_nav.html",
                {
                    "user": SimpleNamespace(is_authenticated=signed_in),
                    "request": SimpleNamespace(get_full_path=lambda path=path: path),
                    "csrf_token": "TOKEN",
                },
            )
        assert TOKEN.sub('name="csrfmiddlewaretoken" value="TOKEN"', nav) == fresh
        assert ("/ho-so-cua-toi/" in nav) is signed_in and ("/dang-ky/" in nav) is not signed_in
        assert "<i>" not in nav and "%3Ci%3E" in nav
    assert len(tags._SITE_NAV._rendered) == 2  # one text a language


def test_without_a_request_the_menu_is_rendered_as_it_stands() -> None:
    html = render_to_string("base.html", {"user": SimpleNamespace(is_authenticated=False)})
    (nav,) = NAV.findall(html)
    assert "/dang-nhap/" in nav and "csrfmiddlewaretoken" not in nav
