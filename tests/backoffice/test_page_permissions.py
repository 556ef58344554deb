"""Who may open which back-office page: every role of the small province, anonymous and citizens."""

from __future__ import annotations

import pytest
from django.test import Client

from motcua.dossiers import services
from motcua.dossiers.models import Dossier
from tests.backoffice.conftest import World, at, submit_counter

pytestmark = pytest.mark.django_db

PAGES = [
    "inbox",
    "reception",
    "reception_form",
    "list",
    "detail",
    "document",
    "form",
    "unit",
    "approvals",
    "returns",
    "tracking",
    "alerts",
]

# expected status per page, in the order of PAGES (302: to sign-in; 403: not for this role; 404: not visible)
EXPECTED = {
    "anonymous": [302] * 12,
    "citizen": [403] * 12,
    "other_citizen": [403] * 12,
    "officer": [200, 200, 200, 200, 200, 404, 200, 403, 403, 200, 200, 200],
    "other_officer": [200, 200, 200, 200, 404, 404, 404, 403, 403, 200, 200, 200],
    "specialist": [200, 403, 403, 200, 200, 404, 200, 403, 403, 403, 200, 200],
    "head": [200, 403, 403, 200, 200, 404, 200, 200, 403, 403, 200, 200],
    "leader": [200, 403, 403, 200, 200, 404, 200, 200, 200, 403, 200, 200],
    "other_leader": [200, 403, 403, 200, 404, 404, 404, 200, 200, 403, 200, 200],
    "monitor": [200, 403, 403, 200, 200, 404, 200, 403, 403, 403, 200, 200],
}


def urls(world: World, dossier: Dossier) -> dict[str, str]:
    return {
        "inbox": "/can-bo/",
        "reception": "/can-bo/tiep-nhan/",
        "reception_form": f"/can-bo/tiep-nhan/{world.version.procedure.code}/",
        "list": "/can-bo/ho-so/",
        "detail": f"/can-bo/ho-so/{dossier.code}/",
        "document": f"/can-bo/ho-so/{dossier.code}/giay-to/999999/",  # no such document: never a file
        "form": f"/can-bo/ho-so/{dossier.code}/mau/01/",
        "unit": "/can-bo/phan-cong/",
        "approvals": "/can-bo/phe-duyet/",
        "returns": "/can-bo/tra-ket-qua/",
        "tracking": "/can-bo/so-theo-doi/",
        "alerts": "/can-bo/canh-bao/",
    }


@pytest.mark.parametrize("who", sorted(EXPECTED))
def test_page_matrix(world: World, who: str) -> None:
    dossier = submit_counter(world, "2026-03-02 09:00")
    services.dossier_receive(dossier=dossier, actor=world.officer.user, at=at("2026-03-02 09:00"))
    client = Client()
    if who != "anonymous":
        client.force_login(world.users()[who])
    got = [client.get(urls(world, dossier)[name]).status_code for name in PAGES]
    assert dict(zip(PAGES, got, strict=True)) == dict(zip(PAGES, EXPECTED[who], strict=True))


@pytest.mark.parametrize("who", ["anonymous", "citizen", "other_officer", "specialist", "other_leader"])
def test_denied_actions_change_nothing(world: World, who: str) -> None:
    dossier = submit_counter(world, "2026-03-02 09:00")
    services.dossier_receive(dossier=dossier, actor=world.officer.user, at=at("2026-03-02 09:00"))
    before = Dossier.objects.values().get(pk=dossier.pk)
    client = Client()
    if who != "anonymous":
        client.force_login(world.users()[who])
    for action, data in [
        ("forward", {}),
        ("stop", {"stop-reason": "thử"}),
        ("withdraw", {"withdraw-reason": "thử"}),
        ("request_supplement", {"request_supplement-reason": "thử", "request_supplement-components": ["TP1"]}),
    ]:
        response = client.post(f"/can-bo/ho-so/{dossier.code}/thao-tac/{action}/", data)
        assert response.status_code in {302, 403, 404}, (action, response.status_code)
        if who != "anonymous":
            assert response.status_code in {403, 404}
    assert Dossier.objects.values().get(pk=dossier.pk) == before


def test_forms_are_protected_against_cross_site_posts(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.officer.user)
    dossier = submit_counter(world, "2026-03-02 09:00")
    response = client.post(f"/can-bo/ho-so/{dossier.code}/thao-tac/receive/", {})
    assert response.status_code == 403
    assert Dossier.objects.get(pk=dossier.pk).status == "submitted"
