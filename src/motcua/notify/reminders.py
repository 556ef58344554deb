"""Reminders to applicants: a supplement or a payment the agency is waiting for.

Every `MOTCUA_REMINDER_AFTER_DAYS` working days of waiting, the applicant gets one reminder on each
channel they can be reached on. The reminder's key is derived from the dossier, the start of the wait
and how many periods have passed, so a job run twice in a period sends nothing twice.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_noop

from motcua.dossiers import clock
from motcua.dossiers.models import Dossier, Status
from motcua.notify import services
from motcua.notify.models import Event

REMINDER_NAMESPACE = uuid.UUID("9b3c2f5e-4a61-4d3e-9a77-6f1c0d2b8e41")
REASONS = {
    Status.AWAITING_SUPPLEMENT: gettext_noop("Hồ sơ đang chờ bạn bổ sung giấy tờ"),
    Status.AWAITING_PAYMENT: gettext_noop("Hồ sơ đang chờ bạn nộp phí, lệ phí"),
}


@dataclass
class ReminderReport:
    examined: int = 0
    reminded: list[str] = field(default_factory=list)


def after_days() -> int:
    return max(1, int(getattr(settings, "MOTCUA_REMINDER_AFTER_DAYS", 3)))


def remind_waiting_applicants(*, now: dt.datetime | None = None) -> ReminderReport:
    """Remind applicants whose dossier has waited for them a whole number of reminder periods."""
    moment = now or timezone.now()
    period = dt.timedelta(hours=8 * after_days())
    calendar = clock.calendar()
    report = ReminderReport()
    waiting = Dossier.objects.filter(status__in=list(REASONS), paused_at__isnull=False, paused_at__lte=moment)
    for dossier in waiting.select_related("procedure_version", "account").order_by("pk").iterator(chunk_size=500):
        report.examined += 1
        assert dossier.paused_at is not None
        periods = calendar.between(dossier.paused_at, moment) // period
        if periods < 1:
            continue
        key = uuid.uuid5(REMINDER_NAMESPACE, f"{dossier.pk}:{dossier.paused_at.isoformat()}:{periods}")
        messages = services.dossier_notify(
            dossier=dossier,
            event=Event.REMINDER,
            source_key=key,
            payload={"reason": REASONS[Status(dossier.status)]},
            at=moment,
        )
        if messages:
            report.reminded.append(dossier.code)
    return report
