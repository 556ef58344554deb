"""CappedPaginator: counts at most `cap` rows and says when the list goes further."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from motcua.core.pagination import CappedPaginator

pytestmark = pytest.mark.django_db


@pytest.fixture
def users() -> None:
    model = get_user_model()
    model.objects.bulk_create([model(username=f"u{i:02d}") for i in range(12)])


def test_a_long_list_is_counted_up_to_the_cap(users: None) -> None:
    rows = get_user_model().objects.filter(username__startswith="u").order_by("username")
    paginator = CappedPaginator(rows, 5, cap=10)
    with CaptureQueriesContext(connection) as queries:
        assert paginator.count == 10
        assert paginator.capped
    assert len(queries) == 1 and "LIMIT" in queries[0]["sql"].upper()
    assert paginator.num_pages == 2
    assert [u.username for u in paginator.get_page(2)] == [f"u{i:02d}" for i in range(5, 10)]


def test_a_short_list_is_counted_exactly(users: None) -> None:
    rows = get_user_model().objects.filter(username__startswith="u").order_by("username")
    paginator = CappedPaginator(rows, 5, cap=12)
    assert paginator.count == 12
    assert not paginator.capped
    assert paginator.num_pages == 3
    assert len(paginator.get_page(3)) == 2


def test_a_list_past_the_cap_is_remembered_and_a_shorter_one_is_counted_each_time(users: None) -> None:
    from django.core.cache import cache

    cache.clear()
    rows = get_user_model().objects.filter(username__startswith="u").order_by("username")
    with CaptureQueriesContext(connection) as queries:
        assert CappedPaginator(rows, 5, cap=10, remember_as="mine").capped
    assert len(queries) == 1
    # a minute later the list is known to go past the cap: no count, the pages as before
    with CaptureQueriesContext(connection) as queries:
        again = CappedPaginator(rows, 5, cap=10, remember_as="mine")
        assert (again.capped, again.count, again.num_pages) == (True, 10, 2)
    assert queries.captured_queries == []
    # another key (another officer, other filters) counts for itself
    assert CappedPaginator(rows.filter(username__lt="u03"), 5, cap=10, remember_as="theirs").count == 3
    # below the cap nothing is remembered: one more row shows at once
    get_user_model().objects.create(username="u02a")
    with CaptureQueriesContext(connection) as queries:
        assert CappedPaginator(rows.filter(username__lt="u03"), 5, cap=10, remember_as="theirs").count == 4
    assert len(queries) == 1
    cache.clear()
