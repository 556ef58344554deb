"""The agency list's rows read as tuples (`selectors.list_rows`) write what the dossiers themselves wrote."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import translation

from motcua.backoffice.templatetags.backoffice import dossier_list_rows
from motcua.dossiers import queues, selectors, services
from motcua.dossiers.models import Dossier
from tests.backoffice.conftest import World, at, submit_counter, submit_online

pytestmark = pytest.mark.django_db


def test_the_rows_read_as_tuples_are_the_dossiers_rows(world: World) -> None:
    online = submit_online(world, "2026-03-02 09:00")  # waiting for reception
    received = submit_counter(world, "2026-03-02 09:05")
    services.dossier_receive(dossier=received, actor=world.officer.user, at=at("2026-03-02 09:06"))
    forwarded = submit_counter(world, "2026-03-02 09:10")
    services.dossier_receive(dossier=forwarded, actor=world.officer.user, at=at("2026-03-02 09:11"))
    services.dossier_forward(dossier=forwarded, actor=world.officer.user, at=at("2026-03-02 09:12"))
    Dossier.objects.filter(pk=online.pk).update(applicant_name="<script>alert('x')</script> & Lê")
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
