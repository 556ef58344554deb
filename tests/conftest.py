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
    yield


@pytest.fixture
def client() -> Client:
    return Client()
