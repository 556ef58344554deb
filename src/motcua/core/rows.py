"""The few reads on every submission and action, as SQL written once and rows built into models as the ORM does.

At a million dossiers the CPU of a submission or a forward is mostly the ORM compiling SQL: 0.5 ms for a
one-table read, 3.4 ms for the dossier locked with its four related rows (docs/performance.md). The statements
here are built from the models' metadata once per process; each call only sends them with its parameters and
turns the rows into model instances through the same converters and `Model.from_db` the ORM uses, with the
same related objects cached, so callers cannot tell the difference (`tests/core/test_rows.py` compares them
field by field with the ORM's on both databases). Use it only for hot reads; everything else stays ORM.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connections
from django.db.models import Field, Model
from django.db.models.expressions import Col


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


def fetch_one(using: str, sql: str, params: Sequence[Any]) -> tuple[Any, ...] | None:
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return tuple(row) if row is not None else None


def fetch_with_related(
    using: str, sql: str, params: Sequence[Any], shape: Shape, name: str, related: Shape
) -> list[Any]:
    """The instances of `shape` in the rows of `sql`, each with its `name` read from the next columns
    (`related`) and cached, as `select_related(name)` leaves them."""
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchall()
    instances = []
    for row in found:
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
