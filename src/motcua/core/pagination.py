"""A paginator that stops counting: long lists show "more than N" instead of scanning every row.

Counting every dossier an officer may see is a full scan of the matching rows (hundreds of milliseconds at a
million dossiers); nobody pages to the 2,000th page, they filter. `CappedPaginator` counts at most `cap`
rows (one `COUNT` over a `LIMIT cap + 1` subquery) and tells the template when the list goes further.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.core.paginator import Paginator

DEFAULT_CAP = 1000


class CappedPaginator(Paginator):
    def __init__(self, object_list: Any, per_page: int, *, cap: int = DEFAULT_CAP, **kwargs: Any) -> None:
        super().__init__(object_list, per_page, **kwargs)
        self.cap = cap

    @cached_property
    def _bounded_count(self) -> int:
        rows: Any = self.object_list
        return int(rows[: self.cap + 1].count())

    @cached_property
    def count(self) -> int:
        """The number of rows, at most `cap` (see `capped`)."""
        return min(self._bounded_count, self.cap)

    @property
    def capped(self) -> bool:
        """Whether there are more rows than `count` says."""
        return self._bounded_count > self.cap
