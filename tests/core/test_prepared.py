"""Querysets compiled once (`rows.Prepared`) give what the ORM gives, run after run with other values, on
PostgreSQL and on SQLite, and refuse what they cannot do the ORM's way."""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Any
from unittest import mock

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.models import F, Model
from django.db.models.sql import InsertQuery, UpdateQuery
from django.db.models.sql.compiler import SQLCompiler
from django.db.transaction import TransactionManagementError

from motcua.core import rows
from motcua.core.models import AuditEvent, OutboxEvent
from motcua.dossiers import services
from motcua.dossiers.models import Dossier, Status
from motcua.org.models import AdministrativeUnit, Agency
from tests.dossiers import conftest as small_province
from tests.dossiers.conftest import World, at, submit_counter

world = small_province.world


def _values(instance: Model) -> dict[str, Any]:
    return {field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields}


DOSSIER_WITH_AGENCIES = rows.Prepared(
    lambda: Dossier.objects.select_related("receiving_agency", "competent_agency__parent").filter(
        code=rows.param(Dossier, "code"), status=Status.SUBMITTED
    )[:1]
)
EVENTS_SINCE = rows.Prepared(
    lambda: AuditEvent.objects.filter(
        stream=rows.param(AuditEvent, "stream"), at__gte=rows.param(AuditEvent, "at", "since")
    ).order_by("seq")
)
AGENCY_CODES = rows.Prepared(
    lambda: Agency.objects.filter(parent=rows.param(Agency, "parent")).order_by("code").values_list("code", flat=True)
)
LOCKED_AGENCY = rows.Prepared(lambda: Agency.objects.select_for_update().filter(pk=rows.param(Agency, "id", "pk"))[:1])


@pytest.mark.django_db
def test_each_run_gives_the_orm_s_instances_with_their_related_objects(world: World) -> None:
    first = submit_counter(world, "2026-03-02 09:00")
    second = submit_counter(world, "2026-03-02 10:00")
    for dossier in (first, second):
        orm = Dossier.objects.select_related("receiving_agency", "competent_agency__parent").get(pk=dossier.pk)
        found = DOSSIER_WITH_AGENCIES.first(code=dossier.code)
        assert _values(found) == _values(orm)
        # the related rows came with it: reading them asks nothing
        with mock.patch.object(connection, "cursor", side_effect=AssertionError("queried")):
            assert _values(found.competent_agency.parent) == _values(orm.competent_agency.parent)
            assert _values(found.receiving_agency) == _values(orm.receiving_agency)
    assert DOSSIER_WITH_AGENCIES.first(code="no-such-code") is None


@pytest.mark.django_db
def test_dates_are_compared_as_the_orm_compares_them(world: World) -> None:
    dossier = submit_counter(world, "2026-03-02 09:00")
    services.dossier_receive(dossier=dossier, actor=world.officer.user, at=at("2026-03-02 11:00"))
    stream = services.stream(dossier)
    for since in (at("2026-03-02 08:00"), at("2026-03-02 10:30"), at("2026-03-02 12:00"), dt.datetime.now(dt.UTC)):
        orm = list(AuditEvent.objects.filter(stream=stream, at__gte=since).order_by("seq"))
        assert [_values(e) for e in EVENTS_SINCE.all(stream=stream, since=since)] == [_values(e) for e in orm]
    assert len(EVENTS_SINCE.all(stream=stream, since=at("2026-03-02 10:30"))) == 1


@pytest.mark.django_db
def test_values_lists_come_as_the_orm_gives_them(world: World) -> None:
    for parent in (world.committee, world.department):
        orm = list(Agency.objects.filter(parent=parent).order_by("code").values_list("code", flat=True))
        assert AGENCY_CODES.all(parent=parent.pk) == orm


@pytest.mark.django_db
def test_the_sql_is_compiled_once_per_database(world: World) -> None:
    template = rows.Prepared(lambda: Agency.objects.filter(code=rows.param(Agency, "code"))[:1])
    with mock.patch.object(SQLCompiler, "as_sql", autospec=True, side_effect=SQLCompiler.as_sql) as as_sql:
        assert template.first(code=world.centre.code).pk == world.centre.pk
        assert template.first(code=world.department.code).pk == world.department.pk
        assert template.first(code="000.99.99.H21") is None
    assert as_sql.call_count == 1


