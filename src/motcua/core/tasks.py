"""Background jobs of the core app: the outbox relay (every 10 s, see `CELERY_BEAT_SCHEDULE`)."""

from __future__ import annotations

from celery import shared_task

from motcua.core import outbox

RELAY_BATCH = 200
RELAY_MAX_BATCHES = 25


@shared_task(name="motcua.core.tasks.relay_outbox", ignore_result=True)
def relay_outbox(batch: int = RELAY_BATCH, max_batches: int = RELAY_MAX_BATCHES) -> dict[str, int]:
    """Deliver due outbox events in batches until none is left or `max_batches` batches were relayed."""
    total = outbox.RelayReport()
    for _ in range(max_batches):
        report = outbox.relay_pending(limit=batch)
        total.delivered += report.delivered
        total.failed += report.failed
        total.dead += report.dead
        if report.handled < batch:
            break
    return {"delivered": total.delivered, "failed": total.failed, "dead": total.dead}
