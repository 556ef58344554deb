"""Dossiers filed on the national portal: mapped, downloaded and queued for reception; nothing dropped."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client, override_settings

from motcua.dossiers.models import Channel, Dossier, Status
from motcua.dossiers.selectors import dossiers_visible_to
from motcua.integrations.inbound import mapping, services
from motcua.integrations.inbound.models import CodeMapping, InboundDossier
from tests.factories import SMALL_PDF
from tests.integrations.inbound.conftest import World

pytestmark = pytest.mark.django_db

TOKEN = "portal-shared-token-0123456789"


def pdf(url: str) -> services.Fetched:
    return SMALL_PDF, url.rsplit("/", 1)[-1]


def payload(world: World, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        mapping.DOSSIER_CODE: "G22.99-260302-0001",
        mapping.PROCEDURE_CODE: f"{world.version.procedure.code}.000.00.00.H21",
        mapping.AGENCY_CODE: world.department.code,
        mapping.OWNER_NAME: "Trần Thị Bích Ngọc",
        mapping.OWNER_ID: "052190012345",
        mapping.SUBJECT_KIND: "1",
        mapping.BIRTH_DATE: "19900215",
        mapping.PHONE: "0905111222",
        mapping.DELIVERY: "0",
        mapping.DOCUMENTS: [
            {
                mapping.DOCUMENT_COMPONENT: "TP1",
                mapping.DOCUMENT_NAME: "to-khai.pdf",
                mapping.DOCUMENT_URL: "https://dvc/f/1.pdf",
            },
            {
                mapping.DOCUMENT_COMPONENT: "TP2",
                mapping.DOCUMENT_NAME: "cccd.pdf",
                mapping.DOCUMENT_URL: "https://dvc/f/2.pdf",
            },
        ],
    }
    data.update(changes)
    return data


def test_a_portal_dossier_waits_for_reception_like_any_online_dossier(world: World) -> None:
    inbound = services.receive(payload(world), fetch=pdf)
    assert inbound.state == InboundDossier.State.CREATED and inbound.problems == []
    dossier = Dossier.objects.get(pk=inbound.dossier_id)
    assert (dossier.channel, dossier.status, dossier.competent_agency) == (
        Channel.ONLINE,
        Status.SUBMITTED,
        world.department,
    )
    assert dossier.reception_due_at is not None
    assert dossier.applicant_name == "Trần Thị Bích Ngọc" and dossier.applicant_birth_date.isoformat() == "1990-02-15"
    assert sorted(dossier.documents.values_list("component_code", flat=True)) == ["TP1", "TP2"]
    # the one-stop officer sees it among the dossiers to receive
    assert dossiers_visible_to(world.officer.user).filter(pk=dossier.pk).exists()


def test_a_repeated_delivery_creates_nothing_twice(world: World) -> None:
    first = services.receive(payload(world), fetch=pdf)
    again = services.receive(payload(world), fetch=pdf)
    assert again.pk == first.pk and again.dossier_id == first.dossier_id
    assert Dossier.objects.count() == 1 and InboundDossier.objects.count() == 1


def test_unknown_codes_are_reported_and_kept_then_processed_once_mapped(world: World) -> None:
    inbound = services.receive(
        payload(world, **{mapping.PROCEDURE_CODE: "2.999999", mapping.AGENCY_CODE: "G22.99"}), fetch=pdf
    )
    assert inbound.state == InboundDossier.State.UNMAPPED
    assert {(p["field"], p["code"]) for p in inbound.problems} == {
        (mapping.PROCEDURE_CODE, "2.999999"),
        (mapping.AGENCY_CODE, "G22.99"),
    }
    assert Dossier.objects.count() == 0 and InboundDossier.objects.filter(pk=inbound.pk).exists()
    CodeMapping.objects.create(
        kind=CodeMapping.Kind.PROCEDURE, external_code="2.999999", local_code=world.version.procedure.code
    )
    CodeMapping.objects.create(kind=CodeMapping.Kind.AGENCY, external_code="G22.99", local_code=world.department.code)
    assert services.retry(InboundDossier.objects.all(), fetch=pdf) == 1
    inbound.refresh_from_db()
    assert inbound.state == InboundDossier.State.CREATED and inbound.dossier is not None


def test_a_dossier_the_local_rules_refuse_is_kept_with_its_problems(world: World) -> None:
    missing = payload(world, **{mapping.DOCUMENTS: []})
    inbound = services.receive(missing, fetch=pdf)
    assert inbound.state == InboundDossier.State.INVALID
    assert any("TP" in p["problem"] or p["field"] == "documents" for p in inbound.problems)
    assert Dossier.objects.count() == 0

    def broken(url: str) -> services.Fetched:
        raise services.FetchError("timed out")

    other = services.receive(payload(world, **{mapping.DOSSIER_CODE: "G22.99-260302-0002"}), fetch=broken)
    assert other.state == InboundDossier.State.INVALID and other.problems[0]["problem"] == "timed out"
    # a file whose content is not what it says is refused like any upload
    fake = services.receive(
        payload(world, **{mapping.DOSSIER_CODE: "G22.99-260302-0003"}),
        fetch=lambda url: (b"MZ\x90\x00 not a pdf", "x.pdf"),
    )
    assert fake.state == InboundDossier.State.INVALID and Dossier.objects.count() == 0


def test_only_https_downloads() -> None:
    with pytest.raises(services.FetchError):
        services.fetch_https("file:///etc/passwd")
    with pytest.raises(services.FetchError):
        services.fetch_https("http://example.test/a.pdf")


@override_settings(MOTCUA_NATIONAL_PORTAL_INBOUND_TOKEN=TOKEN)
def test_the_endpoint_needs_the_portal_token(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(services, "fetch_https", pdf)
    url = "/api/v1/inbound/national-portal/dossiers"
    body = payload(world)
    assert Client().post(url, body, content_type="application/json").status_code == 401
    wrong = {"authorization": "Bearer not-the-token"}
    assert Client().post(url, body, content_type="application/json", headers=wrong).status_code == 401
    response = Client().post(url, body, content_type="application/json", headers={"authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 202
    answer = response.json()
    assert answer["state"] == "created" and answer["dossier"] == Dossier.objects.get().code
    bad = Client().post(url, {"x": 1}, content_type="application/json", headers={"authorization": f"Bearer {TOKEN}"})
    assert bad.status_code == 422
