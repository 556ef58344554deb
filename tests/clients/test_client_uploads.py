"""API clients upload files and attach them to the dossiers they submit; nobody attaches another's upload.

Every upload has exactly one principal (a user, an API client, or motcua itself for inbound national portal
files), and a submission takes only its submitter's own, not yet attached uploads.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.test import Client

from motcua.clients import tokens
from motcua.dossiers import services, uploads
from motcua.dossiers.models import Dossier, Upload
from tests.clients.conftest import (
    Registered,
    World,
    at,
    bearer,
    client_token,
    problem,
    submit_counter,
    user_token,
)
from tests.factories import SMALL_PDF

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def upload(http: Client, token: str, name: str = "giay-to.pdf", content: bytes = SMALL_PDF, **headers: str) -> Any:
    file = SimpleUploadedFile(name, content, "application/pdf")
    return http.post("/api/v1/uploads", {"file": file}, headers=bearer(token) | headers)


def submission(world: World, files: list[int]) -> dict[str, Any]:
    return {
        "procedure": world.version.procedure.code,
        "agency": world.department.code,
        "channel": "online",
        "applicant": {"kind": "citizen", "full_name": "Nguyễn Văn An", "id_number": "052090001234"},
        "documents": [{"component": f"TP{i + 1}", "file": file} for i, file in enumerate(files)],
        "delivery": {"method": "online"},
    }


def submit(http: Client, token: str, body: dict[str, Any]) -> Any:
    return http.post("/api/v1/dossiers", body, content_type="application/json", headers=bearer(token))


def stored_files(settings: Any) -> list[Path]:
    root = Path(settings.MEDIA_ROOT) / "uploads"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.fixture
def kiosk(world: World, register: Any) -> Registered:
    """Client A: a kiosk of the Sở Tư pháp (the competent agency of `world`'s procedure) that submits."""
    registered: Registered = register(world.department, scopes=["dossiers:submit", "dossiers:read"], name="Kiosk")
    return registered


@pytest.fixture
def other_app(world: World, register: Any) -> Registered:
    """Client B: another app of the same agency, with the same scopes."""
    registered: Registered = register(world.department, scopes=["dossiers:submit"], name="Ứng dụng khác")
    return registered


def _pdf(owner: Any = None, client: Any = None) -> Upload:
    return uploads.upload_create(owner=owner, client=client, file=SimpleUploadedFile("a.pdf", SMALL_PDF))


# ---- a client uploads and submits ----------------------------------------------------------------------


def test_a_client_uploads_files_and_submits_a_dossier_with_them(
    world: World, kiosk: Registered, client: Client, settings: Any
) -> None:
    token = client_token(client, kiosk)
    first = upload(client, token, name="don-de-nghi.pdf")
    second = upload(client, token, name="anh.png", content=PNG)
    assert (first.status_code, second.status_code) == (201, 201), first.content
    assert first.json() == {
        "id": first.json()["id"],
        "name": "don-de-nghi.pdf",
        "size": len(SMALL_PDF),
        "sha256": hashlib.sha256(SMALL_PDF).hexdigest(),
        "content_type": "application/pdf",
    }
    assert second.json()["content_type"] == "image/png"  # by content
    ids = [first.json()["id"], second.json()["id"]]
    stored = Upload.objects.get(pk=ids[0])
    assert (stored.client, stored.owner, stored.system, stored.used_by) == (kiosk.client, None, False, None)
    with stored.file.open("rb") as handle:
        assert handle.read() == SMALL_PDF

    response = submit(client, token, submission(world, ids))
    assert response.status_code == 201, response.content
    dossier = Dossier.objects.get(code=response.json()["code"])
    documents = {d.component_code: d for d in dossier.documents.all()}
    assert sorted(documents) == ["TP1", "TP2"]
    assert (documents["TP1"].original_name, documents["TP1"].sha256) == (
        "don-de-nghi.pdf",
        hashlib.sha256(SMALL_PDF).hexdigest(),
    )
    assert documents["TP2"].content_type == "image/png"
    assert set(Upload.objects.filter(pk__in=ids).values_list("used_by", flat=True)) == {dossier.pk}
    assert len(stored_files(settings)) == 2


def test_without_the_required_files_a_client_submission_is_refused(
    world: World, kiosk: Registered, client: Client
) -> None:
    token = client_token(client, kiosk)
    body = problem(submit(client, token, submission(world, [])), 422)
    assert {e["field"] for e in body["errors"]} == {"documents"}
    assert Dossier.objects.count() == 0


# ---- whose upload --------------------------------------------------------------------------------------


@pytest.mark.parametrize("whose", ["other client", "citizen", "officer", "system"])
def test_a_client_cannot_attach_an_upload_that_is_not_its_own(
    world: World, kiosk: Registered, other_app: Registered, client: Client, whose: str
) -> None:
    token = client_token(client, kiosk)
    mine = upload(client, token).json()["id"]
    foreign = {
        "other client": lambda: upload(client, client_token(client, other_app)).json()["id"],
        "citizen": lambda: upload(client, user_token(client, world.citizen)).json()["id"],
        "officer": lambda: _pdf(owner=world.officer.user).pk,
        "system": lambda: _pdf().pk,  # no owner: an inbound national portal file
    }[whose]()
    body = problem(submit(client, token, submission(world, [mine, foreign])), 422)
    assert [e["field"] for e in body["errors"]] == ["documents[1].file", "documents"]  # TP2 is then missing
    assert Dossier.objects.count() == 0
    assert list(Upload.objects.filter(used_by__isnull=False)) == []


@pytest.mark.parametrize("whose", ["client", "other citizen", "system"])
def test_a_user_cannot_attach_an_upload_that_is_not_their_own(
    world: World, kiosk: Registered, client: Client, whose: str
) -> None:
    token = user_token(client, world.citizen)
    mine = upload(client, token).json()["id"]
    foreign = {
        "client": lambda: upload(client, client_token(client, kiosk)).json()["id"],
        "other citizen": lambda: upload(client, user_token(client, world.other_citizen)).json()["id"],
        "system": lambda: _pdf().pk,
    }[whose]()
    body = problem(submit(client, token, submission(world, [mine, foreign])), 422)
    assert [e["field"] for e in body["errors"]] == ["documents[1].file", "documents"]  # TP2 is then missing
    assert Dossier.objects.count() == 0
    # with their own two files it goes through
    again = upload(client, token).json()["id"]
    assert submit(client, token, submission(world, [mine, again])).status_code == 201


def test_an_ownerless_upload_is_not_attachable_by_anyone_but_motcua(world: World, kiosk: Registered) -> None:
    """The hole this closes: an upload without an owner used to be accepted from any submitter."""
    system = _pdf()
    assert (system.owner, system.client, system.system) == (None, None, True)
    data = services.SubmissionData(
        procedure=world.version.procedure.code,
        agency=world.department.code,
        channel="online",
        applicant=services.ApplicantData(kind="citizen", full_name="Nguyễn Văn An", id_number="052090001234"),
        documents=[
            services.DocumentData(component="TP1", upload_id=system.pk),
            services.DocumentData(component="TP2", upload_id=_pdf(owner=world.citizen).pk),
        ],
        delivery_method="online",
    )
    with pytest.raises(services.InvalidInput) as refused:
        services.dossier_submit(actor=world.citizen, data=data)
    assert [e.field for e in refused.value.errors] == ["documents[0].file", "documents"]
    with pytest.raises(services.InvalidInput) as refused:
        services.dossier_submit(actor="API: Kiosk", data=data, client=kiosk.client)
    assert "documents[0].file" in [e.field for e in refused.value.errors]
    assert Dossier.objects.count() == 0
    system.refresh_from_db()
    assert system.used_by is None


def test_a_supplement_takes_only_the_applicants_own_uploads(world: World) -> None:
    dossier = submit_counter(world, "2026-03-02 08:30")
    dossier = services.dossier_receive(dossier=dossier, actor=world.officer.user, at=at("2026-03-02 09:00"))
    dossier = services.dossier_request_supplement(
        dossier=dossier, actor=world.officer.user, reason="Thiếu bản sao", components=["TP1"]
    )
    for foreign in (_pdf(), _pdf(owner=world.citizen)):  # motcua's, a citizen's
        with pytest.raises(services.InvalidInput):
            services.dossier_supplement(
                dossier=dossier,
                actor=world.officer.user,
                documents=[services.DocumentData(component="TP1", upload_id=foreign.pk)],
            )
    own = _pdf(owner=world.officer.user)
    done = services.dossier_supplement(
        dossier=dossier, actor=world.officer.user, documents=[services.DocumentData(component="TP1", upload_id=own.pk)]
    )
    assert done.documents.filter(sha256=own.sha256).exists()


def test_an_upload_attached_to_a_dossier_cannot_be_attached_again(
    world: World, kiosk: Registered, client: Client
) -> None:
    token = client_token(client, kiosk)
    ids = [upload(client, token).json()["id"], upload(client, token).json()["id"]]
    assert submit(client, token, submission(world, ids)).status_code == 201
    body = problem(submit(client, token, submission(world, ids)), 422)
    assert sorted(e["field"] for e in body["errors"]) == [
        "documents",
        "documents",
        "documents[0].file",
        "documents[1].file",
    ]
    assert Dossier.objects.count() == 1


# ---- who may upload ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scopes", "asked"),
    [(["dossiers:read", "stats:read"], ""), (["dossiers:submit", "dossiers:read"], "dossiers:read")],
)
def test_a_client_without_the_submit_scope_cannot_upload(
    world: World, register: Any, client: Client, settings: Any, scopes: list[str], asked: str
) -> None:
    registered = register(world.department, scopes=scopes)
    problem(upload(client, client_token(client, registered, scope=asked)), 403)
    assert Upload.objects.count() == 0
    assert stored_files(settings) == []


