"""Account lockout after repeated failed sign-ins (password or one-time code).

Kept in the database, not the cache, so that every web process sees the same count and a restart does
not unlock an account under attack. After `MOTCUA_LOGIN_MAX_FAILURES` failures within the lock period
the name is locked for `MOTCUA_LOGIN_LOCK_MINUTES`; a success clears the count.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

logger = logging.getLogger(__name__)


class LoginThrottle(models.Model):
    username = models.CharField(max_length=150, unique=True)
    failures = models.PositiveIntegerField(default=0)
    first_failure_at = models.DateTimeField(null=True, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        app_label = "core"

    def __str__(self) -> str:
        return self.username


def _limits() -> tuple[int, dt.timedelta]:
    return (
        int(getattr(settings, "MOTCUA_LOGIN_MAX_FAILURES", 5)),
        dt.timedelta(minutes=int(getattr(settings, "MOTCUA_LOGIN_LOCK_MINUTES", 15))),
    )


def _key(username: str) -> str:
    return username.strip().lower()[:150]


def locked_until(username: str, *, now: dt.datetime | None = None) -> dt.datetime | None:
    """The end of the lock on `username`, or None when it may try to sign in."""
    moment = now or timezone.now()
    until = LoginThrottle.objects.filter(username=_key(username)).values_list("locked_until", flat=True).first()
    return until if until is not None and until > moment else None


@transaction.atomic
def record_failure(username: str, *, now: dt.datetime | None = None) -> dt.datetime | None:
    """Count a failed attempt; returns the end of the lock when this failure locks the name."""
    moment = now or timezone.now()
    max_failures, period = _limits()
    row, _created = LoginThrottle.objects.select_for_update().get_or_create(username=_key(username))
    if row.first_failure_at is None or moment - row.first_failure_at > period:
        row.failures = 0
        row.first_failure_at = moment
    row.failures += 1
    if row.failures >= max_failures:
        row.locked_until = moment + period
        row.failures = 0
        row.first_failure_at = None
        # the name may be a phone number or an e-mail address: log a digest, never the personal data
        digest = hashlib.sha256(_key(username).encode()).hexdigest()[:12]
        logger.warning("sign-in locked for account #%s after %s failures", digest, max_failures)
    row.save()
    return row.locked_until if row.locked_until and row.locked_until > moment else None


def record_success(username: str) -> None:
    LoginThrottle.objects.filter(username=_key(username)).delete()