@pytest.mark.django_db(transaction=True)
def test_another_thread_runs_it_on_its_own_connection(world: World) -> None:
    template = rows.Prepared(lambda: Agency.objects.filter(code=rows.param(Agency, "code"))[:1])
    assert template.first(code=world.centre.code).pk == world.centre.pk  # compiled here
    found: list[Any] = []

    def other() -> None:
        try:
            found.append((template.first(code=world.department.code), connection.connection))
        finally:
            connection.close()

    thread = threading.Thread(target=other)
    thread.start()
    thread.join()
    agency, used = found[0]
    assert agency.pk == world.department.pk
    assert used is not connection.connection


@pytest.mark.django_db(transaction=True)
def test_a_missing_or_none_value_and_a_lock_outside_a_transaction_are_refused(world: World) -> None:
    with pytest.raises(TypeError, match="code"):
        DOSSIER_WITH_AGENCIES.all()
    with pytest.raises(ValueError, match="None"):
        DOSSIER_WITH_AGENCIES.all(code=None)
    with transaction.atomic():
        assert LOCKED_AGENCY.first(pk=world.centre.pk).pk == world.centre.pk
    with pytest.raises(TransactionManagementError):
        LOCKED_AGENCY.first(pk=world.centre.pk)


@pytest.mark.django_db
def test_an_id_beyond_the_column_s_range_finds_nothing_as_with_the_orm(world: World) -> None:
    template = rows.Prepared(lambda: Agency.objects.filter(pk=rows.param(Agency, "id", "pk"))[:1])
    assert template.first(pk=world.centre.pk).pk == world.centre.pk
    for beyond in (2**63, -(2**63) - 1, 2**80):
        assert Agency.objects.filter(pk=beyond).first() is None
        assert template.first(pk=beyond) is None


@pytest.mark.django_db
def test_an_empty_queryset_sends_nothing(world: World) -> None:
    template = rows.Prepared(lambda: Agency.objects.none())
    with mock.patch.object(connection, "cursor", side_effect=AssertionError("queried")):
        assert template.all() == []


@pytest.mark.django_db
def test_a_number_for_a_text_column_is_compared_as_text_as_with_the_orm(world: World) -> None:
    unit = world.committee.administrative_unit
    template = rows.Prepared(lambda: AdministrativeUnit.objects.filter(code=rows.param(AdministrativeUnit, "code"))[:1])
    assert AdministrativeUnit.objects.filter(code=int(unit.code)).first() == unit
    assert template.first(code=int(unit.code)) == unit


# --- lists of values (`rows.ParamList`) -------------------------------------------------------------------------

AGENCIES_IN = rows.Prepared(
    lambda: (
        Agency.objects.filter(pk__in=rows.param_list(Agency, "id", "ids")).order_by("pk").values_list("pk", flat=True)
    )
)
AGENCIES_UNDER = rows.Prepared(
    lambda: Agency.objects.filter(
        parent__in=rows.param_list(Agency, "parent", "parents"), code__in=rows.param_list(Agency, "code", "codes")
    ).order_by("code")
)


@pytest.mark.django_db
def test_a_list_of_any_length_finds_what_the_orm_s_in_finds_with_one_compile(world: World) -> None:
    every = list(Agency.objects.order_by("pk").values_list("pk", flat=True))
    assert len(every) > 3
    lists = ([], every[:1], every[1:3], every, every + every, [every[0], 10**6])
    expected = [list(Agency.objects.filter(pk__in=ids).order_by("pk").values_list("pk", flat=True)) for ids in lists]
    template = rows.Prepared(lambda: Agency.objects.filter(pk__in=rows.param_list(Agency, "id", "ids")).order_by("pk"))
    with mock.patch.object(SQLCompiler, "as_sql", autospec=True, side_effect=SQLCompiler.as_sql) as as_sql:
        assert [[agency.pk for agency in template.all(ids=ids)] for ids in lists] == expected
    assert as_sql.call_count == 1


@pytest.mark.django_db
def test_lists_of_keys_and_of_text_are_adapted_as_the_orm_adapts_them(world: World) -> None:
    parents = [world.committee, world.department]
    codes = list(Agency.objects.filter(parent__in=parents).values_list("code", flat=True))
    for given_parents, given_codes in (
        (parents, codes),
        ([p.pk for p in parents], codes[:1]),
        ([], codes),
        (parents, []),
    ):
        orm = list(Agency.objects.filter(parent__in=given_parents, code__in=given_codes).order_by("code"))
        found = AGENCIES_UNDER.all(parents=[getattr(p, "pk", p) for p in given_parents], codes=given_codes)
        assert [_values(a) for a in found] == [_values(a) for a in orm]


