"""The admin: administrators register clients; the secret is shown once and works; calls are read-only."""

from __future__ import annotations

import re
from typing import Any

from django.contrib.messages import get_messages
from django.test import Client

from motcua.clients import tokens
from motcua.clients.models import ApiCall, ApiClient
from motcua.org.models import Role
from tests.clients.conftest import World
from tests.factories import make_staff

ADD = "/quan-tri/clients/apiclient/add/"


def test_an_administrator_registers_a_client_and_sees_the_secret_once(world: World, client: Client) -> None:
    admin = make_staff(Role.PROVINCE_ADMIN, agency=world.committee, username="quantri", is_staff=True)
    client.force_login(admin.user)
    response = client.post(
        ADD,
        {
            "name": "Cổng dịch vụ công huyện",
            "is_active": "on",
            "scopes": ["dossiers:read", "stats:read"],
            "agencies": [world.department.pk],
            "rate_limit_per_minute": "60",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    created = ApiClient.objects.get()
    assert (created.scopes, created.created_by, created.rate_limit_per_minute) == (
        ["dossiers:read", "stats:read"],
        admin.user,
        60,
    )
    assert list(created.agencies.all()) == [world.department]
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    match = re.search(r"một lần: (\S+)$", shown[0])  # before the admin's "added" message
    assert match is not None, shown
    secret = match.group(1)
    assert created.secret_hash == tokens.hash_secret(secret) and secret not in created.secret_hash
    grant = tokens.token_issue(client_id=created.client_id, client_secret=secret)
    assert grant.scopes == ("dossiers:read", "stats:read")


def test_only_administrators_manage_clients(world: World, client: Client) -> None:
    leader = make_staff(Role.AGENCY_LEADER, agency=world.department, username="lanhdao2", is_staff=True)
    client.force_login(leader.user)
    assert client.get("/quan-tri/clients/apiclient/").status_code == 403
    assert client.get(ADD).status_code == 403
    assert client.get("/quan-tri/clients/webhooksubscription/").status_code == 403


def test_calls_are_read_only_in_the_admin(world: World, client: Client, register: Any) -> None:
    registered = register(world.department, scopes=["dossiers:read"])
    call = ApiCall.objects.create(client=registered.client, method="GET", path="/api/v1/dossiers", status=200)
    admin = make_staff(Role.PROVINCE_ADMIN, agency=world.committee, username="quantri", is_staff=True)
    client.force_login(admin.user)
    assert client.get("/quan-tri/clients/apicall/").status_code == 200
    page = client.get(f"/quan-tri/clients/apicall/{call.pk}/change/")
    assert page.status_code == 200
    assert 'name="path"' not in page.content.decode()  # shown, not editable
    assert client.get("/quan-tri/clients/apicall/add/").status_code == 403
    assert client.get("/quan-tri/clients/webhookdelivery/").status_code == 200
