"""joins_as_written: a fixed join order for one transaction on PostgreSQL, nothing elsewhere."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction

from motcua.core.db import joins_as_written

pytestmark = pytest.mark.django_db(transaction=True)


def _limit() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW join_collapse_limit")
        return str(cursor.fetchone()[0])


def test_the_join_order_is_fixed_inside_and_the_setting_restored_after() -> None:
    get_user_model().objects.create(username="reader")
    if connection.vendor != "postgresql":
        with joins_as_written():
            assert [u.username for u in get_user_model().objects.all()] == ["reader"]
        return
    before = _limit()
    assert before != "1"
    with joins_as_written():
        assert _limit() == "1"
        assert [u.username for u in get_user_model().objects.select_related(None)] == ["reader"]
    assert _limit() == before
    # a failing query inside leaves nothing behind either
    with pytest.raises(ZeroDivisionError), joins_as_written():
        raise ZeroDivisionError
    assert _limit() == before
    # inside an open transaction it changes nothing (SET LOCAL would last to that transaction's end)
    with transaction.atomic(), joins_as_written():
        assert _limit() == before
