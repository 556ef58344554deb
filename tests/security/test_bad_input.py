"""Bad input through the API and the pages: each gets a clear 4xx and nothing is stored.

Malformed and oversized JSON, wrong types, invalid ids and dates, file names that try to leave the media
folder, files whose content is not what their name says, oversize files, decompression bombs (a zip-based
.docx/.xlsx and images declaring huge dimensions), and script in text fields, which must come out escaped
on every page and in every official form that shows it.
"""

from __future__ import annotations

import io
import json
import struct
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from pypdf import PdfReader

from motcua.core.outbox import OutboxEvent
from motcua.dossiers import official_forms, services
from motcua.dossiers.models import Document, Dossier, DossierDraft, Upload
from tests.api.test_dossiers_api import Tokens, submission
from tests.backoffice.test_reception import reception_data
from tests.backoffice.test_reception import url as reception_url
from tests.dossiers.conftest import World, applicant, at, submit_online, world
from tests.factories import SMALL_PDF, CommuneFactory
from tests.portal.test_citizen import draft_post

__all__ = ["world"]

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"
SCRIPT = "<script>alert(1)</script>"
IMAGE_TAG = '"><img src=x onerror=alert(1)>'


# ---- helpers ------------------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Iterator[Path]:
    """A fresh MEDIA_ROOT inside a folder of its own, so that files written anywhere near it are seen."""
    cache.clear()
    root = tmp_path / "inside" / "media"
    root.mkdir(parents=True)
    settings.MEDIA_ROOT = root
    yield root
    cache.clear()


@pytest.fixture
def ward(world: World) -> Any:
    return CommuneFactory(code="23425", name="Phường Pleiku", parent=world.committee.administrative_unit)


@pytest.fixture
def tokens(client: Client) -> Tokens:
    return Tokens(client)


def files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def state(media: Path) -> dict[str, Any]:
    """What a request could have stored: the rows of the tables a submission writes, and every file
    anywhere in the temporary folder holding MEDIA_ROOT (a name escaping the media root would land there)."""
    return {
        "dossiers": Dossier.objects.count(),
        "uploads": Upload.objects.count(),
        "documents": Document.objects.count(),
        "outbox": OutboxEvent.objects.count(),
        "files": files_under(media.parent.parent),
    }


def assert_problem(response: Any, *statuses: int) -> dict[str, Any]:
    assert response.status_code in statuses, (response.status_code, response.content[:500])
    assert response["Content-Type"].split(";")[0].strip() == PROBLEM, response["Content-Type"]
    body: dict[str, Any] = response.json()
    assert body["status"] == response.status_code
    assert isinstance(body["detail"], str) and body["detail"].strip()
    return body


