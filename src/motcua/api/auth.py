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
import time
from typing import Any

from django.conf import settings
from django.core import signing
from django.http import HttpRequest
from ninja.security import HttpBearer

from motcua.accounts.backends import user_with_staff
from motcua.clients import scopes as client_scopes

TOKEN_SALT = "motcua.api.token"  # noqa: S105 - a signing namespace, not a secret
TOKEN_LIFETIME_SECONDS = 8 * 3600


def _fingerprint(user: Any) -> str:
    return _fingerprint_of(user.pk, user.password)


@functools.lru_cache(maxsize=4096)
def _fingerprint_of(user_id: Any, password_hash: str) -> str:
    return hashlib.sha256(f"{user_id}:{password_hash}".encode()).hexdigest()[:16]


@functools.lru_cache(maxsize=4096)
def _signed(token: str, key: str, fallbacks: tuple[str, ...]) -> tuple[Any, Any, float] | None:
    """The user id, fingerprint and signing time of `token` if its signature is good under `key` (or one of
    its `fallbacks`), else None. Every API call checks its token: a process keeps the latest few thousand
    checks (the HMAC, the base64 and JSON decoding were a fortieth of an API list's CPU), and the caller checks
    the age on every call, so an expired token is refused as before."""
    signer = signing.TimestampSigner(key=key, fallback_keys=list(fallbacks), salt=TOKEN_SALT)
    try:
        data = signer.unsign_object(token)
        signed_at = signing.b62_decode(token.rsplit(signer.sep, 2)[-2])
    except (signing.BadSignature, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    return data.get("u"), data.get("f"), float(signed_at)


def issue_token(user: Any) -> str:
    return signing.TimestampSigner(salt=TOKEN_SALT).sign_object({"u": user.pk, "f": _fingerprint(user)})


def _active_user_with_staff(user_id: int) -> Any | None:
    """The active user `user_id` with their staff record (None for a citizen), its agency and roles, in the one
    statement the session's sign-in reads them with (`motcua.accounts.backends`): every API call reads it."""
    user = user_with_staff(user_id, pages=False)
    return user if user is not None and user.is_active else None


def user_for_token(token: str) -> Any | None:
    signed = _signed(token, settings.SECRET_KEY, tuple(settings.SECRET_KEY_FALLBACKS))
    if signed is None:
        return None
    user_id, fingerprint, signed_at = signed
    if time.time() - signed_at > TOKEN_LIFETIME_SECONDS or not isinstance(user_id, int):
        return None
    user = _active_user_with_staff(user_id)
    if user is None or fingerprint != _fingerprint(user):
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
