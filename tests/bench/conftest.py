"""The demo province and 300 generated dossiers, loaded once for the module and rolled back afterwards.

As in `tests/demo`, the module fixture works inside a transaction that is rolled back after the last test;
each test runs in a savepoint inside it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from bench.generate import GenerateResult, generate
from django.db import transaction
from django.test import override_settings

from motcua.demo.loader import load_demo

VN = ZoneInfo("Asia/Ho_Chi_Minh")
START = dt.date(2025, 7, 1)
END = dt.date(2026, 6, 30)
NOW = dt.datetime(2026, 7, 1, 9, 0, tzinfo=VN)
COUNT = 300

FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="module")
def demo_media(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("bench-demo-media")


@pytest.fixture(scope="module")
def generated(django_db_setup: Any, django_db_blocker: Any, demo_media: Path) -> Iterator[GenerateResult]:
    """The demo data plus COUNT generated dossiers (seed 7, received between START and END, seen at NOW)."""
    with (
        django_db_blocker.unblock(),
        override_settings(DEBUG=True, MEDIA_ROOT=demo_media, PASSWORD_HASHERS=FAST_HASHERS),
        transaction.atomic(),
    ):
        load_demo()
        result = generate(COUNT, seed=7, start=START, end=END, now=NOW, batch=120)
        yield result
        transaction.set_rollback(True)
