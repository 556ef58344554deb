"""Bearer tokens for the API: signed, expiring, revoked by a password change or deactivation.

A token is `TimestampSigner`-signed data naming the user and a fingerprint of their password hash; no
table is needed and any web process can check it.

The same bearer authentication accepts the tokens of API clients (`motcua.clients`, OAuth client
credentials): such a call carries `request.api_client` and `request.api_scopes`, never a user. An endpoint
opens itself to clients by declaring the scope it needs (`client_bearer("dossiers:read")`); everywhere else a
client token is refused with 403.
"""

from __future__ import annotations

import functools
import hashlib
from typing import Any

from django.contrib.auth import get_user_model
from django.core import signing
from django.db import router
from django.http import HttpRequest
from ninja.security import HttpBearer

from motcua.clients import scopes as client_scopes
from motcua.core import rows

TOKEN_SALT = "motcua.api.token"  # noqa: S105 - a signing namespace, not a secret
TOKEN_LIFETIME_SECONDS = 8 * 3600


def _fingerprint(user: Any) -> str:
    return hashlib.sha256(f"{user.pk}:{user.password}".encode()).hexdigest()[:16]


def issue_token(user: Any) -> str:
    return signing.TimestampSigner(salt=TOKEN_SALT).sign_object({"u": user.pk, "f": _fingerprint(user)})


@functools.cache
def _user_statement(using: str) -> tuple[str, rows.Shape, rows.Shape]:
    from motcua.org.models import Staff

    user_model = get_user_model()
    users, staff = rows.Shape(user_model, "u"), rows.Shape(Staff, "s")
    user_pk = rows.column(user_model, "id", using)
    sql = (
        f"SELECT {users.columns(using)}, {staff.columns(using)} "  # noqa: S608 - names from the models
        f"FROM {rows.table(user_model, using)} u LEFT JOIN {rows.table(Staff, using)} s "
        f"ON s.{rows.column(Staff, 'user', using)} = u.{user_pk} "
        f"WHERE u.{user_pk} = %s AND u.{rows.column(user_model, 'is_active', using)}"
    )
    return sql, users, staff


def _active_user_with_staff(user_id: int) -> Any | None:
    """The active user `user_id` with its staff record (None for a citizen) in one statement written once:
    every API call reads it (`select_related("staff")` as hand-written SQL; core/rows.py says why)."""
    using = router.db_for_read(get_user_model())
    sql, users, staff = _user_statement(using)
    row = rows.fetch_one(using, sql, [user_id])
    if row is None:
        return None
    user = users.build(row, 0, using)
    rows.cache_related(user, "staff", staff.build(row, len(users), using))
    return user


def user_for_token(token: str) -> Any | None:
    try:
        data = signing.TimestampSigner(salt=TOKEN_SALT).unsign_object(token, max_age=TOKEN_LIFETIME_SECONDS)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict):
        return None
    user_id = data.get("u")
    if not isinstance(user_id, int):
        return None
    user = _active_user_with_staff(user_id)
    if user is None or data.get("f") != _fingerprint(user):
        return None
    return user


class BearerAuth(HttpBearer):
    def __init__(self, *, client_scope: str | None = None) -> None:
        self.client_scope = client_scope  # the scope an API client needs here; None: closed to clients
        super().__init__()

    def authenticate(self, request: HttpRequest, token: str) -> Any | None:
        user = user_for_token(token)
        if user is not None:
            request.user = user
            return user
        return client_scopes.admit(request, token, scope=self.client_scope)


class OptionalBearerAuth(BearerAuth):
    """Accept anonymous callers too (endpoints open to anyone but richer for signed-in users)."""

    def __call__(self, request: HttpRequest) -> Any:
        header = request.headers.get("Authorization", "")
        if not header:
            return AnonymousMarker
        return super().__call__(request)


class _Anonymous:
    is_authenticated = False
    pk = None

    def __bool__(self) -> bool:
        return True


AnonymousMarker = _Anonymous()
bearer = BearerAuth()


def client_bearer(scope: str) -> BearerAuth:
    """Bearer authentication for users and for API clients holding `scope`."""
    return BearerAuth(client_scope=scope)
