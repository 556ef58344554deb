"""Template helpers of the back office that stand in for Django's own on long lists."""

from __future__ import annotations

from django.urls import clear_script_prefix, reverse, set_script_prefix
from django.utils import translation

from motcua.backoffice.templatetags.backoffice import dossier_url


def test_a_dossier_s_link_is_what_the_url_tag_gives() -> None:
    for code in ("000.00.01.H21-260302-0001", "H52.22-261124-0042", "mã có dấu cách", "a?b#c%d", "0.0"):
        assert dossier_url(code) == reverse("backoffice:dossier", args=[code])


def test_a_dossier_s_link_follows_the_script_prefix_and_the_language() -> None:
    code = "000.00.01.H21-260302-0001"
    try:
        set_script_prefix("/motcua/")
        assert dossier_url(code) == reverse("backoffice:dossier", args=[code])
        assert dossier_url(code).startswith("/motcua/")
    finally:
        clear_script_prefix()
    assert not dossier_url(code).startswith("/motcua/")
    with translation.override("en"):
        assert dossier_url(code) == reverse("backoffice:dossier", args=[code])
