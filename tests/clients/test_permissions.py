"""The permission matrix of API clients over the dossier and statistics endpoints.

A client acts for agencies (here client A for the Sở Tư pháp, the competent agency of `world`'s procedure,
and client B for the Sở Xây dựng) and holds scopes; it never acts as a user.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core import signing
from django.test import Client

from motcua.clients import tokens
from motcua.core.audit import AuditEvent
from motcua.dossiers.models import Dossier
from tests.clients.conftest import World, bearer, client_token, problem, submit_counter, user_token
from tests.dossiers.conftest import at

ALL_SCOPES = ["dossiers:read", "dossiers:submit", "lookup", "stats:read", "catalog:read"]


@pytest.fixture
def dossier(world: World) -> Dossier:
    return submit_counter(world, "2026-03-02 08:30")


@pytest.fixture
def callers(world: World, register: Any, client: Client) -> dict[str, str]:
    """Tokens of the clients of the matrix, by name."""
    a_all = register(world.department, scopes=ALL_SCOPES, name="A")
    a_none = register(world.department, scopes=["lookup", "catalog:read"], name="A (no dossier or stats scope)")
    b_all = register(world.other_department, scopes=ALL_SCOPES, name="B")
    inactive = register(world.department, scopes=ALL_SCOPES, name="A (inactive)")
    tokens_by_name = {
        "A": client_token(client, a_all),
        "A-without-scope": client_token(client, a_none),
        "B": client_token(client, b_all),
        "inactive": client_token(client, inactive),
    }
    inactive.client.is_active = False
    inactive.client.save()
    return tokens_by_name


# ---- GET /api/v1/dossiers and /api/v1/dossiers/{code} -----------------------------------------------------


@pytest.mark.parametrize(
    ("caller", "status", "sees_it"),
    [("A", 200, True), ("A-without-scope", 403, False), ("B", 200, False), ("inactive", 401, False)],
)
def test_dossier_list(
    client: Client, callers: dict[str, str], dossier: Dossier, caller: str, status: int, sees_it: bool
) -> None:
    response = client.get("/api/v1/dossiers", headers=bearer(callers[caller]))
    if status != 200:
        problem(response, status)
        return
    assert response.status_code == 200, response.content
    assert [item["code"] for item in response.json()["items"]] == ([dossier.code] if sees_it else [])


@pytest.mark.parametrize(("caller", "status"), [("A", 200), ("A-without-scope", 403), ("B", 404), ("inactive", 401)])
def test_dossier_detail(client: Client, callers: dict[str, str], dossier: Dossier, caller: str, status: int) -> None:
    response = client.get(f"/api/v1/dossiers/{dossier.code}", headers=bearer(callers[caller]))
    if status != 200:
        problem(response, status)
        return
    assert response.status_code == 200
    body = response.json()
    assert body["code"] == dossier.code
    assert body["competent_agency"]["code"] == "000.00.02.H21"


def test_a_token_with_fewer_scopes_than_the_client(
    world: World, register: Any, client: Client, dossier: Dossier
) -> None:
    registered = register(world.department, scopes=ALL_SCOPES)
    token = client_token(client, registered, scope="stats:read")
    problem(client.get(f"/api/v1/dossiers/{dossier.code}", headers=bearer(token)), 403)


def test_a_scope_taken_away_ends_at_once(world: World, register: Any, client: Client, dossier: Dossier) -> None:
    registered = register(world.department, scopes=["dossiers:read"])
    token = client_token(client, registered)
    assert client.get(f"/api/v1/dossiers/{dossier.code}", headers=bearer(token)).status_code == 200
    registered.client.scopes = ["stats:read"]
    registered.client.save()
    problem(client.get(f"/api/v1/dossiers/{dossier.code}", headers=bearer(token)), 403)


def test_expired_forged_and_rotated_tokens_are_refused(
    world: World, register: Any, client: Client, dossier: Dossier, clock: Any
) -> None:
    from motcua.clients import services

    registered = register(world.department, scopes=["dossiers:read"])
    token = client_token(client, registered)
    path = f"/api/v1/dossiers/{dossier.code}"
    assert client.get(path, headers=bearer(token)).status_code == 200
    # forged: the same data signed with another key, and a tampered signature
    forged = signing.TimestampSigner(key="not-the-secret-key", salt=tokens.TOKEN_SALT).sign_object(
        {"c": registered.client.pk, "s": ["dossiers:read"], "f": "0" * 16}
    )
    problem(client.get(path, headers=bearer(forged)), 401)
    problem(client.get(path, headers=bearer(token[:-2] + ("AA" if not token.endswith("AA") else "BB"))), 401)
    # a new secret ends the tokens issued before it
    services.api_client_rotate_secret(client=registered.client)
    problem(client.get(path, headers=bearer(token)), 401)
    # expired: an hour and a second after issue
    fresh = registered.__class__(registered.client, services.api_client_rotate_secret(client=registered.client))
    token = client_token(client, fresh)
    clock.move_to(at("2026-03-02 10:00:01"))
    problem(client.get(path, headers=bearer(token)), 401)


def test_user_tokens_unchanged(world: World, client: Client, dossier: Dossier) -> None:
    officer = user_token(client, world.officer.user)
    response = client.get("/api/v1/dossiers", headers=bearer(officer))
    assert [item["code"] for item in response.json()["items"]] == [dossier.code]
    assert client.get(f"/api/v1/dossiers/{dossier.code}", headers=bearer(officer)).status_code == 200
    citizen = user_token(client, world.citizen)
    problem(client.get("/api/v1/dossiers", headers=bearer(citizen)), 403)
    problem(client.get(f"/api/v1/dossiers/{dossier.code}", headers=bearer(citizen)), 404)
    other = user_token(client, world.other_officer.user)
    problem(client.get(f"/api/v1/dossiers/{dossier.code}", headers=bearer(other)), 404)


@pytest.mark.parametrize("path", ["/api/v1/me", "/api/v1/dossiers/{code}/history", "/api/v1/dossiers/{code}/forms/01"])
def test_endpoints_closed_to_clients(client: Client, callers: dict[str, str], dossier: Dossier, path: str) -> None:
    problem(client.get(path.format(code=dossier.code), headers=bearer(callers["A"])), 403)


def test_a_client_cannot_act_on_a_dossier(client: Client, callers: dict[str, str], dossier: Dossier) -> None:
    response = client.post(
        f"/api/v1/dossiers/{dossier.code}/actions/receive",
        {},
        content_type="application/json",
        headers=bearer(callers["A"]),
    )
    problem(response, 403)
    dossier.refresh_from_db()
    assert dossier.status == "submitted"


# ---- POST /api/v1/dossiers ------------------------------------------------------------------------------


def submission(agency: str) -> dict[str, Any]:
    return {
        "procedure": "",
        "agency": agency,
        "channel": "online",
        "applicant": {"kind": "citizen", "full_name": "Nguyễn Văn An", "id_number": "052090001234"},
        "delivery": {"method": "online"},
    }


def test_client_submits_for_its_agency(optional_components: World, register: Any, client: Client) -> None:
    world = optional_components
    registered = register(world.department, scopes=["dossiers:submit"], name="Cổng huyện")
    body = submission(world.department.code) | {"procedure": world.version.procedure.code}
    response = client.post(
        "/api/v1/dossiers", body, content_type="application/json", headers=bearer(client_token(client, registered))
    )
    assert response.status_code == 201, response.content
    created = Dossier.objects.get(code=response.json()["code"])
    assert (created.channel, created.status, created.competent_agency_id) == (
        "online",
        "submitted",
        world.department.pk,
    )
    assert created.account_id is None and created.submitted_by_id is None
    event = AuditEvent.objects.get(stream=f"dossier:{created.pk}", action="submit")
    assert event.actor_id is None
    assert event.actor_name == f"API: Cổng huyện ({registered.client.client_id})"


@pytest.mark.parametrize(
    ("scopes", "agency_of_client", "agency_asked"),
    [
        (["dossiers:read"], "department", "department"),  # no submit scope
        (["dossiers:submit"], "department", "other_department"),  # not one of its agencies
        (["dossiers:submit"], "other_department", "department"),  # client B
    ],
)
def test_client_submission_refused(
    optional_components: World,
    register: Any,
    client: Client,
    scopes: list[str],
    agency_of_client: str,
    agency_asked: str,
) -> None:
    world = optional_components
    registered = register(getattr(world, agency_of_client), scopes=scopes)
    body = submission(getattr(world, agency_asked).code) | {"procedure": world.version.procedure.code}
    response = client.post(
        "/api/v1/dossiers", body, content_type="application/json", headers=bearer(client_token(client, registered))
    )
    problem(response, 403)
    assert Dossier.objects.count() == 0


def test_idempotency_keys_of_two_clients_do_not_meet(optional_components: World, register: Any, client: Client) -> None:
    world = optional_components
    first = register(world.department, scopes=["dossiers:submit", "dossiers:read"], name="A1")
    second = register(world.department, scopes=["dossiers:submit", "dossiers:read"], name="A2")
    body = submission(world.department.code) | {"procedure": world.version.procedure.code}
    codes = set()
    for registered in (first, second, first):
        response = client.post(
            "/api/v1/dossiers",
            body,
            content_type="application/json",
            headers=bearer(client_token(client, registered)) | {"Idempotency-Key": "same-key"},
        )
        assert response.status_code == 201, response.content
        codes.add(response.json()["code"])
    assert len(codes) == 2
    assert Dossier.objects.count() == 2


# ---- GET /api/v1/stats/* --------------------------------------------------------------------------------

STATS = "/api/v1/stats/summary?agency={agency}&from=2026-03-01&to=2026-03-31"


@pytest.mark.parametrize(
    ("caller", "agency", "status"),
    [
        ("A", "000.00.02.H21", 200),
        ("A", "000.00.03.H21", 403),  # another department
        ("A", "000.00.00.H21", 403),  # the committee above it
        ("A-without-scope", "000.00.02.H21", 403),
        ("B", "000.00.02.H21", 403),
        ("B", "000.00.03.H21", 200),
        ("inactive", "000.00.02.H21", 401),
    ],
)
def test_stats_summary(
    client: Client, callers: dict[str, str], dossier: Dossier, caller: str, agency: str, status: int
) -> None:
    response = client.get(STATS.format(agency=agency), headers=bearer(callers[caller]))
    if status != 200:
        problem(response, status)
        return
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["agency"] == agency
    assert body["received"]["total"] == 0  # submitted, never received


def test_stats_index_without_agency_covers_the_clients_agencies(client: Client, callers: dict[str, str]) -> None:
    response = client.get("/api/v1/stats/index?period=month&year=2026&number=3", headers=bearer(callers["A"]))
    assert response.status_code == 200, response.content
    assert response.json()["agency"] is None
    problem(
        client.get("/api/v1/stats/index?period=month&year=2026&number=3", headers=bearer(callers["A-without-scope"])),
        403,
    )


def test_stats_for_a_monitor_unchanged(world: World, client: Client) -> None:
    token = user_token(client, world.monitor.user)
    assert client.get(STATS.format(agency="000.00.00.H21"), headers=bearer(token)).status_code == 200
    citizen = user_token(client, world.citizen)
    problem(client.get(STATS.format(agency="000.00.00.H21"), headers=bearer(citizen)), 403)


def test_a_client_s_list_pages_and_filters_as_the_orm(world: World, callers: dict[str, str], client: Client) -> None:
    """A client's list: its agencies' dossiers, newest first, through every cursor, with each filter."""
    from motcua.dossiers import services

    made = [submit_counter(world, f"2026-03-02 08:{minute:02d}") for minute in range(30, 37)]
    made.append(submit_counter(world, "2026-03-02 08:36"))  # the same instant as the one before: a cursor tie
    for dossier in made[:3]:
        services.dossier_receive(dossier=dossier, actor=world.officer.user, at=at("2026-03-02 09:00"))
    ids = {world.department.pk}
    mine = Dossier.objects.filter(receiving_agency__in=ids) | Dossier.objects.filter(competent_agency__in=ids)
    newest = mine.order_by("-submitted_at", "-pk")
    for query, expected in (
        ("", newest),
        ("&status=received", newest.filter(status="received")),
        (f"&agency={world.department.code}", newest),
        (f"&agency={world.other_department.code}", newest.none()),
        ("&overdue=false", newest),
        ("&assigned_to_me=true", newest.none()),
    ):
        codes: list[str] = []
        url = f"/api/v1/dossiers?page_size=3{query}"
        while url:
            body = client.get(url, headers=bearer(callers["A"])).json()
            codes += [item["code"] for item in body["items"]]
            url = f"/api/v1/dossiers?page_size=3{query}&cursor={body['next']}" if body["next"] else ""
        assert codes == [d.code for d in expected], query
    assert len(made) == 8


@pytest.mark.parametrize(
    "raw",
    ["2026-03-02T08:30:00+07:00|99999999999999999999", "2026-03-02T08:30:00|5", "2026-03-02T08:30:00+07:00|0", "x|y"],
)
def test_a_cursor_the_api_did_not_write_is_refused(
    world: World, callers: dict[str, str], client: Client, raw: str
) -> None:
    from motcua.api.pagination import encode_cursor

    response = client.get(f"/api/v1/dossiers?cursor={encode_cursor(raw)}", headers=bearer(callers["A"]))
    problem(response, 400)
