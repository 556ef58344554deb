"""The dossier tests' small province, and the national portal simulator reached through the Django test client."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from motcua.integrations.national_portal import simulator, sync
from motcua.integrations.national_portal.client import Response
from tests.dossiers.conftest import World, at, submit_counter, submit_online, world

__all__ = ["World", "at", "submit_counter", "submit_online", "world"]

PORTAL_URL = "http://testserver/mo-phong/dvcqg"


class DjangoClientTransport:
    """Posts to the simulator's views through the test client: the HTTP path without a socket."""

    def __init__(self) -> None:
        self.client = Client()
        self.calls = 0

    def post(self, url: str, *, body: bytes, headers: dict[str, str], timeout: float) -> Response:
        self.calls += 1
        path = url.removeprefix("http://testserver")
        answer = self.client.post(
            path, data=body, content_type="application/json", headers={"Idempotency-Key": headers["Idempotency-Key"]}
        )
        return Response(status=answer.status_code, body=answer.content)


@pytest.fixture
def transport(settings: Any) -> Iterator[DjangoClientTransport]:
    settings.MOTCUA_NATIONAL_PORTAL_URL = PORTAL_URL
    settings.MOTCUA_NATIONAL_PORTAL_SIMULATOR = True
    settings.MOTCUA_DELIVERY_CIRCUIT_THRESHOLD = 3
    settings.MOTCUA_DELIVERY_CIRCUIT_COOLDOWN = 60
    simulator.STATE.reset()
    chosen = DjangoClientTransport()
    sync.use_transport(chosen)
    yield chosen
    sync.use_transport(None)
    simulator.STATE.reset()
