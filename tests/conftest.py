from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: Any, tmp_path: Any) -> Iterator[None]:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # the production hasher is slow on purpose; tests create many accounts
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # rate-limit counters and lockouts live in the cache: each test starts with none (every test client
    # signs in from 127.0.0.1, so one module's sign-ins must not count against the next one's)
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def client() -> Client:
    return Client()
