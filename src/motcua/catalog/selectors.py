"""Reads of the catalogue."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from motcua.catalog.models import Component, FeeLine, Field, Procedure, ProcedureVersion
from motcua.core.text import fold
from motcua.org.models import Agency


def published_versions() -> QuerySet[ProcedureVersion]:
    """The version in force of every published procedure."""
    return ProcedureVersion.objects.filter(
        status=ProcedureVersion.Status.PUBLISHED, effective_to__isnull=True, procedure__current_version__isnull=False
    ).select_related("procedure", "field")


def procedure_search(
    *,
    q: str = "",
    agency: str = "",
    field: str = "",
    online_mode: str = "",
    subject: str = "",
) -> QuerySet[ProcedureVersion]:
    """Published procedures matching every word of `q` (case and diacritics ignored) and the filters."""
    versions = published_versions()
    for word in fold(q).split():
        versions = versions.filter(search_text__contains=word)
    if agency:
        versions = versions.filter(agencies__code=agency)
    if field:
        versions = versions.filter(field__code=field)
    if online_mode:
        versions = versions.filter(online_mode=online_mode)
    if subject:
        versions = _with_subject(versions, subject)
    return versions.distinct().order_by("procedure__code")


def _with_subject(versions: QuerySet[ProcedureVersion], subject: str) -> QuerySet[ProcedureVersion]:
    # JSON list membership that works the same on SQLite and PostgreSQL: the stored list is small.
    ids = [pk for pk, subjects in versions.values_list("pk", "subjects") if subject in (subjects or [])]
    return versions.filter(pk__in=ids)


def procedure_detail(*, code: str) -> ProcedureVersion | None:
    """The version in force of the published procedure `code`, with everything the public page shows."""
    return (
        published_versions()
        .filter(procedure__code=code)
        .prefetch_related(
            Prefetch("agencies", queryset=Agency.objects.order_by("name")),
            Prefetch("components", queryset=Component.objects.order_by("order", "code")),
            Prefetch("fees", queryset=FeeLine.objects.order_by("order", "pk")),
        )
        .first()
    )


def fields_with_procedures() -> QuerySet[Field]:
    return Field.objects.filter(versions__in=published_versions()).distinct().order_by("name")


def procedure_by_code(code: str) -> Procedure | None:
    return Procedure.objects.filter(code=code).first()
