"""Periodic job of the post: ask the provider where the items are (`post-poll` in `CELERY_BEAT_SCHEDULE`)."""

from __future__ import annotations

from celery import shared_task

from motcua.integrations.post import services


@shared_task(name="motcua.integrations.post.tasks.postal_poll", ignore_result=True)
def postal_poll(limit: int = 200) -> dict[str, int]:
    """Apply the provider's news on up to `limit` items on their way; returns what was checked and changed."""
    report = services.postal_poll(limit=limit)
    return {"checked": report.checked, "updated": report.updated, "errors": report.errors}
