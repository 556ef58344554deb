"""Signed, expiring download links in the payload pushed to the national portal (`links`, `/tai-lieu/`)."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.core import signing
from django.core.files.base import ContentFile
from django.test import Client

from motcua.core import outbox
from motcua.dossiers import services
from motcua.dossiers.models import Document, Dossier
from motcua.integrations.national_portal import links, simulator, sync
from motcua.integrations.national_portal.models import SimulatedPortalCall
from motcua.results.models import ResultDocument
from tests.factories import SMALL_PDF

from .conftest import World, at, submit_counter, submit_online

PUBLIC = "https://dichvucong.example.gov.vn"
T0 = at("2026-03-02 10:00")
SIGNED_PDF = SMALL_PDF + b"\n% signed by the agency leader\n"


@pytest.fixture(autouse=True)
def clock() -> Iterator[Any]:
    """Now is Monday 2 March 2026 10:00 +07:00, frozen (links expire against this clock)."""
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def portal(settings: Any) -> Iterator[None]:
    """The in-process simulator records every push; links point at the public address."""
    settings.MOTCUA_NATIONAL_PORTAL_URL = ""
    settings.MOTCUA_NATIONAL_PORTAL_SIMULATOR = True
    settings.MOTCUA_PUBLIC_URL = PUBLIC
    settings.MOTCUA_DOCUMENT_LINK_MAX_AGE = 30 * 24 * 3600
    simulator.STATE.reset()
    sync.use_transport(None)
    yield
    simulator.STATE.reset()


def relay(moment: dt.datetime = T0) -> None:
    outbox.relay_pending(now=moment)


def pushed(endpoint: str) -> dict[str, Any]:
    """The body of the last accepted dossier call to `endpoint`."""
    call = SimulatedPortalCall.objects.filter(endpoint=endpoint, error_code="0").order_by("-pk").first()
    assert call is not None, list(SimulatedPortalCall.objects.values_list("endpoint", "error_code"))
    body: dict[str, Any] = call.body
    return body


def path_of(link: str) -> str:
    assert link.startswith(PUBLIC + "/tai-lieu/"), link
    return link.removeprefix(PUBLIC)


def token_of(link: str) -> str:
    return path_of(link).removeprefix("/tai-lieu/").rstrip("/")


def fetch(http: Client, link_or_path: str) -> Any:
    return http.get(link_or_path.removeprefix(PUBLIC))


def body_of(response: Any) -> bytes:
    return b"".join(response.streaming_content)


def signed_result(dossier: Dossier) -> ResultDocument:
    result = ResultDocument(
        dossier=dossier,
        title="Phiếu lý lịch tư pháp số 1",
        code="KQ-7Q2M9X",
        original_name="phieu-ly-lich.pdf",
        state=ResultDocument.State.SIGNED,
        sha256=hashlib.sha256(SIGNED_PDF).hexdigest(),
        signed_at=T0,
    )
    result.file.save("unsigned.pdf", ContentFile(SMALL_PDF), save=False)
    result.signed_file.save("signed.pdf", ContentFile(SIGNED_PDF), save=False)
    result.save()
    return result


def test_pushed_documents_carry_links_that_return_the_exact_bytes(world: World, client: Client) -> None:
    dossier = submit_online(world, "2026-03-02 09:00")
    relay()
    files = pushed("dossiers/new")["TaiLieuNop"]
    documents = {str(d.pk): d for d in dossier.documents.all()}
    assert sorted(f["TepDinhKemId"] for f in files) == sorted(documents)
    assert len({f["DuongDanTaiTepTin"] for f in files}) == 2  # one link per document
    for entry in files:
        document = documents[entry["TepDinhKemId"]]
        response = fetch(client, path_of(entry["DuongDanTaiTepTin"]))
        assert response.status_code == 200
        content = body_of(response)
        with document.file.open("rb") as handle:
            assert content == handle.read() == SMALL_PDF
        assert hashlib.sha256(content).hexdigest() == document.sha256
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("attachment;")
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
        assert "no-store" in response["Cache-Control"]


def test_paper_documents_have_no_link(world: World) -> None:
    dossier = submit_counter(
        world,
        "2026-03-02 09:00",
        documents=[services.DocumentData(component="TP1", upload_id=None, copy_kind="original")],
    )
    relay()
    files = pushed("dossiers/new")["TaiLieuNop"]
    assert [(f["MaThanhPhanHoSo"], f["DuongDanTaiTepTin"]) for f in files] == [("TP1", "")]
    assert Document.objects.get(dossier=dossier).file.name == ""


def test_a_signed_result_is_linked_a_draft_is_not(world: World, client: Client) -> None:
    dossier = submit_counter(world, "2026-03-02 09:00")
    draft = ResultDocument(dossier=dossier, title="Bản nháp", code="KQ-NHAP01", original_name="nhap.pdf")
    draft.file.save("draft.pdf", ContentFile(SMALL_PDF), save=False)
    draft.save()
    result = signed_result(dossier)
    services.dossier_receive(dossier=dossier, actor=world.officer.user, at=T0)
    relay()
    results = {r["GiayToId"]: r["DuongDanTepTinKetQua"] for r in pushed("dossiers/update")["DanhSachGiayToKetQua"]}
    assert results[str(draft.pk)] == ""
    response = fetch(client, path_of(results[str(result.pk)]))
    assert response.status_code == 200
    assert body_of(response) == SIGNED_PDF  # the signed file, not the unsigned draft
    assert response["Content-Disposition"] == 'attachment; filename="phieu-ly-lich.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"


def _tampered(token: str) -> list[str]:
    """A token with its signature, its timestamp or its data changed by one character."""
    data, stamp, signature = token.rsplit(":", 2)
    flip = {"A": "B"}.get(signature[-1], "A")
    return [
        f"{data}:{stamp}:{signature[:-1]}{flip}",
        f"{data}:{stamp[:-1]}{'1' if stamp[-1] != '1' else '2'}:{signature}",
        f"{data[:-1]}{'A' if data[-1] != 'A' else 'B'}:{stamp}:{signature}",
        f"{data}:{stamp}",
        "",
        "not-a-token",
    ]


def test_tampered_and_forged_links_are_not_found(world: World, client: Client) -> None:
    dossier = submit_online(world, "2026-03-02 09:00")
    document = dossier.documents.first()
    assert document is not None
    token = token_of(links.document_link(document))
    assert fetch(client, f"/tai-lieu/{token}/").status_code == 200
    for bad in _tampered(token):
        assert fetch(client, f"/tai-lieu/{bad}/").status_code == 404, bad
    claims = {"k": "d", "i": document.pk, "h": document.sha256}
    # the same claims signed with another key, or under another salt (e.g. an API token's)
    other_key = signing.dumps(claims, key="not-the-secret-key", salt=links.SALT)
    other_salt = signing.dumps(claims, salt="motcua.api.token")
    for bad in (other_key, other_salt):
        assert fetch(client, f"/tai-lieu/{bad}/").status_code == 404


def test_a_link_cannot_be_altered_to_fetch_another_file(world: World, client: Client) -> None:
    dossier = submit_online(world, "2026-03-02 09:00")
    other = submit_online(world, "2026-03-02 09:05", user=world.other_citizen)
    result = signed_result(other)
    mine, theirs = dossier.documents.order_by("pk")[0], other.documents.order_by("pk")[0]
    token = token_of(links.document_link(mine))
    data, stamp, signature = token.rsplit(":", 2)
    claims = json.loads(base64.urlsafe_b64decode(data + "=" * (-len(data) % 4)))
    assert claims == {"k": "d", "i": mine.pk, "h": mine.sha256}
    for changed in (
        {"k": "d", "i": theirs.pk, "h": theirs.sha256},  # another dossier's document
        {"k": "r", "i": result.pk, "h": result.sha256},  # a result
        {"k": "r", "i": mine.pk, "h": mine.sha256},  # the same id as another kind
    ):
        raw = json.dumps(changed, separators=(",", ":")).encode()
        forged = base64.urlsafe_b64encode(raw).decode().rstrip("=")
        assert fetch(client, f"/tai-lieu/{forged}:{stamp}:{signature}/").status_code == 404
    # the signature of one link does not fit another link's data
    their_token = token_of(links.document_link(theirs))
    their_data = their_token.rsplit(":", 2)[0]
    assert fetch(client, f"/tai-lieu/{their_data}:{stamp}:{signature}/").status_code == 404
    # a validly signed link of the same kind and id with another hash (the file changed): not found
    stale = links.make_token(links.DOCUMENT, mine.pk, "0" * 64)
    assert fetch(client, f"/tai-lieu/{stale}/").status_code == 404
    assert fetch(client, f"/tai-lieu/{token}/").status_code == 200


def test_an_expired_link_is_not_found(world: World, client: Client, settings: Any) -> None:
    settings.MOTCUA_DOCUMENT_LINK_MAX_AGE = 3600
    dossier = submit_online(world, "2026-03-02 09:00")
    document = dossier.documents.first()
    assert document is not None
    link = links.document_link(document)
    with time_machine.travel(T0 + dt.timedelta(seconds=3599), tick=False):
        assert fetch(client, link).status_code == 200
    with time_machine.travel(T0 + dt.timedelta(seconds=3601), tick=False):
        response = fetch(client, link)
    assert response.status_code == 404
    assert b"expired" not in response.content.lower()
    # the same answer as for a link that never was: nothing tells an expired link from a bad one
    never = fetch(client, "/tai-lieu/not-a-token/")
    assert (never.status_code, never.content) == (404, response.content)


def test_the_default_lifetime_is_thirty_days(world: World, client: Client, settings: Any) -> None:
    del settings.MOTCUA_DOCUMENT_LINK_MAX_AGE
    dossier = submit_online(world, "2026-03-02 09:00")
    document = dossier.documents.first()
    assert document is not None
    link = links.document_link(document)
    with time_machine.travel(T0 + dt.timedelta(days=29, hours=23), tick=False):
        assert fetch(client, link).status_code == 200
    with time_machine.travel(T0 + dt.timedelta(days=30, seconds=1), tick=False):
        assert fetch(client, link).status_code == 404


def test_only_get_and_head(world: World, client: Client) -> None:
    dossier = submit_online(world, "2026-03-02 09:00")
    document = dossier.documents.first()
    assert document is not None
    link = links.document_link(document)
    assert client.head(path_of(link)).status_code == 200
    assert client.post(path_of(link)).status_code == 405


def test_a_document_whose_stored_file_is_gone_is_not_found(world: World, client: Client) -> None:
    dossier = submit_online(world, "2026-03-02 09:00")
    document = dossier.documents.first()
    assert document is not None
    link = links.document_link(document)
    document.file.storage.delete(document.file.name)
    assert fetch(client, link).status_code == 404
