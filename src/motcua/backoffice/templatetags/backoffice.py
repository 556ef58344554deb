"""Template helpers of the back office: accessible fields, working-time durations, the menu."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.middleware.csrf import get_token
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from motcua.core.fragments import Fragment, PathOnly, hole
from motcua.core.listing import NONE, CodeRoute, html_row, join_rows, short_when, status_label
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


_DOSSIER = CodeRoute("backoffice:dossier")


@register.filter
def dossier_url(code: str) -> str:
    """`{% url 'backoffice:dossier' code %}`, the route reversed once (`CodeRoute`), for the rows of a list."""
    return _DOSSIER(code)


@register.filter
def is_negative(value: dt.timedelta | None) -> bool:
    return value is not None and value.total_seconds() < 0


_NAV = Fragment("backoffice/_nav.html")


@register.simple_tag(takes_context=True)
def backoffice_nav(context: Any) -> SafeString:
    """The signed-in officer's menu (backoffice/_nav.html), rendered once for each set of screens and
    language (`motcua.core.fragments`); their name, unread alerts, CSRF token and path filled in."""
    kept = context.get("_kept_menu")  # (a name no template can set: none begins with "_")
    if kept is not None:  # a page rendered once as a `Fragment` (views.inbox): the menu is one of its holes
        return SafeString(kept)
    request, user = context["request"], context["user"]
    menu = menu_for(user)
    # the text kept is rendered from the key alone: which screens show, and whether there are unread alerts
    key = tuple(sorted((name, bool(value)) for name, value in menu.items()))
    shape: dict[str, Any] = dict(key)
    shape["alerts"] = hole("alerts") if menu["alerts"] else 0
    return _NAV.render(
        key,
        {"menu": shape, "user_name": hole("user_name"), "request": PathOnly(), "csrf_token": hole("csrf_token")},
        {
            "alerts": menu["alerts"],
            "user_name": display_name(user) or user.get_username(),
            "next_path": request.get_full_path(),
            "csrf_token": get_token(request),
        },
    )


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


# ---- the rows of the busiest lists (motcua.core.listing says why they are written in Python) ---------------

_LIST_ROW = '<tr><td><a href="{}">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>'


@register.simple_tag
def dossier_list_rows(dossiers: Any) -> SafeString:
    """The rows of the agency list (backoffice/dossier_list.html): code, procedure, applicant, submitted, due,
    status."""
    url, zone = _DOSSIER.bound(), timezone.get_current_timezone()
    labels: dict[str, str] = {}
    return join_rows(
        html_row(
            _LIST_ROW,
            url(d.code),
            d.code,
            d.procedure_version.name,
            d.applicant_name,
            short_when(d.submitted_at, zone),
            short_when(d.due_at, zone) or NONE,
            status_label(labels, d),
        )
        for d in dossiers
    )


_INBOX_ROW = '<tr><td><a href="{}">{}</a></td><td>{}</td><td>{}</td><td>{}</td>{}<td>{}</td></tr>'
_INBOX_DUE = '<td><span class="{}">{}</span></td>'
_INBOX_RECEPTION_DUE = '<td>{} <span class="{}">({})</span></td>'


@register.simple_tag
def inbox_rows(rows: list[dict[str, Any]], tab: str, now: dt.datetime) -> SafeString:
    """The rows of an inbox tab (backoffice/inbox.html); `rows` as the view gives them (dossier, due, clock).

    The due column: on the reception tab the 8-hour reception deadline with the working time left (late
    once it has run out), elsewhere the step's due instant, late when past and the clock is not stopped.
    """
    parts = []
    url, zone = _DOSSIER.bound(), timezone.get_current_timezone()
    labels: dict[str, str] = {}
    for row in rows:
        d = row["dossier"]
        if tab == "awaiting_reception":
            clock = row["clock"]
            due = html_row(
                _INBOX_RECEPTION_DUE,
                short_when(d.reception_due_at, zone),
                "late" if is_negative(clock) else "muted",
                workhours(clock),
            )
        else:
            at = row["due"]
            due = html_row(
                _INBOX_DUE, "late" if at and at < now and not d.paused_at else "", short_when(at, zone) or NONE
            )
        step = d.current_step
        parts.append(
            html_row(
                _INBOX_ROW,
                url(d.code),
                d.code,
                d.procedure_version.name,
                d.applicant_name,
                (step.name if step is not None else "") or NONE,
                due,
                status_label(labels, d),
            )
        )
    return join_rows(parts)


@register.filter
def event_label(action: str) -> str:
    """The name of an audit event's action for people ('forward' -> 'Chuyển xử lý')."""
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action


@register.filter
def display_name(user: Any) -> str:
    """A person's name in Vietnamese order (family name first)."""
    return person_name(user) if user is not None else ""
