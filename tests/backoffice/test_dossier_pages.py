"""The dossier page and its actions, the inbox, unit queue, batch approval, return and downloads."""

from __future__ import annotations

from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from motcua.core.audit import AuditEvent
from motcua.dossiers import services
from motcua.dossiers.models import Dossier, Status
from motcua.org.models import Role
from tests.backoffice.conftest import World, at, submit_counter, submit_online
from tests.factories import SMALL_PDF, make_staff

pytestmark = pytest.mark.django_db


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def reload(dossier: Dossier) -> Dossier:
    return Dossier.objects.get(pk=dossier.pk)


def received(world: World, when: str = "2026-03-02 09:00") -> Dossier:
    dossier = submit_counter(world, when)
    return services.dossier_receive(dossier=dossier, actor=world.officer.user, at=at(when))


def at_leader(world: World) -> Dossier:
    dossier = received(world)
    services.dossier_forward(dossier=dossier, actor=world.officer.user, at=at("2026-03-02 09:10"))
    services.dossier_forward(dossier=dossier, actor=world.specialist.user, at=at("2026-03-03 10:00"))
    services.dossier_forward(dossier=dossier, actor=world.head.user, at=at("2026-03-03 15:00"))
    return reload(dossier)


def page(client: Client, dossier: Dossier) -> str:
    response = client.get(f"/can-bo/ho-so/{dossier.code}/")
    assert response.status_code == 200
    return response.content.decode()


def post_action(client: Client, dossier: Dossier, action: str, data: dict[str, Any] | None = None) -> Any:
    payload = {"revision": str(reload(dossier).revision)}
    payload.update({f"{action}-{key}": value for key, value in (data or {}).items()})
    return client.post(f"/can-bo/ho-so/{dossier.code}/thao-tac/{action}/", payload)


def test_the_page_shows_applicant_documents_fees_step_timeline_and_only_possible_actions(world: World) -> None:
    dossier = received(world)
    html = page(signed_in(world.officer.user), dossier)
    assert "Nguyễn Văn An" in html
    assert "Phí cấp phiếu" in html and "200.000 đ" in html
    assert "Tiếp nhận hồ sơ" in html  # the current (one-stop) step
    assert "09/03/2026 09:00" in html  # the appointment
    assert f"/can-bo/ho-so/{dossier.code}/thao-tac/forward/" in html
    assert "/thao-tac/approve/" not in html  # not this officer's to decide
    assert f"/can-bo/ho-so/{dossier.code}/mau/01/" in html
    assert f"/can-bo/ho-so/{dossier.code}/mau/05/" in html
    assert f"/can-bo/ho-so/{dossier.code}/mau/03/" not in html
    assert html.count("<li><time") == 2  # submitted, received


def test_forward_through_the_process_and_approve_from_the_pages(world: World) -> None:
    dossier = received(world)
    response = post_action(signed_in(world.officer.user), dossier, "forward", {"comment": ""})
    assert response.status_code == 302
    assert reload(dossier).current_step.assignee == world.specialist  # type: ignore[union-attr]
    specialist = signed_in(world.specialist.user)
    assert "/thao-tac/forward/" in page(specialist, dossier)
    assert post_action(specialist, dossier, "forward", {"comment": "Đủ điều kiện"}).status_code == 302
    assert post_action(signed_in(world.head.user), dossier, "forward").status_code == 302
    leader = signed_in(world.leader.user)
    html = page(leader, dossier)
    assert "/thao-tac/approve/" in html and "/thao-tac/forward/" not in html  # the last step
    assert post_action(leader, dossier, "approve", {"outcome": "granted", "comment": ""}).status_code == 302
    assert reload(dossier).status == Status.PROCESSED


def test_a_stale_page_gets_a_conflict_and_changes_nothing(world: World) -> None:
    dossier = received(world)
    client = signed_in(world.officer.user)
    response = client.post(f"/can-bo/ho-so/{dossier.code}/thao-tac/forward/", {"revision": str(dossier.revision - 1)})
    assert response.status_code == 409
    assert "Hồ sơ vừa được người khác cập nhật" in response.content.decode()
    assert reload(dossier).status == Status.RECEIVED