def pdf(name: str = "giay-to.pdf", content: bytes = SMALL_PDF, kind: str = "application/pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, kind)


def png_bomb(width: int = 100_000, height: int = 100_000) -> bytes:
    """A valid, tiny PNG declaring width × height pixels (its single IDAT row of zeros compresses to nothing)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 1024))
        + chunk(b"IEND", b"")
    )


def jpeg_bomb(width: int = 65_000, height: int = 65_000) -> bytes:
    """The start of a baseline JPEG whose frame header declares width × height pixels."""
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof0 = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + app0 + sof0 + b"\xff\xda" + b"\x00" * 64 + b"\xff\xd9"


def zip_bomb(name: str = "word/document.xml") -> bytes:
    """A .docx/.xlsx-shaped zip whose one member expands 100 MB from a few hundred bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open(name, "w") as member:
            block = b"\x00" * (1024 * 1024)
            for _ in range(100):
                member.write(block)
    return buffer.getvalue()


# content that is not what the name and the declared type say, and bombs: (file name, declared type, bytes)
BAD_FILES = {
    "exe named .pdf": ("giay-to.pdf", "application/pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200),
    "html named .pdf": ("giay-to.pdf", "application/pdf", b"<!doctype html><html><script>alert(1)</script></html>"),
    "svg named .png": ("anh.png", "image/png", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
    "docx zip bomb": (
        "to-khai.docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        zip_bomb(),
    ),
    "xlsx zip bomb": (
        "bang.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        zip_bomb("xl/worksheets/sheet1.xml"),
    ),
    "zip bomb named .pdf": ("giay-to.pdf", "application/pdf", zip_bomb()),
    "png bomb": ("anh.png", "image/png", png_bomb()),
    "png of zero width": ("anh.png", "image/png", png_bomb(0, 10)),
    "png too wide": ("anh.png", "image/png", png_bomb(50_000, 10)),
    "jpeg bomb": ("anh.jpg", "image/jpeg", jpeg_bomb()),
    "empty file": ("giay-to.pdf", "application/pdf", b""),
}

TRAVERSAL_NAMES = [
    "../../etc/passwd",
    "..\\..\\x.pdf",
    "/etc/passwd",
    "C:\\Windows\\system32\\x.pdf",
    "a\x00.pdf",
    "x" * 5000 + ".pdf",
    "<script>alert(1)</script>.pdf",
]


def assert_safe(upload: Upload, media: Path) -> None:
    """The stored name is a plain, printable file name; the file is inside MEDIA_ROOT."""
    for bad in ("/", "\\", "\x00", "<", ">", '"'):
        assert bad not in upload.name, upload.name
    assert upload.name not in {"", ".", ".."} and not upload.name.startswith(".")
    assert len(upload.name) <= 150
    stored = Path(upload.file.path).resolve()
    assert stored.is_relative_to(media.resolve()), stored
    assert ".." not in upload.file.name
    assert files_under(media.parent.parent) == files_under(media)  # nothing written beside the media root


# ---- API: JSON bodies -----------------------------------------------------------------------------------------


def test_malformed_json_is_refused_and_nothing_is_stored(
    client: Client, tokens: Tokens, world: World, media: Path
) -> None:
    headers = tokens.headers(world.citizen)
    before = state(media)
    for body in ['{"procedure": ', "not json", '{"procedure": "x",}', "\xff\xfe", "[1, 2", ""]:
        response = client.post("/api/v1/dossiers", body, content_type="application/json", headers=headers)
        assert_problem(response, 400, 422)
    for body in ['{"username": ', "[]", "null"]:
        assert_problem(client.post("/api/v1/auth/token", body, content_type="application/json"), 400, 422)
    assert state(media) == before


def test_an_oversized_json_body_gets_413_and_nothing_is_stored(
    client: Client, tokens: Tokens, world: World, ward: Any, media: Path, settings: Any
) -> None:
    headers = tokens.headers(world.citizen)
    before = state(media)
    body = submission(world, [], form={"muc_dich": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)})
    response = client.post("/api/v1/dossiers", json.dumps(body), content_type="application/json", headers=headers)
    problem = assert_problem(response, 413)
    assert "MB" in problem["detail"]
    # the token endpoint (no authentication needed) is protected the same way
    huge = json.dumps({"username": "a" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1), "password": "x"})
    assert_problem(client.post("/api/v1/auth/token", huge, content_type="application/json"), 413)
    assert state(media) == before


WRONG_TYPES = {
    "applicant is a string": {"applicant": "Nguyễn Văn An"},
    "documents is an object": {"documents": {"component": "TP1", "file": 1}},
    "channel is a number": {"channel": 3},
    "form is a list": {"form": ["a", "b"]},
    "procedure is null": {"procedure": None},
    "file id is a string": {"documents": [{"component": "TP1", "file": "abc"}]},
    "file id is a float": {"documents": [{"component": "TP1", "file": 1.5}]},
    "id number is a number": {"applicant": {"kind": "citizen", "full_name": "An", "id_number": 52090001234}},
}


@pytest.mark.parametrize("case", WRONG_TYPES)
def test_wrong_types_get_a_422_naming_the_field(
    case: str, client: Client, tokens: Tokens, world: World, ward: Any, media: Path
) -> None:
    headers = tokens.headers(world.citizen)
    files = [
        client.post("/api/v1/uploads", {"file": pdf()}, headers=headers).json()["id"],
        client.post("/api/v1/uploads", {"file": pdf()}, headers=headers).json()["id"],
    ]
    before = state(media)
    body = submission(world, files, **WRONG_TYPES[case])
    response = client.post("/api/v1/dossiers", json.dumps(body), content_type="application/json", headers=headers)
    problem = assert_problem(response, 422)
    assert problem.get("errors"), problem
    assert state(media) == before


INVALID_IDS = {
    "a negative file id": -1,
    "an unknown file id": 999_999,
    "a file id beyond 64 bits": 2**70,
    "zero": 0,
}


@pytest.mark.parametrize("case", INVALID_IDS)
def test_invalid_file_ids_are_refused(
    case: str, client: Client, tokens: Tokens, world: World, ward: Any, media: Path
) -> None:
    headers = tokens.headers(world.citizen)
    good = client.post("/api/v1/uploads", {"file": pdf()}, headers=headers).json()["id"]
    before = state(media)
    body = submission(world, [good, INVALID_IDS[case]])
    response = client.post("/api/v1/dossiers", json.dumps(body), content_type="application/json", headers=headers)
    assert_problem(response, 400, 404, 409, 422)
    assert state(media) == before


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/dossiers/..%2F..%2Fetc%2Fpasswd",
        "/api/v1/dossiers/" + "9" * 500,
        "/api/v1/dossiers/000.00.02.H21-260302-0001'%20OR%201=1--",
        "/api/v1/procedures/..%2F..",
    ],
)
def test_invalid_codes_in_paths_get_a_404(path: str, client: Client, tokens: Tokens, world: World) -> None:
    response = client.get(path, headers=tokens.headers(world.officer.user))
    assert response.status_code == 404, response.content[:300]
    if "/" not in path.removeprefix("/api/v1/").split("/", 1)[-1].replace("%2F", "/"):
        assert_problem(response, 404)  # a route of the API matched: its problem answer


