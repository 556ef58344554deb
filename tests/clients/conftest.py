"""The dossier tests' small province, API clients of its agencies, and a recording webhook receiver."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client

from motcua.catalog.models import Component
from motcua.clients import services, webhooks
from motcua.clients.models import ApiClient
from tests.dossiers.conftest import World, at, submit_counter, world

__all__ = ["NOW", "World", "at", "submit_counter", "world"]

NOW = "2026-03-02 09:00"


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    """Rate-limit counters live in the cache: every test starts from zero."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def clock() -> Iterator[Any]:
    """Now is Monday 2 March 2026 09:00 +07:00, frozen; tests move it with `clock.move_to`."""
    with time_machine.travel(at(NOW), tick=False) as traveller:
        yield traveller


@pytest.fixture
def optional_components(world: World) -> World:
    """A client submits without files: the procedure's components are optional here."""
    Component.objects.filter(version=world.version).update(required=False)
    return world


@dataclass
class Registered:
    client: ApiClient
    secret: str


@pytest.fixture
def register(world: World) -> Any:
    def make(*agencies: Any, scopes: list[str], name: str = "Cổng dịch vụ công huyện", **values: Any) -> Registered:
        client, secret = services.api_client_create(name=name, scopes=scopes, agencies=list(agencies))
        if values:
            for key, value in values.items():
                setattr(client, key, value)
            client.save()
        return Registered(client, secret)

    return make


def client_token(http: Client, registered: Registered, scope: str = "") -> str:
    data = {"grant_type": "client_credentials", "client_id": registered.client.client_id}
    data["client_secret"] = registered.secret
    if scope:
        data["scope"] = scope
    response = http.post("/api/v1/oauth/token", data)
    assert response.status_code == 200, response.content
    token: str = response.json()["access_token"]
    return token


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


@dataclass
class Receiver:
    """Stands in for the subscriber's server: records each POST and answers the next queued status."""

    answers: list[int | Exception] = field(default_factory=list)
    calls: list[dict[str, Any]] = field(default_factory=list)

    def __call__(self, url: str, body: bytes, headers: dict[str, str], timeout: float) -> webhooks.Answer:
        self.calls.append({"url": url, "body": body, "headers": dict(headers)})
        answer = self.answers.pop(0) if self.answers else 200
        if isinstance(answer, Exception):
            raise answer
        return webhooks.Answer(status=answer)


@pytest.fixture
def receiver(monkeypatch: pytest.MonkeyPatch) -> Receiver:
    fake = Receiver()
    monkeypatch.setattr(webhooks, "transport", fake)
    return fake


def later(seconds: float) -> dt.datetime:
    return at(NOW) + dt.timedelta(seconds=seconds)


PROBLEM = "application/problem+json"


def problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"].split(";")[0] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    return body


def user_token(http: Client, user: Any) -> str:
    from tests.factories import PASSWORD

    response = http.post(
        "/api/v1/auth/token", {"username": user.get_username(), "password": PASSWORD}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    token: str = response.json()["access_token"]
    return token