def test_an_action_the_user_may_not_take_is_refused_and_changes_nothing(world: World) -> None:
    dossier = at_leader(world)
    before = AuditEvent.objects.count()
    response = post_action(signed_in(world.specialist.user), dossier, "approve", {"outcome": "granted"})
    assert response.status_code == 403
    assert "Bạn không có quyền" in response.content.decode()
    assert reload(dossier).status == Status.PROCESSING
    assert AuditEvent.objects.count() == before


def test_an_action_not_allowed_in_the_status_is_a_conflict(world: World) -> None:
    dossier = received(world)
    response = post_action(signed_in(world.officer.user), dossier, "return_result")
    assert response.status_code == 409
    assert reload(dossier).status == Status.RECEIVED


def test_missing_fields_are_shown_on_the_action_form(world: World) -> None:
    dossier = at_leader(world)
    response = post_action(signed_in(world.leader.user), dossier, "approve", {"outcome": "refused", "comment": ""})
    html = response.content.decode()
    assert response.status_code == 400
    assert "Nêu lý do từ chối." in html
    assert 'id="id_approve-comment_error"' in html
    assert reload(dossier).status == Status.PROCESSING


def test_extend_with_a_new_appointment_then_form_04(world: World) -> None:
    dossier = at_leader(world)
    with time_machine.travel(at("2026-03-05 10:00"), tick=False):
        response = post_action(
            signed_in(world.leader.user),
            dossier,
            "extend",
            {"new_due_at": "2026-03-12T09:00", "reason": "Cần xác minh thêm"},
        )
    assert response.status_code == 302 and response["Location"].endswith("?in=04#bieu-mau")
    dossier = reload(dossier)
    assert dossier.due_at == at("2026-03-12 09:00")
    assert dossier.extension_reason == "Cần xác minh thêm"


def test_supplement_request_then_paper_supplement_at_the_counter(world: World) -> None:
    dossier = received(world)
    officer = signed_in(world.officer.user)
    response = post_action(officer, dossier, "request_supplement", {"reason": "Thiếu tờ khai", "components": ["TP1"]})
    assert response.status_code == 302
    assert reload(dossier).status == Status.AWAITING_SUPPLEMENT
    response = post_action(officer, dossier, "supplement", {"component": "TP1", "copy_kind": "original"})
    assert response.status_code == 302
    dossier = reload(dossier)
    assert dossier.status == Status.RECEIVED
    assert dossier.documents.filter(component_code="TP1", supplement_round=1, file="").count() == 1


def test_return_at_the_counter_records_the_hand_over(world: World) -> None:
    dossier = at_leader(world)
    services.dossier_approve(dossier=dossier, actor=world.leader.user, outcome="granted", at=at("2026-03-04 09:00"))
    officer = signed_in(world.officer.user)
    assert dossier.code in officer.get("/can-bo/tra-ket-qua/").content.decode()
    response = post_action(
        officer,
        dossier,
        "return_result",
        {"recipient_name": "Nguyễn Văn Bình", "recipient_id_number": "052090009999", "note": "Nhận thay"},
    )
    assert response.status_code == 302 and response["Location"].endswith("?in=handover#bieu-mau")
    assert reload(dossier).status == Status.RETURNED
    event = AuditEvent.objects.filter(action="return_result").get()
    assert event.data["recipient_name"] == "Nguyễn Văn Bình"
    assert event.data["recipient_id_number"] == "052090009999"
    assert event.comment == "Nhận thay"


def test_inbox_tabs_count_and_sort_by_due_instant(world: World) -> None:
    first = received(world, "2026-03-02 09:00")
    second = received(world, "2026-03-03 09:00")
    services.dossier_forward(dossier=second, actor=world.officer.user, at=at("2026-03-03 10:30"))
    services.dossier_forward(dossier=first, actor=world.officer.user, at=at("2026-03-03 10:00"))
    client = signed_in(world.specialist.user)
    with time_machine.travel(at("2026-03-03 11:00"), tick=False):
        html = client.get("/can-bo/").content.decode()
        descending = client.get("/can-bo/?tab=to_do&order=desc").content.decode()
    assert 'Việc cần làm <span class="count-pill">2</span>' in html
    assert html.index(first.code) < html.index(second.code)
    assert descending.index(second.code) < descending.index(first.code)