@pytest.mark.django_db
def test_a_text_longer_than_the_column_is_not_cut_into_a_match(world: World) -> None:
    longest = "H" * Agency._meta.get_field("code").max_length
    Agency.objects.filter(pk=world.centre.pk).update(code=longest)
    given = [longest + "X"]
    assert list(Agency.objects.filter(code__in=given)) == []
    assert AGENCIES_UNDER.all(parents=[world.committee.pk], codes=given) == []  # not cut to the column's length
    assert [a.pk for a in AGENCIES_UNDER.all(parents=[world.committee.pk], codes=[longest])] == [world.centre.pk]


@pytest.mark.django_db
def test_a_list_beyond_the_column_s_range_or_not_a_list_is_handled(world: World) -> None:
    assert AGENCIES_IN.all(ids=[2**63, world.centre.pk, -(2**80)]) == [world.centre.pk]
    for not_a_list in (None, "12", b"12"):
        with pytest.raises(ValueError, match="list"):
            AGENCIES_IN.all(ids=not_a_list)
    with pytest.raises(TypeError, match="ids"):
        AGENCIES_IN.all()


@pytest.mark.django_db
def test_on_postgresql_a_list_is_sent_as_an_array_to_match_any_of(world: World) -> None:
    """`IN (SELECT unnest(...))` becomes `= ANY(...)` in the compiled statement (PostgreSQL tests a list faster
    than it hashes a subquery): the same rows, excluded ones included, for lists with and without a match."""
    every = list(Agency.objects.order_by("pk").values_list("pk", flat=True))
    outside = rows.Prepared(
        lambda: (
            Agency.objects.exclude(pk__in=rows.param_list(Agency, "id", "ids"))
            .order_by("pk")
            .values_list("pk", flat=True)
        )
    )
    for ids in ([], every[:2], every, [10**6]):
        assert AGENCIES_IN.all(ids=ids) == [pk for pk in every if pk in ids]
        assert outside.all(ids=ids) == [pk for pk in every if pk not in ids]
    for template in (AGENCIES_IN, AGENCIES_UNDER, outside):
        sql = template._compile("default").sql or ""
        if connection.vendor == "postgresql":
            assert "unnest" not in sql and "= ANY(%s::" in sql, sql
        else:
            assert "json_each" in sql, sql


# --- saves compiled once (`rows.CompiledSave`) ---------------------------------------------------------------


def _stored(event: OutboxEvent) -> dict[str, Any]:
    return _values(OutboxEvent.objects.get(pk=event.pk))


@pytest.mark.django_db
def test_a_new_row_is_stored_as_the_orm_stores_it_and_the_insert_is_compiled_once() -> None:
    with (
        mock.patch.dict(rows._SAVES, clear=True),
        mock.patch.object(InsertQuery, "get_compiler", autospec=True, side_effect=InsertQuery.get_compiler) as compiled,
    ):
        events = [
            OutboxEvent(
                topic="dossier.submitted", subject=f"H21-{n}", payload={"code": f"H21-{n}", "ghi_chú": "đã nộp"}
            )
            for n in range(3)
        ]
        for event in events:
            event.save()
    assert compiled.call_count == 1
    for event in events:
        assert event.pk is not None and not event._state.adding
        assert _stored(event) == _values(event)
    # the same row through the ORM's own insert
    orm = OutboxEvent.objects.bulk_create([OutboxEvent(topic="dossier.submitted", subject="H21-0", payload={})])[0]
    assert {
        k: v for k, v in _stored(orm).items() if k not in {"id", "key", "created_at", "available_at", "payload"}
    } == {
        k: v for k, v in _stored(events[0]).items() if k not in {"id", "key", "created_at", "available_at", "payload"}
    }


@pytest.mark.django_db
def test_an_update_writes_what_the_orm_writes_nulls_included_and_is_compiled_once_per_shape() -> None:
    event = OutboxEvent.objects.create(topic="dossier.submitted", subject="H21-1", payload={})
    delivered = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)
    with (
        mock.patch.dict(rows._SAVES, clear=True),
        mock.patch.object(UpdateQuery, "get_compiler", autospec=True, side_effect=UpdateQuery.get_compiler) as compiled,
    ):
        for attempt in range(1, 4):
            event.attempts, event.delivered_at, event.last_error = attempt, delivered, ""
            event.save(update_fields=["attempts", "delivered_at", "last_error"])
            assert _stored(event) == _values(event)
        event.delivered_at, event.last_error = None, "hết thời gian chờ"  # a NULL: another statement
        event.save(update_fields=["attempts", "delivered_at", "last_error"])
        assert _stored(event)["delivered_at"] is None
        event.payload = {"code": "H21-1", "lần": 2}
        event.save()  # every column
    assert compiled.call_count == 3
    assert _stored(event) == _values(event)


