"""Read replica routing (motcua.core.dbrouter): the statistics and the public lookup read from `replica`,
writes, transactions, sign-in and everything else stay on `default`; an unusable replica falls back."""

from __future__ import annotations

import copy
import logging
import os
import subprocess
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connections, transaction
from django.db.utils import OperationalError
from django.test import Client

from motcua.api.auth import issue_token
from motcua.core import dbrouter
from motcua.core.dbrouter import REPLICA, ReplicaRouter, reading_from_replica
from motcua.dossiers import services
from motcua.dossiers.models import Dossier
from tests.ops.conftest import PROJECT, PYTHON, add_replica
from tests.portal.conftest import World, at, submit_counter, world

__all__ = ["world"]

pytestmark = pytest.mark.django_db(transaction=True)


@contextmanager
def queries() -> Iterator[dict[str, list[str]]]:
    """The SQL run on each alias during the block (an execute wrapper: opens no connection, survives requests)."""
    found: dict[str, list[str]] = {alias: [] for alias in connections.settings}

    def recorder(alias: str) -> Any:
        def record(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
            found[alias].append(sql)
            return execute(sql, params, many, context)

        return record

    with ExitStack() as stack:
        for alias in found:
            stack.enter_context(connections[alias].execute_wrapper(recorder(alias)))
        yield found


def touching(sqls: list[str], table_prefix: str) -> list[str]:
    return [sql for sql in sqls if f'"{table_prefix}' in sql]


@pytest.fixture
def received(world: World) -> Dossier:
    dossier = submit_counter(world, "2026-03-02 09:00")
    return services.dossier_receive(dossier=dossier, actor=world.officer.user, at=at("2026-03-02 09:10"))


# ---- the chosen read paths go to the replica ---------------------------------------------------------------


def test_public_statistics_and_open_data_read_the_counters_from_the_replica(replica: Any, received: Dossier) -> None:
    for path in ("/thong-ke/", "/thong-ke/du-lieu-mo.csv", "/thong-ke/du-lieu-mo.json"):
        cache.clear()
        with queries() as ran:
            response = Client().get(path)
        assert response.status_code == 200, path
        assert touching(ran[REPLICA], "reports_"), path
        assert not touching(ran["default"], "reports_"), path


def test_api_statistics_read_from_the_replica_but_authenticate_on_the_primary(replica: Any, world: World) -> None:
    headers = {"authorization": f"Bearer {issue_token(world.monitor.user)}"}
    params = {"agency": "000.00.02.H21", "from": "2026-03-01", "to": "2026-03-31"}
    with queries() as ran:
        response = Client().get("/api/v1/stats/summary", params, headers=headers)
    assert response.status_code == 200, response.content
    assert touching(ran[REPLICA], "reports_") and not touching(ran["default"], "reports_")
    assert touching(ran["default"], "auth_user") and not touching(ran[REPLICA], "auth_user")


def test_the_public_lookup_reads_the_dossier_from_the_replica(replica: Any, received: Dossier) -> None:
    cache.clear()
    with queries() as ran:
        response = Client().post("/tra-cuu/", {"code": received.code, "id_number": "052090001234"})
    assert response.status_code == 200
    assert "N***** V** A*" in response.content.decode()
    assert touching(ran[REPLICA], "dossiers_dossier")
    assert not touching(ran["default"], "dossiers_dossier")


def test_other_pages_never_read_from_the_replica(replica: Any, world: World, received: Dossier) -> None:
    client = Client()
    client.force_login(world.citizen)
    with queries() as ran:
        response = client.get("/ho-so-cua-toi/")
    assert response.status_code == 200
    assert ran[REPLICA] == [] and touching(ran["default"], "dossiers_dossier")


# ---- writes, transactions and sign-in stay on the primary ---------------------------------------------------


def test_writes_and_reads_inside_a_transaction_stay_on_the_primary(replica: Any, world: World) -> None:
    dossier = submit_counter(world, "2026-03-02 09:00")
    with reading_from_replica(), queries() as ran:
        services.dossier_receive(dossier=dossier, actor=world.officer.user, at=at("2026-03-02 09:10"))
        with transaction.atomic():
            Dossier.objects.filter(pk=dossier.pk).update(applicant_address="Thôn Mới")
            again = Dossier.objects.get(pk=dossier.pk)  # read-after-write inside the transaction
        outside = Dossier.objects.get(pk=dossier.pk)
    assert again.applicant_address == "Thôn Mới" and again._state.db == "default"
    assert outside._state.db == REPLICA
    writes = [s for s in ran["default"] if s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
    assert writes
    assert not [s for s in ran[REPLICA] if s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]


def test_outside_reading_from_replica_every_read_goes_to_the_primary(replica: Any, received: Dossier) -> None:
    with queries() as ran:
        assert Dossier.objects.filter(pk=received.pk).exists()
    assert ran[REPLICA] == [] and ran["default"]


def test_without_a_replica_alias_the_chosen_paths_read_the_primary(routed: None, received: Dossier) -> None:
    assert not dbrouter.configured()
    cache.clear()
    with queries() as ran:
        response = Client().get("/thong-ke/")
    assert response.status_code == 200
    assert touching(ran["default"], "reports_")
    assert set(ran) == {"default"}


def test_migrations_only_on_the_primary_and_relations_across_both() -> None:
    router = ReplicaRouter()
    assert router.allow_migrate("default", "dossiers") is True
    assert router.allow_migrate(REPLICA, "dossiers") is False
    assert router.db_for_write(Dossier) == "default"
    one, two = Dossier(), Dossier()
    one._state.db, two._state.db = "default", REPLICA
    assert router.allow_relation(one, two) is True
    two._state.db = "elsewhere"
    assert router.allow_relation(one, two) is None


# ---- an unusable replica ------------------------------------------------------------------------------------


def _unreachable() -> dict[str, Any]:
    broken = copy.deepcopy(connections["default"].settings_dict)
    if connections["default"].vendor == "postgresql":
        broken.update(HOST="127.0.0.1", PORT="1")  # nothing listens there: connection refused
    else:
        broken["NAME"] = "/nonexistent-motcua-directory/replica.sqlite3"  # cannot be opened
    return broken


def test_an_unreachable_replica_falls_back_to_the_primary_with_a_warning(
    routed: None, received: Dossier, caplog: pytest.LogCaptureFixture
) -> None:
    add_replica(_unreachable())
    cache.clear()
    with caplog.at_level(logging.WARNING, logger="motcua.core.dbrouter"), queries() as ran:
        response = Client().get("/thong-ke/")
        lookup = Client().post("/tra-cuu/", {"code": received.code, "id_number": "052090001234"})
    assert response.status_code == 200 and lookup.status_code == 200
    assert touching(ran["default"], "reports_") and touching(ran["default"], "dossiers_dossier")
    assert ran[REPLICA] == []
    assert any("read replica unusable" in r.getMessage() for r in caplog.records)


def test_a_replica_failing_during_a_call_is_retried_on_the_primary(
    replica: Any, received: Dossier, caplog: pytest.LogCaptureFixture
) -> None:
    aliases: list[str] = []

    @reading_from_replica()
    def count() -> int:
        found = Dossier.objects.filter(pk=received.pk).first()
        assert found is not None
        aliases.append(found._state.db)
        if len(aliases) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return Dossier.objects.count()

    with caplog.at_level(logging.WARNING, logger="motcua.core.dbrouter"):
        assert count() == 1
    assert aliases == [REPLICA, "default"]
    assert any("server closed the connection" in r.getMessage() for r in caplog.records)


def test_an_error_not_involving_the_replica_is_not_retried(replica: Any) -> None:
    calls: list[int] = []

    @reading_from_replica()
    def fails() -> None:
        calls.append(1)
        raise OperationalError("primary down")

    with pytest.raises(OperationalError):
        fails()
    assert calls == [1]


def test_a_lagging_replica_is_skipped_until_it_catches_up(
    replica: Any, received: Dossier, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    with reading_from_replica():
        assert Dossier.objects.get(pk=received.pk)._state.db == REPLICA
    assert dbrouter.replica_lag(replica) == 0.0  # the real measurement: this "replica" is the primary itself
    dbrouter.reset()
    replica._motcua_lag_checked = None  # measure again at the next read
    monkeypatch.setattr(dbrouter, "replica_lag", lambda connection: 120.0)
    with caplog.at_level(logging.WARNING, logger="motcua.core.dbrouter"), reading_from_replica():
        assert Dossier.objects.get(pk=received.pk)._state.db == "default"
    assert any("120.0 s behind" in r.getMessage() for r in caplog.records)
    monkeypatch.setattr(dbrouter, "replica_lag", lambda connection: 0.0)
    dbrouter.reset()
    with reading_from_replica():
        assert Dossier.objects.get(pk=received.pk)._state.db == REPLICA


# ---- settings --------------------------------------------------------------------------------------------


def _settings_with(env: dict[str, str]) -> str:
    code = (
        "from django.conf import settings as s;"
        "print(s.DATABASE_ROUTERS, sorted(s.DATABASES), s.DATABASES.get('replica', {}).get('NAME'),"
        " s.DATABASES.get('replica', {}).get('HOST'), s.DATABASES.get('replica', {}).get('TEST'))"
    )
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "DJANGO_SETTINGS"))}
    result = subprocess.run(  # noqa: S603  fixed program, arguments from the test
        [PYTHON, "-c", f"import django, os; os.environ['DJANGO_SETTINGS_MODULE']='motcua.settings'; {code}"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env={**base, "DEBUG": "true", "PYTHONPATH": str(PROJECT / "src"), **env},
    )
    return result.stdout.strip()


def test_database_replica_url_adds_the_alias_and_the_router() -> None:
    out = _settings_with({"DATABASE_REPLICA_URL": "postgres://reader:pw@10.0.0.2:5432/motcua"})
    assert out == "['motcua.core.dbrouter.ReplicaRouter'] ['default', 'replica'] motcua 10.0.0.2 {'MIRROR': 'default'}"
    assert _settings_with({}) == "[] ['default'] None None None"
