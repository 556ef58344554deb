"""Idempotency records: a write with an `Idempotency-Key` returns its first response again for 24 hours."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from motcua.core import rows


class IdempotencyRecord(rows.CompiledSave):
    key = models.CharField(max_length=200)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.CASCADE, related_name="+")
    endpoint = models.CharField(max_length=255)
    body_hash = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField()
    response = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "user", "endpoint"], name="idempotency_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.endpoint} {self.key}"
