"""Notification tests: the dossier tests' small province, simulators emptied, a clean rate-limit cache."""

from __future__ import annotations

import datetime as dt
import socket
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone

from motcua.core import outbox
from motcua.notify.channels import simulator
from tests.dossiers.conftest import World, at, submit_counter, submit_online, world

__all__ = ["World", "at", "submit_counter", "submit_online", "world"]


@pytest.fixture(autouse=True)
def _notify_settings(settings: Any) -> Iterator[None]:
    """Sending on (as in production), the simulators as providers, nothing counted yet."""
    settings.MOTCUA_NOTIFY_TEST_MODE = False
    settings.MOTCUA_SMS_PROVIDER = "simulator"
    settings.MOTCUA_ZALO_PROVIDER = "simulator"
    settings.MOTCUA_SMS_STRIP_DIACRITICS = False
    settings.MOTCUA_PUBLIC_URL = "https://dichvucong.example.gov.vn"
    cache.clear()
    simulator.clear()
    yield
    simulator.clear()
    cache.clear()


@pytest.fixture
def relay(django_capture_on_commit_callbacks: Any) -> Callable[..., outbox.RelayReport]:
    """Run the outbox relay at `now` (default: now); delivery receipts (after commit) are run too."""

    def run(now: dt.datetime | None = None) -> outbox.RelayReport:
        with django_capture_on_commit_callbacks(execute=True):
            return outbox.relay_pending(now=now or timezone.now())

    return run


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
