"""Parts of a page rendered once and then filled in: the menus every page repeats (the back office's, the site's).

The back office's menu is the same for every officer with the same screens, in the same language: about twenty
`{% translate %}`, eleven `{% url %}` and two `{% csrf_token %}`, a tenth of an inbox page's CPU
(docs/performance.md, eighth session); the site's is the same for every visitor, signed in or not. A `Fragment` renders its template once for each `key` (what changes
its shape: the language, the URL prefix, which links show) with a placeholder in each *hole* (what differs
between requests: the CSRF token, a name, a path, a count), keeps that text, and fills the holes of each
request in one pass, each value escaped as the template's `{{ }}` would have escaped it. A test renders the
template afresh beside it for the same cases and compares.

A hole may only be written where the template escapes it (`{{ value }}`, the `csrf_token` tag), never in a
condition or a filter: what a condition tests belongs in the key, and the context is built from the key alone.
With `DEBUG` on nothing is kept, so an edited template shows at once, as the template loaders do; a change of
the `TEMPLATES` setting (in tests) forgets what was kept; and at most `MAX_KEPT` texts are kept a fragment
(the URL prefix comes from the request's `SCRIPT_NAME`: a stream of odd prefixes cannot grow it).
"""

from __future__ import annotations

import re
import threading
import weakref
from collections.abc import Hashable, Mapping
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.loader import render_to_string
from django.urls import get_script_prefix, get_urlconf
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString
from django.utils.translation import get_language

_HOLE = re.compile("\x00([a-z_]+)\x00")


def hole(name: str) -> str:
    """The placeholder of hole `name` in the text rendered once (NUL bytes: no page text holds one)."""
    return f"\x00{name}\x00"


_FRAGMENTS: weakref.WeakSet[Fragment] = weakref.WeakSet()


class Fragment:
    """The template `template_name` rendered once for each key, its holes filled in for each request."""

    MAX_KEPT = 64  # texts kept a fragment: languages × URL prefixes × shapes; beyond, rendered each time

    def __init__(self, template_name: str, *, max_kept: int | None = None) -> None:
        self.template_name = template_name
        self.max_kept = max_kept  # None: `MAX_KEPT`
        self._rendered: dict[Hashable, str] = {}
        self._lock = threading.Lock()
        _FRAGMENTS.add(self)

    def forget(self) -> None:
        with self._lock:
            self._rendered.clear()

    def render(self, key: Hashable, context: Mapping[str, Any], holes: Mapping[str, Any]) -> SafeString:
        """The fragment for `context` (every value in it must follow from `key`) with `holes` filled in.

        In `context`, a hole is written as `hole(name)`; `holes` gives each name its value for this request.
        """
        full_key = (self.template_name, get_language(), get_script_prefix(), get_urlconf(), key)
        text = self._rendered.get(full_key)
        if text is None:
            text = render_to_string(self.template_name, dict(context))
            limit = self.MAX_KEPT if self.max_kept is None else self.max_kept
            if not settings.DEBUG and len(self._rendered) < limit:
                with self._lock:
                    self._rendered.setdefault(full_key, text)
        values = {name: str(conditional_escape(value)) for name, value in holes.items()}
        return SafeString(_HOLE.sub(lambda match: values[match.group(1)], text))


@receiver(setting_changed)
def _forget_on_new_templates(*, setting: str, **kwargs: Any) -> None:
    """The templates changed (`override_settings(TEMPLATES=…)`): what was rendered with the old ones goes."""
    if setting in ("TEMPLATES", "LANGUAGES"):
        for fragment in list(_FRAGMENTS):
            fragment.forget()


class PathOnly:
    """What a fragment's template may read of the request: its path, as a hole (`request.get_full_path`)."""

    def get_full_path(self) -> str:
        return hole("next_path")
