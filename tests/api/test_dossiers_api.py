"""The dossier part of the public HTTP contract (docs/api-contract.md), through HTTP with bearer tokens.

"Now" is pinned to Monday 2 March 2026 09:00 (Vietnam time, a working instant, no holiday that week) and
moved forward explicitly, so due instants are exact. The procedure of `world` takes 5 working days; office
hours are 07:00–11:30 and 13:30–17:00.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from motcua.api.models import IdempotencyRecord
from motcua.api.routers.accounts import TOKEN_ATTEMPTS_PER_MINUTE
from motcua.api.routers.dossiers import LOOKUP_LIMIT_PER_MINUTE, DossierPage
from motcua.core import audit
from motcua.core.outbox import OutboxEvent
from motcua.dossiers import services
from motcua.dossiers.models import NATIONAL_STATUS_CODE, Dossier, Status, Upload
from tests.dossiers import conftest as small_province
from tests.dossiers.conftest import VN, World, at, submit_counter, submit_online
from tests.factories import PASSWORD, SMALL_PDF, CommuneFactory

PROBLEM = "application/problem+json"
CENTRE = {"code": "000.00.01.H21", "name": "Trung tâm Phục vụ hành chính công tỉnh"}
DEPARTMENT = {"code": "000.00.02.H21", "name": "Sở Tư pháp"}
PROCEDURE_NAME = "Cấp Phiếu lý lịch tư pháp"
ID_NUMBER = "052090001234"
PHONE = "0905123456"
EMAIL = "an.nguyen@example.vn"
ADDRESS_LINE = "12 Lê Lợi, tổ 3"
# the dossier fields of the contract ("The dossier")
DOSSIER_FIELDS = {
    "code",
    "procedure",
    "receiving_agency",
    "competent_agency",
    "channel",
    "status",
    "status_code",
    "applicant",
    "submitted_at",
    "received_at",
    "due_at",
    "finished_at",
    "returned_at",
    "paused",
    "timeliness",
    "current_step",
    "fees",
    "amount_due",
    "outcome",
}
_addresses = itertools.count(1)

# the `world` fixture of tests/dossiers: a service centre, two departments and their staff, one procedure
world = small_province.world


# ---- fixtures and helpers -------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    """Rate-limit counters live in the cache: every test starts from zero."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def clock() -> Iterator[Any]:
    """Now is Monday 2 March 2026 09:00 +07:00, frozen; tests move it forward with `clock.move_to`."""
    with time_machine.travel(at("2026-03-02 09:00"), tick=False) as traveller:
        yield traveller


class Tokens:
    """Bearer tokens from `POST /api/v1/auth/token`, one per user and hour of (travelled) time.

    Each sign-in comes from its own client address so that the per-address sign-in limit is not what a
    test measures (the limit has its own test).
    """

    def __init__(self, client: Client) -> None:
        self.client = client
        self.issued: dict[int, tuple[str, float]] = {}

    def headers(self, user: Any, **extra: str) -> dict[str, str]:
        now = time.time()
        cached = self.issued.get(user.pk)
        if cached is None or now - cached[1] > 3600:
            cached = (sign_in(self.client, user.get_username()), now)
            self.issued[user.pk] = cached
        return {"authorization": f"Bearer {cached[0]}", **extra}


@pytest.fixture
def tokens(client: Client) -> Tokens:
    return Tokens(client)


