"""Periodic deadline jobs (see `CELERY_BEAT_SCHEDULE`); each calls one service of `motcua.dossiers.deadlines`."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from motcua.dossiers import deadlines


@shared_task(name="motcua.dossiers.tasks.sweep_deadlines", ignore_result=True)
def sweep_deadlines() -> dict[str, Any]:
    """Steps due soon or late, dossiers late: every 5 minutes."""
    return deadlines.sweep_deadlines().as_dict()


@shared_task(name="motcua.dossiers.tasks.flag_reception_overdue", ignore_result=True)
def flag_reception_overdue() -> dict[str, Any]:
    """Online dossiers not received within 8 working hours: every 15 minutes."""
    return deadlines.flag_reception_overdue().as_dict()


@shared_task(name="motcua.dossiers.tasks.flag_apology_needed", ignore_result=True)
def flag_apology_needed() -> dict[str, Any]:
    """Dossiers with less than a working day left and no extension: every 30 minutes."""
    return deadlines.flag_apology_needed().as_dict()
