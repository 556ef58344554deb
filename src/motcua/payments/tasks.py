"""Periodic reconciliation (đối soát) of payments (see `CELERY_BEAT_SCHEDULE`)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from celery import shared_task

from motcua.payments import services


@shared_task(name="motcua.payments.tasks.reconcile_payments", ignore_result=True)
def reconcile_payments() -> dict[str, Any]:
    """Every 5 minutes: query the open payments older than 15 minutes, expire the stale ones."""
    return asdict(services.payment_reconcile())


@shared_task(name="motcua.payments.tasks.sweep_payments", ignore_result=True)
def sweep_payments() -> dict[str, Any]:
    """Daily sweep: query every open payment again."""
    return asdict(services.payment_reconcile(sweep=True))
