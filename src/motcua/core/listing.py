"""Rows of long lists written in Python: escaped like a template, a fraction of the CPU.

The inbox, the agency list and a citizen's dossiers show up to 50 rows. Written as template loops, their
rows were about half of each page's CPU at a million dossiers: some 400 variables, 100 `date` filters and
50 `{% url %}` tags a page through Django's template engine (docs/performance.md, fifth session). A list
now keeps its page in its template and has a tag write its rows: one format string per row, each value
escaped as the template escaped it (`html_row`), dates as `|date:"d/m/Y H:i"` wrote them (`short_when`),
links as `{% url %}` gave them (`CodeRoute`). Tests compare each tag with the loop it replaced.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone
from django.utils.http import RFC3986_SUBDELIMS
from django.utils.safestring import SafeString
from django.utils.translation import get_language

NONE = "—"  # what an empty cell shows


def html_row(template: str, *values: Any) -> SafeString:
    """`format_html(template, *values)` without its lazy-string checks (a third of a row's time): every
    value is escaped with `html.escape`, as Django's `escape` does, unless it is safe HTML (`__html__`)."""
    return SafeString(
        template.format(*(v.__html__() if hasattr(v, "__html__") else html.escape(str(v)) for v in values))
    )


def status_label(labels: dict[str, str], dossier: Any) -> str:
    """`dossier.get_status_display()`, translated once a list: `labels` is the list's memo of them."""
    found = labels.get(dossier.status)
    if found is None:
        found = labels[dossier.status] = dossier.get_status_display()
    return found


def join_rows(rows: Any) -> SafeString:
    """Rows from `html_row`, one a line; every piece is escaped HTML already."""
    return SafeString("\n".join(rows))


def short_when(value: dt.datetime | None, zone: dt.tzinfo | None = None) -> str:
    """`value|date:"d/m/Y H:i"` in the active time zone (Asia/Ho_Chi_Minh), or in `zone` when a list asked
    for the active one once (`timezone.get_current_timezone()`); '' for None."""
    if value is None:
        return ""
    if timezone.is_aware(value):
        value = value.astimezone(zone) if zone is not None else timezone.localtime(value)
    return f"{value.day:02d}/{value.month:02d}/{value.year:04d} {value.hour:02d}:{value.minute:02d}"


class CodeRoute:
    """`{% url name code %}` for the rows of a list: the route is reversed once per script prefix, URL
    configuration and language, then each row only quotes its code into it, as `reverse` does."""

    PLACEHOLDER = "0.0"  # a code the route accepts; reversed with it once, then filled in

    def __init__(self, name: str) -> None:
        self.name = name
        self._routes: dict[tuple[Any, ...], list[str]] = {}

    def __call__(self, code: str) -> str:
        return self.bound()(code)

    def bound(self) -> Callable[[str], str]:
        """The route for the current request, resolved once, for all the rows of a list."""
        key = (get_script_prefix(), get_urlconf(), get_language())
        route = self._routes.get(key)
        if route is None:
            route = self._routes[key] = reverse(self.name, args=[self.PLACEHOLDER]).rsplit(self.PLACEHOLDER, 1)
        return lambda code: quote(str(code), safe=_SAFE).join(route)


_SAFE = RFC3986_SUBDELIMS + "/~:@"