@pytest.mark.parametrize("birth_date", ["2026-02-30", "not-a-date", "9999-99-99", "17/05/1990", 19900517, ""])
def test_invalid_dates_are_refused(
    birth_date: Any, client: Client, tokens: Tokens, world: World, ward: Any, media: Path
) -> None:
    headers = tokens.headers(world.citizen)
    files = [
        client.post("/api/v1/uploads", {"file": pdf()}, headers=headers).json()["id"],
        client.post("/api/v1/uploads", {"file": pdf()}, headers=headers).json()["id"],
    ]
    before = state(media)
    body = submission(world, files)
    body["applicant"]["birth_date"] = birth_date
    response = client.post("/api/v1/dossiers", json.dumps(body), content_type="application/json", headers=headers)
    assert_problem(response, 422)
    assert state(media) == before


@pytest.mark.parametrize(
    "query",
    [
        "start=2026-13-01&days=5",
        "start=yesterday&days=5",
        "start=2026-03-02&days=abc",
        "start=2026-03-02&days=-1",
        "start=2026-03-02&days=100000000",
    ],
)
def test_invalid_dates_in_queries_get_a_422(query: str, client: Client, world: World) -> None:
    response = client.get(f"/api/v1/calendar/due-date?{query}")
    assert_problem(response, 400, 422)


def test_invalid_report_periods_get_a_problem(client: Client, tokens: Tokens, world: World) -> None:
    headers = tokens.headers(world.monitor.user)
    for query in ["from=2026-02-30&to=2026-03-31", "from=abc&to=def", "from=2026-03-31&to=2026-03-01"]:
        assert_problem(client.get(f"/api/v1/stats/summary?{query}", headers=headers), 400, 422)


# ---- API: files ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", BAD_FILES)
def test_api_refuses_bad_files_and_stores_nothing(
    case: str, client: Client, tokens: Tokens, world: World, media: Path
) -> None:
    name, kind, content = BAD_FILES[case]
    headers = tokens.headers(world.citizen)
    before = state(media)
    response = client.post("/api/v1/uploads", {"file": pdf(name, content, kind)}, headers=headers)
    problem = assert_problem(response, 400, 413, 415, 422)
    assert "tệp" in problem["detail"].lower() or "ảnh" in problem["detail"].lower(), problem["detail"]
    assert state(media) == before


def test_api_refuses_an_oversize_file(client: Client, tokens: Tokens, world: World, media: Path, settings: Any) -> None:
    settings.MAX_UPLOAD_BYTES = 4096
    headers = tokens.headers(world.citizen)
    before = state(media)
    big = SMALL_PDF + b"%" + b"x" * 5000 + b"\n"
    problem = assert_problem(client.post("/api/v1/uploads", {"file": pdf("to.pdf", big)}, headers=headers), 413)
    assert "Tệp quá lớn" in problem["detail"]
    assert state(media) == before


def test_an_image_of_ordinary_size_is_still_accepted(client: Client, tokens: Tokens, world: World) -> None:
    headers = tokens.headers(world.citizen)
    response = client.post(
        "/api/v1/uploads", {"file": pdf("scan.png", png_bomb(2480, 3508), "image/png")}, headers=headers
    )
    assert response.status_code == 201, response.content
    response = client.post(
        "/api/v1/uploads", {"file": pdf("scan.jpg", jpeg_bomb(2480, 3508), "image/jpeg")}, headers=headers
    )
    assert response.status_code == 201, response.content


