"""Fixed-window rate limits on the cache (local memory embedded, Redis in production)."""

from __future__ import annotations

import hashlib
import time
from typing import Any

from django.conf import settings
from django.core.cache import cache


def hit(scope: str, key: str, *, limit: int, window_seconds: int) -> bool:
    """Count one request of `key` in `scope`; False when the limit of the current window is exceeded."""
    window = int(time.time() // window_seconds)
    # the key may be anything a client typed (a username): hashed, it is a valid cache key of fixed length
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    name = f"rl:{scope}:{digest}:{window}"
    if cache.add(name, 1, timeout=window_seconds + 1):
        return True
    try:
        count = cache.incr(name)
    except ValueError:  # expired between add and incr
        cache.add(name, 1, timeout=window_seconds + 1)
        return True
    return count <= limit


def client_address(request: Any) -> str:
    """The client's address for rate limits and logs.

    Behind `MOTCUA_TRUSTED_PROXIES` reverse proxies (nginx in front of gunicorn: 1) the address is the
    one the outermost trusted proxy saw, from `X-Forwarded-For`; directly, `REMOTE_ADDR`. Without the
    setting every client behind a proxy would share one limit.
    """
    hops = int(getattr(settings, "MOTCUA_TRUSTED_PROXIES", 0) or 0)
    if hops > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return str(request.META.get("REMOTE_ADDR") or "unknown")


SIGN_IN_ATTEMPTS_PER_ADDRESS = 30  # a minute, all accounts together (per account: `core.lockout`)


def sign_in_allowed(request: Any) -> bool:
    """Count a sign-in attempt from the client's address; False once it made too many this minute.

    The lockout stops guessing one account's password; this stops one address trying many accounts.
    """
    limit = int(getattr(settings, "MOTCUA_SIGN_IN_ATTEMPTS_PER_ADDRESS", SIGN_IN_ATTEMPTS_PER_ADDRESS))
    return hit("sign-in", client_address(request), limit=limit, window_seconds=60)
