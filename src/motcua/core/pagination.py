"""A paginator that stops counting: long lists show "more than N" instead of scanning every row.

Counting every dossier an officer may see is a full scan of the matching rows (hundreds of milliseconds at a
million dossiers); nobody pages to the 2,000th page, they filter. `CappedPaginator` counts at most `cap`
rows (one `COUNT` over a `LIMIT cap + 1` subquery) and tells the template when the list goes further.

Even capped, that count walks the list until it has found `cap + 1` rows: 11 ms of the database's time a page
for a department at a million dossiers, the largest part of the agency list's (docs/performance.md, sixth
session). Given a `remember_as` key, a count that reached the cap is remembered in the cache for
`REMEMBER_SECONDS`: a list that went past the cap a minute ago still does. Counts below the cap are never
remembered: they decide which pages exist, and a new dossier must show up on the next load.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.core.cache import cache
from django.core.paginator import Paginator

DEFAULT_CAP = 1000
REMEMBER_SECONDS = 60


class CappedPaginator(Paginator):
    def __init__(
        self, object_list: Any, per_page: int, *, cap: int = DEFAULT_CAP, remember_as: str = "", **kwargs: Any
    ) -> None:
        """`remember_as`: a cache key naming this list (whose rows, which filters), to remember that it
        reached the cap; "" to count each time."""
        super().__init__(object_list, per_page, **kwargs)
        self.cap = cap
        self.remember_as = f"capped-count:{cap}:{remember_as}" if remember_as else ""

    @cached_property
    def _bounded_count(self) -> int:
        if self.remember_as and cache.get(self.remember_as):
            return self.cap + 1
        rows: Any = self.object_list
        found = int(rows[: self.cap + 1].count())
        if self.remember_as and found > self.cap:
            cache.set(self.remember_as, True, REMEMBER_SECONDS)
        return found

    @cached_property
    def count(self) -> int:
        """The number of rows, at most `cap` (see `capped`)."""
        return min(self._bounded_count, self.cap)

    @property
    def capped(self) -> bool:
        """Whether there are more rows than `count` says."""
        return self._bounded_count > self.cap
