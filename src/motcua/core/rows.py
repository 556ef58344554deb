"""The few reads on every submission and action, as SQL written once and rows built into models as the ORM does.

At a million dossiers the CPU of a submission or a forward is mostly the ORM compiling SQL: 0.5 ms for a
one-table read, 3.4 ms for the dossier locked with its four related rows (docs/performance.md). The statements
here are built from the models' metadata once per process; each call only sends them with its parameters and
turns the rows into model instances through the same converters and `Model.from_db` the ORM uses, with the
same related objects cached, so callers cannot tell the difference (`tests/core/test_rows.py` compares them
field by field with the ORM's on both databases). Use it only for hot reads; everything else stays ORM.
"""

from __future__ import annotations

import copy
import functools
import json
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, cast

from django.core.exceptions import EmptyResultSet
from django.db import NotSupportedError, connections, router
from django.db.models import Field, Model, QuerySet
from django.db.models.expressions import Col, Expression, OuterRef, Subquery
from django.db.models.sql import InsertQuery, UpdateQuery
from django.db.transaction import TransactionManagementError


class Shape:
    """The columns of one model read under a table alias (all concrete fields but `leave_out`, which stay
    deferred as with `QuerySet.defer`)."""

    def __init__(self, model: type[Model], alias: str, leave_out: Iterable[str] = ()) -> None:
        skipped = set(leave_out)
        self.model = model
        self.alias = alias
        self.fields: list[Field[Any, Any]] = [
            field for field in model._meta.concrete_fields if field.name not in skipped and field.attname not in skipped
        ]
        self.attnames = [field.attname for field in self.fields]
        self._converters: dict[str, list[tuple[int, list[Any], Col]]] = {}

    def __len__(self) -> int:
        return len(self.fields)

    def columns(self, using: str) -> str:
        quote = connections[using].ops.quote_name
        return ", ".join(f"{self.alias}.{quote(field.column)}" for field in self.fields)

    def _converters_for(self, using: str) -> list[tuple[int, list[Any], Col]]:
        found = self._converters.get(using)
        if found is None:
            connection = connections[using]
            found = []
            for index, field in enumerate(self.fields):
                column = Col(self.alias, field)
                converters = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
                if converters:
                    found.append((index, converters, column))
            self._converters[using] = found
        return found

    def build(self, row: Sequence[Any], start: int, using: str) -> Any:
        """The instance in `row[start:start + len(self)]`; None when its primary key is NULL (an outer join)."""
        values = list(row[start : start + len(self.fields)])
        pk_index = self.attnames.index(self.model._meta.pk.attname)
        if values[pk_index] is None:
            return None
        connection = connections[using]
        for index, converters, column in self._converters_for(using):
            value = values[index]
            for converter in converters:
                value = converter(value, column, connection)
            values[index] = value
        return self.model.from_db(using, self.attnames, values)


def column(model: type[Model], name: str, using: str) -> str:
    """The quoted column of field `name` of `model`."""
    field = model._meta.get_field(name)
    if not isinstance(field, Field):
        raise TypeError(f"{model.__name__}.{name} is not a column")
    return str(connections[using].ops.quote_name(field.column))


def table(model: type[Model], using: str) -> str:
    """The quoted table of `model`."""
    return str(connections[using].ops.quote_name(model._meta.db_table))


def _prepare_on_postgresql(using: str, sql: str, connection: Any = None) -> None:
    """Have PostgreSQL prepare `sql` (`motcua.core.postgresql`: parsed once a connection, planned once where a
    generic plan does); `connection`: `using`'s, when the caller holds it already."""
    if (connection or connections[using]).vendor == "postgresql":
        from motcua.core.postgresql.base import prepare_when_run

        prepare_when_run(sql)


