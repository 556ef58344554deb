"""Counter reception through the back-office pages."""

from __future__ import annotations

from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from motcua.dossiers.models import Document, Dossier, Status, Upload
from tests.backoffice.conftest import World, at, submit_counter
from tests.factories import SMALL_PDF

pytestmark = pytest.mark.django_db


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def reception_data(world: World, **extra: Any) -> dict[str, Any]:
    data = {
        "agency": world.department.code,
        "applicant_kind": "citizen",
        "id_number": "052090001234",
        "full_name": "Nguyễn Văn An",
        "phone": "0905123456",
        "address_line": "12 Lê Lợi",
        "delivery_method": "counter",
        "has_TP1": "on",
        "copy_TP1": "original",
        "has_TP2": "on",
        "copy_TP2": "certified_copy",
        "decision": "receive",
    }
    data.update(extra)
    return data


def url(world: World) -> str:
    return f"/can-bo/tiep-nhan/{world.version.procedure.code}/"


def test_search_finds_the_procedure_without_diacritics(world: World) -> None:
    response = signed_in(world.officer.user).get("/can-bo/tiep-nhan/", {"q": "ly lich tu phap"})
    assert response.status_code == 200
    assert "Cấp Phiếu lý lịch tư pháp" in response.content.decode()
    assert url(world) in response.content.decode()


def test_form_shows_the_checklist_and_the_due_date_before_confirming(world: World) -> None:
    # Monday 2 March 2026 09:00 + 5 working days: Monday 9 March 09:00
    with time_machine.travel(at("2026-03-02 09:00"), tick=False):
        response = signed_in(world.officer.user).get(url(world))
    page = response.content.decode()
    assert response.status_code == 200
    assert "09:00, Thứ 2 09/03/2026" in page
    assert 'name="has_TP1"' in page and 'name="scan_TP2"' in page


def test_receive_with_a_scan_and_a_paper_copy(world: World) -> None:
    scan = SimpleUploadedFile("to-khai.pdf", SMALL_PDF, "application/pdf")
    with time_machine.travel(at("2026-03-02 09:00"), tick=False):
        response = signed_in(world.officer.user).post(url(world), reception_data(world, scan_TP1=scan))
    dossier = Dossier.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/can-bo/ho-so/{dossier.code}/?in=01#bieu-mau"
    assert dossier.status == Status.RECEIVED
    assert dossier.channel == "counter"
    assert dossier.due_at == at("2026-03-09 09:00")
    docs = {d.component_code: d for d in Document.objects.filter(dossier=dossier)}
    assert docs["TP1"].original_name == "to-khai.pdf" and docs["TP1"].copy_kind == "original"
    assert docs["TP2"].file.name == "" and docs["TP2"].copy_kind == "certified_copy"


def test_missing_required_component_refuses_reception_and_keeps_nothing(world: World) -> None:
    data = reception_data(world)
    del data["has_TP2"]
    response = signed_in(world.officer.user).post(url(world), data)
    assert response.status_code == 400
    assert "Còn thiếu thành phần bắt buộc" in response.content.decode()
    assert Dossier.objects.count() == 0


def test_a_scan_that_is_not_a_pdf_or_image_is_refused_and_nothing_is_stored(world: World) -> None:
    bad = SimpleUploadedFile("virus.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")
    response = signed_in(world.officer.user).post(url(world), reception_data(world, scan_TP1=bad))
    assert response.status_code == 400
    page = response.content.decode()
    assert "Chỉ nhận tệp PDF, PNG hoặc JPEG." in page
    assert 'id="id_scan_TP1_error"' in page and 'aria-describedby="id_scan_TP1_error"' in page
    assert "Nội dung tệp không phải PDF, PNG hoặc JPEG." in page
    assert Dossier.objects.count() == 0
    assert Upload.objects.count() == 0


def test_invalid_id_number_is_shown_on_its_field(world: World) -> None:
    response = signed_in(world.officer.user).post(url(world), reception_data(world, id_number="12345"))
    page = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_id_number_error"' in page
    assert "Số định danh cá nhân phải gồm đúng 12 chữ số." in page
    assert 'aria-invalid="true"' in page
    assert Dossier.objects.count() == 0


def test_request_supplement_at_the_counter(world: World) -> None:
    data = reception_data(world, decision="request_supplement", reason="Thiếu bản sao giấy khai sinh")
    del data["has_TP2"]
    response = signed_in(world.officer.user).post(url(world), data)
    dossier = Dossier.objects.get()
    assert response.status_code == 302 and "?in=02" in response["Location"]
    assert dossier.status == Status.AWAITING_SUPPLEMENT
    assert dossier.supplement_count == 1


def test_refuse_at_the_counter_needs_a_reason(world: World) -> None:
    client = signed_in(world.officer.user)
    response = client.post(url(world), reception_data(world, decision="reject"))
    assert response.status_code == 400
    assert Dossier.objects.count() == 0
    response = client.post(url(world), reception_data(world, decision="reject", reason="Không thuộc thẩm quyền"))
    assert response.status_code == 302
    assert Dossier.objects.get().status == Status.REJECTED


def test_previous_applicant_is_found_by_id_number(world: World) -> None:
    submit_counter(world, "2026-03-02 09:00")  # Nguyễn Văn An, 052090001234
    response = signed_in(world.officer.user).post(
        url(world), {"lookup": "1", "id_number": "052090001234", "agency": world.department.code}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert 'value="Nguyễn Văn An"' in page
    assert Dossier.objects.count() == 1  # looking up creates nothing


def test_officer_of_another_agency_cannot_see_the_applicant(world: World) -> None:
    submit_counter(world, "2026-03-02 09:00")
    response = signed_in(world.other_officer.user).post(
        url(world), {"lookup": "1", "id_number": "052090001234", "agency": world.department.code}
    )
    assert 'value="Nguyễn Văn An"' not in response.content.decode()


@pytest.mark.parametrize("who", ["specialist", "leader", "citizen", "monitor"])
def test_only_one_stop_officers_receive(world: World, who: str) -> None:
    user = world.users()[who]
    response = signed_in(user).post(url(world), reception_data(world))
    assert response.status_code == 403
    assert Dossier.objects.count() == 0


def test_online_dossiers_waiting_show_their_reception_clock(world: World) -> None:
    from tests.backoffice.conftest import submit_online

    dossier = submit_online(world, "2026-03-02 09:00")  # due for reception 8 working hours later
    with time_machine.travel(at("2026-03-02 14:30"), tick=False):
        response = signed_in(world.officer.user).get("/can-bo/tiep-nhan/")
    page = response.content.decode()
    assert dossier.code in page
    assert "còn 4 giờ 30 phút" in page  # 09:00-11:30 and 13:30-14:30 used: 3.5 of the 8 working hours


def test_a_valid_scan_of_a_refused_submission_leaves_no_file(world: World, settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path
    scan = SimpleUploadedFile("to-khai.pdf", SMALL_PDF, "application/pdf")
    response = signed_in(world.officer.user).post(url(world), reception_data(world, id_number="12", scan_TP1=scan))
    assert response.status_code == 400
    assert Upload.objects.count() == 0
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []
