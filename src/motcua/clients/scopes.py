"""What an API client may do and see: the one place where client tokens are admitted and scopes checked.

The API's bearer authentication calls `admit()` for a token that is not a user's: it finds the client,
applies the client's rate limit and checks the scope the endpoint declares. The routers call the other
helpers so that a client sees only the data of its agencies (cơ quan được đại diện), and never acts as a user.
"""

from __future__ import annotations

import math
import time
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from motcua.clients.models import ApiClient, Scope
from motcua.clients.tokens import client_for_token
from motcua.core import ratelimit, rows
from motcua.core.errors import DomainError, NotFound
from motcua.dossiers import selectors
from motcua.dossiers.models import Dossier
from motcua.org import access
from motcua.org.models import Agency

WINDOW_SECONDS = 60


class RateLimited(DomainError):
    def __init__(self, detail: str) -> None:
        super().__init__(detail=detail, status=429, title="Too many requests")


def admit(request: Any, token: str, *, scope: str | None) -> ApiClient | None:
    """The client of `token` when it may call an endpoint needing `scope`; None for a token that is no client's.

    Raises RateLimited (429) beyond the client's requests a minute and PermissionDenied (403) when the
    endpoint is closed to clients (`scope` None) or the token lacks the scope.
    """
    found = client_for_token(token)
    if found is None:
        return None
    client, scopes = found
    request.api_client = client
    request.api_scopes = scopes
    if not ratelimit.hit(
        "api-client", str(client.pk), limit=client.rate_limit_per_minute, window_seconds=WINDOW_SECONDS
    ):
        request.api_retry_after = max(1, math.ceil(WINDOW_SECONDS - time.time() % WINDOW_SECONDS))
        raise RateLimited("This client made too many requests; try again later.")
    if scope is None or scope not in scopes:
        raise PermissionDenied(scope or "clients")
    return client


def client_of(request: Any) -> ApiClient | None:
    client = getattr(request, "api_client", None)
    return client if isinstance(client, ApiClient) else None


def has_scope(request: Any, scope: Scope | str) -> bool:
    return str(scope) in getattr(request, "api_scopes", frozenset())


def agency_ids(client: ApiClient) -> frozenset[int]:
    cached: frozenset[int] | None = getattr(client, "_agency_ids", None)
    if cached is None:
        cached = frozenset(client.agencies.filter(is_active=True).values_list("pk", flat=True))
        client._agency_ids = cached  # type: ignore[attr-defined]
    return cached


# ---- dossiers --------------------------------------------------------------------------------------------


def _client_dossiers(client: ApiClient) -> QuerySet[Dossier]:
    ids = agency_ids(client)
    return Dossier.objects.select_related(
        "procedure", "procedure_version", "receiving_agency", "competent_agency", "current_step__assignee__user"
    ).filter(Q(receiving_agency_id__in=ids) | Q(competent_agency_id__in=ids))


def dossier_list_rows(
    request: Any, columns: tuple[str, ...], filters: selectors.ListFilters, *, limit: int
) -> list[tuple[Any, ...]]:
    """The caller's dossiers with `filters`, newest first, at most `limit`, as `values_list(*columns)` tuples:
    staff see what their agencies see (`selectors.staff_list_rows`); a client, those received or decided by
    its agencies; anyone else is refused (PermissionDenied)."""
    client = client_of(request)
    if client is None:
        if not access.is_staff_member(request.user) and not request.user.is_superuser:
            raise PermissionDenied("Only staff list dossiers; citizens see theirs in the portal.")
        return selectors.staff_list_rows(request.user, columns, filters, limit=limit)
    if filters.assigned_to_me:
        return []
    dossiers = selectors.narrowed(
        _client_dossiers(client), status=filters.status, agency=filters.agency, overdue=filters.overdue
    )
    if filters.after is not None:
        at, pk = filters.after
        dossiers = dossiers.filter(Q(submitted_at__lt=at) | Q(submitted_at=at, pk__lt=pk))
    read = dossiers.order_by(*selectors.NEWEST_FIRST).values_list(*(rows.looked_up(Dossier, c) for c in columns))
    return list(read[:limit])


def dossier_for(request: Any, code: str) -> Dossier:
    """The dossier `code` if the caller may see it; NotFound otherwise."""
    client = client_of(request)
    if client is None:
        return selectors.dossier_for(request.user, code)
    dossier = _client_dossiers(client).filter(code=code).first()
    if dossier is None:
        raise NotFound("No dossier with this code.")
    return dossier


def submission_actor(request: Any, agency_code: str) -> Any:
    """Who submits: the user, or (for a client acting for `agency_code`) the client's name in the audit trail."""
    client = client_of(request)
    if client is None:
        return request.user
    if not client.agencies.filter(code=agency_code, is_active=True).exists():
        raise PermissionDenied("This client does not act for this agency.")
    return f"API: {client.name} ({client.client_id})"


def idempotency_endpoint(request: Any, endpoint: str) -> str:
    """The idempotency namespace of an endpoint: clients (no user) each get their own."""
    client = client_of(request)
    return endpoint if client is None else f"{endpoint} client:{client.pk}"


# ---- statistics ------------------------------------------------------------------------------------------


def report_agency_ids(request: Any) -> frozenset[int]:
    """The agencies whose statistics the caller may read (staff: by role; client: its agencies)."""
    client = client_of(request)
    if client is None:
        scope = access.agencies_in_scope(request.user, access.Permission.VIEW_REPORTS)
        return frozenset(scope.values_list("pk", flat=True))
    return agency_ids(client)


def can_view_reports(request: Any, agency: Agency) -> bool:
    client = client_of(request)
    if client is None:
        return access.can(request.user, access.Permission.VIEW_REPORTS, agency)
    return agency.pk in agency_ids(client)