def fetch_all(using: str, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    """The rows of `sql`, a statement written once whose plan is good for any values (it runs prepared)."""
    connection = connections[using]
    _prepare_on_postgresql(using, sql, connection)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [tuple(row) for row in cursor.fetchall()]


def fetch_one(using: str, sql: str, params: Sequence[Any]) -> tuple[Any, ...] | None:
    found = fetch_all(using, sql, params)
    return found[0] if found else None


def fetch_with_related(
    using: str, sql: str, params: Sequence[Any], shape: Shape, name: str, related: Shape
) -> list[Any]:
    """The instances of `shape` in the rows of `sql`, each with its `name` read from the next columns
    (`related`) and cached, as `select_related(name)` leaves them."""
    instances = []
    for row in fetch_all(using, sql, params):
        instance = shape.build(row, 0, using)
        cache_related(instance, name, related.build(row, len(shape), using))
        instances.append(instance)
    return instances


def cache_related(instance: Model, name: str, related: Model | None) -> None:
    """What `select_related(name)` leaves on `instance`: the related object (or None) read without a query."""
    field = instance._meta.get_field(name)
    field.set_cached_value(instance, related)  # type: ignore[union-attr]
    if related is not None and getattr(field, "one_to_one", False):
        # the other side of a one-to-one points back, as the ORM sets it
        other: Any = field.remote_field if field.concrete else field.field  # type: ignore[union-attr]
        other.set_cached_value(related, instance)


# --- querysets compiled once ------------------------------------------------------------------------------------


class Param(Expression):
    """A value given when a `Prepared` query runs (`Prepared.all(name=value)`), in an exact or comparison lookup
    on `field`; `param(model, field_name)` makes one.

    The value is adapted as the ORM adapts it for that field (a number given for a text column becomes text,
    dates and times go as the database stores them), and, as with the ORM, an integer beyond the column's range
    finds nothing instead of failing in the database. A value may not be None: `= NULL` matches nothing where
    the ORM would write `IS NULL`.
    """

    def __init__(self, name: str, field: Field[Any, Any]) -> None:
        super().__init__(output_field=field)
        self.name = name
        self.adapt_with = field

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        return "%s", [_Slot(self.name, self.adapt_with)]


def param(model: type[Model], field_name: str, name: str | None = None) -> Param:
    """The `Param` `name` (by default the field's name) compared with `model`'s field `field_name`."""
    field = model._meta.get_field(field_name)
    if not isinstance(field, Field):
        raise TypeError(f"{model.__name__}.{field_name} is not a column")
    return Param(name or field_name, field)


class ParamList(Param):
    """A list of values given when a `Prepared` query runs, for an `__in` lookup (`field__in=param_list(...)`).

    The list goes as one parameter, so the SQL is the same for any length: an array unnested on PostgreSQL, a
    JSON array read by `json_each` on SQLite. Each value is adapted through `field` as a `Param`'s is; an
    integer beyond the column's range is left out (it matches nothing), and an empty list matches nothing.
    """

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        slot = _ListSlot(self.name, self.adapt_with)
        if connection.vendor == "postgresql":
            # the column's type without its length or precision: a cast to varchar(20) or numeric(10, 2)
            # would cut or round a longer value into one that matches, where the ORM's IN finds nothing
            base = str(self.adapt_with.db_type(connection)).split("(", 1)[0].strip()
            return f"SELECT unnest(%s::{'text' if base in ('char', 'character') else base}[])", [slot]
        if connection.vendor == "sqlite":
            return "SELECT value FROM json_each(%s)", [slot]
        raise NotSupportedError(f"rows.ParamList has no SQL for {connection.vendor}")


def param_list(model: type[Model], field_name: str, name: str | None = None) -> ParamList:
    """The `ParamList` `name` (by default the field's name) of values of `model`'s field `field_name`."""
    field = model._meta.get_field(field_name)
    if not isinstance(field, Field):
        raise TypeError(f"{model.__name__}.{field_name} is not a column")
    return ParamList(name or field_name, field)


class _NoMatch(Exception):
    """A value no row can hold: the query is not sent, it finds nothing."""


class _Slot:
    __slots__ = ("field", "name", "range")

    def __init__(self, name: str, field: Field[Any, Any]) -> None:
        self.name, self.field = name, field
        self.range: tuple[int | None, int | None] | None = None

    def adapt(self, values: Mapping[str, Any], connection: Any) -> Any:
        try:
            value = values[self.name]
        except KeyError:
            raise TypeError(f"no value for parameter {self.name!r}") from None
        if value is None:
            raise ValueError(f"parameter {self.name!r} is None: write that query without it")
        if isinstance(value, int):
            low, high = self._range(connection)
            if (low is not None and value < low) or (high is not None and value > high):
                raise _NoMatch
        return self.field.get_db_prep_value(value, connection, prepared=False)

    def _range(self, connection: Any) -> tuple[int | None, int | None]:
        """The integers the column can hold, (None, None) for a column of another type."""
        if self.range is None:
            column = getattr(self.field, "target_field", self.field)  # a foreign key holds its target's values
            self.range = connection.ops.integer_field_ranges.get(column.get_internal_type(), (None, None))
        return self.range


class _ListSlot(_Slot):
    __slots__ = ()

    def adapt(self, values: Mapping[str, Any], connection: Any) -> Any:
        try:
            given = values[self.name]
        except KeyError:
            raise TypeError(f"no value for parameter {self.name!r}") from None
        if given is None or isinstance(given, str | bytes):
            raise ValueError(f"parameter {self.name!r} must be a list of values")
        low, high = self._range(connection)
        items: list[Any] = list(given)
        if low is not None and high is not None and all(type(item) is int for item in items):
            # ids, the common case: an integer column adapts an int to itself; only the range is checked
            adapted: list[Any] = [item for item in items if low <= item <= high]
            if connection.vendor == "postgresql":
                # as the array's text ('{1,2,3}', cast by the SQL; ints need no quoting): psycopg dumps a
                # list item by item in Python, the inbox's 400 ids in 0.22 ms, their text in 0.04
                return "{" + ",".join(map(str, adapted)) + "}"
        else:
            adapted = []
            for value in items:
                try:
                    adapted.append(super().adapt({self.name: value}, connection))
                except _NoMatch:
                    continue
        if connection.vendor == "sqlite":
            return json.dumps(adapted, default=str)
        return adapted


# `x IN (SELECT unnest(%s::type[]))`, as a `ParamList` is written inside Django's `IN`, is `x = ANY(%s::type[])`
# (the same rows, NULLs and empty lists included), which PostgreSQL tests as a list, not as a subquery to hash:
# 0.1-0.3 ms less a statement for the lists of the inbox and the agency list (docs/performance.md, ninth
# session). Only the compiled statement is rewritten; the parameter stays the one array.
_IN_UNNESTED = re.compile(r"IN \(SELECT unnest\(%s::([a-z ]+)\[\]\)\)")


class _Compiled:
    __slots__ = ("compiler", "locks", "params", "sql")

    def __init__(self, compiler: Any, sql: str | None, params: Sequence[Any], locks: bool) -> None:
        self.compiler, self.sql, self.params, self.locks = compiler, sql, tuple(params), locks  # sql None: empty


class _BoundQuery:
    """The template's query as the iterables read it, with the compiler of one run."""

    def __init__(self, query: Any, compiler: Any) -> None:
        self._query, self._compiler = query, compiler

    def get_compiler(self, using: str | None = None, connection: Any = None, elide_empty: bool = True) -> Any:
        return self._compiler

    def __getattr__(self, name: str) -> Any:
        return getattr(self._query, name)


class Prepared:
    """A queryset whose SQL the ORM compiles once per database alias, run again with new `Param` values.

    `template` returns the queryset, built with `Param`s where the values go; what the SQL looks like must not
    depend on them (no None; an `__in` takes a `ParamList`). It is called once, at the first run: anything else it puts in
    the query (a `timezone.now()`, a setting) is frozen there, so every value that changes must be a `Param`.
    Each run builds its rows exactly as evaluating the queryset would (the same iterable: model instances with
    their `select_related` objects, or `values_list` rows), without the compiling, which for a small read is
    most of its CPU. `tests/core/test_prepared.py` holds it to the ORM.

    On PostgreSQL the statement runs prepared (`motcua.core.postgresql`), unless `keep_plan` is False: for a
    read whose best plan depends on its values (a list filtered and sorted by what varies), which a generic
    plan chosen for some values could make slow for others.
    """

    def __init__(self, template: Callable[[], QuerySet[Any]], *, keep_plan: bool = True) -> None:
        self._template = template
        self._keep_plan = keep_plan
        self._queryset: QuerySet[Any] | None = None
        self._compiled: dict[str, _Compiled] = {}
        self._compiling = threading.Lock()

    def _template_queryset(self) -> QuerySet[Any]:
        if self._queryset is None:
            self._queryset = self._template()
        return self._queryset

    def _compile(self, using: str) -> _Compiled:
        found = self._compiled.get(using)
        if found is None:
            # Compiling changes the query it compiles (its joins, its aliases): two threads compiling the same
            # one at once made SQL with a table missing, kept for every later run. One thread compiles, a copy.
            with self._compiling:
                found = self._compiled.get(using)
                if found is None:
                    query = self._template_queryset().query.clone()
                    compiler = query.get_compiler(using=using)
                    try:
                        sql, params = compiler.as_sql()
                    except EmptyResultSet:  # `.none()`, say: nothing to send, ever
                        sql, params = None, ()
                    if sql is not None and connections[using].vendor == "postgresql":
                        sql = _IN_UNNESTED.sub(r"= ANY(%s::\1[])", sql)
                        if self._keep_plan:
                            _prepare_on_postgresql(using, sql)
                    found = self._compiled[using] = _Compiled(compiler, sql, params, bool(query.select_for_update))
        return found

    def all(self, using: str | None = None, **values: Any) -> list[Any]:
        """The rows for `values`, read from `using`, by default the database the routers choose for reading the
        model (as a queryset does: the replica, inside `reading_from_replica()`)."""
        if using is None:
            using = router.db_for_read(self._template_queryset().model)
        compiled = self._compile(using)
        connection = connections[using]
        if compiled.locks and connection.get_autocommit():
            raise TransactionManagementError("select_for_update cannot be used outside of a transaction.")
        if compiled.sql is None:
            return []
        try:
            params = [p.adapt(values, connection) if isinstance(p, _Slot) else p for p in compiled.params]
        except _NoMatch:
            return []
        compiler = copy.copy(compiled.compiler)
        compiler.connection = connection  # the calling thread's own
        compiler.as_sql = lambda *args, **kwargs: (compiled.sql, params)
        template = self._queryset
        assert template is not None
        bound: Any = _BoundQuery(compiler.query, compiler)
        queryset: Any = template.__class__(model=template.model, query=bound, using=using)
        queryset._iterable_class = template._iterable_class
        queryset._fields = cast(Any, template)._fields
        return list(queryset)

    def first(self, using: str | None = None, **values: Any) -> Any:
        """The first row (the template should end in `[:1]`), or None."""
        found = self.all(using, **values)
        return found[0] if found else None


class Family:
    """`Prepared` reads of one kind whose SQL differs with the request (which filters are given, which page),
    one per `key`, each compiled once: `build(key)` returns the template of a key (as `Prepared` takes it),
    so a key must name everything the SQL's text depends on. At most `keep` are kept; the one used least
    recently is forgotten (and compiled again if asked for again)."""

    def __init__(self, build: Callable[[Any], QuerySet[Any]], keep: int = 64, *, keep_plan: bool = True) -> None:
        self._build = build
        self._keep_plan = keep_plan
        self._keep = keep
        self._kept: OrderedDict[Any, Prepared] = OrderedDict()
        self._lock = threading.Lock()

    def __getitem__(self, key: Any) -> Prepared:
        with self._lock:
            found = self._kept.get(key)
            if found is None:
                found = self._kept[key] = Prepared(functools.partial(self._build, key), keep_plan=self._keep_plan)
                if len(self._kept) > self._keep:
                    self._kept.popitem(last=False)
            else:
                self._kept.move_to_end(key)
            return found

    def __len__(self) -> int:
        return len(self._kept)


def looked_up(model: type[Model], path: str) -> str | Subquery:
    """The column at `path` from `model` for `values_list`: its own column as named, or a column reached
    through a foreign key (`"procedure__code"`) as a scalar subquery on the related table's key, NULL when the
    key is NULL or the path ends at a missing row, as the ORM's outer join gives.

    A list of dossiers with seven looked-up columns had PostgreSQL weigh the join orders of eight tables for
    longer than it ran the query; subqueries are planned each on its own, for the same probes by key."""
    name, _, rest = path.partition("__")
    if not rest:
        return path
    field = model._meta.get_field(name)
    related = field.related_model
    if not (field.concrete and (field.many_to_one or field.one_to_one)) or not isinstance(related, type):
        raise TypeError(f"{model.__name__}.{name} is not a foreign key")
    attname = cast("Field[Any, Any]", field).attname
    return Subquery(
        cast("type[Model]", related)._default_manager.filter(pk=OuterRef(attname)).order_by().values(rest)[:1]
    )


# --- saves compiled once ----------------------------------------------------------------------------------------


class _SaveStatement:
    __slots__ = ("compiler", "sql")

    def __init__(self, compiler: Any, sql: str) -> None:
        self.compiler, self.sql = compiler, sql


_SAVES: dict[tuple[Any, ...], _SaveStatement | None] = {}


def _plain(fields: Sequence[Field[Any, Any]], values: Sequence[Any]) -> bool:
    """Whether the statement's SQL depends on nothing but the fields: no expression among the values (a
    database default, `F()`), and no field that writes its own SQL around its value (Django's
    `Field.get_placeholder`, as PostGIS fields do)."""
    return not any(hasattr(value, "resolve_expression") for value in values) and not any(
        hasattr(field, "get_placeholder") for field in fields
    )


class CompiledSave(Model):
    """A model whose `save()` sends SQL compiled once per model, database and set of columns.

    `save()` itself is unchanged (signals, `pre_save` of each field such as `auto_now`, the primary key and
    returned columns set on the instance); only its INSERT and its UPDATE by primary key skip the compiling,
    which costs more CPU than the database takes to run them. Values that are expressions (`F()`, a database
    default) and the rare cases below go through the ORM as before. For the rows written on every submission and
    action (docs/performance.md); `tests/core/test_prepared.py` compares them with the ORM's.
    """

    class Meta:
        abstract = True

    def _do_insert(self, manager: Any, using: str, fields: Any, returning_fields: Any, raw: bool) -> Any:
        values = [getattr(self, f.attname) if raw else f.pre_save(self, add=True) for f in fields]
        # (the ORM's own insert, below, calls `pre_save` again: an `auto_now` field then takes a later instant)
        if not _plain(fields, values):
            return super()._do_insert(manager, using, fields, returning_fields, raw)  # type: ignore[misc]
        connection = connections[using]
        params = [
            field.get_db_prep_save(value, connection=connection) for field, value in zip(fields, values, strict=True)
        ]
        if any(hasattr(value, "as_sql") for value in params):
            return super()._do_insert(manager, using, fields, returning_fields, raw)  # type: ignore[misc]
        key = ("insert", type(self), using, tuple(fields), tuple(returning_fields or ()))
        statement = _SAVES.get(key)
        if statement is None:
            query = InsertQuery(type(self))
            query.insert_values(fields, [copy.copy(self)], raw=True)  # the SQL only: `pre_save` ran above
            compiler = query.get_compiler(using=using)
            compiler.returning_fields = returning_fields
            [(sql, _params)] = compiler.as_sql()
            _prepare_on_postgresql(using, sql)
            statement = _SAVES[key] = _SaveStatement(compiler, sql)
        compiler = copy.copy(statement.compiler)
        compiler.connection = connection  # the calling thread's own
        compiler.as_sql = lambda: [(statement.sql, params)]
        return compiler.execute_sql(returning_fields)

    def _do_update(
        self, base_qs: Any, using: str | None, pk_val: Any, values: Any, update_fields: Any, forced_update: bool
    ) -> bool:
        fields = [field for field, _model, _value in values]
        raw_values = [value for _field, _model, value in values]
        if using is None or not values or self._meta.select_on_save or not _plain(fields, raw_values):
            return bool(super()._do_update(base_qs, using, pk_val, values, update_fields, forced_update))
        connection = connections[using]
        prepared = [
            field.get_db_prep_save(value, connection=connection)
            for field, value in zip(fields, raw_values, strict=True)
        ]
        if any(hasattr(value, "as_sql") for value in prepared):
            return bool(super()._do_update(base_qs, using, pk_val, values, update_fields, forced_update))
        # a None is written as NULL in the SQL, not sent: which ones are is part of the statement
        key = ("update", type(self), using, tuple(fields), tuple(value is None for value in prepared))
        if key not in _SAVES:
            query = base_qs.filter(pk=pk_val).query.chain(UpdateQuery)
            query.add_update_fields(values)
            sql, params = query.get_compiler(using).as_sql()
            # the values set, then the primary key: a statement with anything else is left to the ORM
            simple = len(params) == sum(value is not None for value in prepared) + 1
            if simple:
                _prepare_on_postgresql(using, sql)
            _SAVES[key] = _SaveStatement(None, sql) if simple else None
        statement = _SAVES[key]
        if statement is None:
            return bool(super()._do_update(base_qs, using, pk_val, values, update_fields, forced_update))
        params = [value for value in prepared if value is not None]
        params.append(self._meta.pk.get_db_prep_value(pk_val, connection))
        with connection.cursor() as cursor:
            cursor.execute(statement.sql, params)
            return bool(cursor.rowcount > 0)
