"""The statistics dashboard of the back office (/can-bo/thong-ke/): who may see it, its numbers, drill-downs
and Biểu 06 downloads, for a month with known dossiers."""

from __future__ import annotations

import io
import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook

from motcua.catalog.services import procedure_version_publish
from motcua.dossiers import services
from motcua.dossiers.models import Dossier
from motcua.reports.models import Target
from tests.backoffice.conftest import World, at, submit_counter, submit_online
from tests.dossiers.conftest import applicant
from tests.factories import make_version

pytestmark = pytest.mark.django_db

DASHBOARD = "/can-bo/thong-ke/"
DRILL = "/can-bo/thong-ke/chi-tiet/"
DEPARTMENT = "000.00.02.H21"
OTHER = "000.00.03.H21"
MARCH = {"from": "2026-03-01", "to": "2026-03-31"}


def received(world: World, dossier: Dossier, when: str) -> Dossier:
    return services.dossier_receive(dossier=dossier, actor=world.officer.user, at=at(when))


def decided(world: World, dossier: Dossier, when: str) -> Dossier:
    moment = at(when)
    for actor in (world.officer, world.specialist, world.head):
        services.dossier_forward(dossier=dossier, actor=actor.user, at=moment)
    return services.dossier_approve(dossier=dossier, actor=world.leader.user, outcome="granted", at=moment)


def other_department_dossier(world: World, when: str) -> Dossier:
    version = make_version(name="Cấp giấy phép xây dựng", agencies=[world.other_department], publish=False)
    procedure_version_publish(version=version, at=at("2025-01-01 00:00"))
    data = services.SubmissionData(
        procedure=version.procedure.code,
        agency=world.other_department.code,
        channel="counter",
        applicant=applicant(full_name="Lê Thị Bình"),
    )
    dossier = services.dossier_submit(actor=world.other_officer.user, data=data, at=at(when))
    return services.dossier_receive(dossier=dossier, actor=world.other_officer.user, at=at(when))


@pytest.fixture
def march(world: World) -> dict[str, Dossier]:
    d: dict[str, Dossier] = {}
    # online, received Monday 2 March 09:00 (due 9 March), decided the next day: early
    d["early"] = received(world, submit_online(world, "2026-03-02 08:00"), "2026-03-02 09:00")
    decided(world, d["early"], "2026-03-03 10:00")
    # at the counter 2 March, decided 10 March, after its due instant: late
    d["late"] = received(world, submit_counter(world, "2026-03-02 09:10"), "2026-03-02 09:10")
    decided(world, d["late"], "2026-03-10 10:00")
    # received in February, still open: carried over, overdue at the end of March
    d["carried"] = received(world, submit_counter(world, "2026-02-24 09:00"), "2026-02-24 09:00")
    # received 30 March (due 6 April): in progress within time at the end of March
    d["recent"] = received(world, submit_counter(world, "2026-03-30 09:00"), "2026-03-30 09:00")
    # another department, received 3 March and still open: overdue there, never in the first one's lists
    d["other"] = other_department_dossier(world, "2026-03-03 09:00")
    for name in d:
        d[name].refresh_from_db()
    return d


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def codes_in(html: str) -> set[str]:
    return set(re.findall(r'href="/can-bo/ho-so/([^/"]+)/"', html))


# ---- who may see it --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "agency", "status"),
    [
        ("monitor", "", 200),
        ("monitor", DEPARTMENT, 200),
        ("monitor", OTHER, 200),
        ("leader", "", 200),
        ("leader", DEPARTMENT, 200),
        ("leader", OTHER, 403),
        ("other_leader", OTHER, 200),
        ("other_leader", DEPARTMENT, 403),
        ("officer", "", 403),
        ("specialist", "", 403),
        ("head", "", 403),
        ("citizen", "", 403),
    ],
)
def test_permission_matrix(world: World, who: str, agency: str, status: int) -> None:
    client = client_for(world.users()[who])
    query = {"agency": agency, **MARCH} if agency else {}
    assert client.get(DASHBOARD, query).status_code == status
    if agency:
        assert client.get(DRILL, {**query, "figure": "received"}).status_code == status
        assert client.get("/can-bo/thong-ke/bieu-06.xlsx", query).status_code == status


def test_anonymous_is_sent_to_sign_in(world: World) -> None:
    for url in (DASHBOARD, DRILL, "/can-bo/thong-ke/bieu-06.xlsx", "/can-bo/thong-ke/bieu-06.pdf"):
        response = Client().get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/can-bo/dang-nhap/?next=")


