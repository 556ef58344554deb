"""Health of the service."""

from __future__ import annotations

from typing import Any

from django.db import DatabaseError, connection
from django.http import HttpRequest
from ninja import Router, Status

from motcua.api.schemas import HealthOut

router = Router(tags=["system"])


@router.get("/health", response={200: HealthOut, 503: HealthOut}, summary="Service health")
def health(request: HttpRequest) -> Status[dict[str, Any]]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return Status(503, {"status": "unavailable", "database": "unavailable"})
    return Status(200, {"status": "ok", "database": "ok"})
