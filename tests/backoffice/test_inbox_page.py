"""The inbox page rendered once a shape and filled in (`views._inbox_page`) is the page the template writes
afresh: every tab and order, with and without rows, every pager shape, in both languages; a page with a
message to show is written afresh."""

from __future__ import annotations

import re

import pytest
from django.contrib import messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.paginator import Paginator
from django.test import Client, RequestFactory, override_settings
from django.utils import translation
from django.utils.safestring import SafeString

from motcua.accounts.sessions import SessionStore
from motcua.backoffice import views
from motcua.org.models import Role
from tests.backoffice.conftest import World, submit_counter
from tests.factories import make_staff

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
ROWS = SafeString('<tr><td><a href="/can-bo/ho-so/X/">X</a></td><td>Thủ tục &amp; &lt;b&gt;</td></tr>')
COUNTS = {"to_do": 163, "due_today": 0, "overdue": 7, "paused": 37, "sent_back": 2, "awaiting_reception": 200}


def _request(user: object, path: str = "/can-bo/?tab=paused&page=2") -> object:
    request = RequestFactory().get(path)
    request.user = user  # type: ignore[attr-defined]
    request.session = SessionStore()  # type: ignore[attr-defined]
    request._messages = FallbackStorage(request)  # type: ignore[attr-defined]
    return request


def _page(request: object, *, tab: str, order: str, page: object, rows: SafeString, kept: bool) -> str:
    response = views._inbox_page(
        request,  # type: ignore[arg-type]
        counts=COUNTS,
        tab=tab,
        order=order,
        page=page,  # type: ignore[arg-type]
        rows=rows,
        kept=kept,
    )
    assert response.status_code == 200 and response["Content-Type"] == "text/html; charset=utf-8"
    return TOKEN.sub('name="csrfmiddlewaretoken" value="TOKEN"', response.content.decode())


@override_settings(DEBUG=False)
def test_the_page_kept_is_the_page_written_afresh() -> None:
    staff = make_staff(Role.SPECIALIST, Role.ONE_STOP_OFFICER, first_name="<b>An</b> & Bình", last_name="Lê")
    views._INBOX_PAGE.forget()
    pages = [Paginator(list(range(total)), 50).get_page(number) for total, number in ((0, 1), (30, 1), (120, 1))]
    pages += [Paginator(list(range(120)), 50).get_page(number) for number in (2, 3)]
    for language in ("vi", "en"):
        with translation.override(language):
            for tab, _label in views.INBOX_TABS:
                for order in ("asc", "desc"):
                    for page in pages:
                        for rows in (ROWS, SafeString("")):
                            request = _request(staff.user)
                            kept = _page(request, tab=tab, order=order, page=page, rows=rows, kept=True)
                            again = _page(request, tab=tab, order=order, page=page, rows=rows, kept=True)
                            fresh = _page(request, tab=tab, order=order, page=page, rows=rows, kept=False)
                            assert kept == again == fresh, (language, tab, order, page, bool(rows))
    # one text a shape: languages × tabs × orders × pager shapes (none; next; previous and next; previous) × rows
    assert len(views._INBOX_PAGE._rendered) == 2 * 6 * 2 * 4 * 2
    # what the holes were filled with
    with translation.override("vi"):
        page = _page(_request(staff.user), tab="overdue", order="desc", page=pages[3], rows=ROWS, kept=True)
    assert ROWS in page and "Không có hồ sơ." not in page
    assert '<span class="count-pill">163</span>' in page and '<span class="count-pill">200</span>' in page
    assert '?tab=overdue&amp;order=desc&amp;page=1">' in page and '?tab=overdue&amp;order=desc&amp;page=3">' in page
    assert "<span>2 / 3</span>" in page and 'href="?tab=overdue" aria-current="page"' in page
    assert "Lê &lt;b&gt;An&lt;/b&gt; &amp; Bình" in page and "<b>An</b>" not in page
    assert "\x00" not in page


@override_settings(DEBUG=False)
def test_a_page_with_a_message_is_written_afresh_and_shows_it() -> None:
    staff = make_staff(Role.SPECIALIST)
    request = _request(staff.user)
    messages.success(request, "Đã chuyển <hồ sơ> & xong")  # type: ignore[arg-type]
    page = Paginator([], 50).get_page(1)
    shown = _page(request, tab="to_do", order="asc", page=page, rows=SafeString(""), kept=True)
    assert '<p class="msg msg-success">Đã chuyển &lt;hồ sơ&gt; &amp; xong</p>' in shown
    assert request._messages.used  # type: ignore[attr-defined]  (the middleware then forgets it)
    # the next page, without it, is the page kept
    views._INBOX_PAGE.forget()
    again = _page(_request(staff.user), tab="to_do", order="asc", page=page, rows=SafeString(""), kept=True)
    assert "msg-success" not in again and len(views._INBOX_PAGE._rendered) == 1


@override_settings(DEBUG=False)
def test_the_officer_sees_their_inbox_through_the_kept_page(world: World) -> None:
    dossier = submit_counter(world, "2026-03-02 09:05")
    client = Client()
    client.force_login(world.officer.user)
    for language in ("vi", "en", "vi"):
        client.cookies["django_language"] = language
        page = client.get("/can-bo/?tab=to_do").content.decode()
        assert f'lang="{language}"' in page and "\x00" not in page
        assert dossier.code not in page  # at reception: not a step of the officer's yet
        page = client.get("/can-bo/?tab=awaiting_reception&order=desc").content.decode()
        assert 'aria-current="page"' in page