def test_default_agency_is_the_highest_in_scope(world: World) -> None:
    monitor = client_for(world.monitor.user).get(DASHBOARD)
    leader = client_for(world.leader.user).get(DASHBOARD)
    # a monitor who may see every agency starts with the whole province; a leader with their agency
    assert monitor.context["period"].agency is None
    assert monitor.context["form"].fields["agency"].choices[0][0] == "*"
    assert leader.context["period"].agency == world.department
    assert client_for(world.leader.user).get(DASHBOARD, {"agency": "*"}).status_code == 403
    chosen = client_for(world.monitor.user).get(
        DASHBOARD, {"agency": world.committee.code, "kind": "year", "year": "2026"}
    )
    assert chosen.context["period"].agency == world.committee
    # the agency select only offers the agencies in scope
    assert [code for code, _name in leader.context["form"].fields["agency"].choices] == [DEPARTMENT]


def test_menu_shows_statistics_only_to_those_who_may_see_them(world: World) -> None:
    link = 'href="/can-bo/thong-ke/"'
    assert link in client_for(world.leader.user).get("/can-bo/").content.decode()
    assert link not in client_for(world.officer.user).get("/can-bo/").content.decode()


# ---- numbers --------------------------------------------------------------------------------------------


def test_headline_figures_of_a_known_month(world: World, march: dict[str, Dossier]) -> None:
    response = client_for(world.leader.user).get(DASHBOARD, {"agency": DEPARTMENT, **MARCH})
    assert response.status_code == 200
    headline = {item["figure"] + ":" + str(item["label"]): item["value"] for item in response.context["headline"]}
    assert headline == {
        "received:Hồ sơ tiếp nhận": "3",
        "received_online:Tỷ lệ trực tuyến": "33,33 %",
        "resolved:Tỷ lệ đúng hạn": "50 %",
        "in_progress:Đang giải quyết": "2",
        "in_progress_overdue:Quá hạn": "1",
        "resolved:Số ngày giải quyết trung bình": headline["resolved:Số ngày giải quyết trung bình"],
        "rated:Hài lòng (điểm trung bình / 18)": "N/A",
    }
    html = response.content.decode()
    assert "33,33 %" in html
    assert f"{DRILL}?agency={DEPARTMENT}&amp;from=2026-03-01&amp;to=2026-03-31&amp;figure=in_progress_overdue" in html
    # the overdue list: the carried-over dossier only, linked to its page
    assert [d.code for d in response.context["overdue"]] == [march["carried"].code]
    assert codes_in(html) == {march["carried"].code}
    assert "Cấp Phiếu lý lịch tư pháp" in html


def test_monitor_sees_the_province_with_ranking(world: World, march: dict[str, Dossier]) -> None:
    Target.objects.create(year=2026, indicator=Target.Indicator.ON_TIME, value=Decimal("90"))
    response = client_for(world.monitor.user).get(DASHBOARD, {"kind": "month", "year": "2026", "number": "3"})
    assert response.status_code == 200
    period = response.context["period"]
    assert (period.agency, period.start.isoformat(), period.end.isoformat()) == (
        None,
        "2026-03-01",
        "2026-03-31",
    )
    headline = {item["figure"] + str(item["label"]): item["value"] for item in response.context["headline"]}
    assert headline["receivedHồ sơ tiếp nhận"] == "4"
    assert headline["in_progress_overdueQuá hạn"] == "2"
    ranked = [row["agency"] for row in response.context["ranking"]["rows"]]
    assert sorted(a.code for a in ranked) == [DEPARTMENT, OTHER]
    html = response.content.decode()
    assert "Sở Tư pháp" in html and "Sở Xây dựng" in html
    assert "chart-target-line" in html  # the province's on-time target
    # gaps: one on-time target for each ranked department, worst first
    gaps = response.context["gaps"]
    assert len(gaps) == 2
    assert codes_in(html) == {march["carried"].code, march["other"].code}


# ---- drill-down -----------------------------------------------------------------------------------------


def test_drill_down_lists_exactly_the_dossiers_of_the_figure(world: World, march: dict[str, Dossier]) -> None:
    client = client_for(world.leader.user)
    expected = {
        "received": {march["early"].code, march["late"].code, march["recent"].code},
        "received_online": {march["early"].code},
        "resolved": {march["early"].code, march["late"].code},
        "resolved_late": {march["late"].code},
        "in_progress": {march["carried"].code, march["recent"].code},
        "in_progress_overdue": {march["carried"].code},
        "carried_over": {march["carried"].code},
    }
    for figure, codes in expected.items():
        response = client.get(DRILL, {"agency": DEPARTMENT, **MARCH, "figure": figure})
        assert response.status_code == 200, figure
        assert codes_in(response.content.decode()) == codes, figure
        assert march["other"].code not in response.content.decode()
    # each line names its procedure
    assert "Cấp Phiếu lý lịch tư pháp" in response.content.decode()


