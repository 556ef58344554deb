"""Signing a result with the agency's key and verifying it; tampered copies are reported as not valid."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from pyhanko.pdf_utils.generic import NameObject, TextStringObject
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from motcua.core.audit import AuditEvent
from motcua.core.errors import Conflict, InvalidInput
from motcua.core.outbox import OutboxEvent
from motcua.dossiers.models import Dossier, Status, StoredDocument
from motcua.dossiers.official_forms import html_to_pdf
from motcua.results import pki, selectors, services
from motcua.results.models import ResultDocument
from tests.factories import SMALL_PDF
from tests.results.conftest import World, processing


def _signed(world: World) -> ResultDocument:
    dossier = processing(world)
    draft = services.result_generate(dossier=dossier, actor=world.specialist.user, title="Phiếu lý lịch tư pháp số 1")
    return services.result_sign(result=draft, actor=world.leader.user)


def _signed_bytes(result: ResultDocument) -> bytes:
    with result.signed_file.open("rb") as handle:
        return handle.read()


def test_signed_result_validates_and_names_the_signer(world: World, keys: Path) -> None:
    result = _signed(world)

    assert result.state == ResultDocument.State.SIGNED
    assert result.signed_by == world.leader.user
    assert result.sha256 == hashlib.sha256(_signed_bytes(result)).hexdigest()
    assert "Sở Tư pháp" in result.signer_subject
    outcome = selectors.verify(result.code)
    assert outcome.found and outcome.signed
    assert outcome.signature_valid and outcome.trusted and outcome.stored_hash_matches
    assert outcome.valid is True
    assert outcome.signer == "Common Name: Sở Tư pháp, Organization: Sở Tư pháp, Country: VN"
    assert outcome.agency == "Sở Tư pháp"
    assert outcome.procedure == world.version.name
    # the visitor's copy, byte for byte the signed file, is valid too
    assert selectors.verify(result.code, _signed_bytes(result)).valid is True


def test_a_modified_copy_is_not_valid(world: World, keys: Path) -> None:
    result = _signed(world)
    data = bytearray(_signed_bytes(result))
    data[len(data) // 3] ^= 0x01  # one bit inside the signed byte range

    outcome = selectors.verify(result.code, bytes(data))

    assert outcome.valid is False
    assert outcome.uploaded_matches is False
    assert "uploaded_hash" in outcome.reasons and "uploaded_signature" in outcome.reasons


def test_an_incremental_update_after_signing_is_not_valid(world: World, keys: Path) -> None:
    result = _signed(world)
    writer = IncrementalPdfFileWriter(io.BytesIO(_signed_bytes(result)))
    writer.root[NameObject("/Lang")] = TextStringObject("en")
    writer.update_root()
    buffer = io.BytesIO()
    writer.write(buffer)

    outcome = selectors.verify(result.code, buffer.getvalue())

    assert outcome.valid is False
    assert outcome.uploaded_matches is False


def test_a_tampered_stored_file_is_not_valid(world: World, keys: Path) -> None:
    result = _signed(world)
    data = bytearray(_signed_bytes(result))
    data[len(data) // 3] ^= 0x01
    Path(result.signed_file.path).write_bytes(bytes(data))

    outcome = selectors.verify(result.code)

    assert outcome.valid is False
    assert outcome.stored_hash_matches is False
    assert outcome.signature_valid is False


def test_a_signature_from_an_untrusted_authority_is_not_valid(
    world: World, keys: Path, tmp_path: Path, settings: Any
) -> None:
    result = _signed(world)
    other = tmp_path / "other-ca"
    pki.ensure_agency_keys(other, [], "")
    settings.MOTCUA_SIGNING_TRUST_ROOTS = [str(other / pki.CA_CERT_FILE)]

    outcome = selectors.verify(result.code)

    assert outcome.stored_hash_matches is True
    assert outcome.trusted is False
    assert outcome.valid is False


def test_unknown_and_unsigned_codes(world: World, keys: Path) -> None:
    dossier = processing(world)
    draft = services.result_generate(dossier=dossier, actor=world.specialist.user)

    assert selectors.verify("khong-co-ma-nay-123").found is False
    unsigned = selectors.verify(draft.code)
    assert unsigned.found is True and unsigned.signed is False and unsigned.valid is False
    assert len(draft.code) >= 16


def test_signing_stores_the_result_for_the_applicant_and_records_it(world: World, keys: Path) -> None:
    result = _signed(world)

    stored = StoredDocument.objects.get(owner=world.citizen, source=StoredDocument.Source.RESULT)
    assert stored.sha256 == result.sha256
    assert stored.dossier_id == result.dossier_id
    assert stored.name == "Phiếu lý lịch tư pháp số 1"
    actions = list(AuditEvent.objects.filter(stream=f"dossier:{result.dossier_id}").values_list("action", flat=True))
    assert actions[-2:] == ["result_generate", "result_sign"]
    assert OutboxEvent.objects.filter(topic="result.sign", subject=result.dossier.code).count() == 1


def test_attach_accepts_only_pdf_and_signs_it(world: World, keys: Path) -> None:
    dossier = processing(world)
    for name, content in (("a.txt", b"not a pdf"), ("broken.pdf", SMALL_PDF[:20])):
        with pytest.raises(InvalidInput):
            services.result_attach(
                dossier=dossier,
                actor=world.specialist.user,
                file=SimpleUploadedFile(name, content, "application/pdf"),
                title="Quyết định",
            )
    assert ResultDocument.objects.count() == 0
    attached = services.result_attach(
        dossier=dossier,
        actor=world.specialist.user,
        file=SimpleUploadedFile("quyet-dinh.pdf", html_to_pdf("<p>Quyết định</p>"), "application/pdf"),
        title="Quyết định cấp phép",
        kind="decision",
    )
    signed = services.result_sign(result=attached, actor=world.leader.user)
    assert selectors.verify(signed.code).valid is True
    with pytest.raises(Conflict):
        services.result_sign(result=signed, actor=world.leader.user)


def test_agency_without_key_cannot_sign(world: World, keys: Path) -> None:
    dossier = processing(world)
    draft = services.result_generate(dossier=dossier, actor=world.specialist.user)
    (keys / pki.p12_filename(world.department.code)).unlink()

    with pytest.raises(Conflict):
        services.result_sign(result=draft, actor=world.leader.user)
    draft.refresh_from_db()
    assert draft.state == ResultDocument.State.DRAFT and draft.sha256 == ""


def test_approval_requires_a_signed_result_when_configured(world: World, keys: Path, settings: Any) -> None:
    settings.MOTCUA_REQUIRE_SIGNED_RESULT = True
    dossier = processing(world, at_leader=True)
    with pytest.raises(Conflict):
        services.dossier_approve_with_result(dossier=dossier, actor=world.leader.user, outcome="granted")
    assert Dossier.objects.get(pk=dossier.pk).status == Status.PROCESSING

    draft = services.result_generate(dossier=dossier, actor=world.leader.user)
    services.result_sign(result=draft, actor=world.leader.user)
    done = services.dossier_approve_with_result(dossier=dossier, actor=world.leader.user, outcome="granted")
    assert done.status == Status.PROCESSED


def test_approval_without_the_setting_keeps_working(world: World, keys: Path) -> None:
    dossier = processing(world, at_leader=True)
    done = services.dossier_approve_with_result(dossier=dossier, actor=world.leader.user, outcome="granted")
    assert done.status == Status.PROCESSED


def test_demo_pki_command_is_idempotent(world: World, tmp_path: Path, settings: Any) -> None:
    directory = tmp_path / "var-pki"
    settings.MOTCUA_SIGNING_P12_PASSPHRASE = "x"
    call_command("results_demo_pki", dir=str(directory))
    files = {p.name: p.read_bytes() for p in directory.iterdir()}
    call_command("results_demo_pki", dir=str(directory))

    assert {p.name: p.read_bytes() for p in directory.iterdir()} == files
    assert "ca.pem" in files and f"{world.department.code}.p12" in files
    assert len([n for n in files if n.endswith(".p12")]) == 4  # the four agencies of the world


SERVICE_USERS = ["officer", "other_officer", "other_leader", "monitor", "citizen", "other_citizen"]


@pytest.mark.parametrize("who", [*SERVICE_USERS, "anonymous"])
def test_who_may_not_attach_or_generate(world: World, keys: Path, who: str) -> None:
    from django.contrib.auth.models import AnonymousUser

    dossier = processing(world)
    user = AnonymousUser() if who == "anonymous" else world.users()[who]
    with pytest.raises(PermissionDenied):
        services.result_generate(dossier=dossier, actor=user)
    with pytest.raises(PermissionDenied):
        services.result_attach(
            dossier=dossier, actor=user, file=SimpleUploadedFile("a.pdf", SMALL_PDF), title="Quyết định"
        )
    assert ResultDocument.objects.count() == 0


@pytest.mark.parametrize("who", ["specialist", "head", "leader"])
def test_who_may_attach(world: World, keys: Path, who: str) -> None:
    dossier = processing(world)
    result = services.result_generate(dossier=dossier, actor=world.users()[who])
    assert result.state == ResultDocument.State.DRAFT


@pytest.mark.parametrize("who", ["specialist", "head", "officer", "other_leader", "monitor", "citizen"])
def test_only_the_competent_leader_signs(world: World, keys: Path, who: str) -> None:
    dossier = processing(world)
    draft = services.result_generate(dossier=dossier, actor=world.specialist.user)
    with pytest.raises(PermissionDenied):
        services.result_sign(result=draft, actor=world.users()[who])
    draft.refresh_from_db()
    assert draft.state == ResultDocument.State.DRAFT
    assert not StoredDocument.objects.filter(source=StoredDocument.Source.RESULT).exists()


def test_attach_outside_processing_is_a_conflict(world: World, keys: Path) -> None:
    dossier = processing(world)
    Dossier.objects.filter(pk=dossier.pk).update(status=Status.RETURNED, outcome="granted")
    with pytest.raises(Conflict):
        services.result_generate(dossier=Dossier.objects.get(pk=dossier.pk), actor=world.specialist.user)
