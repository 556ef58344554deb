"""`GET /api/v1/dossiers/{code}/forms/{form}`: the official forms as PDF (docs/api-contract.md).

Staff with access to the dossier and its owner get the PDF; anyone else gets the same 404 as for a code
that does not exist; a form the dossier does not have is a 404 too.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client
from pypdf import PdfReader

from motcua.dossiers import services
from motcua.dossiers.models import Dossier
from tests.api.test_dossiers_api import Tokens, assert_problem
from tests.dossiers import conftest as small_province
from tests.dossiers.conftest import World, at, submit_online

world = small_province.world
MISSING_CODE = "000.00.01.H21-260302-9999"


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _clock() -> Iterator[Any]:
    with time_machine.travel(at("2026-03-02 10:00"), tick=False) as traveller:
        yield traveller


@pytest.fixture
def tokens(client: Client) -> Tokens:
    return Tokens(client)


@pytest.fixture
def received(world: World) -> Dossier:
    """Submitted online by `world.citizen` (the owner), received by the centre's one-stop officer."""
    dossier = submit_online(world, "2026-03-02 09:00")
    services.dossier_receive(dossier=dossier, actor=world.officer.user, at=at("2026-03-02 09:30"))
    return Dossier.objects.get(pk=dossier.pk)


def path(code: str, form: str) -> str:
    return f"/api/v1/dossiers/{code}/forms/{form}"


def assert_pdf(response: Any, filename: str) -> None:
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="{filename}"'
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) >= 1


@pytest.mark.parametrize(
    ("actor", "expected"),
    [
        ("citizen", 200),  # the owner
        ("officer", 200),  # the receiving centre
        ("specialist", 200),  # the competent department
        ("leader", 200),
        ("monitor", 200),  # the province's committee
        ("other_citizen", 404),
        ("other_officer", 404),  # another department
        ("other_leader", 404),
    ],
)
def test_receipt_visibility(
    client: Client, tokens: Tokens, world: World, received: Dossier, actor: str, expected: int
) -> None:
    user = world.users()[actor]
    response = client.get(path(received.code, "01"), headers=tokens.headers(user))
    if expected == 200:
        assert_pdf(response, f"{received.code}-01.pdf")
        assert received.code in PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    else:
        hidden = assert_problem(response, 404)
        # exactly what a code that does not exist gives: the dossier's existence is not revealed
        assert hidden == assert_problem(client.get(path(MISSING_CODE, "01"), headers=tokens.headers(user)), 404)


def test_control_sheet_for_staff_and_owner(client: Client, tokens: Tokens, world: World, received: Dossier) -> None:
    for user in (world.officer.user, world.citizen):
        assert_pdf(client.get(path(received.code, "05"), headers=tokens.headers(user)), f"{received.code}-05.pdf")


@pytest.mark.parametrize("form", ["02", "03", "04", "handover", "06", "99", "01.pdf"])
def test_a_form_the_dossier_does_not_have_is_404(
    client: Client, tokens: Tokens, world: World, received: Dossier, form: str
) -> None:
    for user in (world.officer.user, world.citizen):
        assert_problem(client.get(path(received.code, form), headers=tokens.headers(user)), 404)


def test_refusal_slip_once_refused(client: Client, tokens: Tokens, world: World) -> None:
    dossier = submit_online(world, "2026-03-02 09:00")
    assert_problem(client.get(path(dossier.code, "03"), headers=tokens.headers(world.citizen)), 404)
    services.dossier_reject(
        dossier=dossier, actor=world.officer.user, reason="Không thuộc thẩm quyền", at=at("2026-03-02 09:30")
    )
    assert_pdf(client.get(path(dossier.code, "03"), headers=tokens.headers(world.citizen)), f"{dossier.code}-03.pdf")
    assert_problem(client.get(path(dossier.code, "01"), headers=tokens.headers(world.citizen)), 404)


def test_handover_record_after_return(client: Client, tokens: Tokens, world: World, received: Dossier) -> None:
    code = received.code
    services.dossier_forward(dossier=received, actor=world.officer.user, at=at("2026-03-02 09:40"))
    services.dossier_forward(dossier=received, actor=world.specialist.user, at=at("2026-03-02 10:00"))
    services.dossier_forward(dossier=received, actor=world.head.user, at=at("2026-03-02 10:10"))
    services.dossier_approve(dossier=received, actor=world.leader.user, outcome="granted", at=at("2026-03-02 10:20"))
    services.dossier_return_result(dossier=received, actor=world.officer.user, at=at("2026-03-02 10:30"))
    for user in (world.officer.user, world.citizen):
        assert_pdf(client.get(path(code, "handover"), headers=tokens.headers(user)), f"{code}-handover.pdf")
    assert_problem(client.get(path(code, "handover"), headers=tokens.headers(world.other_citizen)), 404)


def test_unknown_dossier_is_404(client: Client, tokens: Tokens, world: World) -> None:
    assert_problem(client.get(path(MISSING_CODE, "01"), headers=tokens.headers(world.officer.user)), 404)


def test_forms_need_a_signed_in_user(client: Client, world: World, received: Dossier) -> None:
    assert_problem(client.get(path(received.code, "01")), 401)
    assert_problem(client.get(path(received.code, "01"), headers={"authorization": "Bearer not-a-token"}), 401)


def test_the_endpoint_is_in_the_openapi_schema(client: Client) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/dossiers/{code}/forms/{form}"]["get"]
    assert "application/pdf" in operation["responses"]["200"]["content"]