@pytest.mark.django_db
def test_an_expression_goes_through_the_orm_and_a_missing_row_fails_as_with_the_orm() -> None:
    event = OutboxEvent.objects.create(topic="dossier.submitted", subject="H21-1", payload={})
    event.attempts = F("attempts") + 2
    event.save(update_fields=["attempts"])
    event.refresh_from_db()
    assert event.attempts == 2
    OutboxEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(DatabaseError, match="did not affect any rows"):
        event.save(update_fields=["attempts"])


@pytest.mark.django_db(transaction=True)
def test_threads_running_it_first_at_once_compile_it_once_and_all_get_their_rows(world: World) -> None:
    dossiers = [submit_counter(world, f"2026-03-02 0{hour}:00") for hour in range(8, 10)]
    template = rows.Prepared(
        lambda: Dossier.objects.select_related("procedure", "receiving_agency", "competent_agency__parent").filter(
            code=rows.param(Dossier, "code")
        )[:1]
    )
    slow_as_sql = SQLCompiler.as_sql

    def slowly(compiler: SQLCompiler, *args: Any, **kwargs: Any) -> Any:
        time.sleep(0.05)  # every thread inside the compiling at once, were it not kept to one
        return slow_as_sql(compiler, *args, **kwargs)

    start = threading.Barrier(6)
    found: list[Any] = []

    def run(dossier: Dossier) -> None:
        try:
            start.wait()
            found.append((dossier.pk, template.first(code=dossier.code)))
        except Exception as error:  # reported below
            found.append((dossier.pk, error))
        finally:
            connection.close()

    with mock.patch.object(SQLCompiler, "as_sql", autospec=True, side_effect=slowly) as as_sql:
        threads = [threading.Thread(target=run, args=(dossiers[n % 2],)) for n in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert as_sql.call_count == 1
    assert [(pk, getattr(row, "pk", row)) for pk, row in found] == [(pk, pk) for pk, _row in found]
    for dossier in dossiers:  # and every later run too
        assert template.first(code=dossier.code).competent_agency.parent == dossier.competent_agency.parent


@pytest.mark.django_db(transaction=True)
def test_a_family_s_reads_asked_by_threads_at_once_are_one_a_key_and_give_their_rows(world: World) -> None:
    """`rows.Family`: threads asking for the same keys at once get one `Prepared` a key, each compiled once,
    and the rows of their own values (the staff lists' family is shared by a worker's threads)."""
    agencies = list(Agency.objects.order_by("pk"))
    family = rows.Family(
        lambda key: (
            Agency.objects.filter(**{f"{key}__in": rows.param_list(Agency, key, "values")})
            .order_by("pk")
            .values_list("pk", flat=True)
        ),
        keep=4,
    )
    slow_as_sql = SQLCompiler.as_sql

    def slowly(compiler: SQLCompiler, *args: Any, **kwargs: Any) -> Any:
        time.sleep(0.05)  # every thread inside the compiling at once, were it not kept to one a read
        return slow_as_sql(compiler, *args, **kwargs)

    cases = [("id", [a.pk for a in agencies[:2]]), ("code", [agencies[-1].code])]
    start = threading.Barrier(8)
    found: list[Any] = []

    def run(index: int) -> None:
        key, values = cases[index % 2]
        try:
            start.wait()
            found.append((index % 2, id(family[key]), family[key].all(values=values)))
        except Exception as error:  # reported below
            found.append((index % 2, 0, error))
        finally:
            connection.close()

    with mock.patch.object(SQLCompiler, "as_sql", autospec=True, side_effect=slowly) as as_sql:
        threads = [threading.Thread(target=run, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert as_sql.call_count == 2  # one compile a key
    expected = [[a.pk for a in agencies[:2]], [agencies[-1].pk]]
    assert sorted((case, rows_) for case, _id, rows_ in found) == sorted((n % 2, expected[n % 2]) for n in range(8))
    assert len({(case, ident) for case, ident, _rows in found}) == 2  # the same read a key for every thread