def sign_in(client: Client, username: str, password: str = PASSWORD) -> str:
    response = client.post(
        "/api/v1/auth/token",
        {"username": username, "password": password},
        content_type="application/json",
        REMOTE_ADDR=f"10.1.{next(_addresses) % 250}.{next(_addresses) % 250 + 1}",
    )
    assert response.status_code == 200, response.content
    token: str = response.json()["access_token"]
    return token


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    """An RFC 9457 problem with the given status; returns the body."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].split(";")[0].strip() == PROBLEM
    body: dict[str, Any] = response.json()
    assert {"type", "title", "status", "detail"} <= set(body)
    assert body["status"] == status
    assert isinstance(body["type"], str) and body["type"]
    assert isinstance(body["title"], str) and body["title"]
    assert isinstance(body["detail"], str) and body["detail"]
    return body


def error_fields(body: dict[str, Any]) -> list[str]:
    return [error["field"] for error in body.get("errors", [])]


def post_json(client: Client, path: str, body: Any, headers: dict[str, str]) -> Any:
    return client.post(path, body, content_type="application/json", headers=headers)


def upload(client: Client, headers: dict[str, str], name: str = "giay-to.pdf", content: bytes = SMALL_PDF) -> Any:
    return client.post("/api/v1/uploads", {"file": _file(name, content)}, headers=headers)


def _file(name: str, content: bytes) -> Any:
    return SimpleUploadedFile(name, content, "application/pdf")


def submission(world: World, files: list[int], **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "procedure": world.version.procedure.code,
        "agency": world.department.code,
        "channel": "online",
        "applicant": {
            "kind": "citizen",
            "full_name": "Nguyễn Văn An",
            "id_number": ID_NUMBER,
            "birth_date": "1990-05-17",
            "phone": PHONE,
            "email": EMAIL,
            "address": {"ward_code": 23425, "line": ADDRESS_LINE},
        },
        "form": {"muc_dich": "Bổ sung hồ sơ xin việc"},
        "documents": [{"component": f"TP{index}", "file": file} for index, file in enumerate(files, start=1)],
        "delivery": {"method": "online"},
    }
    body.update(overrides)
    return body


@pytest.fixture
def ward(world: World) -> Any:
    return CommuneFactory(code="23425", name="Phường Pleiku", parent=world.committee.administrative_unit)


def two_uploads(client: Client, headers: dict[str, str]) -> list[int]:
    return [upload(client, headers).json()["id"], upload(client, headers).json()["id"]]


def submit_via_api(client: Client, tokens: Tokens, world: World, **overrides: Any) -> dict[str, Any]:
    headers = tokens.headers(world.citizen)
    response = post_json(
        client, "/api/v1/dossiers", submission(world, two_uploads(client, headers), **overrides), headers
    )
    assert response.status_code == 201, response.content
    body: dict[str, Any] = response.json()
    return body


def act(client: Client, tokens: Tokens, user: Any, code: str, action: str, body: Any = None, **headers: str) -> Any:
    return post_json(client, f"/api/v1/dossiers/{code}/actions/{action}", body or {}, tokens.headers(user, **headers))


def history_length(code: str) -> int:
    return audit.event_count(f"dossier:{Dossier.objects.get(code=code).pk}")


def state(code: str) -> tuple[str, int, int, int]:
    """Status, revision, audit events of the dossier and outbox events: what a refused call must not change."""
    dossier = Dossier.objects.get(code=code)
    return dossier.status, dossier.revision, history_length(code), OutboxEvent.objects.count()


# ---- sign-in and /me ------------------------------------------------------------------------------------


def test_token_for_good_credentials(client: Client, world: World) -> None:
    response = client.post(
        "/api/v1/auth/token", {"username": "tiepnhan", "password": PASSWORD}, content_type="application/json"
    )
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in"}
    assert (body["token_type"], body["expires_in"]) == ("Bearer", 8 * 3600)
    me = client.get("/api/v1/me", headers={"authorization": f"Bearer {body['access_token']}"})
    assert (me.status_code, me.json()["username"]) == (200, "tiepnhan")


@pytest.mark.parametrize(
    ("username", "password"), [("tiepnhan", "wrong-password"), ("khongtontai", PASSWORD), ("tiepnhan", "")]
)
def test_token_refused_for_bad_credentials(client: Client, world: World, username: str, password: str) -> None:
    response = client.post(
        "/api/v1/auth/token", {"username": username, "password": password}, content_type="application/json"
    )
    if password:
        assert_problem(response, 401)
    else:  # an empty password is an invalid value
        assert_problem(response, 422)


def test_token_refused_for_an_inactive_account(client: Client, world: World) -> None:
    world.citizen.is_active = False
    world.citizen.save()
    response = client.post(
        "/api/v1/auth/token", {"username": "congdan1", "password": PASSWORD}, content_type="application/json"
    )
    assert_problem(response, 401)


def test_token_attempts_are_rate_limited(client: Client, world: World, settings: Any) -> None:
    settings.MOTCUA_LOGIN_MAX_FAILURES = 100  # the lockout has its own test: here, the rate limit alone
    assert TOKEN_ATTEMPTS_PER_MINUTE == 10
    for _attempt in range(TOKEN_ATTEMPTS_PER_MINUTE):
        wrong = client.post(
            "/api/v1/auth/token", {"username": "tiepnhan", "password": "doan-mo"}, content_type="application/json"
        )
        assert_problem(wrong, 401)
    # the next attempt is refused even with the right password
    limited = client.post(
        "/api/v1/auth/token", {"username": "tiepnhan", "password": PASSWORD}, content_type="application/json"
    )
    assert_problem(limited, 429)
    # from another address the same account is still limited (guessing one password from many addresses)
    elsewhere = client.post(
        "/api/v1/auth/token",
        {"username": "tiepnhan", "password": PASSWORD},
        content_type="application/json",
        REMOTE_ADDR="192.0.2.77",
    )
    assert_problem(elsewhere, 429)


def test_token_limit_resets_after_a_minute(client: Client, world: World, clock: Any, settings: Any) -> None:
    settings.MOTCUA_LOGIN_MAX_FAILURES = 100  # the lockout has its own test: here, the rate limit alone
    for _attempt in range(11):
        client.post("/api/v1/auth/token", {"username": "tiepnhan", "password": "x"}, content_type="application/json")
    clock.move_to(at("2026-03-02 09:01:30"))
    response = client.post(
        "/api/v1/auth/token", {"username": "tiepnhan", "password": PASSWORD}, content_type="application/json"
    )
    assert response.status_code == 200


def _me(client: Client, tokens: Tokens, user: Any) -> dict[str, Any]:
    response = client.get("/api/v1/me", headers=tokens.headers(user))
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    assert set(body) == {"username", "full_name", "kind", "agency", "unit", "roles"}
    return body


def test_me_for_a_one_stop_officer(client: Client, tokens: Tokens, world: World) -> None:
    body = _me(client, tokens, world.officer.user)
    del body["full_name"]  # its word order has its own test
    assert body == {
        "username": "tiepnhan",
        "kind": "staff",
        "agency": CENTRE,
        "unit": None,
        "roles": ["one_stop_officer"],
    }


def test_me_for_a_specialist_in_a_division(client: Client, tokens: Tokens, world: World) -> None:
    body = _me(client, tokens, world.specialist.user)
    del body["full_name"]
    assert body == {
        "username": "chuyenvien",
        "kind": "staff",
        "agency": DEPARTMENT,
        "unit": "Phòng Hành chính tư pháp",
        "roles": ["specialist"],
    }


def test_me_for_a_citizen(client: Client, tokens: Tokens, world: World) -> None:
    body = _me(client, tokens, world.citizen)
    del body["full_name"]
    assert body == {"username": "congdan1", "kind": "citizen", "agency": None, "unit": None, "roles": []}


def test_full_names_are_written_family_name_first(client: Client, tokens: Tokens, world: World) -> None:
    """Vietnamese order: family name, middle name, given name ("Trần Thị Lan"), as on an ID card.

    Accounts keep the given name in `first_name` and the rest in `last_name` (see the demo loader, which
    splits "Nguyễn Thị Lan" into last "Nguyễn Thị" and first "Lan").
    """
    assert _me(client, tokens, world.officer.user)["full_name"] == "Trần Thị Lan"
    assert _me(client, tokens, world.citizen)["full_name"] == "Nguyễn Văn An"
    dossier = submit_counter(world, "2026-03-02 09:00")
    response = client.get(f"/api/v1/dossiers/{dossier.code}/history", headers=tokens.headers(world.officer.user))
    assert [event["actor"] for event in response.json()] == ["Trần Thị Lan"]


def test_me_needs_a_valid_token(client: Client, world: World) -> None:
    assert_problem(client.get("/api/v1/me"), 401)
    assert_problem(client.get("/api/v1/me", headers={"authorization": "Bearer not-a-token"}), 401)


def test_a_token_expires_after_eight_hours(client: Client, world: World, clock: Any) -> None:
    token = sign_in(client, "congdan1")
    headers = {"authorization": f"Bearer {token}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200  # its signature's check is kept...
    clock.move_to(at("2026-03-02 16:59:59"))
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    clock.move_to(at("2026-03-02 17:00:01"))
    assert_problem(client.get("/api/v1/me", headers=headers), 401)  # ...but its age is checked on every call


def test_a_token_signed_with_another_key_is_refused(client: Client, world: World, settings: Any) -> None:
    token = sign_in(client, "congdan1")
    headers = {"authorization": f"Bearer {token}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    signed_with = settings.SECRET_KEY
    settings.SECRET_KEY = "another-secret-key-for-this-test-0123456789abcdef0123"
    assert_problem(client.get("/api/v1/me", headers=headers), 401)  # a kept check is a check under its key
    settings.SECRET_KEY_FALLBACKS = [signed_with]
    assert client.get("/api/v1/me", headers=headers).status_code == 200  # the old key, kept as a fallback


def test_a_password_change_revokes_tokens(client: Client, world: World) -> None:
    token = sign_in(client, "congdan1")
    world.citizen.set_password("Mat-khau-moi-2026!")
    world.citizen.save()
    assert_problem(client.get("/api/v1/me", headers={"authorization": f"Bearer {token}"}), 401)


# ---- uploads --------------------------------------------------------------------------------------------


def test_upload_a_pdf(client: Client, tokens: Tokens, world: World) -> None:
    response = upload(client, tokens.headers(world.citizen), name="ban-sao-cccd.pdf")
    assert response.status_code == 201
    stored = Upload.objects.get()
    assert response.json() == {
        "id": stored.pk,
        "name": "ban-sao-cccd.pdf",
        "size": len(SMALL_PDF),
        "sha256": hashlib.sha256(SMALL_PDF).hexdigest(),
        "content_type": "application/pdf",
    }
    assert stored.owner == world.citizen
    assert stored.used_by is None
    with stored.file.open("rb") as handle:
        assert handle.read() == SMALL_PDF


def test_upload_type_is_decided_by_content_not_by_name(client: Client, tokens: Tokens, world: World) -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
    response = upload(client, tokens.headers(world.citizen), name="anh-chan-dung.pdf", content=png)
    assert response.status_code == 201
    assert (response.json()["content_type"], response.json()["size"]) == ("image/png", 40)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("don.pdf", b"Day la mot tep van ban, khong phai PDF.\n"),
        ("script.pdf", b"#!/bin/sh\nrm -rf /\n"),
        ("trang.pdf", b"<html><body>PDF</body></html>"),
    ],
)
def test_upload_refuses_content_that_is_not_a_document(
    client: Client, tokens: Tokens, world: World, name: str, content: bytes
) -> None:
    body = assert_problem(upload(client, tokens.headers(world.citizen), name=name, content=content), 422)
    assert error_fields(body) == ["file"]
    assert Upload.objects.count() == 0


def test_upload_refuses_an_empty_file(client: Client, tokens: Tokens, world: World) -> None:
    body = assert_problem(upload(client, tokens.headers(world.citizen), content=b""), 422)
    assert error_fields(body) == ["file"]
    assert Upload.objects.count() == 0


def test_upload_too_large(client: Client, tokens: Tokens, world: World, settings: Any) -> None:
    settings.MAX_UPLOAD_BYTES = 1000
    headers = tokens.headers(world.citizen)
    just_fits = SMALL_PDF + b"%" * (1000 - len(SMALL_PDF))
    assert upload(client, headers, content=just_fits).status_code == 201
    assert_problem(upload(client, headers, content=just_fits + b"%"), 413)
    assert Upload.objects.count() == 1


def test_upload_needs_a_signed_in_user(client: Client, world: World) -> None:
    assert_problem(client.post("/api/v1/uploads", {"file": _file("a.pdf", SMALL_PDF)}), 401)
    assert Upload.objects.count() == 0


def test_upload_honours_the_idempotency_key(client: Client, tokens: Tokens, world: World) -> None:
    """The contract: every write accepts `Idempotency-Key`; the same key and body return the first response."""
    headers = tokens.headers(world.citizen, **{"Idempotency-Key": "tai-len-1"})
    first = upload(client, headers)
    second = upload(client, headers)
    assert (first.status_code, second.status_code) == (201, 201)
    assert second.json() == first.json()
    assert Upload.objects.count() == 1


def test_upload_without_a_file_is_invalid(client: Client, tokens: Tokens, world: World) -> None:
    response = client.post("/api/v1/uploads", {}, headers=tokens.headers(world.citizen))
    assert_problem(response, 422)


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("../../../etc/passwd.pdf", "passwd.pdf"),
        ("..\\..\\windows\\system32\\ho-so.pdf", "ho-so.pdf"),
        ("/var/www/media/uploads/don.pdf", "don.pdf"),
        ("....//....//x.pdf", "x.pdf"),
        ("a<b>:c|d?*.pdf", "abcd.pdf"),
    ],
)
def test_upload_file_names_are_cleaned(
    client: Client, tokens: Tokens, world: World, settings: Any, sent: str, kept: str
) -> None:
    boundary = "----motcua-test-boundary"
    body = (
        (
            f"--{boundary}\r\n"
            f'Content-Disposition: form-data; name="file"; filename="{sent}"\r\n'
            "Content-Type: application/pdf\r\n\r\n"
        ).encode()
        + SMALL_PDF
        + f"\r\n--{boundary}--\r\n".encode()
    )
    response = client.post(
        "/api/v1/uploads",
        body,
        content_type=f"multipart/form-data; boundary={boundary}",
        headers=tokens.headers(world.citizen),
    )
    assert response.status_code == 201, response.content
    assert response.json()["name"] == kept
    stored = Upload.objects.get()
    assert ".." not in stored.file.name
    assert stored.file.name.startswith("uploads/")
    media = Path(settings.MEDIA_ROOT).resolve()
    assert Path(stored.file.path).resolve().is_relative_to(media)


# ---- submission -----------------------------------------------------------------------------------------


def test_citizen_submits_online(client: Client, tokens: Tokens, world: World, ward: Any) -> None:
    headers = tokens.headers(world.citizen)
    files = two_uploads(client, headers)
    response = post_json(client, "/api/v1/dossiers", submission(world, files), headers)
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) >= DOSSIER_FIELDS
    assert {name: body[name] for name in DOSSIER_FIELDS} == {
        "code": "000.00.01.H21-260302-0001",
        "procedure": {"code": world.version.procedure.code, "name": PROCEDURE_NAME},
        "receiving_agency": CENTRE,
        "competent_agency": DEPARTMENT,
        "channel": "online",
        "status": "submitted",
        "status_code": 1,
        "applicant": body["applicant"],  # checked below
        "submitted_at": "2026-03-02T09:00:00+07:00",
        "received_at": None,
        "due_at": None,
        "finished_at": None,
        "returned_at": None,
        "paused": False,
        "timeliness": None,
        "current_step": None,
        "fees": [{"name": "Phí cấp phiếu", "kind": "phi", "amount": 100000, "paid": False}],  # the online amount
        "amount_due": 100000,
        "outcome": None,
    }
    applicant = body["applicant"]
    assert (applicant["kind"], applicant["full_name"], applicant["id_number"]) == (
        "citizen",
        "Nguyễn Văn An",
        ID_NUMBER,
    )
    assert (applicant["birth_date"], applicant["phone"], applicant["email"]) == ("1990-05-17", PHONE, EMAIL)

    dossier = Dossier.objects.get()
    assert (dossier.account, dossier.submitted_by) == (world.citizen, world.citizen)
    assert (dossier.applicant_ward_id, dossier.applicant_address) == (ward.pk, ADDRESS_LINE)
    assert dossier.form_data == {"muc_dich": "Bổ sung hồ sơ xin việc"}
    assert dossier.reception_due_at == at("2026-03-03 09:00")  # 8 working hours to receive it
    assert (body["reception_due_at"], body["reception_overdue"]) == ("2026-03-03T09:00:00+07:00", False)
    assert sorted(dossier.documents.values_list("component_code", flat=True)) == ["TP1", "TP2"]
    assert set(Upload.objects.values_list("used_by", flat=True)) == {dossier.pk}
    assert [e.action for e in audit.AuditEvent.objects.filter(stream=f"dossier:{dossier.pk}")] == ["submit"]
    assert list(OutboxEvent.objects.values_list("topic", "subject")) == [("dossier.submitted", dossier.code)]
    # the answer is also what GET returns
    detail = client.get(f"/api/v1/dossiers/{dossier.code}", headers=headers)
    assert detail.json() == body


def test_officer_submits_at_the_counter(client: Client, tokens: Tokens, world: World) -> None:
    body = submission(world, [], channel="counter", documents=[], delivery={"method": "counter"})
    body["applicant"].pop("address")
    response = post_json(client, "/api/v1/dossiers", body, tokens.headers(world.officer.user))
    assert response.status_code == 201, response.content
    answer = response.json()
    assert (answer["channel"], answer["status"], answer["receiving_agency"]) == ("counter", "submitted", CENTRE)
    assert (answer["fees"][0]["amount"], answer["amount_due"]) == (200000, 200000)  # counter price
    dossier = Dossier.objects.get()
    assert (dossier.account, dossier.submitted_by) == (None, world.officer.user)


@pytest.mark.parametrize("id_number", ["05209000123", "0520900012345", "05209000123A", "", "052 090 001 234"])
def test_submission_with_an_invalid_citizen_id_number(
    client: Client, tokens: Tokens, world: World, ward: Any, id_number: str
) -> None:
    headers = tokens.headers(world.citizen)
    body = submission(world, two_uploads(client, headers))
    body["applicant"]["id_number"] = id_number
    problem = assert_problem(post_json(client, "/api/v1/dossiers", body, headers), 422)
    assert error_fields(problem) == ["applicant.id_number"]
    assert Dossier.objects.count() == 0
    assert list(Upload.objects.values_list("used_by", flat=True)) == [None, None]


def test_submission_of_an_unknown_procedure(client: Client, tokens: Tokens, world: World, ward: Any) -> None:
    headers = tokens.headers(world.citizen)
    body = submission(world, two_uploads(client, headers), procedure="9.999999")
    problem = assert_problem(post_json(client, "/api/v1/dossiers", body, headers), 422)
    assert error_fields(problem) == ["procedure"]
    assert Dossier.objects.count() == 0


def test_submission_to_an_agency_that_does_not_handle_the_procedure(
    client: Client, tokens: Tokens, world: World, ward: Any
) -> None:
    headers = tokens.headers(world.citizen)
    body = submission(world, two_uploads(client, headers), agency=world.other_department.code)
    problem = assert_problem(post_json(client, "/api/v1/dossiers", body, headers), 422)
    assert error_fields(problem) == ["agency"]
    assert Dossier.objects.count() == 0


def test_citizen_may_not_use_someone_elses_upload(client: Client, tokens: Tokens, world: World, ward: Any) -> None:
    files = two_uploads(client, tokens.headers(world.other_citizen))
    headers = tokens.headers(world.citizen)
    problem = assert_problem(post_json(client, "/api/v1/dossiers", submission(world, files), headers), 422)
    # both files refused, so both required components are missing
    assert error_fields(problem) == ["documents[0].file", "documents[1].file", "documents", "documents"]
    assert Dossier.objects.count() == 0


@pytest.mark.parametrize(
    "raw",
    [
        b'{"procedure": "1.000001", "agency": ',
        b"not json at all",
        b"\xff\xfe\x00garbage",
        b"[1, 2, 3]",
        b'"a string"',
        b'{"procedure": 12, "agency": null, "channel": "fax", "applicant": "x"}',
    ],
)
def test_malformed_submission_is_a_client_error(client: Client, tokens: Tokens, world: World, raw: bytes) -> None:
    response = client.post(
        "/api/v1/dossiers", raw, content_type="application/json", headers=tokens.headers(world.citizen)
    )
    assert response.status_code in (400, 422)
    assert_problem(response, response.status_code)
    assert Dossier.objects.count() == 0


@pytest.mark.parametrize("actor", ["specialist", "head", "leader", "monitor"])
def test_submission_by_staff_who_do_not_receive_is_forbidden(
    client: Client, tokens: Tokens, world: World, actor: str
) -> None:
    body = submission(world, [], channel="counter", documents=[], delivery={"method": "counter"})
    body["applicant"].pop("address")
    assert_problem(post_json(client, "/api/v1/dossiers", body, tokens.headers(world.users()[actor])), 403)
    assert Dossier.objects.count() == 0
    assert OutboxEvent.objects.count() == 0


def test_submission_needs_a_signed_in_user(client: Client, world: World, ward: Any) -> None:
    assert_problem(post_json(client, "/api/v1/dossiers", submission(world, [1, 2]), {}), 401)
    assert Dossier.objects.count() == 0


def test_idempotent_submission(client: Client, tokens: Tokens, world: World, ward: Any) -> None:
    headers = tokens.headers(world.citizen, **{"Idempotency-Key": "nop-ho-so-7f3a"})
    body = submission(world, two_uploads(client, headers))
    first = post_json(client, "/api/v1/dossiers", body, headers)
    second = post_json(client, "/api/v1/dossiers", body, headers)
    assert (first.status_code, second.status_code) == (201, 201)
    assert second.json() == first.json()
    assert Dossier.objects.count() == 1
    assert audit.AuditEvent.objects.filter(action="submit").count() == 1
    assert OutboxEvent.objects.filter(topic="dossier.submitted").count() == 1

    # the same key with another body is a conflict and changes nothing
    other = dict(body, form={"muc_dich": "Khác"})
    assert_problem(post_json(client, "/api/v1/dossiers", other, headers), 409)
    assert Dossier.objects.count() == 1
    assert Dossier.objects.get().form_data == {"muc_dich": "Bổ sung hồ sơ xin việc"}


def test_idempotency_keys_belong_to_their_user(client: Client, tokens: Tokens, world: World, ward: Any) -> None:
    mine = tokens.headers(world.citizen, **{"Idempotency-Key": "k-1"})
    theirs = tokens.headers(world.other_citizen, **{"Idempotency-Key": "k-1"})
    first = post_json(client, "/api/v1/dossiers", submission(world, two_uploads(client, mine)), mine)
    second = post_json(client, "/api/v1/dossiers", submission(world, two_uploads(client, theirs)), theirs)
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["code"] != second.json()["code"]
    assert Dossier.objects.count() == 2


def test_without_idempotency_key_two_posts_make_two_dossiers(
    client: Client, tokens: Tokens, world: World, ward: Any
) -> None:
    first = submit_via_api(client, tokens, world)
    second = submit_via_api(client, tokens, world)
    assert [first["code"], second["code"]] == ["000.00.01.H21-260302-0001", "000.00.01.H21-260302-0002"]
    assert IdempotencyRecord.objects.count() == 0


# ---- list -----------------------------------------------------------------------------------------------


def _codes(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["code"] for item in response.json()["items"]]


def test_list_is_for_staff_only(client: Client, tokens: Tokens, world: World) -> None:
    submit_online(world, "2026-03-02 09:00")
    assert_problem(client.get("/api/v1/dossiers", headers=tokens.headers(world.citizen)), 403)
    assert_problem(client.get("/api/v1/dossiers"), 401)
    assert_problem(client.get("/api/v1/dossiers", headers={"authorization": "Bearer x.y.z"}), 401)


def test_list_is_scoped_to_the_callers_agencies(client: Client, tokens: Tokens, world: World, clock: Any) -> None:
    first = submit_online(world, "2026-03-02 09:00")
    second = submit_counter(world, "2026-03-02 09:05")
    clock.move_to(at("2026-03-02 10:00"))
    both = [second.code, first.code]  # newest first
    seen = {
        name: _codes(client.get("/api/v1/dossiers", headers=tokens.headers(user)))
        for name, user in world.users().items()
        if name not in {"citizen", "other_citizen"}
    }
    assert seen == {
        "officer": both,  # receiving centre
        "specialist": both,  # competent department
        "head": both,
        "leader": both,
        "other_officer": [],  # another department: sees none of the centre's dossiers
        "other_leader": [],
        "monitor": both,  # province-wide
    }
    page = client.get("/api/v1/dossiers", headers=tokens.headers(world.other_officer.user)).json()
    assert page == {"items": [], "next": None}


def test_list_filters(client: Client, tokens: Tokens, world: World, clock: Any) -> None:
    waiting = submit_online(world, "2026-03-02 09:00")
    received = submit_counter(world, "2026-03-02 09:05")
    services.dossier_receive(dossier=received, actor=world.officer.user, at=at("2026-03-02 09:10"))
    processing = submit_counter(world, "2026-03-02 09:15")
    services.dossier_receive(dossier=processing, actor=world.officer.user, at=at("2026-03-02 09:20"))
    services.dossier_forward(dossier=processing, actor=world.officer.user, at=at("2026-03-02 09:25"))
    clock.move_to(at("2026-03-02 10:00"))

    def codes(user: Any, **query: str) -> list[str]:
        return _codes(client.get("/api/v1/dossiers", query, headers=tokens.headers(user)))

    officer = world.officer.user
    assert codes(officer) == [processing.code, received.code, waiting.code]
    assert codes(officer, status="submitted") == [waiting.code]
    assert codes(officer, status="received") == [received.code]
    assert codes(officer, status="processing") == [processing.code]
    assert codes(officer, status="returned") == []
    assert codes(officer, agency=world.centre.code) == [processing.code, received.code, waiting.code]
    assert codes(officer, agency=world.department.code) == [processing.code, received.code, waiting.code]
    assert codes(officer, agency=world.other_department.code) == []
    assert codes(officer, assigned_to_me="true") == [received.code]  # the reception step is the officer's
    assert codes(world.specialist.user, assigned_to_me="true") == [processing.code]
    assert codes(world.leader.user, assigned_to_me="true") == []
    assert codes(officer, overdue="true") == []

    # Monday 9 March 09:15: `received` was due 09:10, `processing` is due 09:20
    clock.move_to(at("2026-03-09 09:15"))
    assert codes(officer, overdue="true") == [received.code]
    assert codes(officer, overdue="false") == [processing.code, waiting.code]
    assert codes(officer, overdue="true", status="processing") == []

    assert_problem(client.get("/api/v1/dossiers", {"status": "lost"}, headers=tokens.headers(officer)), 422)
    assert_problem(client.get("/api/v1/dossiers", {"page_size": "0"}, headers=tokens.headers(officer)), 422)
    assert_problem(client.get("/api/v1/dossiers", {"page_size": "101"}, headers=tokens.headers(officer)), 422)


def test_a_paused_dossier_is_not_overdue(client: Client, tokens: Tokens, world: World, clock: Any) -> None:
    """The clock stops while the applicant supplements or pays (domain.md §4): no delay accrues meanwhile."""
    supplementing = submit_counter(world, "2026-03-02 09:00")
    paying = submit_counter(world, "2026-03-02 09:00")
    for dossier in (supplementing, paying):
        services.dossier_receive(dossier=dossier, actor=world.officer.user, at=at("2026-03-02 09:00"))
        services.dossier_forward(dossier=dossier, actor=world.officer.user, at=at("2026-03-02 09:10"))
    services.dossier_request_supplement(
        dossier=supplementing,
        actor=world.specialist.user,
        reason="Thiếu",
        components=["TP1"],
        at=at("2026-03-03 09:00"),
    )
    services.dossier_request_payment(
        dossier=paying, actor=world.specialist.user, amount=50000, reason="Lệ phí", at=at("2026-03-03 09:00")
    )
    # Tuesday 10 March: past the appointment made at reception (9 March 09:00), but both clocks stopped on 3 March
    clock.move_to(at("2026-03-10 09:00"))
    headers = tokens.headers(world.officer.user)
    assert _codes(client.get("/api/v1/dossiers", {"overdue": "true"}, headers=headers)) == []
    assert _codes(client.get("/api/v1/dossiers", {"overdue": "false"}, headers=headers)) == [
        paying.code,
        supplementing.code,
    ]


def test_list_cursor_pagination(client: Client, tokens: Tokens, world: World, clock: Any) -> None:
    created = [submit_counter(world, f"2026-03-02 09:{minute:02d}").code for minute in range(25)]
    clock.move_to(at("2026-03-02 10:00"))
    headers = tokens.headers(world.officer.user)
    pages: list[list[str]] = []
    cursor = None
    for _page in range(5):
        query: dict[str, Any] = {"page_size": 10}
        if cursor:
            query["cursor"] = cursor
        response = client.get("/api/v1/dossiers", query, headers=headers)
        pages.append(_codes(response))
        cursor = response.json()["next"]
        if cursor is None:
            break
    newest_first = list(reversed(created))
    assert pages == [newest_first[:10], newest_first[10:20], newest_first[20:]]
    assert len({code for page in pages for code in page}) == 25

    default = client.get("/api/v1/dossiers", headers=headers).json()
    assert len(default["items"]) == 20
    assert default["next"] is not None
    assert_problem(client.get("/api/v1/dossiers", {"cursor": "!!not-a-cursor!!"}, headers=headers), 400)


def test_list_cursor_is_stable_when_dossiers_arrive_between_pages(
    client: Client, tokens: Tokens, world: World, clock: Any
) -> None:
    created = [submit_counter(world, f"2026-03-02 09:{minute:02d}").code for minute in range(5)]
    clock.move_to(at("2026-03-02 10:00"))
    headers = tokens.headers(world.officer.user)
    first = client.get("/api/v1/dossiers", {"page_size": 3}, headers=headers).json()
    newcomer = submit_counter(world, "2026-03-02 10:00").code
    second = client.get("/api/v1/dossiers", {"page_size": 3, "cursor": first["next"]}, headers=headers).json()
    assert [i["code"] for i in first["items"]] == created[::-1][:3]
    assert [i["code"] for i in second["items"]] == created[::-1][3:]
    assert second["next"] is None
    assert newcomer not in [i["code"] for i in first["items"] + second["items"]]


def test_list_query_count_does_not_depend_on_page_size(
    client: Client, tokens: Tokens, world: World, clock: Any
) -> None:
    for minute in range(0, 24, 2):
        dossier = submit_counter(world, f"2026-03-02 09:{minute:02d}")
        services.dossier_receive(dossier=dossier, actor=world.officer.user, at=at(f"2026-03-02 09:{minute + 1:02d}"))
        if minute % 4 == 0:  # half of them at the specialist's step, with an assignee
            services.dossier_forward(
                dossier=dossier, actor=world.officer.user, at=at(f"2026-03-02 09:{minute + 1:02d}")
            )
        submit_online(world, f"2026-03-02 09:{minute + 1:02d}")
    clock.move_to(at("2026-03-02 10:00"))
    headers = tokens.headers(world.officer.user)
    client.get("/api/v1/dossiers", headers=headers)  # warm caches that are not per request

    counts = {}
    for size in (2, 20):
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/api/v1/dossiers", {"page_size": size}, headers=headers)
        assert len(response.json()["items"]) == size
        counts[size] = len(queries)
    assert counts[2] == counts[20], counts
    assert counts[20] <= 6, counts
    assert counts[20] <= 10


def test_a_list_item_is_the_dossier_s_own_answer(client: Client, tokens: Tokens, world: World, clock: Any) -> None:
    """The list reads only the columns `dossier_out` shows (DOSSIER_OUT_FIELDS): each item must still be the
    detail's answer, field for field, whatever the dossier's state (a field left out would be read row by row,
    or fail)."""
    online = submit_online(world, "2026-03-02 09:00")  # waiting for reception: its 8-hour clock
    received = submit_counter(world, "2026-03-02 09:05")
    services.dossier_receive(dossier=received, actor=world.officer.user, at=at("2026-03-02 09:06"))
    forwarded = submit_counter(world, "2026-03-02 09:10")
    services.dossier_receive(dossier=forwarded, actor=world.officer.user, at=at("2026-03-02 09:11"))
    services.dossier_forward(dossier=forwarded, actor=world.officer.user, at=at("2026-03-02 09:12"))
    paid = submit_counter(world, "2026-03-02 09:15")
    paid.fees.update(paid_at=at("2026-03-02 09:16"))
    clock.move_to(at("2026-03-03 16:00"))  # the online dossier's reception is overdue by now
    headers = tokens.headers(world.officer.user)

    with CaptureQueriesContext(connection) as queries:
        answer = client.get("/api/v1/dossiers", {"page_size": 50}, headers=headers)
    assert len(queries) <= 6, [q["sql"] for q in queries]  # no column read row by row
    # written without Ninja's validation (`renderers.written`): exactly what the declared schema gives
    assert answer["Content-Type"] == "application/json; charset=utf-8"
    assert DossierPage.model_validate(answer.json()).model_dump() == answer.json()
    items = answer.json()["items"]
    assert [item["code"] for item in items] == [paid.code, forwarded.code, received.code, online.code]
    assert items[1]["current_step"]["assignee"] is not None
    assert items[0]["fees"] and all(fee["paid"] for fee in items[0]["fees"])
    assert items[3]["reception_overdue"] is True
    for item in items:
        assert item == client.get(f"/api/v1/dossiers/{item['code']}", headers=headers).json()


def test_the_dossier_answer_field_by_field(client: Client, tokens: Tokens, world: World, clock: Any) -> None:
    """What the list and the detail both write (`_dossier_answer`), against the dossier's own fields."""
    dossier = submit_counter(world, "2026-03-02 09:10")
    services.dossier_receive(dossier=dossier, actor=world.officer.user, at=at("2026-03-02 09:11"))
    services.dossier_forward(dossier=dossier, actor=world.officer.user, at=at("2026-03-02 09:12"))
    dossier = Dossier.objects.get(pk=dossier.pk)
    dossier.fees.filter(pk=dossier.fees.order_by("pk").values("pk")[:1]).update(paid_at=at("2026-03-02 09:15"))
    clock.move_to(at("2026-03-03 16:00"))
    headers = tokens.headers(world.officer.user)
    detail = client.get(f"/api/v1/dossiers/{dossier.code}", headers=headers).json()
    listed = client.get("/api/v1/dossiers", {"page_size": 50}, headers=headers).json()["items"]
    assert [item for item in listed if item["code"] == dossier.code] == [detail]

    step = dossier.current_step
    assert step is not None
    fees = list(dossier.fees.all())
    assert detail["procedure"] == {"code": dossier.procedure.code, "name": dossier.procedure_version.name}
    assert detail["receiving_agency"] == {"code": dossier.receiving_agency.code, "name": dossier.receiving_agency.name}
    assert detail["competent_agency"] == {"code": dossier.competent_agency.code, "name": dossier.competent_agency.name}
    assert (detail["status"], detail["status_code"]) == (dossier.status, NATIONAL_STATUS_CODE[dossier.status])
    assert detail["applicant"]["full_name"] == dossier.applicant_name
    assert detail["applicant"]["id_number"] == dossier.applicant_id_number
    assert detail["submitted_at"] == "2026-03-02T09:10:00+07:00"  # in Vietnam's time, whatever the server's
    assert detail["received_at"] == "2026-03-02T09:11:00+07:00"
    assert detail["finished_at"] is None and detail["paused"] is False and detail["outcome"] is None
    assert detail["current_step"] == {
        "name": step.name,
        "assignee": step.assignee.user.get_username() if step.assignee else None,
        "due_at": step.due_at.astimezone(VN).isoformat() if step.due_at else None,
    }
    assert len(fees) >= 1 and fees[0].paid_at is not None
    assert detail["fees"] == [
        {"name": f.name, "kind": f.kind, "amount": f.amount, "paid": f.paid_at is not None} for f in fees
    ]
    assert detail["amount_due"] == sum(f.amount for f in fees if f.paid_at is None)
    assert detail["revision"] == dossier.revision and detail["reception_overdue"] is False


