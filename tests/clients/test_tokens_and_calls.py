"""`POST /api/v1/oauth/token`, the per-client rate limit and the audit of client calls."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from django.test import Client

from motcua.clients.models import ApiCall, ApiClient
from motcua.clients.views import ATTEMPTS_PER_CLIENT_PER_MINUTE
from tests.clients.conftest import World, bearer, client_token, submit_counter

PROBLEM = "application/problem+json"
TOKEN = "/api/v1/oauth/token"


def refused(response: Any, status: int, error: str) -> None:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert (body["status"], body["error"]) == (status, error)
    assert response["Cache-Control"] == "no-store"


@pytest.fixture
def registered(world: World, register: Any) -> Any:
    return register(world.department, scopes=["dossiers:read", "stats:read"])


def test_form_and_json_and_basic_grants(registered: Any, client: Client) -> None:
    form = {"grant_type": "client_credentials", "client_id": registered.client.client_id}
    form["client_secret"] = registered.secret
    response = client.post(TOKEN, form)
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "scope"}
    assert (body["token_type"], body["expires_in"], body["scope"]) == ("Bearer", 3600, "dossiers:read stats:read")

    response = client.post(TOKEN, {**form, "scope": "stats:read"}, content_type="application/json")
    assert response.status_code == 200
    assert response.json()["scope"] == "stats:read"

    basic = base64.b64encode(f"{registered.client.client_id}:{registered.secret}".encode()).decode()
    response = client.post(TOKEN, {"grant_type": "client_credentials"}, headers={"authorization": f"Basic {basic}"})
    assert response.status_code == 200, response.content


def test_token_errors(registered: Any, world: World, register: Any, client: Client) -> None:
    good = {"grant_type": "client_credentials", "client_id": registered.client.client_id}
    good["client_secret"] = registered.secret
    refused(client.post(TOKEN, {**good, "client_secret": "wrong"}), 401, "invalid_client")
    refused(client.post(TOKEN, {**good, "client_id": "mc_unknown"}), 401, "invalid_client")
    refused(client.post(TOKEN, {**good, "client_secret": ""}), 401, "invalid_client")
    refused(client.post(TOKEN, {**good, "scope": "dossiers:write"}), 400, "invalid_scope")
    refused(client.post(TOKEN, {**good, "scope": "dossiers:submit"}), 400, "invalid_scope")  # not the client's
    refused(client.post(TOKEN, {**good, "grant_type": "password"}), 400, "unsupported_grant_type")
    refused(client.post(TOKEN, "[1]", content_type="application/json"), 400, "invalid_request")
    refused(client.post(TOKEN, "{not json", content_type="application/json"), 400, "invalid_request")
    assert client.get(TOKEN).status_code == 405
    ApiClient.objects.filter(pk=registered.client.pk).update(is_active=False)
    refused(client.post(TOKEN, good), 401, "invalid_client")


def test_token_endpoint_is_throttled_per_client(registered: Any, client: Client) -> None:
    wrong = {"grant_type": "client_credentials", "client_id": registered.client.client_id, "client_secret": "x"}
    for _attempt in range(ATTEMPTS_PER_CLIENT_PER_MINUTE):
        refused(client.post(TOKEN, wrong), 401, "invalid_client")
    good = {**wrong, "client_secret": registered.secret}
    response = client.post(TOKEN, good)
    refused(response, 429, "slow_down")
    assert response["Retry-After"] == "60"


def test_rate_limit_per_client(world: World, register: Any, client: Client, clock: Any) -> None:
    limited = register(world.department, scopes=["dossiers:read"], rate_limit_per_minute=3)
    other = register(world.department, scopes=["dossiers:read"], name="another")
    token, other_token = client_token(client, limited), client_token(client, other)
    statuses = [client.get("/api/v1/dossiers", headers=bearer(token)).status_code for _call in range(3)]
    assert statuses == [200, 200, 200]
    response = client.get("/api/v1/dossiers", headers=bearer(token))
    assert response.status_code == 429
    assert response["Content-Type"] == PROBLEM
    # frozen at 09:00:00: the window ends in 60 seconds
    assert response["Retry-After"] == "60"
    assert client.get("/api/v1/dossiers", headers=bearer(other_token)).status_code == 200  # its own budget
    clock.move_to("2026-03-02 02:01:00+00:00")  # the next minute
    assert client.get("/api/v1/dossiers", headers=bearer(token)).status_code == 200


def test_every_client_call_is_audited(world: World, register: Any, client: Client) -> None:
    dossier = submit_counter(world, "2026-03-02 08:30")
    registered = register(world.department, scopes=["dossiers:read"])
    token = client_token(client, registered)
    client.get("/api/v1/dossiers?status=submitted", headers=bearer(token), REMOTE_ADDR="203.0.113.7")
    client.get(f"/api/v1/dossiers/{dossier.code}", headers=bearer(token), REMOTE_ADDR="203.0.113.7")
    client.get("/api/v1/stats/summary?agency=000.00.02.H21&from=2026-03-01&to=2026-03-31", headers=bearer(token))
    client.get("/api/v1/dossiers/NO-SUCH", headers=bearer(token))
    rows = list(
        ApiCall.objects.filter(client=registered.client)
        .order_by("pk")
        .values_list("method", "path", "status", "remote_address")
    )
    assert rows == [
        ("POST", "/api/v1/oauth/token", 200, "127.0.0.1"),
        ("GET", "/api/v1/dossiers", 200, "203.0.113.7"),  # no query string
        ("GET", f"/api/v1/dossiers/{dossier.code}", 200, "203.0.113.7"),
        ("GET", "/api/v1/stats/summary", 403, "127.0.0.1"),
        ("GET", "/api/v1/dossiers/NO-SUCH", 404, "127.0.0.1"),
    ]
    registered.client.refresh_from_db()
    assert registered.client.last_used_at is not None
    # a user's call and an unknown token are not client calls
    client.get("/api/v1/dossiers", headers=bearer("garbage"))
    assert ApiCall.objects.count() == 5


def test_odd_client_ids_are_refused_cleanly(db: Any, client: Client) -> None:
    odd = {"grant_type": "client_credentials", "client_id": "'ú;\x18 搻 wcè" * 20, "client_secret": "x"}
    refused(client.post(TOKEN, odd), 401, "invalid_client")
    refused(client.post(TOKEN, odd, content_type="application/json"), 401, "invalid_client")
