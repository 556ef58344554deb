"""The session engine (`SESSION_ENGINE = "motcua.core.sessions"`): Django's database sessions, read by a
statement compiled once.

Every signed-in request reads its session first. Django's store builds that read with the ORM each time,
half a millisecond of compiling for a one-row read (docs/performance.md, seventh session). This store sends
the same SQL (`rows.Prepared`): the same table, the same rows, the same expiry rule, so sessions written by
either engine are read by the other. Writing, creating and clearing are Django's.
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.contrib.sessions.models import Session
from django.core.exceptions import SuspiciousOperation
from django.utils import timezone

from motcua.core import rows

_LIVE = rows.Prepared(
    lambda: Session.objects.filter(
        session_key=rows.param(Session, "session_key"),
        expire_date__gt=rows.param(Session, "expire_date", "now"),
    )[:1]
)


class SessionStore(DatabaseSessionStore):
    def _get_session_from_db(self) -> Any:
        """The unexpired session row of this key, or None (and the key forgotten), as Django's store does."""
        if self.session_key is None:
            return None
        try:
            found = _LIVE.first(session_key=self.session_key, now=timezone.now())
        except SuspiciousOperation as exc:  # what Django's store logs for a key it cannot use
            logging.getLogger(f"django.security.{exc.__class__.__name__}").warning(str(exc))
            found = None
        if found is None:
            self._session_key = None
        return found
