"""The unread deadline alerts the back office's menu shows come with the signed-in officer's own read."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from motcua.accounts.backends import AccountBackend
from motcua.dossiers import selectors, services
from motcua.dossiers.models import DeadlineAlert
from tests.backoffice.conftest import World, at, submit_counter

pytestmark = pytest.mark.django_db


def _alert(world: World, recipient: object, read: bool = False) -> DeadlineAlert:
    dossier = submit_counter(world, "2026-03-02 09:00")
    services.dossier_receive(dossier=dossier, actor=world.officer.user, at=at("2026-03-02 09:05"))
    return DeadlineAlert.objects.create(
        dossier=dossier,
        step=None,
        kind=DeadlineAlert.Kind.STEP_DUE_SOON,
        recipient=recipient,
        created_at=at("2026-03-04 09:00"),
        due_at=at("2026-03-06 09:00"),
        read_at=at("2026-03-04 10:00") if read else None,
    )


def test_the_count_is_read_with_the_user_and_counts_only_their_unread_alerts(world: World) -> None:
    for _ in range(2):
        _alert(world, world.specialist)
    _alert(world, world.specialist, read=True)
    _alert(world, world.head)  # someone else's
    with CaptureQueriesContext(connection) as queries:
        user = AccountBackend().get_user(world.specialist.user.pk)
        assert selectors.alert_count(user) == 2
    assert len(queries) == 1, [q["sql"] for q in queries]
    assert selectors.alert_count(AccountBackend().get_user(world.leader.user.pk)) == 0
    assert selectors.alert_count(AccountBackend().get_user(world.citizen.pk)) == 0
    assert selectors.alert_count(world.specialist.user) == 2  # a user read otherwise: counted by a statement


def test_the_menu_shows_the_count_and_a_read_alert_leaves_it_at_the_next_page(world: World) -> None:
    alert = _alert(world, world.specialist)
    client = Client()
    client.force_login(world.specialist.user)
    page = client.get("/can-bo/ho-so/").content.decode()
    assert 'alert-pill">1</span>' in page
    done = client.post("/can-bo/canh-bao/", {"alert": [alert.pk]})
    assert done.status_code == 302
    assert "alert-pill" not in client.get(done["Location"]).content.decode()
