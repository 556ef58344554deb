"""Template helpers shared by the citizen and staff pages: VND amounts, periods, accessible fields."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms, template
from django.core.exceptions import NON_FIELD_ERRORS
from django.forms import BoundField
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from motcua.catalog.models import TimeUnit
from motcua.core.fragments import Fragment, PathOnly, hole
from motcua.core.listing import CodeRoute, html_row, join_rows, short_when, status_label
from motcua.core.money import group_thousands

register = template.Library()

_SITE_NAV = Fragment("_site_nav.html")


@register.simple_tag(takes_context=True)
def site_nav(context: Any) -> SafeString:
    """The site's menu (_site_nav.html), rendered once for each language and for signed-in or not
    (`motcua.core.fragments`); the CSRF token and the path filled in. Without a request (a page rendered for
    something else than a browser) it is rendered as it stands."""
    request = context.get("request")
    if request is None:
        return SafeString(render_to_string("_site_nav.html", context.flatten()))
    signed_in = bool(getattr(context.get("user"), "is_authenticated", False))
    return _SITE_NAV.render(
        ("signed_in", signed_in),
        {"user": _SignedIn(signed_in), "request": PathOnly(), "csrf_token": hole("csrf_token")},
        {"next_path": request.get_full_path(), "csrf_token": get_token(request)},
    )


class _SignedIn:
    """All the menu's template reads of the user: whether they are signed in (the key)."""

    def __init__(self, signed_in: bool) -> None:
        self.is_authenticated = signed_in


@register.filter
def vnd(amount: int | None) -> str:
    """50000 -> '50.000 đ' (Vietnamese thousands separator)."""
    if amount is None:
        return ""
    return f"{group_thousands(int(amount))} đ"


@register.filter
def period(value: Decimal | None, unit: str) -> str:
    """(Decimal('0.5'), 'working_days') -> '0,5 ngày làm việc'."""
    if value is None:
        return ""
    number = str(int(value)) if value == value.to_integral_value() else str(value.normalize()).replace(".", ",")
    label = TimeUnit(unit).label if unit in TimeUnit.values else unit
    return _("%(number)s %(unit)s") % {"number": number, "unit": label}


def _aria(bound: BoundField) -> dict[str, Any]:
    described = []
    if bound.help_text:
        described.append(f"{bound.auto_id}_help")
    if bound.errors:
        described.append(f"{bound.auto_id}_error")
    attrs: dict[str, Any] = {}
    if described:
        attrs["aria-describedby"] = " ".join(described)
    if bound.errors:
        attrs["aria-invalid"] = "true"
    if bound.field.required and not bound.field.disabled:
        attrs["required"] = True
    return attrs


@register.simple_tag
def widget(bound: BoundField) -> str:
    """Only the input, with its error tied to it (the page renders label and error itself)."""
    return bound.as_widget(attrs=_aria(bound))


@register.inclusion_tag("_field.html")
def field(bound: BoundField, wide: bool = False) -> dict[str, Any]:
    """A field with its label, help and errors tied to it (aria-describedby, aria-invalid)."""
    widget = bound.as_widget(attrs=_aria(bound))
    kind = bound.field.widget.__class__.__name__
    return {
        "f": bound,
        "widget": widget,
        "wide": wide,
        "check": kind == "CheckboxInput",
        "group": kind in {"RadioSelect", "CheckboxSelectMultiple"},
    }


@register.inclusion_tag("_error_summary.html")
def error_summary(form: forms.Form) -> dict[str, Any]:
    """The list of errors on top of the form, each field's linked to the field (focusable, announced)."""
    fields = []
    for name, errors in form.errors.items():
        if name == NON_FIELD_ERRORS or name not in form.fields:
            continue
        bound = form[name]
        # radio buttons and check boxes have no single input: go to the first one
        anchor = bound.id_for_label or f"{bound.auto_id}_0"
        fields.append({"anchor": anchor, "label": bound.label, "errors": errors})
    return {"form": form, "fields": fields, "general": form.non_field_errors()}


# ---- a citizen's dossiers (motcua.core.listing says why the rows are written in Python) ---------------------

_MY_DOSSIER = CodeRoute("portal:my_dossier")
_MY_ITEM = (
    '<li>\n  <a class="result-title" href="{}">{}</a> — {}\n'
    '  <div class="meta"><span class="badge">{}</span>{}<span>{} {}</span></div>\n</li>'
)
_MY_DUE = "<span>{}: {}</span>"


@register.simple_tag
def my_dossier_items(dossiers: Any) -> SafeString:
    """The items of "Hồ sơ đã nộp" (portal/my_dossiers.html): code and procedure, status, due date when the
    dossier has one, submission time."""
    due, submitted = _("Hẹn trả"), _("Nộp lúc")
    url, zone = _MY_DOSSIER.bound(), timezone.get_current_timezone()
    labels: dict[str, str] = {}
    return join_rows(
        html_row(
            _MY_ITEM,
            url(d.code),
            d.code,
            d.procedure_version.name,
            status_label(labels, d),
            html_row(_MY_DUE, due, short_when(d.due_at, zone)) if d.due_at else "",
            submitted,
            short_when(d.submitted_at, zone),
        )
        for d in dossiers
    )
