"""Periodic notification jobs (see `CELERY_BEAT_SCHEDULE`); each calls one service."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from motcua.notify import reminders


@shared_task(name="motcua.notify.tasks.remind_waiting_applicants", ignore_result=True)
def remind_waiting_applicants() -> dict[str, Any]:
    """Applicants whose dossier waits for a supplement or a payment: every hour."""
    report = reminders.remind_waiting_applicants()
    return {"examined": report.examined, "reminded": len(report.reminded)}