@pytest.mark.parametrize("name", TRAVERSAL_NAMES)
def test_api_file_names_cannot_leave_the_media_folder(
    name: str, client: Client, tokens: Tokens, world: World, media: Path
) -> None:
    response = client.post("/api/v1/uploads", {"file": pdf(name)}, headers=tokens.headers(world.citizen))
    assert response.status_code == 201, response.content
    assert_safe(Upload.objects.get(pk=response.json()["id"]), media)


# ---- pages: the online form (citizen) and the counter (officer) -----------------------------------------------


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def new_draft(client: Client, world: World) -> DossierDraft:
    assert client.post(f"/thu-tuc/{world.version.procedure.code}/nop-truc-tuyen/").status_code == 302
    return DossierDraft.objects.latest("pk")


@pytest.mark.parametrize("case", BAD_FILES)
def test_the_online_form_refuses_bad_files_with_a_message(case: str, world: World, media: Path) -> None:
    name, kind, content = BAD_FILES[case]
    client = signed_in(world.citizen)
    draft = new_draft(client, world)
    before = state(media)
    response = draft_post(client, draft, "attach:TP1", file_TP1=pdf(name, content, kind))
    assert 400 <= response.status_code < 500, response.status_code
    page = response.content.decode()
    assert "Tệp" in page or "Ảnh" in page or "tệp" in page
    draft.refresh_from_db()
    assert draft.documents == []
    assert state(media) == before


def test_the_online_form_refuses_an_oversize_file(world: World, media: Path, settings: Any) -> None:
    settings.MAX_UPLOAD_BYTES = 4096
    client = signed_in(world.citizen)
    draft = new_draft(client, world)
    before = state(media)
    response = draft_post(client, draft, "attach:TP1", file_TP1=pdf("to.pdf", SMALL_PDF + b"x" * 5000))
    assert response.status_code == 413
    assert "Tệp quá lớn" in response.content.decode()
    assert state(media) == before


@pytest.mark.parametrize("name", TRAVERSAL_NAMES)
def test_the_online_form_keeps_file_names_safe(name: str, world: World, media: Path) -> None:
    client = signed_in(world.citizen)
    draft = new_draft(client, world)
    assert draft_post(client, draft, "attach:TP1", file_TP1=pdf(name)).status_code == 302
    assert_safe(Upload.objects.get(), media)


@pytest.mark.parametrize("case", BAD_FILES)
def test_the_counter_refuses_bad_scans(case: str, world: World, media: Path) -> None:
    name, kind, content = BAD_FILES[case]
    before = state(media)
    response = signed_in(world.officer.user).post(
        reception_url(world), reception_data(world, scan_TP1=pdf(name, content, kind))
    )
    assert 400 <= response.status_code < 500, response.status_code
    assert state(media) == before


BAD_FIELDS = {
    "birth date that does not exist": {"birth_date": "2026-02-30"},
    "birth date that is not a date": {"birth_date": "<script>"},
    "agency that is not a code": {"agency": "../../etc/passwd"},
    "id number too long": {"id_number": "0" * 5000},
    "applicant kind unknown": {"applicant_kind": "robot"},
    "delivery unknown": {"delivery_method": "teleport"},
    "copy kind unknown": {"copy_TP1": "forged"},
    "decision unknown": {"decision": "drop table"},
}


@pytest.mark.parametrize("case", BAD_FIELDS)
def test_the_counter_refuses_invalid_fields_and_stores_nothing(case: str, world: World, media: Path) -> None:
    before = state(media)
    response = signed_in(world.officer.user).post(reception_url(world), reception_data(world, **BAD_FIELDS[case]))
    assert response.status_code == 400, response.status_code
    if case != "decision unknown":  # the decision is the button pressed: a forged value has no field to mark
        assert 'aria-invalid="true"' in response.content.decode()
    assert state(media) == before


def test_a_nul_in_an_api_path_is_a_404_problem(client: Client, tokens: Tokens, world: World) -> None:
    headers = tokens.headers(world.officer.user)
    for path in ["/api/v1/dossiers/%00", "/api/v1/dossiers/abc%00def/history", "/api/v1/dossiers/%00/forms/01"]:
        assert_problem(client.get(path, headers=headers), 404)