# ---- detail and history ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("actor", "expected"),
    [
        ("citizen", 200),  # the owner
        ("officer", 200),
        ("specialist", 200),
        ("head", 200),
        ("leader", 200),
        ("monitor", 200),
        ("other_citizen", 404),
        ("other_officer", 404),
        ("other_leader", 404),
    ],
)
def test_detail_and_history_visibility(client: Client, tokens: Tokens, world: World, actor: str, expected: int) -> None:
    code = submit_online(world, "2026-03-02 09:00").code
    user = world.users()[actor]
    for path in (f"/api/v1/dossiers/{code}", f"/api/v1/dossiers/{code}/history"):
        response = client.get(path, headers=tokens.headers(user))
        if expected == 200:
            assert response.status_code == 200, response.content
        else:
            hidden = assert_problem(response, 404)
            # exactly what a code that does not exist gives: the dossier's existence is not revealed
            missing = client.get(path.replace(code, "000.00.01.H21-260302-9999"), headers=tokens.headers(user))
            assert hidden == assert_problem(missing, 404)
    detail = client.get(f"/api/v1/dossiers/{code}", headers=tokens.headers(user))
    if expected == 200:
        assert detail.json()["code"] == code


def test_detail_and_history_need_a_signed_in_user(client: Client, world: World) -> None:
    code = submit_online(world, "2026-03-02 09:00").code
    assert_problem(client.get(f"/api/v1/dossiers/{code}"), 401)
    assert_problem(client.get(f"/api/v1/dossiers/{code}/history"), 401)


