"""Reads of the notify app: the messages about a dossier, as rows of the dossier's delivery status."""

from __future__ import annotations

from django.utils.translation import gettext as _

from motcua.dossiers.models import Dossier
from motcua.integrations.delivery import DeliveryStatus
from motcua.notify.models import Channel, Message

PROBLEM_STATUSES = {Message.Status.FAILED}


def dossier_messages_status(dossier: Dossier) -> list[DeliveryStatus]:
    """One row per notification about `dossier` (a queued one with an error is waiting for a retry)."""
    rows = []
    for message in Message.objects.filter(dossier_code=dossier.code).order_by("created_at", "pk"):
        retrying = message.status == Message.Status.QUEUED and bool(message.error)
        rows.append(
            DeliveryStatus(
                destination=message.channel,
                label=str(Channel(message.channel).label) if message.channel in Channel.values else message.channel,
                topic=_("Thông báo: %(event)s") % {"event": message.get_event_display()},
                status=message.status,
                status_label=str(message.get_status_display()) if not retrying else _("Lỗi, sẽ gửi lại"),
                attempts=message.attempts,
                created_at=message.created_at,
                sent_at=message.sent_at,
                next_attempt_at=message.next_attempt_at if retrying else None,
                last_error=message.error if message.status != Message.Status.SENT else "",
                problem=message.status in PROBLEM_STATUSES or retrying,
            )
        )
    return rows
