"""Idempotency records expire after 24 h: an expired key is free again; the purge runs every ten minutes."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.cache import cache
from django.http import HttpRequest
from django.test import RequestFactory
from django.utils import timezone

from motcua.api import idempotency
from motcua.api.models import IdempotencyRecord

pytestmark = pytest.mark.django_db


def _request(key: str, body: bytes = b'{"a": 1}') -> HttpRequest:
    request = RequestFactory().post("/x", data=body, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key)
    request.user = _Anonymous()
    return request


class _Anonymous:
    is_authenticated = False


def _age(key: str, hours: float) -> None:
    IdempotencyRecord.objects.filter(key=key).update(created_at=timezone.now() - dt.timedelta(hours=hours))


def test_same_key_within_the_window_answers_the_first_response_once() -> None:
    calls: list[int] = []

    def produce() -> tuple[int, dict[str, Any]]:
        calls.append(1)
        return 201, {"n": len(calls)}

    first = idempotency.run(_request("k1"), "POST /x", produce)
    again = idempotency.run(_request("k1"), "POST /x", produce)
    assert (first.status_code, again.status_code, len(calls)) == (201, 201, 1)


def test_an_expired_key_is_free_again_even_before_the_purge() -> None:
    calls: list[int] = []

    def produce() -> tuple[int, dict[str, Any]]:
        calls.append(1)
        return 201, {"n": len(calls)}

    idempotency.run(_request("k2"), "POST /x", produce)
    _age("k2", 25)
    # the purge ran on the first call and will not run again for ten minutes
    idempotency.run(_request("k2"), "POST /x", produce)
    assert len(calls) == 2
    assert IdempotencyRecord.objects.filter(key="k2").count() == 1


def test_the_purge_runs_at_most_every_ten_minutes() -> None:
    def produce() -> tuple[int, dict[str, Any]]:
        return 201, {}

    idempotency.run(_request("a"), "POST /x", produce)
    _age("a", 30)
    idempotency.run(_request("b"), "POST /x", produce)
    assert IdempotencyRecord.objects.filter(key="a").exists()  # not purged yet: the last purge was just now
    cache.delete("motcua:idempotency:purged")  # ten minutes later
    idempotency.run(_request("c"), "POST /x", produce)
    assert not IdempotencyRecord.objects.filter(key="a").exists()
