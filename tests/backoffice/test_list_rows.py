"""The agency list's and the inbox's rows read as tuples (`selectors.list_rows`, `selectors.inbox_rows`) write
what the dossiers themselves wrote."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from motcua.backoffice.templatetags.backoffice import dossier_list_rows, inbox_rows
from motcua.backoffice.views import _step_due
from motcua.dossiers import queues, selectors, services
from motcua.dossiers.models import Dossier
from tests.backoffice.conftest import World, at, submit_counter, submit_online

pytestmark = pytest.mark.django_db


def _three_dossiers(world: World) -> tuple[Dossier, Dossier, Dossier]:
    """One online dossier waiting for reception (its 8-hour clock runs; a name with markup), one received,
    one received and forwarded."""
    online = submit_online(world, "2026-03-02 09:00")  # waiting for reception
    received = submit_counter(world, "2026-03-02 09:05")
    services.dossier_receive(dossier=received, actor=world.officer.user, at=at("2026-03-02 09:06"))
    forwarded = submit_counter(world, "2026-03-02 09:10")
    services.dossier_receive(dossier=forwarded, actor=world.officer.user, at=at("2026-03-02 09:11"))
    services.dossier_forward(dossier=forwarded, actor=world.officer.user, at=at("2026-03-02 09:12"))
    Dossier.objects.filter(pk=online.pk).update(applicant_name="<script>alert('x')</script> & Lê")
    return online, received, forwarded


def test_the_rows_read_as_tuples_are_the_dossiers_rows(world: World) -> None:
    _three_dossiers(world)
    dossiers = queues.agency_dossiers(world.officer.user, status="", query="", overdue=False)
    rows = selectors.list_rows(dossiers)
    assert [row.code for row in rows] == [d.code for d in dossiers] and len(rows) == 3
    assert len({row.status for row in rows}) == 3
    for language in ("vi", "en"):
        with translation.override(language):
            assert dossier_list_rows(rows) == dossier_list_rows(list(dossiers))
            assert [row.get_status_display() for row in rows] == [d.get_status_display() for d in dossiers]


def test_the_agency_list_page_shows_them(world: World) -> None:
    dossier = submit_counter(world, "2026-03-02 09:05")
    client = Client()
    client.force_login(world.officer.user)
    page = client.get("/can-bo/ho-so/").content.decode()
    assert f'href="/can-bo/ho-so/{dossier.code}/"' in page and dossier.procedure_version.name in page
    assert dossier.get_status_display() in page and "Không có hồ sơ." not in page


def test_the_inbox_rows_read_as_tuples_are_the_dossiers_rows(world: World) -> None:
    """`selectors.inbox_rows` against the dossiers themselves: the inbox tag writes the same rows on every
    tab in both languages, the reception clocks and the due column read the same instants."""
    online, received, forwarded = _three_dossiers(world)
    Dossier.objects.filter(pk=received.pk).update(paused_at=at("2026-03-02 10:00"))
    Dossier.objects.filter(pk=forwarded.pk).update(current_step=None)  # a dossier between steps
    dossiers = [online, received, forwarded]
    items = [selectors.InboxItem(d.pk, d.code, None) for d in dossiers]
    read = selectors.inbox_rows(items)
    models = [Dossier.objects.select_related("procedure_version", "current_step").get(pk=d.pk) for d in dossiers]
    assert [row.code for row in read] == [d.code for d in dossiers]
    steps = [(d.current_step.name, d.current_step.due_at) if d.current_step else None for d in models]
    assert [(r.current_step.name, r.current_step.due_at) if r.current_step else None for r in read] == steps
    assert steps[1] is not None and steps[1][0] and steps[2] is None
    now = at("2026-03-03 15:00")
    assert queues.reception_clocks(read, now=now) == queues.reception_clocks(models, now=now)
    assert queues.reception_clocks(read, now=now)[0] is not None
    for language in ("vi", "en"):
        with translation.override(language):
            for tab in ("to_do", "paused", "awaiting_reception"):
                assert inbox_rows(_tag_rows(read, now), tab, now) == inbox_rows(_tag_rows(models, now), tab, now)
            assert [row.get_status_display() for row in read] == [d.get_status_display() for d in models]
    html = inbox_rows(_tag_rows(read, now), "to_do", now)
    assert "&lt;script&gt;" in html and "<script>" not in html
    assert selectors.inbox_rows([selectors.InboxItem(10**9, "missing", None)]) == []


def _tag_rows(dossiers: Any, now: Any) -> list[dict[str, Any]]:
    """The rows as the inbox view hands them to its tag."""
    clocks = queues.reception_clocks(dossiers, now=now)
    return [{"dossier": d, "due": _step_due(d), "clock": c} for d, c in zip(dossiers, clocks, strict=True)]
