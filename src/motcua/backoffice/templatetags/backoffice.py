"""Template helpers of the back office: accessible fields, working-time durations, the menu."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import quote

from django import template
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.http import RFC3986_SUBDELIMS
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from motcua.core.text import person_name
from motcua.dossiers.lifecycle import ACTION_LABELS
from motcua.dossiers.selectors import alert_count
from motcua.org import access

register = template.Library()


@register.filter
def workhours(value: dt.timedelta | None) -> str:
    """A working-time duration: 'còn 5 giờ 30 phút' or 'quá 2 giờ 0 phút'."""
    if value is None:
        return ""
    minutes = int(value.total_seconds() // 60)
    late = minutes < 0
    minutes = abs(minutes)
    text = _("%(h)s giờ %(m)s phút") % {"h": minutes // 60, "m": minutes % 60}
    return (_("quá %(t)s") if late else _("còn %(t)s")) % {"t": text}


_DOSSIER_ROUTE = "0.0"  # a code the route accepts; the route is reversed with it once, then filled in


@register.filter
def dossier_url(code: str) -> str:
    """`{% url 'backoffice:dossier' code %}` for the rows of a list: the route is reversed once per script
    prefix, URL configuration and language, then each row only quotes its code into it, as `reverse` does."""
    key = (get_script_prefix(), get_urlconf(), get_language())
    route = _DOSSIER_ROUTES.get(key)
    if route is None:
        route = _DOSSIER_ROUTES[key] = reverse("backoffice:dossier", args=[_DOSSIER_ROUTE]).rsplit(_DOSSIER_ROUTE, 1)
    return quote(str(code), safe=RFC3986_SUBDELIMS + "/~:@").join(route)


_DOSSIER_ROUTES: dict[tuple[Any, ...], list[str]] = {}


@register.filter
def is_negative(value: dt.timedelta | None) -> bool:
    return value is not None and value.total_seconds() < 0


@register.simple_tag
def menu_for(user: Any) -> dict[str, Any]:
    """Which work screens the signed-in officer has, and the number of unread deadline alerts."""
    return {
        "alerts": alert_count(user),
        "receive": access.can(user, access.Permission.RECEIVE_DOSSIER),
        "assign": access.can(user, access.Permission.ASSIGN_DOSSIER),
        "approve": access.can(user, access.Permission.APPROVE_DOSSIER),
        "return": access.can(user, access.Permission.RETURN_RESULT),
        "reports": access.can(user, access.Permission.VIEW_REPORTS),
    }


@register.filter
def event_label(action: str) -> str:
    """The name of an audit event's action for people ('forward' -> 'Chuyển xử lý')."""
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action


@register.filter
def display_name(user: Any) -> str:
    """A person's name in Vietnamese order (family name first)."""
    return person_name(user) if user is not None else ""
