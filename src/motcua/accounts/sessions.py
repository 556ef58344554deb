"""The session engine (`SESSION_ENGINE = "motcua.accounts.sessions"`): Django's database sessions, with the
signed-in user read in the same statement.

Every signed-in request read its session, then its user (with the staff record, agency and roles,
`backends.user_with_staff`): two statements, one after the other, at the start of every page. The session
table (`accounts.Session`) keeps the signed-in user's id in a column of its own, written with the session, so
one statement (`rows.Prepared`, outer joins: an anonymous session has no user) reads the unexpired session
row, its user and what the back office asks of them (`backends.user_annotations`). The user read that way is
kept with the session store; `AccountBackend.get_user` takes it when the request's session names the same
user (`user_read_with_session`, scoped to Django's `auth.get_user` by `AuthenticationMiddleware` below), and
reads the user itself otherwise. Everything Django's `get_user` decides stays its own: the back end named
in the session, the session's password hash, the back end's `get_user` (`user_can_authenticate`: an account
deactivated is signed out at its next request, as before).

Writing, creating and clearing are Django's; the expiry rule is Django's. The sessions of the table Django's
engine used (`django_session`) are moved by the migration `accounts.0003_session`.
"""

from __future__ import annotations

import contextvars
import logging
from typing import Any, cast

from django.contrib import auth
from django.contrib.auth.middleware import AuthenticationMiddleware as DjangoAuthenticationMiddleware
from django.contrib.auth.middleware import get_user as cached_user_of
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from motcua.accounts.backends import adopt, user_annotations
from motcua.accounts.models import Session
from motcua.core import rows

_LIVE = rows.Prepared(
    lambda: (
        Session.objects.select_related("user__staff__agency")
        .annotate(**user_annotations("user"))
        .filter(
            session_key=rows.param(Session, "session_key"),
            expire_date__gt=rows.param(Session, "expire_date", "now"),
        )[:1]
    )
)


def user_id_of(data: dict[str, Any]) -> int | None:
    """The signed-in user's id in session data (Django's `SESSION_KEY`), None if there is none or it is not an
    id."""
    value = data.get(auth.SESSION_KEY)
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


class SessionStore(DatabaseSessionStore):
    _read_with: tuple[int, Any] | None = None  # (user id, the user) read with the session

    @classmethod
    def get_model_class(cls) -> type[Session]:
        return Session

    def create_model_instance(self, data: dict[str, Any]) -> Session:
        session = cast(Session, super().create_model_instance(data))
        session.user_id = user_id_of(data)
        return session

    async def acreate_model_instance(self, data: dict[str, Any]) -> Session:
        session = cast(Session, await super().acreate_model_instance(data))
        session.user_id = user_id_of(data)
        return session

    def _get_session_from_db(self) -> Any:
        """The unexpired session row of this key, or None (and the key forgotten), as Django's store does; its
        user, read with it, kept for `user_read_with_session`."""
        self._read_with = None
        if self.session_key is None:
            return None
        try:
            found = _LIVE.first(session_key=self.session_key, now=timezone.now())
        except SuspiciousOperation as exc:  # what Django's store logs for a key it cannot use
            logging.getLogger(f"django.security.{exc.__class__.__name__}").warning(str(exc))
            found = None
        if found is None:
            self._session_key = None
            return None
        user = found._state.fields_cache.get("user")
        if user is not None:
            self._read_with = (user.pk, adopt(user, found))
        return found

    def user_read_with(self, user_id: Any) -> Any | None:
        """The user `user_id` if this store's session was read from the database with that user in it."""
        if self._read_with is None or self._read_with[0] != user_id:
            return None
        return self._read_with[1]


_REQUEST_SESSION: contextvars.ContextVar[Any] = contextvars.ContextVar("motcua_request_session", default=None)


def user_read_with_session(user_id: Any) -> Any | None:
    """The user `user_id` as read with the session of the request being signed in (`AuthenticationMiddleware`),
    or None: no such request, another engine's session, or another user in the session's column."""
    session = _REQUEST_SESSION.get()
    reader = getattr(session, "user_read_with", None)
    return reader(user_id) if reader is not None else None


def _user_of(request: HttpRequest) -> Any:
    token = _REQUEST_SESSION.set(request.session)
    try:
        return cached_user_of(request)
    finally:
        _REQUEST_SESSION.reset(token)


class AuthenticationMiddleware(DjangoAuthenticationMiddleware):
    """Django's, with the request's session made known to `AccountBackend.get_user` while Django signs the
    request in (`request.user`), so that the user read with the session is used."""

    def process_request(self, request: HttpRequest) -> None:
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: _user_of(request))  # type: ignore[assignment]
