"""Client secrets and client-credentials tokens (OAuth 2.0 `client_credentials`, RFC 6749 §4.4).

A secret is shown once and stored as its SHA-256 (it is 256 random bits: no slow hash is needed). A token is
`TimestampSigner`-signed data naming the client, the scopes granted and a fingerprint of the secret's hash,
like the users' tokens: no table; a new secret, a deactivated client or a scope taken away ends it at once.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from django.core import signing

from motcua.clients.models import ApiClient, Scope

TOKEN_SALT = "motcua.clients.token"  # noqa: S105 - a signing namespace, not a secret
TOKEN_LIFETIME_SECONDS = 3600


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def secret_matches(client: ApiClient, secret: str) -> bool:
    return bool(client.secret_hash) and hmac.compare_digest(client.secret_hash, hash_secret(secret))


def _fingerprint(client: ApiClient) -> str:
    return hashlib.sha256(f"{client.pk}:{client.secret_hash}".encode()).hexdigest()[:16]


class TokenError(Exception):
    """A refused token request; `code` is the OAuth error (`invalid_client`, `invalid_scope`, ...)."""

    def __init__(self, code: str, detail: str, status: int) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.status = status


@dataclass(frozen=True)
class Grant:
    client: ApiClient
    access_token: str
    scopes: tuple[str, ...]
    expires_in: int = TOKEN_LIFETIME_SECONDS

    @property
    def scope(self) -> str:
        return " ".join(self.scopes)


def token_issue(*, client_id: str, client_secret: str, scope: str = "") -> Grant:
    """Exchange client credentials for a token; the scopes asked for (default: all of the client's)."""
    client = ApiClient.objects.filter(client_id=client_id).first() if client_id else None
    if client is None or not client.is_active or not secret_matches(client, client_secret):
        raise TokenError("invalid_client", "Unknown client, wrong secret or inactive client.", 401)
    allowed = [s for s in client.scopes if s in Scope.values]
    asked = scope.split() if scope.strip() else allowed
    refused = [s for s in asked if s not in allowed]
    if refused:
        raise TokenError("invalid_scope", "Scopes not granted to this client: " + " ".join(refused), 400)
    granted = tuple(sorted(set(asked)))
    token = signing.TimestampSigner(salt=TOKEN_SALT).sign_object(
        {"c": client.pk, "s": list(granted), "f": _fingerprint(client)}
    )
    return Grant(client=client, access_token=token, scopes=granted)


def client_for_token(token: str) -> tuple[ApiClient, frozenset[str]] | None:
    """The active client of a valid token and the scopes it may use now (granted and still held)."""
    try:
        data = signing.TimestampSigner(salt=TOKEN_SALT).unsign_object(token, max_age=TOKEN_LIFETIME_SECONDS)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("c"), int) or not isinstance(data.get("s"), list):
        return None
    client = ApiClient.objects.filter(pk=data["c"], is_active=True).first()
    if client is None or data.get("f") != _fingerprint(client):
        return None
    return client, frozenset(str(s) for s in data["s"]) & frozenset(client.scopes)