def test_history_oldest_first(client: Client, tokens: Tokens, world: World) -> None:
    dossier = submit_online(world, "2026-03-02 09:00")
    services.dossier_receive(dossier=dossier, actor=world.officer.user, at=at("2026-03-02 09:30"))
    services.dossier_forward(
        dossier=dossier, actor=world.officer.user, comment="Chuyển Sở Tư pháp", at=at("2026-03-02 09:40")
    )
    response = client.get(f"/api/v1/dossiers/{dossier.code}/history", headers=tokens.headers(world.citizen))
    assert response.status_code == 200
    events = response.json()
    assert all(
        set(event) == {"at", "actor", "action", "from_status", "to_status", "step", "comment"} for event in events
    )
    for event in events:
        assert event.pop("actor")  # names: see test_full_names_are_written_family_name_first
    assert events == [
        {
            "at": "2026-03-02T09:00:00+07:00",
            "action": "submit",
            "from_status": None,
            "to_status": "submitted",
            "step": None,
            "comment": "",
        },
        {
            "at": "2026-03-02T09:30:00+07:00",
            "action": "receive",
            "from_status": "submitted",
            "to_status": "received",
            "step": "Tiếp nhận hồ sơ",
            "comment": "",
        },
        {
            "at": "2026-03-02T09:40:00+07:00",
            "action": "forward",
            "from_status": "received",
            "to_status": "processing",
            "step": "Tiếp nhận hồ sơ",  # the step at which the action was taken
            "comment": "Chuyển Sở Tư pháp",
        },
    ]


