"""A page part rendered once and filled in (`motcua.core.fragments`) is what rendering it afresh writes."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.template.loader import render_to_string
from django.test import override_settings
from django.utils import translation

from motcua.core.fragments import Fragment, PathOnly, hole

TOKEN = "a" * 32 + "B" * 32


def _fresh(path: str) -> str:
    return render_to_string(
        "_language.html", {"request": SimpleNamespace(get_full_path=lambda: path), "csrf_token": TOKEN}
    )


def _filled(fragment: Fragment, path: str) -> str:
    shape = {"request": PathOnly(), "csrf_token": hole("csrf_token")}
    return fragment.render("form", shape, {"next_path": path, "csrf_token": TOKEN})


@pytest.mark.parametrize("path", ["/can-bo/", "/can-bo/ho-so/?q=<b>\"&amp;'", "/x/\x00next_path\x00/", ""])
@override_settings(DEBUG=False)
def test_the_filled_fragment_is_the_template_rendered_afresh(path: str) -> None:
    fragment = Fragment("_language.html")
    for language in ("vi", "en", "vi"):
        with translation.override(language):
            assert _filled(fragment, path) == _fresh(path)
            assert _filled(fragment, "/other/") == _fresh("/other/")  # kept once, filled each time
    assert len(fragment._rendered) == 2  # one text a language
    assert "<b>" not in _filled(fragment, path)
    # a value is written as it is, never read again for holes (the path below holds a placeholder's text)
    assert _filled(fragment, path).count("\x00") == path.count("\x00")


@override_settings(DEBUG=False)
def test_a_kept_text_is_used_for_its_key_only() -> None:
    fragment = Fragment("_language.html")
    with translation.override("vi"):
        _filled(fragment, "/")
        (kept,) = fragment._rendered
        fragment._rendered[kept] = "kept \x00next_path\x00 & \x00csrf_token\x00"
        assert _filled(fragment, "/a?b=<c>") == f"kept /a?b=&lt;c&gt; & {TOKEN}"
    with translation.override("en"):
        assert _filled(fragment, "/") == _fresh("/")


@override_settings(DEBUG=True)
def test_with_debug_on_nothing_is_kept() -> None:
    fragment = Fragment("_language.html")
    assert _filled(fragment, "/") == _fresh("/")
    assert fragment._rendered == {}


def test_a_hole_without_a_value_is_an_error() -> None:
    with pytest.raises(KeyError):
        Fragment("_language.html").render("form", {"request": PathOnly(), "csrf_token": hole("csrf_token")}, {})


@override_settings(DEBUG=False)
def test_at_most_so_many_texts_are_kept_and_new_templates_forget_them(monkeypatch: pytest.MonkeyPatch) -> None:
    fragment = Fragment("_language.html")
    monkeypatch.setattr(Fragment, "MAX_KEPT", 1)
    with translation.override("vi"):
        _filled(fragment, "/")
    with translation.override("en"):
        assert _filled(fragment, "/") == _fresh("/")  # rendered, not kept
    assert len(fragment._rendered) == 1
    from django.conf import settings

    with override_settings(TEMPLATES=settings.TEMPLATES):
        assert fragment._rendered == {}
