"""Template helpers of the back office that stand in for Django's own on long lists."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from django.template import Context, Template
from django.urls import clear_script_prefix, reverse, set_script_prefix
from django.utils import translation

from motcua.backoffice.templatetags.backoffice import dossier_list_rows, dossier_url, inbox_rows


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


# ---- the rows of the inbox and the agency list: what the template loops wrote, written in Python -------------

SCRIPT = "<script>alert(\"x\")</script> & 'quoted'"

# The loops the tags replace, as the templates had them (whitespace between cells left out).
LIST_LOOP = (
    "{% load backoffice %}{% for d in page %}"
    '<tr><td><a href="{{ d.code|dossier_url }}">{{ d.code }}</a></td><td>{{ d.procedure_version.name }}</td>'
    "<td>{{ d.applicant_name }}</td><td>{{ d.submitted_at|date:'d/m/Y H:i' }}</td>"
    "<td>{{ d.due_at|date:'d/m/Y H:i'|default:'—' }}</td><td>{{ d.get_status_display }}</td></tr>"
    "{% if not forloop.last %}\n{% endif %}{% endfor %}"
)
INBOX_LOOP = (
    "{% load backoffice %}{% for row in rows %}{% with d=row.dossier %}"
    '<tr><td><a href="{{ d.code|dossier_url }}">{{ d.code }}</a></td><td>{{ d.procedure_version.name }}</td>'
    '<td>{{ d.applicant_name }}</td><td>{{ d.current_step.name|default:"—" }}</td>'
    '<td>{% if tab == "awaiting_reception" %}{{ d.reception_due_at|date:"d/m/Y H:i" }} '
    '<span class="{% if row.clock|is_negative %}late{% else %}muted{% endif %}">({{ row.clock|workhours }})</span>'
    '{% else %}<span class="{% if row.due and row.due < now and not d.paused_at %}late{% endif %}">'
    '{{ row.due|date:"d/m/Y H:i"|default:"—" }}</span>{% endif %}</td>'
    "<td>{{ d.get_status_display }}</td></tr>{% endwith %}{% if not forloop.last %}\n{% endif %}{% endfor %}"
)


def _at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


def _dossier(n: int, **changes: object) -> SimpleNamespace:
    values: dict[str, object] = {
        "code": f"000.00.01.H21-261124-{n:04d}",
        "procedure_version": SimpleNamespace(name=f"Cấp giấy phép {n} {SCRIPT}"),
        "applicant_name": f"Nguyễn Văn {SCRIPT}",
        "submitted_at": _at("2026-11-24T17:30:00"),  # 00:30 the next day in Hà Nội
        "due_at": _at("2026-12-01T02:05:00"),
        "reception_due_at": _at("2026-11-25T03:00:00"),
        "current_step": SimpleNamespace(name=f"Thẩm định {SCRIPT}"),
        "paused_at": None,
        "status": "processing",
    }
    values.update(changes)
    labels = {"processing": f"Đang xử lý {SCRIPT}", "received": "Đã tiếp nhận"}
    return SimpleNamespace(**values, get_status_display=lambda: labels[str(values["status"])])


def test_the_agency_list_rows_are_what_the_template_loop_wrote() -> None:
    page = [
        _dossier(1),
        _dossier(2, due_at=None, status="received"),
        _dossier(3, code="mã có dấu cách & <b>", submitted_at=_at("2026-01-01T00:00:00")),
    ]
    for language in ("vi", "en"):
        with translation.override(language):
            expected = Template(LIST_LOOP).render(Context({"page": page}))
            assert dossier_list_rows(page) == expected
    assert "<script>" not in dossier_list_rows(page)
    assert "25/11/2026 00:30" in dossier_list_rows(page)  # shown in Vietnam's time
    assert dossier_list_rows([]) == ""


def test_the_inbox_rows_are_what_the_template_loop_wrote() -> None:
    now = _at("2026-11-28T00:00:00")
    rows = [
        {"dossier": _dossier(1), "due": _at("2026-11-27T09:00:00"), "clock": dt.timedelta(hours=3)},  # late
        {"dossier": _dossier(2, status="received"), "due": _at("2026-11-29T09:00:00"), "clock": dt.timedelta(hours=-2)},
        {"dossier": _dossier(3, paused_at=now), "due": _at("2026-11-27T09:00:00"), "clock": None},  # clock stopped
        {"dossier": _dossier(4, current_step=None, reception_due_at=None), "due": None, "clock": None},
        {"dossier": _dossier(5, current_step=SimpleNamespace(name="")), "due": now, "clock": dt.timedelta(0)},
    ]
    for tab in ("to_do", "awaiting_reception", "overdue"):
        for language in ("vi", "en"):
            with translation.override(language):
                context = {"rows": rows, "tab": tab, "now": now}
                assert inbox_rows(rows, tab, now) == Template(INBOX_LOOP).render(Context(context)), (tab, language)
    html = inbox_rows(rows, "to_do", now)
    assert html.count('class="late"') == 1
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert inbox_rows([], "to_do", now) == ""