def test_drill_down_of_the_province_includes_other_departments(world: World, march: dict[str, Dossier]) -> None:
    response = client_for(world.monitor.user).get(
        DRILL, {"agency": "000.00.00.H21", **MARCH, "figure": "in_progress_overdue"}
    )
    assert codes_in(response.content.decode()) == {march["carried"].code, march["other"].code}


def test_unknown_figure_is_a_400_page(world: World) -> None:
    response = client_for(world.leader.user).get(DRILL, {"agency": DEPARTMENT, **MARCH, "figure": "salaries"})
    assert response.status_code == 400
    assert "Không có chỉ tiêu thống kê này." in response.content.decode()


def test_drill_down_pages_by_fifty(world: World) -> None:
    for day in range(2, 7):
        for minute in range(11):
            received(world, submit_counter(world, f"2026-03-0{day} 09:{minute:02d}"), f"2026-03-0{day} 10:00")
    client = client_for(world.leader.user)
    first = client.get(DRILL, {"agency": DEPARTMENT, **MARCH, "figure": "received"})
    second = client.get(DRILL, {"agency": DEPARTMENT, **MARCH, "figure": "received", "page": "2"})
    assert first.context["page"].paginator.count == 55
    assert len(codes_in(first.content.decode())) == 50
    assert len(codes_in(second.content.decode())) == 5


# ---- bad input ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"from": "2026-04-01", "to": "2026-03-01"}, "Ngày kết thúc phải sau hoặc bằng ngày bắt đầu."),
        ({"from": "31/02/2026", "to": "2026-03-01"}, "Ngày không hợp lệ"),
        ({"from": "hôm qua", "to": "mai"}, "Ngày không hợp lệ"),
        ({"kind": "month", "year": "2026", "number": "13"}, "Tháng phải từ 1 đến 12."),
        ({"kind": "quarter", "year": "2026", "number": "5"}, "Quý phải từ 1 đến 4."),
        ({"kind": "year", "year": "abc"}, "Nhập năm bằng số"),
        ({"kind": "year", "year": "99999"}, "Năm phải từ 2000 đến 2100."),
    ],
)
def test_bad_period_is_a_readable_400(world: World, query: dict[str, str], message: str) -> None:
    client = client_for(world.leader.user)
    for url in (DASHBOARD, "/can-bo/thong-ke/bieu-06.xlsx"):
        response = client.get(url, query)
        assert response.status_code == 400
        assert message in response.content.decode()
    drill = client.get(DRILL, {**query, "figure": "received"})
    assert drill.status_code == 400
    assert message in drill.content.decode()


# ---- downloads ------------------------------------------------------------------------------------------


def test_form06_xlsx_has_the_total_row(world: World, march: dict[str, Dossier]) -> None:
    response = client_for(world.leader.user).get("/can-bo/thong-ke/bieu-06.xlsx", {"agency": DEPARTMENT, **MARCH})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"] == (
        f'attachment; filename="bieu-06-{DEPARTMENT}-2026-03-01-2026-03-31.xlsx"'
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    total = next(row for row in rows if "Tổng cộng" in row)
    # received total 4 (1 online, 2 counter, 1 carried over), resolved 2 (1 early, 1 late), in progress 2
    assert total[2:13] == [4, 1, 2, 1, 2, 1, 0, 1, 2, 1, 1]


def test_a_field_narrows_every_figure(world: World, march: dict[str, Dossier]) -> None:
    from tests.factories import FieldFactory

    other = FieldFactory(code="LV-KHAC", name="Lĩnh vực khác")
    client = client_for(world.leader.user)
    same = client.get(DASHBOARD, {"agency": DEPARTMENT, "field": world.version.field.code, **MARCH})
    everything = client.get(DASHBOARD, {"agency": DEPARTMENT, **MARCH})
    elsewhere = client.get(DASHBOARD, {"agency": DEPARTMENT, "field": other.code, **MARCH})
    assert same.status_code == everything.status_code == elsewhere.status_code == 200
    assert [i["value"] for i in same.context["headline"]] == [i["value"] for i in everything.context["headline"]]
    received = {item["figure"]: item["value"] for item in elsewhere.context["headline"]}["received"]
    assert received == "0"
    assert f"field={other.code}" in elsewhere.context["headline"][0]["url"]
    assert client.get(DASHBOARD, {"agency": DEPARTMENT, "field": "khong-co", **MARCH}).status_code == 400
