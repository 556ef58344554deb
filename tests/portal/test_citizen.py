"""Citizen pages: public lookup, online submission with drafts and the data store, my dossiers,
online supplement, withdrawal, downloads, satisfaction rating (online and at the kiosk)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from motcua.dossiers import services
from motcua.dossiers.models import Dossier, DossierDraft, SatisfactionRating, Status, StoredDocument
from tests.factories import SMALL_PDF
from tests.portal.conftest import World, at, submit_counter, submit_online

pytestmark = pytest.mark.django_db


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def pdf(name: str = "giay-to.pdf", content: bytes = SMALL_PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, "application/pdf")


def returned(world: World) -> Dossier:
    dossier = submit_online(world, "2026-03-02 09:00")
    officer, when = world.officer.user, at("2026-03-02 10:00")
    services.dossier_receive(dossier=dossier, actor=officer, at=when)
    services.dossier_forward(dossier=dossier, actor=officer, at=when)
    services.dossier_forward(dossier=dossier, actor=world.specialist.user, at=when)
    services.dossier_forward(dossier=dossier, actor=world.head.user, at=when)
    services.dossier_approve(dossier=dossier, actor=world.leader.user, outcome="granted", at=when)
    return services.dossier_return_result(dossier=dossier, actor=officer, at=when)


# ---- lookup -------------------------------------------------------------------------------------------


def test_lookup_shows_status_with_the_name_masked(world: World) -> None:
    dossier = submit_counter(world, "2026-03-02 09:00")
    response = Client().post("/tra-cuu/", {"code": dossier.code, "id_number": "052090001234"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "N***** V** A*" in page and "Nguyễn Văn An" not in page
    assert "052090001234" not in page.replace('value="052090001234"', "")  # never echoed but in its field
    assert "Chờ tiếp nhận" in page or dossier.get_status_display() in page


def test_lookup_with_a_wrong_id_number_finds_nothing(world: World) -> None:
    dossier = submit_counter(world, "2026-03-02 09:00")
    response = Client().post("/tra-cuu/", {"code": dossier.code, "id_number": "052090009999"})
    assert response.status_code == 404
    assert "Không tìm thấy hồ sơ" in response.content.decode()


def test_the_receipt_qr_code_lands_on_the_lookup_form_with_the_code(world: World) -> None:
    response = Client().get("/tra-cuu/", {"code": "000.00.01.H21-260302-0001"})
    assert response.status_code == 200
    assert 'value="000.00.01.H21-260302-0001"' in response.content.decode()


@override_settings(LOOKUP_RATE_PER_MINUTE=3)
def test_lookup_is_rate_limited(world: World) -> None:
    cache.clear()
    client = Client(REMOTE_ADDR="203.0.113.9")
    codes = [client.post("/tra-cuu/", {"code": "x", "id_number": "1"}).status_code for _ in range(4)]
    assert codes == [404, 404, 404, 429]


# ---- online submission ----------------------------------------------------------------------------------


def draft_post(client: Client, draft: DossierDraft, action: str, **extra: Any) -> Any:
    data = {
        "applicant_kind": "citizen",
        "full_name": "Nguyễn Văn An",
        "id_number": "052090001234",
        "phone": "0905123456",
        "agency": "000.00.02.H21",
        "delivery_method": "online",
        "action": action,
    }
    data.update(extra)
    return client.post(f"/ho-so-cua-toi/nhap/{draft.pk}/", data)


def test_submit_online_through_a_draft_and_reuse_a_stored_document(world: World) -> None:
    client = signed_in(world.citizen)
    code = world.version.procedure.code
    assert client.post(f"/thu-tuc/{code}/nop-truc-tuyen/").status_code == 302
    draft = DossierDraft.objects.get()
    assert draft_post(client, draft, "save").status_code == 302
    draft.refresh_from_db()
    assert draft.applicant["full_name"] == "Nguyễn Văn An"  # saved, can be resumed later
    assert draft_post(client, draft, "attach:TP1", file_TP1=pdf("to-khai.pdf")).status_code == 302
    # reviewing with a required component missing shows what is missing and submits nothing
    response = client.post(f"/ho-so-cua-toi/nhap/{draft.pk}/xem-lai/")
    assert response.status_code == 422
    assert "Thiếu thành phần bắt buộc" in response.content.decode()
    assert Dossier.objects.count() == 0
    assert draft_post(client, draft, "attach:TP2", file_TP2=pdf("cccd.pdf", SMALL_PDF + b"\n% cccd")).status_code == 302
    response = client.post(f"/ho-so-cua-toi/nhap/{draft.pk}/xem-lai/")
    dossier = Dossier.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/ho-so-cua-toi/{dossier.code}/"
    assert (dossier.channel, dossier.status, dossier.account) == ("online", Status.SUBMITTED, world.citizen)
    assert not DossierDraft.objects.exists()
    assert StoredDocument.objects.filter(owner=world.citizen).count() == 2

    # a second dossier reuses the stored ID card instead of uploading it again
    client.post(f"/thu-tuc/{code}/nop-truc-tuyen/")
    second = DossierDraft.objects.get()
    stored = StoredDocument.objects.get(owner=world.citizen, component_code="TP2")
    draft_post(client, second, "attach:TP1", file_TP1=pdf())
    draft_post(client, second, "attach:TP2", **{"store_TP2": str(stored.pk)})
    assert client.post(f"/ho-so-cua-toi/nhap/{second.pk}/xem-lai/").status_code == 302
    newest = Dossier.objects.order_by("-pk").first()
    assert newest is not None
    reused = newest.documents.get(component_code="TP2")
    assert reused.reused is True and reused.sha256 == stored.sha256


def test_a_file_that_is_not_pdf_or_image_is_refused(world: World) -> None:
    client = signed_in(world.citizen)
    client.post(f"/thu-tuc/{world.version.procedure.code}/nop-truc-tuyen/")
    draft = DossierDraft.objects.get()
    response = draft_post(client, draft, "attach:TP1", file_TP1=pdf("x.pdf", b"<script>alert(1)</script>"))
    assert response.status_code == 422
    assert "Chỉ nhận tệp PDF, PNG hoặc JPEG." in response.content.decode()
    draft.refresh_from_db()
    assert draft.documents == []


def test_drafts_belong_to_their_account(world: World) -> None:
    signed_in(world.citizen).post(f"/thu-tuc/{world.version.procedure.code}/nop-truc-tuyen/")
    draft = DossierDraft.objects.get()
    other = signed_in(world.other_citizen)
    assert other.get(f"/ho-so-cua-toi/nhap/{draft.pk}/").status_code == 404
    assert draft_post(other, draft, "save").status_code == 404
    assert Client().get(f"/ho-so-cua-toi/nhap/{draft.pk}/").status_code == 302


# ---- my dossiers ----------------------------------------------------------------------------------------


def test_my_dossiers_lists_only_mine(world: World) -> None:
    mine = submit_online(world, "2026-03-02 09:00")
    theirs = submit_online(world, "2026-03-02 09:30", user=world.other_citizen)
    page = signed_in(world.citizen).get("/ho-so-cua-toi/").content.decode()
    assert mine.code in page and theirs.code not in page
    assert signed_in(world.citizen).get(f"/ho-so-cua-toi/{theirs.code}/").status_code == 404
    assert signed_in(world.officer.user).get(f"/ho-so-cua-toi/{mine.code}/").status_code == 404


def test_my_dossiers_lists_my_drafts_only(world: World) -> None:
    signed_in(world.citizen).post(f"/thu-tuc/{world.version.procedure.code}/nop-truc-tuyen/")
    draft = DossierDraft.objects.get()
    mine = signed_in(world.citizen).get("/ho-so-cua-toi/").content.decode()
    assert f'href="/ho-so-cua-toi/nhap/{draft.pk}/"' in mine and world.version.name in mine
    assert timezone.localtime(draft.updated_at).strftime("%d/%m/%Y %H:%M") in mine
    theirs = signed_in(world.other_citizen).get("/ho-so-cua-toi/").content.decode()
    assert f"/ho-so-cua-toi/nhap/{draft.pk}/" not in theirs and "Hồ sơ đang soạn" not in theirs


def test_my_dossiers_shows_each_row_from_one_read(world: World, django_assert_max_num_queries: Any) -> None:
    first = submit_online(world, "2026-03-02 09:00")
    client = signed_in(world.citizen)
    with CaptureQueriesContext(connection) as one:
        client.get("/ho-so-cua-toi/")
    more = [submit_online(world, f"2026-03-0{day} 09:00") for day in (3, 4, 5)]
    with django_assert_max_num_queries(len(one)):  # no read per row (a deferred column read late)
        page = client.get("/ho-so-cua-toi/").content.decode()
    for dossier in (first, *more):
        assert dossier.code in page and dossier.procedure_version.name in page
        assert dossier.get_status_display() in page
    assert page.index(more[-1].code) < page.index(first.code)  # newest first


def test_answer_a_supplement_request_online_and_the_clock_resumes(world: World) -> None:
    dossier = submit_online(world, "2026-03-02 09:00")
    services.dossier_receive(dossier=dossier, actor=world.officer.user, at=at("2026-03-02 10:00"))
    services.dossier_request_supplement(
        dossier=dossier, actor=world.officer.user, reason="Bản quét mờ", components=["TP1"], at=at("2026-03-02 11:00")
    )
    client = signed_in(world.citizen)
    page = client.get(f"/ho-so-cua-toi/{dossier.code}/").content.decode()
    assert "Bản quét mờ" in page and 'name="file_TP1"' in page
    response = client.post(f"/ho-so-cua-toi/{dossier.code}/bo-sung/", {"file_TP1": pdf("ro-net.pdf")})
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.status == Status.RECEIVED and dossier.paused_at is None
    assert dossier.documents.filter(component_code="TP1", supplement_round=1).count() == 1


def test_withdraw_from_my_dossier(world: World) -> None:
    dossier = submit_online(world, "2026-03-02 09:00")
    client = signed_in(world.citizen)
    assert client.post(f"/ho-so-cua-toi/{dossier.code}/rut/", {"reason": ""}).status_code == 400
    assert client.post(f"/ho-so-cua-toi/{dossier.code}/rut/", {"reason": "Nộp nhầm"}).status_code == 302
    assert Dossier.objects.get(pk=dossier.pk).status == Status.WITHDRAWN


def test_download_the_receipt_and_my_documents(world: World) -> None:
    dossier = submit_online(world, "2026-03-02 09:00")
    services.dossier_receive(dossier=dossier, actor=world.officer.user, at=at("2026-03-02 10:00"))
    client = signed_in(world.citizen)
    receipt = client.get(f"/ho-so-cua-toi/{dossier.code}/mau/01/")
    assert receipt.status_code == 200 and receipt.content.startswith(b"%PDF-")
    doc = dossier.documents.first()
    assert doc is not None
    assert client.get(f"/ho-so-cua-toi/{dossier.code}/giay-to/{doc.pk}/").status_code == 200
    assert signed_in(world.other_citizen).get(f"/ho-so-cua-toi/{dossier.code}/mau/01/").status_code == 404


# ---- rating -------------------------------------------------------------------------------------------------


def rating_data(**extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {f"score_{i}": "2" for i in range(1, 10)}
    data.update({"score_3": "1", "overall": "satisfied", "comment": "Cán bộ nhiệt tình"})
    data.update(extra)
    return data


def test_rate_once_after_the_result_is_returned(world: World) -> None:
    dossier = returned(world)
    client = signed_in(world.citizen)
    assert client.post(f"/ho-so-cua-toi/{dossier.code}/danh-gia/", rating_data()).status_code == 302
    rating = SatisfactionRating.objects.get(dossier=dossier)
    assert (rating.total, rating.overall, rating.channel) == (17, "satisfied", "online")
    assert client.post(f"/ho-so-cua-toi/{dossier.code}/danh-gia/", rating_data()).status_code == 409
    assert SatisfactionRating.objects.count() == 1


def test_no_rating_before_the_result(world: World) -> None:
    dossier = submit_online(world, "2026-03-02 09:00")
    response = signed_in(world.citizen).post(f"/ho-so-cua-toi/{dossier.code}/danh-gia/", rating_data())
    assert response.status_code == 409
    assert not SatisfactionRating.objects.exists()


def test_kiosk_rating_by_code_and_id_number(world: World) -> None:
    cache.clear()
    dossier = returned(world)
    client = Client()
    wrong = client.post("/danh-gia/", rating_data(code=dossier.code, id_number="052090009999"))
    assert wrong.status_code == 400 and not SatisfactionRating.objects.exists()
    assert client.post("/danh-gia/", rating_data(code=dossier.code, id_number="052090001234")).status_code == 302
    assert SatisfactionRating.objects.get().channel == "kiosk"


# ---- e-form and population data ---------------------------------------------------------------------------

EFORM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["full_name", "birth_date", "purpose"],
    "properties": {
        "full_name": {"type": "string", "title": "Họ và tên", "maxLength": 100},
        "birth_date": {"type": "string", "format": "date", "title": "Ngày sinh"},
        "permanent_address": {"type": "string", "title": "Nơi thường trú"},
        "purpose": {"type": "string", "title": "Mục đích sử dụng phiếu", "minLength": 3},
    },
}
EFORM_UI: dict[str, Any] = {
    "full_name": {"prefill": "profile.full_name"},
    "birth_date": {"prefill": "population.birth_date"},
    "permanent_address": {"prefill": "population.permanent_address", "widget": "textarea"},
    "purpose": {"prefill": "previous.purpose"},
}


def with_eform(world: World) -> None:
    from motcua.catalog.services import procedure_version_create_draft, procedure_version_publish

    draft = procedure_version_create_draft(procedure=world.version.procedure)
    draft.eform_schema = EFORM_SCHEMA
    draft.eform_ui = EFORM_UI
    draft.save()
    procedure_version_publish(version=draft, at=at("2026-01-05 08:00"))


def test_the_eform_is_rendered_validated_and_filled_from_the_population_database(world: World) -> None:
    with_eform(world)
    client = signed_in(world.citizen)
    client.post(f"/thu-tuc/{world.version.procedure.code}/nop-truc-tuyen/")
    draft = DossierDraft.objects.get()
    page = client.get(f"/ho-so-cua-toi/nhap/{draft.pk}/").content.decode()
    assert 'name="form-purpose"' in page and "Mục đích sử dụng phiếu" in page
    # the simulator holds Nguyễn Văn An, 052090001234, born 1990
    response = draft_post(client, draft, "population", birth_date="1990-01-01")
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.applicant["birth_date"] == "1990-03-02"
    assert draft.form_data["birth_date"] == "1990-03-02"
    assert draft.form_data["permanent_address"].startswith("Số 12 đường Lê Lợi")
    # a missing required e-form field is named in the review and nothing is submitted
    draft_post(client, draft, "attach:TP1", file_TP1=pdf())
    draft_post(client, draft, "attach:TP2", file_TP2=pdf("b.pdf", SMALL_PDF + b"\n% b"))
    review = client.post(f"/ho-so-cua-toi/nhap/{draft.pk}/xem-lai/")
    assert review.status_code == 422
    assert "Mục đích sử dụng phiếu: Trường này là bắt buộc." in review.content.decode()
    assert Dossier.objects.count() == 0
    draft_post(
        client,
        draft,
        "save",
        **{
            "form-full_name": "Nguyễn Văn An",
            "form-birth_date": "02/03/1990",
            "form-permanent_address": "Số 12 đường Lê Lợi",
            "form-purpose": "Xin việc",
        },
    )
    assert client.post(f"/ho-so-cua-toi/nhap/{draft.pk}/xem-lai/").status_code == 302
    dossier = Dossier.objects.get()
    assert dossier.form_data["purpose"] == "Xin việc"
    assert dossier.form_data["birth_date"] == "1990-03-02"


def test_an_unknown_citizen_is_not_filled_in(world: World) -> None:
    client = signed_in(world.citizen)
    client.post(f"/thu-tuc/{world.version.procedure.code}/nop-truc-tuyen/")
    draft = DossierDraft.objects.get()
    response = draft_post(client, draft, "population", full_name="Người Không Có", birth_date="1990-01-01")
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.applicant["full_name"] == "Người Không Có"


def test_a_procedure_received_anywhere_lets_the_applicant_choose_the_centre(world: World) -> None:
    from motcua.catalog.services import procedure_version_create_draft, procedure_version_publish
    from motcua.org.models import Agency
    from tests.factories import AgencyFactory

    other_centre = AgencyFactory(
        code="000.10.31.H21",
        name="Trung tâm Phục vụ hành chính công phường Quy Nhơn",
        kind=Agency.Kind.SERVICE_CENTRE,
        administrative_unit=world.centre.administrative_unit,
    )
    version = procedure_version_create_draft(procedure=world.version.procedure)
    version.any_reception_point = True
    version.save()
    procedure_version_publish(version=version, at=at("2026-01-05 08:00"))
    client = signed_in(world.citizen)
    client.post(f"/thu-tuc/{world.version.procedure.code}/nop-truc-tuyen/")
    draft = DossierDraft.objects.get()
    assert (
        "Trung tâm Phục vụ hành chính công phường Quy Nhơn"
        in client.get(f"/ho-so-cua-toi/nhap/{draft.pk}/").content.decode()
    )
    draft_post(client, draft, "attach:TP1", file_TP1=pdf(), receiving_agency=other_centre.code)
    draft_post(
        client, draft, "attach:TP2", file_TP2=pdf("b.pdf", SMALL_PDF + b"\n% b"), receiving_agency=other_centre.code
    )
    assert client.post(f"/ho-so-cua-toi/nhap/{draft.pk}/xem-lai/").status_code == 302
    dossier = Dossier.objects.get()
    assert dossier.receiving_agency == other_centre
    assert dossier.code.startswith("000.10.31.H21-")


def test_a_procedure_received_only_by_its_agency_refuses_another_centre(world: World) -> None:
    from motcua.core.errors import InvalidInput
    from motcua.org.models import Agency
    from tests.dossiers.conftest import applicant, upload_pdf
    from tests.factories import AgencyFactory

    other_centre = AgencyFactory(
        code="000.10.31.H21", kind=Agency.Kind.SERVICE_CENTRE, administrative_unit=world.centre.administrative_unit
    )
    data = services.SubmissionData(
        procedure=world.version.procedure.code,
        agency=world.department.code,
        channel="online",
        applicant=applicant(),
        documents=[
            services.DocumentData(component="TP1", upload_id=upload_pdf(world.citizen)),
            services.DocumentData(component="TP2", upload_id=upload_pdf(world.citizen)),
        ],
        receiving_agency=other_centre.code,
    )
    with pytest.raises(InvalidInput) as refused:
        services.dossier_submit(actor=world.citizen, data=data)
    assert [e.field for e in refused.value.errors] == ["receiving_agency"]
    assert Dossier.objects.count() == 0


def test_a_draft_submitted_twice_makes_one_dossier(world: World) -> None:
    from motcua.core.errors import NotFound
    from motcua.dossiers import online

    client = signed_in(world.citizen)
    client.post(f"/thu-tuc/{world.version.procedure.code}/nop-truc-tuyen/")
    draft = DossierDraft.objects.get()
    draft_post(client, draft, "attach:TP1", file_TP1=pdf())
    draft_post(client, draft, "attach:TP2", file_TP2=pdf("b.pdf", SMALL_PDF + b"\n% b"))
    stale = DossierDraft.objects.get()  # a second request read the draft before the first one submitted it
    online.draft_submit(draft=DossierDraft.objects.get(), actor=world.citizen)
    with pytest.raises(NotFound):
        online.draft_submit(draft=stale, actor=world.citizen)
    assert Dossier.objects.count() == 1


def test_replaced_and_abandoned_files_are_deleted(world: World, settings: Any, tmp_path: Any) -> None:
    from motcua.dossiers.models import Upload

    settings.MEDIA_ROOT = tmp_path
    client = signed_in(world.citizen)
    client.post(f"/thu-tuc/{world.version.procedure.code}/nop-truc-tuyen/")
    draft = DossierDraft.objects.get()
    draft_post(client, draft, "attach:TP1", file_TP1=pdf("a.pdf"))
    draft_post(client, draft, "attach:TP1", file_TP1=pdf("b.pdf", SMALL_PDF + b"\n% b"))
    assert Upload.objects.count() == 1
    draft_post(client, draft, "delete")
    assert Upload.objects.count() == 0
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_invalid_draft_input_is_not_stored(world: World) -> None:
    client = signed_in(world.citizen)
    client.post(f"/thu-tuc/{world.version.procedure.code}/nop-truc-tuyen/")
    draft = DossierDraft.objects.get()
    assert draft_post(client, draft, "save", agency="x" * 300, email="not-an-email").status_code == 302
    draft.refresh_from_db()
    assert draft.agency_code == "" and draft.applicant["email"] == ""