def test_expired_forged_and_revoked_client_tokens_cannot_upload(
    world: World, kiosk: Registered, client: Client, clock: Any, settings: Any
) -> None:
    from motcua.clients import services as client_services

    token = client_token(client, kiosk)
    assert upload(client, token).status_code == 201
    Upload.objects.all().delete()
    forged = signing.TimestampSigner(key="not-the-secret-key", salt=tokens.TOKEN_SALT).sign_object(
        {"c": kiosk.client.pk, "s": ["dossiers:submit"], "f": "0" * 16}
    )
    problem(upload(client, forged), 401)
    problem(upload(client, token[:-2] + ("AA" if not token.endswith("AA") else "BB")), 401)
    clock.move_to(at("2026-03-02 10:00:01"))  # an hour and a second after issue
    problem(upload(client, token), 401)
    fresh = Registered(kiosk.client, client_services.api_client_rotate_secret(client=kiosk.client))
    token = client_token(client, fresh)
    kiosk.client.is_active = False
    kiosk.client.save()
    problem(upload(client, token), 401)
    problem(client.post("/api/v1/uploads", {"file": SimpleUploadedFile("a.pdf", SMALL_PDF)}), 401)
    assert Upload.objects.count() == 0


@pytest.mark.parametrize(
    ("content", "status"),
    [
        (b"<html><script>alert(1)</script></html>", 422),
        (b"#!/bin/sh\nrm -rf /\n", 422),
        (b"", 422),
        (SMALL_PDF + b"%" * 2000, 413),
    ],
)
def test_a_client_upload_that_is_not_a_document_or_too_large_is_refused(
    world: World, kiosk: Registered, client: Client, settings: Any, content: bytes, status: int
) -> None:
    settings.MAX_UPLOAD_BYTES = 1000
    body = problem(upload(client, client_token(client, kiosk), name="ho-so.pdf", content=content), status)
    assert [e["field"] for e in body["errors"]] == ["file"]
    assert Upload.objects.count() == 0
    assert stored_files(settings) == []