def test_invalid_ids_in_page_urls_are_404(world: World) -> None:
    officer, citizen = signed_in(world.officer.user), signed_in(world.citizen)
    assert officer.get("/can-bo/ho-so/..%2F..%2Fetc%2Fpasswd/").status_code == 404
    assert officer.get("/can-bo/tiep-nhan/%3Cscript%3E/").status_code == 404
    assert citizen.get("/ho-so-cua-toi/nhap/99999999999999999999/").status_code == 404
    assert citizen.get("/ho-so-cua-toi/khong-co/").status_code == 404
    for path in ["/ho-so-cua-toi/%00/", "/thu-tuc/%00/", "/xac-thuc/%00/"]:  # PostgreSQL cannot compare a NUL
        response = citizen.get(path)
        assert response.status_code == 404, path
        assert "<html" in response.content.decode()  # the site's page, not a bare answer
    assert officer.get("/can-bo/ho-so/a%00b/").status_code == 404


# ---- script in text fields: escaped on every page and in every official form ---------------------------------


@pytest.fixture
def scripted(world: World) -> Dossier:
    """A dossier received at the counter through the form, its text fields holding script."""
    response = signed_in(world.officer.user).post(
        reception_url(world),
        reception_data(world, full_name=f"Nguyễn {SCRIPT} An", address_line=f"12 Lê Lợi {IMAGE_TAG}"),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    dossier = Dossier.objects.get()
    assert SCRIPT in dossier.applicant_name  # stored as typed: escaping is the job of the output
    return dossier


def assert_escaped(text: str, where: str) -> None:
    assert SCRIPT not in text, where
    assert "<img src=x" not in text, where
    assert "onerror=alert" not in text.replace("onerror=alert(1)&gt;", ""), where


def test_script_in_text_fields_is_escaped_on_the_back_office_pages(world: World, scripted: Dossier) -> None:
    officer = signed_in(world.officer.user)
    pages = [
        f"/can-bo/ho-so/{scripted.code}/",
        "/can-bo/ho-so/",
        f"/can-bo/ho-so/?q={scripted.code}",
        "/can-bo/",
        "/can-bo/so-theo-doi/",
        "/can-bo/tra-ket-qua/",
        f"/can-bo/ho-so/{scripted.code}/thanh-toan/",
    ]
    shown = 0
    for path in pages:
        response = officer.get(path)
        assert response.status_code == 200, path
        page = response.content.decode()
        assert_escaped(page, path)
        shown += "&lt;script&gt;" in page
    assert shown >= 2  # the name is on the dossier page and in the list, escaped rather than dropped


def test_script_in_text_fields_is_escaped_for_the_citizen(world: World) -> None:
    owner = world.citizen
    dossier = submit_online(world, "2026-03-02 09:00")
    dossier.applicant_name = f"Nguyễn {SCRIPT} An"
    dossier.save(update_fields=["applicant_name"])
    client = signed_in(owner)
    for path in ["/ho-so-cua-toi/", f"/ho-so-cua-toi/{dossier.code}/"]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert_escaped(response.content.decode(), path)
    lookup = Client().post("/tra-cuu/", {"code": dossier.code, "id_number": "052090001234"})
    assert lookup.status_code == 200
    assert_escaped(lookup.content.decode(), "lookup")


def test_script_in_a_draft_is_escaped_on_the_form_and_the_review(world: World) -> None:
    client = signed_in(world.citizen)
    draft = new_draft(client, world)
    assert draft_post(client, draft, "save", full_name=SCRIPT, address_line=IMAGE_TAG).status_code == 302
    for path in [f"/ho-so-cua-toi/nhap/{draft.pk}/", f"/ho-so-cua-toi/nhap/{draft.pk}/xem-lai/"]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert_escaped(response.content.decode(), path)


def test_script_in_text_fields_is_escaped_in_every_official_form(world: World, scripted: Dossier) -> None:
    forms = official_forms.available_forms(scripted)
    assert forms
    for form in forms:
        html = official_forms.form_html(scripted, form)
        assert_escaped(html, form)
        assert "&lt;script&gt;" in html, form
    pdf_bytes = official_forms.render_form(scripted, forms[0])
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf_bytes)).pages)
    assert "<script>alert(1)</script>" in text  # shown as text, never interpreted


def test_script_in_the_api_is_returned_as_data_not_markup(
    client: Client, tokens: Tokens, world: World, ward: Any
) -> None:
    dossier = services.dossier_submit(
        actor=world.officer.user,
        data=services.SubmissionData(
            procedure=world.version.procedure.code,
            agency=world.department.code,
            channel="counter",
            applicant=applicant(full_name=SCRIPT),
        ),
        at=at("2026-03-02 09:00"),
    )
    response = client.get(f"/api/v1/dossiers/{dossier.code}", headers=tokens.headers(world.officer.user))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "default-src" in response["Content-Security-Policy"]