def test_inbox_shows_fifty_to_a_page(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from motcua.backoffice import views

    monkeypatch.setattr(views, "INBOX_PAGE_SIZE", 2)
    dossiers = [received(world, f"2026-03-0{day} 09:00") for day in (2, 3, 4)]
    for dossier in dossiers:
        services.dossier_forward(dossier=dossier, actor=world.officer.user, at=at("2026-03-04 10:00"))
    client = signed_in(world.specialist.user)
    with time_machine.travel(at("2026-03-04 11:00"), tick=False):
        first = client.get("/can-bo/").content.decode()
        second = client.get("/can-bo/?tab=to_do&order=asc&page=2").content.decode()
    assert 'Việc cần làm <span class="count-pill">3</span>' in first  # the count is of every row
    assert [d.code in first for d in dossiers] == [True, True, False]
    assert [d.code in second for d in dossiers] == [False, False, True]
    assert "page=2" in first and "1 / 2" in first


def test_unit_head_reassigns_from_the_unit_queue(world: World) -> None:
    other = make_staff(Role.SPECIALIST, agency=world.department, username="chuyenvien2")
    other.unit = world.division
    other.save()
    dossier = received(world)
    services.dossier_forward(dossier=dossier, actor=world.officer.user, assignee=world.specialist)
    head = signed_in(world.head.user)
    assert dossier.code in head.get("/can-bo/phan-cong/").content.decode()
    response = head.post(
        "/can-bo/phan-cong/", {"code": dossier.code, "revision": reload(dossier).revision, "assignee": other.pk}
    )
    assert response.status_code == 302
    assert reload(dossier).current_step.assignee == other  # type: ignore[union-attr]
    assert signed_in(world.specialist.user).get("/can-bo/phan-cong/").status_code == 403


def test_leader_approves_a_batch(world: World) -> None:
    first, second = at_leader(world), at_leader(world)
    leader = signed_in(world.leader.user)
    html = leader.get("/can-bo/phe-duyet/").content.decode()
    assert first.code in html and second.code in html
    response = leader.post("/can-bo/phe-duyet/", {"codes": [first.code, second.code], "comment": "Đồng ý"})
    assert response.status_code == 302
    assert {reload(first).status, reload(second).status} == {Status.PROCESSED}
    assert reload(first).outcome == "granted"
    assert signed_in(world.other_leader.user).post("/can-bo/phe-duyet/", {"codes": [first.code]}).status_code == 400


def test_documents_are_served_only_to_who_may_see_the_dossier(world: World) -> None:
    dossier = submit_online(world, "2026-03-02 09:00")
    doc = dossier.documents.first()
    assert doc is not None
    path = f"/can-bo/ho-so/{dossier.code}/giay-to/{doc.pk}/"
    response = signed_in(world.officer.user).get(path)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == SMALL_PDF  # type: ignore[attr-defined]
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert signed_in(world.other_officer.user).get(path).status_code == 404
    assert signed_in(world.citizen).get(path).status_code == 403
    assert Client().get(path).status_code == 302


def test_official_form_pdf_from_the_dossier_page(world: World) -> None:
    dossier = received(world)
    response = signed_in(world.officer.user).get(f"/can-bo/ho-so/{dossier.code}/mau/01/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert signed_in(world.officer.user).get(f"/can-bo/ho-so/{dossier.code}/mau/03/").status_code == 404
    assert signed_in(world.other_officer.user).get(f"/can-bo/ho-so/{dossier.code}/mau/01/").status_code == 404


def test_tracking_book_downloads_as_pdf_and_xlsx(world: World) -> None:
    dossier = received(world)
    client = signed_in(world.officer.user)
    query = {"agency": world.centre.code, "start": "2026-03-01", "end": "2026-03-31"}
    pdf = client.get("/can-bo/so-theo-doi/", {**query, "format": "pdf"})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    xlsx = client.get("/can-bo/so-theo-doi/", {**query, "format": "xlsx"})
    assert xlsx.status_code == 200 and xlsx.content.startswith(b"PK")
    refused = client.get("/can-bo/so-theo-doi/", {**query, "agency": world.other_department.code, "format": "pdf"})
    assert refused.status_code == 400  # not an agency in the officer's scope
    assert dossier.code


def test_scan_upload_for_supplement_is_checked(world: World) -> None:
    dossier = received(world)
    officer = signed_in(world.officer.user)
    post_action(officer, dossier, "request_supplement", {"reason": "Thiếu tờ khai", "components": ["TP1"]})
    bad = SimpleUploadedFile("a.pdf", b"not a pdf at all", "application/pdf")
    response = post_action(officer, dossier, "supplement", {"component": "TP1", "copy_kind": "original", "scan": bad})
    assert response.status_code == 422
    assert reload(dossier).status == Status.AWAITING_SUPPLEMENT


def test_deadline_alerts_are_listed_counted_and_marked_read(world: World) -> None:
    from motcua.dossiers import deadlines
    from motcua.dossiers.models import DeadlineAlert

    dossier = received(world)
    services.dossier_forward(dossier=dossier, actor=world.officer.user, at=at("2026-03-02 09:10"))
    # the specialist's step is due Thursday 5 March 15:10; four working hours before is 10:40
    deadlines.sweep_deadlines(now=at("2026-03-05 11:00"))
    alert = DeadlineAlert.objects.get(recipient=world.specialist)
    specialist = signed_in(world.specialist.user)
    html = specialist.get("/can-bo/canh-bao/").content.decode()
    assert "Sắp đến hạn" in html and dossier.code in html
    assert '<span class="count-pill alert-pill">1</span>' in specialist.get("/can-bo/").content.decode()
    # someone else cannot mark it read
    signed_in(world.head.user).post("/can-bo/canh-bao/", {"alert": [alert.pk]})
    alert.refresh_from_db()
    assert alert.read_at is None
    assert specialist.post("/can-bo/canh-bao/", {"alert": [alert.pk]}).status_code == 302
    alert.refresh_from_db()
    assert alert.read_at is not None
    assert "alert-pill" not in specialist.get("/can-bo/").content.decode()


@pytest.mark.parametrize("path", ["/can-bo/", "/can-bo/ho-so/", "/can-bo/tiep-nhan/", "/can-bo/phan-cong/"])
def test_list_pages_do_not_query_per_dossier(world: World, path: str) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = signed_in(world.head.user if path == "/can-bo/phan-cong/" else world.officer.user)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path).status_code == 200
        return len(captured)

    def add(count: int) -> None:
        for _ in range(count):
            dossier = received(world)
            services.dossier_forward(dossier=dossier, actor=world.officer.user, at=at("2026-03-02 09:10"))
            submit_online(world, "2026-03-02 09:20")

    add(1)
    few = queries()
    add(4)
    assert queries() == few


def test_receive_and_reject_online_dossiers_from_the_page(world: World) -> None:
    first = submit_online(world, "2026-03-02 09:00")
    second = submit_online(world, "2026-03-02 09:05")
    officer = signed_in(world.officer.user)
    response = post_action(officer, first, "receive")
    assert response.status_code == 302 and response["Location"].endswith("?in=01#bieu-mau")
    assert reload(first).status == Status.RECEIVED
    response = post_action(officer, second, "reject", {"reason": "Không thuộc thẩm quyền"})
    assert response.status_code == 302 and response["Location"].endswith("?in=03#bieu-mau")
    assert (reload(second).status, reload(second).outcome_reason) == (Status.REJECTED, "Không thuộc thẩm quyền")


def test_send_back_and_assign_from_the_page(world: World) -> None:
    dossier = received(world)
    services.dossier_forward(dossier=dossier, actor=world.officer.user, at=at("2026-03-02 09:10"))
    services.dossier_forward(dossier=dossier, actor=world.specialist.user, at=at("2026-03-02 10:00"))
    head = signed_in(world.head.user)
    assert post_action(head, dossier, "send_back", {"comment": "Bổ sung ý kiến thẩm định"}).status_code == 302
    assert reload(dossier).current_step.assignee == world.specialist  # type: ignore[union-attr]
    other = make_staff(Role.SPECIALIST, agency=world.department, username="chuyenvien3")
    other.unit = world.division
    other.save()
    assert post_action(head, dossier, "assign", {"assignee": other.pk}).status_code == 302
    assert reload(dossier).current_step.assignee == other  # type: ignore[union-attr]


def test_financial_obligation_then_payment_confirmed(world: World) -> None:
    dossier = received(world)
    officer = signed_in(world.officer.user)
    assert post_action(officer, dossier, "request_payment", {"amount": "150000", "reason": "Lệ phí"}).status_code == 302
    assert reload(dossier).status == Status.AWAITING_PAYMENT
    assert post_action(officer, dossier, "confirm_payment").status_code == 302
    assert reload(dossier).status == Status.RECEIVED
    assert post_action(officer, dossier, "request_payment", {"amount": "-5", "reason": "x"}).status_code == 400


def test_stop_by_the_leader_and_withdraw_at_the_counter(world: World) -> None:
    stopped, withdrawn = received(world), received(world)
    assert post_action(signed_in(world.leader.user), stopped, "stop", {"reason": "Hết thẩm quyền"}).status_code == 302
    assert reload(stopped).status == Status.STOPPED
    officer = signed_in(world.officer.user)
    assert post_action(officer, withdrawn, "withdraw", {"reason": "Đơn xin rút"}).status_code == 302
    assert reload(withdrawn).status == Status.WITHDRAWN
    assert post_action(officer, withdrawn, "withdraw", {"reason": ""}).status_code in {400, 409}


def test_a_revision_that_is_not_a_plain_number_is_ignored_not_a_server_error(world: World) -> None:
    dossier = received(world)
    response = signed_in(world.officer.user).post(
        f"/can-bo/ho-so/{dossier.code}/thao-tac/forward/", {"revision": "²", "forward-comment": ""}
    )
    assert response.status_code == 302
    alerts = signed_in(world.officer.user).post("/can-bo/canh-bao/", {"alert": ["²", "x"]})
    assert alerts.status_code == 302


def test_the_inbox_reads_a_fixed_number_of_queries(world: World) -> None:
    """Rows are read with what the page shows: more dossiers, not more queries (no row reads a field late)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        client = signed_in(world.specialist.user)
        with CaptureQueriesContext(connection) as captured, time_machine.travel(at("2026-03-09 11:00"), tick=False):
            for tab in ("to_do", "overdue", "paused", "due_today"):
                assert client.get(f"/can-bo/?tab={tab}").status_code == 200
        return len(captured)

    for day in (2, 3):
        dossier = received(world, f"2026-03-0{day} 09:00")
        services.dossier_forward(dossier=dossier, actor=world.officer.user, at=at("2026-03-04 10:00"))
    few = queries()
    for day in (4, 5, 6):
        dossier = received(world, f"2026-03-0{day} 09:00")
        services.dossier_forward(dossier=dossier, actor=world.officer.user, at=at("2026-03-06 10:00"))
    assert queries() == few


def test_the_dossier_list_reads_a_fixed_number_of_queries(world: World) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        client = signed_in(world.officer.user)
        with CaptureQueriesContext(connection) as captured:
            page = client.get("/can-bo/ho-so/")
        assert page.status_code == 200
        return len(captured)

    received(world, "2026-03-02 09:00")
    few = queries()
    for day in (3, 4, 5):
        received(world, f"2026-03-0{day} 09:00")
    html = signed_in(world.officer.user).get("/can-bo/ho-so/").content.decode()
    assert "Nguyễn Văn An" in html and "4 hồ sơ" in html
    assert queries() == few
