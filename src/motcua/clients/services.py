"""Writes of the clients app: secrets, the record of calls."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from motcua.clients import tokens
from motcua.clients.models import ApiCall, ApiClient


@transaction.atomic
def api_client_rotate_secret(*, client: ApiClient) -> str:
    """Give the client a new secret and return it (shown once); its earlier tokens stop working."""
    secret = tokens.new_secret()
    locked = ApiClient.objects.select_for_update().get(pk=client.pk)
    locked.secret_hash = client.secret_hash = tokens.hash_secret(secret)
    locked.save(update_fields=["secret_hash"])
    return secret


def api_call_record(
    *,
    client: ApiClient,
    method: str,
    path: str,
    status: int,
    duration_ms: int,
    remote_address: str,
    at: dt.datetime | None = None,
) -> ApiCall:
    """Write the audit row of one call (no bodies, no query string) and the client's last use."""
    moment = at or timezone.now()
    call = ApiCall.objects.create(
        client=client,
        method=method[:10],
        path=path[:255],
        status=status,
        at=moment,
        duration_ms=max(0, duration_ms),
        remote_address=remote_address[:64],
    )
    ApiClient.objects.filter(pk=client.pk).update(last_used_at=moment)
    return call


def api_client_create(*, name: str, scopes: list[str], agencies: Any, created_by: Any = None) -> tuple[ApiClient, str]:
    """A new client and its secret (shown once)."""
    client = ApiClient.objects.create(name=name, scopes=scopes, created_by=created_by)
    client.agencies.set(agencies)
    return client, api_client_rotate_secret(client=client)