# ---- actions --------------------------------------------------------------------------------------------


def test_full_path_through_http(client: Client, tokens: Tokens, world: World, clock: Any, ward: Any) -> None:
    code = submit_via_api(client, tokens, world)["code"]

    clock.move_to(at("2026-03-02 09:30"))
    response = act(client, tokens, world.officer.user, code, "receive")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["status_code"], body["received_at"], body["due_at"]) == (
        "received",
        2,
        "2026-03-02T09:30:00+07:00",
        "2026-03-09T09:30:00+07:00",
    )
    assert body["current_step"] == {"name": "Tiếp nhận hồ sơ", "assignee": "tiepnhan", "due_at": None}

    clock.move_to(at("2026-03-02 09:40"))
    body = act(client, tokens, world.officer.user, code, "forward", {"comment": "Chuyển Sở Tư pháp"}).json()
    assert (body["status"], body["status_code"]) == ("processing", 4)
    # the specialist has 70% of 40 working hours: 28 h from Monday 09:40
    assert body["current_step"] == {
        "name": "Chuyên viên thẩm định hồ sơ",
        "assignee": "chuyenvien",
        "due_at": "2026-03-05T15:40:00+07:00",
    }

    clock.move_to(at("2026-03-03 10:00"))
    body = act(client, tokens, world.specialist.user, code, "forward", {"comment": "Đủ điều kiện"}).json()
    assert (body["status"], body["current_step"]) == (
        "processing",
        {"name": "Lãnh đạo phòng xem xét", "assignee": "truongphong", "due_at": "2026-03-04T08:00:00+07:00"},
    )

    clock.move_to(at("2026-03-04 09:00"))
    body = act(client, tokens, world.head.user, code, "forward").json()
    assert (body["status"], body["current_step"]) == (
        "processing",
        {"name": "Lãnh đạo cơ quan phê duyệt", "assignee": "lanhdao", "due_at": "2026-03-04T17:00:00+07:00"},
    )

    clock.move_to(at("2026-03-04 14:00"))
    response = act(client, tokens, world.leader.user, code, "approve", {"outcome": "granted", "comment": "Đồng ý"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["status_code"], body["outcome"], body["timeliness"]) == (
        "processed",
        9,
        "granted",
        "early",
    )
    assert (body["finished_at"], body["returned_at"], body["due_at"]) == (
        "2026-03-04T14:00:00+07:00",
        None,
        "2026-03-09T09:30:00+07:00",
    )
    assert body["current_step"] == {"name": "Trả kết quả", "assignee": "tiepnhan", "due_at": None}

    clock.move_to(at("2026-03-05 08:00"))
    body = act(client, tokens, world.officer.user, code, "return_result").json()
    assert (body["status"], body["status_code"], body["returned_at"], body["current_step"]) == (
        "returned",
        10,
        "2026-03-05T08:00:00+07:00",
        None,
    )
    assert (body["outcome"], body["timeliness"], body["paused"]) == ("granted", "early", False)

    history = client.get(f"/api/v1/dossiers/{code}/history", headers=tokens.headers(world.citizen)).json()
    assert [(e["action"], e["from_status"], e["to_status"]) for e in history] == [
        ("submit", None, "submitted"),
        ("receive", "submitted", "received"),
        ("forward", "received", "processing"),
        ("forward", "processing", "processing"),
        ("forward", "processing", "processing"),
        ("approve", "processing", "processed"),
        ("return_result", "processed", "returned"),
    ]
    assert [e["at"][:16] for e in history] == [
        "2026-03-02T09:00",
        "2026-03-02T09:30",
        "2026-03-02T09:40",
        "2026-03-03T10:00",
        "2026-03-04T09:00",
        "2026-03-04T14:00",
        "2026-03-05T08:00",
    ]


def test_supplement_and_payment_through_http(client: Client, tokens: Tokens, world: World, clock: Any) -> None:
    dossier = submit_online(world, "2026-03-02 09:00")
    services.dossier_receive(dossier=dossier, actor=world.officer.user, at=at("2026-03-02 09:00"))
    services.dossier_forward(dossier=dossier, actor=world.officer.user, at=at("2026-03-02 09:10"))
    code = dossier.code

    clock.move_to(at("2026-03-03 09:00"))
    body = act(
        client,
        tokens,
        world.specialist.user,
        code,
        "request_supplement",
        {"reason": "Thiếu bản sao", "components": ["TP1"]},
    ).json()
    assert (body["status"], body["status_code"], body["paused"]) == ("awaiting_supplement", 5, True)

    clock.move_to(at("2026-03-05 09:00"))  # two working days later
    file_id = upload(client, tokens.headers(world.citizen)).json()["id"]
    response = act(
        client, tokens, world.citizen, code, "supplement", {"documents": [{"component": "TP1", "file": file_id}]}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["paused"], body["due_at"]) == ("processing", False, "2026-03-11T09:00:00+07:00")

    clock.move_to(at("2026-03-06 09:00"))
    body = act(
        client, tokens, world.specialist.user, code, "request_payment", {"amount": 1500000, "reason": "Lệ phí trước bạ"}
    ).json()
    assert (body["status"], body["status_code"], body["paused"], body["amount_due"]) == (
        "awaiting_payment",
        6,
        True,
        1600000,
    )
    clock.move_to(at("2026-03-06 10:00"))
    body = act(client, tokens, world.officer.user, code, "confirm_payment").json()
    assert (body["status"], body["paused"], body["amount_due"]) == ("processing", False, 0)
    assert body["due_at"] == "2026-03-11T10:00:00+07:00"  # one more working hour paused


def test_extend_stop_and_withdraw_through_http(client: Client, tokens: Tokens, world: World, clock: Any) -> None:
    first = submit_online(world, "2026-03-02 09:00")
    services.dossier_receive(dossier=first, actor=world.officer.user, at=at("2026-03-02 09:00"))
    second = submit_online(world, "2026-03-02 09:00")
    clock.move_to(at("2026-03-06 08:00"))

    body = act(
        client,
        tokens,
        world.leader.user,
        first.code,
        "extend",
        {"new_due_at": "2026-03-12T09:00:00+07:00", "reason": "Cần xác minh thêm"},
    ).json()
    assert (body["status"], body["due_at"]) == ("received", "2026-03-12T09:00:00+07:00")
    # a date without offset is read as Vietnam time; a second extension is refused
    again = act(
        client,
        tokens,
        world.leader.user,
        first.code,
        "extend",
        {"new_due_at": "2026-03-13T09:00:00", "reason": "Lần hai"},
    )
    assert_problem(again, 409)

    body = act(client, tokens, world.leader.user, first.code, "stop", {"reason": "Có tranh chấp"}).json()
    assert (body["status"], body["status_code"], body["finished_at"]) == ("stopped", 8, "2026-03-06T08:00:00+07:00")

    body = act(client, tokens, world.citizen, second.code, "withdraw", {"reason": "Không cần nữa"}).json()
    assert (body["status"], body["status_code"]) == ("withdrawn", 7)


def test_extension_without_offset_is_read_as_vietnam_time(
    client: Client, tokens: Tokens, world: World, clock: Any
) -> None:
    dossier = submit_online(world, "2026-03-02 09:00")
    services.dossier_receive(dossier=dossier, actor=world.officer.user, at=at("2026-03-02 09:00"))
    clock.move_to(at("2026-03-06 08:00"))
    response = act(
        client,
        tokens,
        world.leader.user,
        dossier.code,
        "extend",
        {"new_due_at": "2026-03-12T09:00:00", "reason": "Xác minh"},
    )
    assert response.status_code == 200, response.content
    assert response.json()["due_at"] == "2026-03-12T09:00:00+07:00"


@pytest.mark.parametrize(
    ("actor", "action", "body"),
    [
        ("leader", "approve", {"outcome": "granted"}),
        ("officer", "return_result", None),
        ("officer", "confirm_payment", None),
        ("officer", "supplement", None),
        ("leader", "stop", {"reason": "Dừng"}),
    ],
)
def test_action_not_allowed_in_the_state_is_a_conflict(
    client: Client, tokens: Tokens, world: World, actor: str, action: str, body: Any
) -> None:
    code = submit_online(world, "2026-03-02 09:00").code
    before = state(code)
    problem = assert_problem(act(client, tokens, world.users()[actor], code, action, body), 409)
    assert problem["title"] == "Conflict"
    assert state(code) == before


def test_unknown_action_is_not_found(client: Client, tokens: Tokens, world: World) -> None:
    code = submit_online(world, "2026-03-02 09:00").code
    before = state(code)
    for action in ("publish", "RECEIVE", "delete", "approve_all"):
        assert_problem(act(client, tokens, world.officer.user, code, action), 404)
    assert state(code) == before


def test_action_on_an_unknown_dossier_is_not_found(client: Client, tokens: Tokens, world: World) -> None:
    assert_problem(act(client, tokens, world.officer.user, "000.00.01.H21-260302-9999", "receive"), 404)


@pytest.mark.parametrize(
    ("actor", "action", "body", "field"),
    [
        ("officer", "reject", None, "reason"),
        ("officer", "reject", {"reason": "   "}, "reason"),
        ("officer", "request_supplement", {"components": ["TP1"]}, "reason"),
        ("officer", "withdraw", {}, "reason"),
    ],
)
def test_missing_required_fields_at_reception(
    client: Client, tokens: Tokens, world: World, actor: str, action: str, body: Any, field: str
) -> None:
    code = submit_online(world, "2026-03-02 09:00").code
    before = state(code)
    problem = assert_problem(act(client, tokens, world.users()[actor], code, action, body), 422)
    assert error_fields(problem) == [field]
    assert state(code) == before


@pytest.mark.parametrize(
    ("actor", "action", "body", "field"),
    [
        ("leader", "approve", {}, "outcome"),
        ("leader", "approve", {"outcome": "refused"}, "comment"),  # a refusal needs its reason
        ("leader", "extend", {"reason": "Xác minh"}, "new_due_at"),
        ("leader", "stop", {}, "reason"),
        ("head", "send_back", {}, "comment"),
        ("specialist", "request_payment", {"reason": "Lệ phí"}, "amount"),
        ("specialist", "request_payment", {"amount": 0, "reason": "Lệ phí"}, "amount"),
        ("head", "assign", {}, "assignee"),
        ("head", "assign", {"assignee": "khongco"}, "assignee"),
        ("specialist", "forward", {"assignee": "tiepnhan"}, "assignee"),
    ],
)
def test_missing_or_invalid_fields_in_processing(
    client: Client, tokens: Tokens, world: World, clock: Any, actor: str, action: str, body: Any, field: str
) -> None:
    dossier = submit_counter(world, "2026-03-02 09:00")
    services.dossier_receive(dossier=dossier, actor=world.officer.user, at=at("2026-03-02 09:00"))
    services.dossier_forward(dossier=dossier, actor=world.officer.user, at=at("2026-03-02 09:00"))
    services.dossier_forward(dossier=dossier, actor=world.specialist.user, at=at("2026-03-02 09:00"))
    if actor == "leader":
        services.dossier_forward(dossier=dossier, actor=world.head.user, at=at("2026-03-02 09:00"))
    if actor == "specialist":
        services.dossier_send_back(dossier=dossier, actor=world.head.user, comment="Xem lại", at=at("2026-03-02 09:00"))
    clock.move_to(at("2026-03-02 10:00"))
    code = dossier.code
    before = state(code)
    problem = assert_problem(act(client, tokens, world.users()[actor], code, action, body), 422)
    assert error_fields(problem) == [field]
    assert state(code) == before


def test_action_by_someone_who_sees_but_may_not_act_is_forbidden(client: Client, tokens: Tokens, world: World) -> None:
    code = submit_online(world, "2026-03-02 09:00").code
    before = state(code)
    for user in (world.citizen, world.leader.user, world.monitor.user, world.specialist.user):
        assert_problem(act(client, tokens, user, code, "receive"), 403)
    assert state(code) == before


def test_action_by_someone_who_may_not_see_is_not_found(client: Client, tokens: Tokens, world: World) -> None:
    code = submit_online(world, "2026-03-02 09:00").code
    before = state(code)
    for user in (world.other_citizen, world.other_officer.user, world.other_leader.user):
        assert_problem(act(client, tokens, user, code, "receive"), 404)
        assert_problem(act(client, tokens, user, code, "withdraw", {"reason": "Rút"}), 404)
    assert_problem(post_json(client, f"/api/v1/dossiers/{code}/actions/receive", {}, {}), 401)
    assert state(code) == before


def test_stale_revision_is_a_conflict(client: Client, tokens: Tokens, world: World) -> None:
    code = submit_online(world, "2026-03-02 09:00").code
    before = state(code)
    assert_problem(act(client, tokens, world.officer.user, code, "receive", None, **{"If-Match": '"7"'}), 409)
    assert state(code) == before
    response = act(client, tokens, world.officer.user, code, "receive", None, **{"If-Match": '"0"'})
    assert (response.status_code, response.json()["status"]) == (200, "received")


def test_idempotent_action(client: Client, tokens: Tokens, world: World) -> None:
    code = submit_online(world, "2026-03-02 09:00").code
    first = act(client, tokens, world.officer.user, code, "receive", None, **{"Idempotency-Key": "tiep-nhan-1"})
    second = act(client, tokens, world.officer.user, code, "receive", None, **{"Idempotency-Key": "tiep-nhan-1"})
    assert (first.status_code, second.status_code) == (200, 200)
    assert second.json() == first.json()
    assert history_length(code) == 2  # submit, receive: once
    # the same key with another body on the same endpoint: conflict, nothing changed
    before = state(code)
    other = act(
        client, tokens, world.officer.user, code, "receive", {"comment": "khác"}, **{"Idempotency-Key": "tiep-nhan-1"}
    )
    assert_problem(other, 409)
    assert state(code) == before


# ---- public lookup --------------------------------------------------------------------------------------


def test_lookup_is_public_and_masks_the_applicant(
    client: Client, tokens: Tokens, world: World, clock: Any, ward: Any
) -> None:
    code = submit_via_api(client, tokens, world)["code"]
    dossier = Dossier.objects.get(code=code)
    services.dossier_receive(dossier=dossier, actor=world.officer.user, at=at("2026-03-02 09:30"))
    clock.move_to(at("2026-03-02 10:00"))

    response = client.get("/api/v1/lookup", {"code": code, "id_number": ID_NUMBER})
    assert response.status_code == 200
    assert response.json() == {
        "code": code,
        "procedure": PROCEDURE_NAME,
        "agency": CENTRE["name"],
        "applicant": "N***** V** A*",
        "status": "received",
        "status_code": 2,
        "received_at": "2026-03-02T09:30:00+07:00",
        "due_at": "2026-03-09T09:30:00+07:00",
        "finished_at": None,
        "timeline": [
            {"at": "2026-03-02T09:00:00+07:00", "status": "submitted"},
            {"at": "2026-03-02T09:30:00+07:00", "status": "received"},
        ],
    }
    raw = response.content.decode()
    text = json.dumps(response.json(), ensure_ascii=False)  # whatever escaping the raw body uses
    for secret in (ID_NUMBER, PHONE, EMAIL, ADDRESS_LINE, "Lê Lợi", "23425", "Nguyễn", "1990-05-17", "tiepnhan"):
        assert secret not in text
        assert secret not in raw


def test_lookup_reads_two_queries_joining_only_what_it_shows(client: Client, world: World) -> None:
    """One query for the dossier with the two tables the answer names, one for its status changes: with every
    relation of a dossier joined, PostgreSQL spent ten times longer planning the query than running it."""
    dossier = submit_online(world, "2026-03-02 09:00")
    client.get("/api/v1/lookup", {"code": dossier.code, "id_number": dossier.applicant_id_number})  # warm caches
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/lookup", {"code": dossier.code, "id_number": dossier.applicant_id_number})
    assert response.status_code == 200
    assert response.json()["procedure"] == dossier.procedure_version.name
    assert response.json()["agency"] == dossier.receiving_agency.name
    selects = [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith("SELECT")]
    assert len(selects) == 2, selects
    assert selects[0].count(" JOIN ") == 2, selects[0]


def test_lookup_by_owner_id_number(client: Client, world: World) -> None:
    data = services.SubmissionData(
        procedure=world.version.procedure.code,
        agency=world.department.code,
        channel="counter",
        applicant=services.ApplicantData(kind="citizen", full_name="Trần Văn Bình", id_number="052080009999"),
        owner_name="Trần Thị Hoa",
        owner_id_number="052085001111",
    )
    code = services.dossier_submit(actor=world.officer.user, data=data).code
    response = client.get("/api/v1/lookup", {"code": code, "id_number": "052085001111"})
    assert (response.status_code, response.json()["applicant"]) == (200, "T*** V** B***")


@pytest.mark.parametrize(
    ("code", "id_number"),
    [
        ("000.00.01.H21-260302-0001", "052090009999"),  # right code, wrong ID number
        ("000.00.01.H21-260302-0002", ID_NUMBER),  # no such code
        ("000.00.01.H21-260302-0001", ""),
        ("", ID_NUMBER),
    ],
)
def test_lookup_not_found(client: Client, world: World, code: str, id_number: str) -> None:
    submit_online(world, "2026-03-02 09:00")
    response = client.get("/api/v1/lookup", {"code": code, "id_number": id_number})
    if code and id_number:
        body = assert_problem(response, 404)
        assert ID_NUMBER not in json.dumps(body)
    else:
        assert response.status_code in (404, 422)
        assert_problem(response, response.status_code)


def test_lookup_wrong_id_and_unknown_code_look_the_same(client: Client, world: World) -> None:
    code = submit_online(world, "2026-03-02 09:00").code
    wrong_id = client.get("/api/v1/lookup", {"code": code, "id_number": "052090009999"})
    no_code = client.get("/api/v1/lookup", {"code": "000.00.01.H21-260302-0042", "id_number": ID_NUMBER})
    assert assert_problem(wrong_id, 404) == assert_problem(no_code, 404)


def test_lookup_is_rate_limited(client: Client, world: World, clock: Any) -> None:
    assert LOOKUP_LIMIT_PER_MINUTE == 20
    code = submit_online(world, "2026-03-02 09:00").code
    for attempt in range(LOOKUP_LIMIT_PER_MINUTE):
        guess = ID_NUMBER if attempt == 0 else f"05209000{attempt:04d}"
        response = client.get("/api/v1/lookup", {"code": code, "id_number": guess})
        assert response.status_code == (200 if attempt == 0 else 404)
    limited = client.get("/api/v1/lookup", {"code": code, "id_number": ID_NUMBER})
    assert_problem(limited, 429)
    # another address is not limited by this one's guesses
    assert (
        client.get("/api/v1/lookup", {"code": code, "id_number": ID_NUMBER}, REMOTE_ADDR="198.51.100.9").status_code
        == 200
    )
    # the next minute the address may look up again
    clock.move_to(at("2026-03-02 09:01:30"))
    assert client.get("/api/v1/lookup", {"code": code, "id_number": ID_NUMBER}).status_code == 200


def test_lookup_of_a_finished_dossier(client: Client, world: World, clock: Any) -> None:
    dossier = submit_online(world, "2026-03-02 09:00")
    services.dossier_reject(
        dossier=dossier, actor=world.officer.user, reason="Không thuộc thẩm quyền", at=at("2026-03-02 09:20")
    )
    clock.move_to(at("2026-03-02 10:00"))
    body = client.get("/api/v1/lookup", {"code": dossier.code, "id_number": ID_NUMBER}).json()
    assert (body["status"], body["status_code"], body["received_at"], body["due_at"], body["finished_at"]) == (
        "rejected",
        3,
        None,
        None,
        "2026-03-02T09:20:00+07:00",
    )
    assert [event["status"] for event in body["timeline"]] == ["submitted", "rejected"]
    assert "Không thuộc thẩm quyền" not in json.dumps(body, ensure_ascii=False)


def test_status_constants_match_the_contract() -> None:
    assert {str(status): code for status, code in NATIONAL_STATUS_CODE.items()} == {
        "submitted": 1,
        "received": 2,
        "rejected": 3,
        "processing": 4,
        "awaiting_supplement": 5,
        "awaiting_payment": 6,
        "withdrawn": 7,
        "stopped": 8,
        "processed": 9,
        "returned": 10,
    }
    assert {str(s) for s in Status} == set(NATIONAL_STATUS_CODE)


def test_token_obeys_the_lockout_and_the_second_factor(world: World, settings: Any) -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from motcua.core import lockout

    settings.MOTCUA_LOGIN_MAX_FAILURES = 3
    user = world.officer.user
    user.set_password("Dung-Mat-Khau-1")
    user.save()
    client = Client()
    for _ in range(3):
        assert (
            client.post(
                "/api/v1/auth/token", {"username": "tiepnhan", "password": "sai"}, content_type="application/json"
            ).status_code
            == 401
        )
    locked = client.post(
        "/api/v1/auth/token", {"username": "tiepnhan", "password": "Dung-Mat-Khau-1"}, content_type="application/json"
    )
    assert locked.status_code == 429
    lockout.record_success("tiepnhan")
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    refused = client.post(
        "/api/v1/auth/token", {"username": "tiepnhan", "password": "Dung-Mat-Khau-1"}, content_type="application/json"
    )
    assert refused.status_code == 403