def test_idempotency_keys_of_client_uploads_are_per_client(
    world: World, kiosk: Registered, other_app: Registered, client: Client
) -> None:
    mine = client_token(client, kiosk)
    first = upload(client, mine, **{"Idempotency-Key": "tep-1"})
    again = upload(client, mine, **{"Idempotency-Key": "tep-1"})
    theirs = upload(client, client_token(client, other_app), **{"Idempotency-Key": "tep-1"})
    assert (first.status_code, again.status_code, theirs.status_code) == (201, 201, 201)
    assert again.json()["id"] == first.json()["id"]
    assert theirs.json()["id"] != first.json()["id"]
    assert Upload.objects.get(pk=theirs.json()["id"]).client == other_app.client


# ---- one principal per upload --------------------------------------------------------------------------


def test_an_upload_has_exactly_one_principal(world: World, kiosk: Registered) -> None:
    with pytest.raises(ValueError, match="not both"):
        _pdf(owner=world.citizen, client=kiosk.client)
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        _pdf(owner=AnonymousUser())
    assert Upload.objects.count() == 0
    upload_row = _pdf(client=kiosk.client)
    for fields in (
        {"owner": world.citizen},  # a user and a client
        {"client": None},  # nobody, not motcua's
        {"client": None, "owner": world.citizen, "system": True},  # a user and motcua
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            Upload.objects.filter(pk=upload_row.pk).update(**fields)
