"""The permission matrix of every result endpoint, over HTTP, with "nothing changed" checks on denial."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from motcua.dossiers.models import Dossier, StoredDocument
from motcua.dossiers.official_forms import html_to_pdf
from motcua.results import services
from motcua.results.models import ResultDocument
from tests.results.conftest import World, processing

WHO = ["anonymous", "citizen", "other_citizen", "other_officer", "other_leader", "officer", "specialist", "leader"]


def _client(world: World, who: str) -> Client:
    client = Client()
    if who != "anonymous":
        client.force_login(world.users()[who])
    return client


def _draft(world: World) -> tuple[Dossier, ResultDocument]:
    dossier = processing(world)
    return dossier, services.result_generate(dossier=dossier, actor=world.specialist.user, title="Quyết định")


# anonymous: sign-in page; citizens: denied page; staff outside the dossier's agencies: not found
PAGE = {
    "anonymous": 302,
    "citizen": 403,
    "other_citizen": 403,
    "other_officer": 404,
    "other_leader": 404,
    "officer": 200,
    "specialist": 200,
    "leader": 200,
}


@pytest.mark.parametrize("who", WHO)
def test_staff_results_page_and_download(world: World, keys: Path, who: str) -> None:
    dossier, draft = _draft(world)
    client = _client(world, who)

    page = client.get(reverse("backoffice:results", args=[dossier.code]))
    download = client.get(reverse("backoffice:result_download", args=[dossier.code, draft.pk]))

    assert page.status_code == PAGE[who]
    assert download.status_code == PAGE[who]
    if PAGE[who] == 200:
        assert b"".join(download.streaming_content).startswith(b"%PDF-")  # type: ignore[attr-defined]


ATTACH = {**PAGE, "officer": 403, "specialist": 302, "leader": 302}


@pytest.mark.parametrize("who", WHO)
def test_attach_and_generate(world: World, keys: Path, who: str) -> None:
    dossier = processing(world)
    client = _client(world, who)
    pdf = SimpleUploadedFile("qd.pdf", html_to_pdf("<p>Quyết định</p>"), "application/pdf")

    attach = client.post(
        reverse("backoffice:result_attach", args=[dossier.code]),
        {"kind": "decision", "title": "Quyết định cấp phép", "file": pdf},
    )
    generate = client.post(reverse("backoffice:result_generate", args=[dossier.code]), {"title": ""})

    assert attach.status_code == ATTACH[who]
    assert generate.status_code == ATTACH[who]
    expected = 2 if who in ("specialist", "leader") else 0
    assert ResultDocument.objects.filter(dossier=dossier).count() == expected


SIGN = {**PAGE, "officer": 403, "specialist": 403, "leader": 302}


@pytest.mark.parametrize("who", WHO)
def test_sign(world: World, keys: Path, who: str) -> None:
    dossier, draft = _draft(world)

    response = _client(world, who).post(reverse("backoffice:result_sign", args=[dossier.code, draft.pk]))

    assert response.status_code == SIGN[who]
    draft.refresh_from_db()
    assert draft.is_signed is (who == "leader")
    assert StoredDocument.objects.filter(source="result").count() == (1 if who == "leader" else 0)


CITIZEN_DOWNLOAD = {who: 404 for who in WHO} | {"citizen": 200}


@pytest.mark.parametrize("who", WHO)
def test_citizen_download_of_a_signed_result(world: World, keys: Path, who: str) -> None:
    dossier, draft = _draft(world)
    signed = services.result_sign(result=draft, actor=world.leader.user)

    response = _client(world, who).get(reverse("portal:my_result", args=[dossier.code, signed.pk]))

    assert response.status_code == CITIZEN_DOWNLOAD[who]
    if who == "citizen":
        assert b"".join(response.streaming_content).startswith(b"%PDF-")  # type: ignore[attr-defined]
        page = _client(world, who).get(reverse("portal:my_dossier", args=[dossier.code]))
        assert reverse("portal:my_result", args=[dossier.code, signed.pk]) in page.content.decode()


def test_citizen_cannot_download_an_unsigned_result(world: World, keys: Path) -> None:
    dossier, draft = _draft(world)
    response = _client(world, "citizen").get(reverse("portal:my_result", args=[dossier.code, draft.pk]))
    assert response.status_code == 404


@pytest.mark.parametrize("who", WHO)
def test_public_verification_page_is_open_to_everyone(world: World, keys: Path, who: str) -> None:
    dossier, draft = _draft(world)
    signed = services.result_sign(result=draft, actor=world.leader.user)

    response = _client(world, who).get(reverse("portal:verify", args=[signed.code]))

    assert response.status_code == 200
    text = response.content.decode()
    assert "HỢP LỆ" in text and "KHÔNG HỢP LỆ" not in text
    assert "Sở Tư pháp" in text
    assert dossier.applicant_name not in text and dossier.applicant_id_number not in text
    assert response.request["PATH_INFO"] == f"/verify/{signed.code}/"


def test_verification_page_reports_a_modified_upload(world: World, keys: Path) -> None:
    _dossier, draft = _draft(world)
    signed = services.result_sign(result=draft, actor=world.leader.user)
    with signed.signed_file.open("rb") as handle:
        data = bytearray(handle.read())
    data[len(data) // 3] ^= 0x01

    tampered = Client().post(
        reverse("portal:verify", args=[signed.code]), {"file": SimpleUploadedFile("kq.pdf", bytes(data))}
    )
    genuine = Client().post(
        reverse("portal:verify", args=[signed.code]),
        {"file": SimpleUploadedFile("kq.pdf", signed.signed_file.open("rb").read())},
    )

    assert "KHÔNG HỢP LỆ" in tampered.content.decode()
    assert "KHÔNG HỢP LỆ" not in genuine.content.decode() and "HỢP LỆ" in genuine.content.decode()


def test_unknown_code_is_not_found(world: World) -> None:
    assert Client().get(reverse("portal:verify", args=["khong-ton-tai-0000"])).status_code == 404


def test_staff_dossier_page_shows_the_result_panel(world: World, keys: Path) -> None:
    dossier, draft = _draft(world)
    page = _client(world, "leader").get(reverse("backoffice:dossier", args=[dossier.code]))
    text = page.content.decode()
    assert page.status_code == 200
    assert reverse("backoffice:result_sign", args=[dossier.code, draft.pk]) in text
    specialist_page = _client(world, "specialist").get(reverse("backoffice:dossier", args=[dossier.code]))
    assert reverse("backoffice:result_sign", args=[dossier.code, draft.pk]) not in specialist_page.content.decode()


def test_the_contract_address_of_verification_shows_the_same_page(world: World, keys: Path) -> None:
    _dossier, draft = _draft(world)
    signed = services.result_sign(result=draft, actor=world.leader.user)
    response = _client(world, "anonymous").get(f"/xac-thuc/{signed.code}/")
    assert response.status_code == 200
    assert "HỢP LỆ" in response.content.decode()
