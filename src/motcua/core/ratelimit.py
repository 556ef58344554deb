"""Fixed-window rate limits on the cache (local memory embedded, Redis in production)."""

from __future__ import annotations

import time

from django.core.cache import cache


def hit(scope: str, key: str, *, limit: int, window_seconds: int) -> bool:
    """Count one request of `key` in `scope`; False when the limit of the current window is exceeded."""
    window = int(time.time() // window_seconds)
    name = f"rl:{scope}:{key}:{window}"
    if cache.add(name, 1, timeout=window_seconds + 1):
        return True
    try:
        count = cache.incr(name)
    except ValueError:  # expired between add and incr
        cache.add(name, 1, timeout=window_seconds + 1)
        return True
    return count <= limit
