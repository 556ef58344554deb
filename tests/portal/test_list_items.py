"""A citizen's list of dossiers, written by `my_dossier_items` as the template loop wrote it."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from motcua.core.listing import CodeRoute
from motcua.portal.templatetags.motcua import my_dossier_items

SCRIPT = "<script>alert(\"x\")</script> & 'quoted'"

# The loop the tag replaces, as portal/my_dossiers.html had it (one item a line).
LOOP = (
    "{% load i18n %}{% for d in dossiers %}<li>\n"
    '  <a class="result-title" href="{% url \'portal:my_dossier\' d.code %}">{{ d.code }}</a> — '
    "{{ d.procedure_version.name }}\n"
    '  <div class="meta"><span class="badge">{{ d.get_status_display }}</span>{% if d.due_at %}<span>'
    '{% translate "Hẹn trả" %}: {{ d.due_at|date:"d/m/Y H:i" }}</span>{% endif %}<span>{% translate "Nộp lúc" %} '
    '{{ d.submitted_at|date:"d/m/Y H:i" }}</span></div>\n</li>{% if not forloop.last %}\n{% endif %}{% endfor %}'
)


def _at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


def _dossier(n: int, **changes: object) -> SimpleNamespace:
    values: dict[str, object] = {
        "code": f"H21.10-261124-{n:04d}",
        "procedure_version": SimpleNamespace(name=f"Đăng ký khai sinh {SCRIPT}"),
        "submitted_at": _at("2026-11-24T17:30:00"),
        "due_at": _at("2026-12-01T02:05:00"),
        "status": "received",
    }
    values.update(changes)
    labels = {"received": f"Đã tiếp nhận {SCRIPT}", "returned": "Đã trả kết quả"}
    return SimpleNamespace(**values, get_status_display=lambda: labels[str(values["status"])])


def test_the_items_are_what_the_template_loop_wrote() -> None:
    dossiers = [_dossier(1), _dossier(2, due_at=None, status="returned"), _dossier(3, code="mã & <b>")]
    for language in ("vi", "en"):
        with translation.override(language):
            assert my_dossier_items(dossiers) == Template(LOOP).render(Context({"dossiers": dossiers})), language
    html = my_dossier_items(dossiers)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert html.count("Hẹn trả") == 2  # not for the dossier without a due date
    assert "25/11/2026 00:30" in html  # Vietnam's time
    assert my_dossier_items([]) == ""


def test_a_code_route_is_what_reverse_gives() -> None:
    route = CodeRoute("portal:my_dossier")
    for code in ("H21.10-261124-0001", "mã có dấu cách", "a?b#c%d", "0.0"):
        assert route(code) == reverse("portal:my_dossier", args=[code])
        with translation.override("en"):
            assert route(code) == reverse("portal:my_dossier", args=[code])
