"""Province calendars (motcua.core.calendars): overrides apply at once; their admin pages."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test.utils import CaptureQueriesContext

from motcua.core.calendars import CalendarDay, OfficeHours, calendar_for, province_choices, province_codes
from motcua.core.errors import NotFound
from motcua.core.workingtime import VN_TZ
from motcua.org.models import Role
from tests.factories import UserFactory, make_staff

pytestmark = pytest.mark.django_db

PROVINCE = "52"  # settings.MOTCUA_PROVINCE_CODE by default (Gia Lai)


def vn(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=VN_TZ)


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def day_off(date: str, province: str = PROVINCE, reason: str = "Nghỉ theo quyết định của tỉnh") -> CalendarDay:
    return CalendarDay.objects.create(
        province_code=province, date=d(date), kind=CalendarDay.Kind.DAY_OFF, reason=reason
    )


def working_day(date: str, province: str = PROVINCE, reason: str = "Làm việc bù") -> CalendarDay:
    return CalendarDay.objects.create(
        province_code=province, date=d(date), kind=CalendarDay.Kind.WORKING_DAY, reason=reason
    )


def test_without_overrides_the_national_calendar():
    calendar = calendar_for()
    assert calendar_for(PROVINCE) is calendar
    assert not calendar.is_working_day(d("2025-05-02"))
    assert calendar.is_working_day(d("2025-04-26"))
    assert calendar.add(vn("2026-03-02 09:00"), 5, "working_days") == vn("2026-03-09 09:00")


def test_a_day_off_applies_at_once_and_goes_away_with_its_row():
    calendar_for()  # cached before the change
    row = day_off("2026-03-04")
    calendar = calendar_for()
    assert not calendar.is_working_day(d("2026-03-04"))
    assert calendar.add(vn("2026-03-03 09:00"), 1, "working_days") == vn("2026-03-05 09:00")
    assert [(x.date, x.reason, x.working) for x in calendar.non_working_days(2026) if x.date.month == 3] == [
        (d("2026-03-04"), "Nghỉ theo quyết định của tỉnh", False)
    ]
    row.delete()
    assert calendar_for().add(vn("2026-03-03 09:00"), 1, "working_days") == vn("2026-03-04 09:00")


def test_a_working_day_applies_at_once():
    calendar_for()
    working_day("2026-03-07")  # a Saturday
    calendar = calendar_for()
    assert calendar.is_working_day(d("2026-03-07"))
    assert calendar.add(vn("2026-03-06 09:00"), 1, "working_days") == vn("2026-03-07 09:00")


def test_an_override_wins_over_the_national_calendar():
    working_day("2026-09-02", reason="Trực Quốc khánh")  # a public holiday made a working day
    day_off("2026-08-22", reason="Bỏ làm bù")  # the swapped Saturday made a day off again
    calendar = calendar_for()
    assert calendar.is_working_day(d("2026-09-02"))
    assert not calendar.is_working_day(d("2026-08-22"))
    days = {x.date: x for x in calendar.non_working_days(2026)}
    assert (days[d("2026-09-02")].reason, days[d("2026-09-02")].working) == ("Trực Quốc khánh", True)
    assert (days[d("2026-08-22")].reason, days[d("2026-08-22")].working) == ("Bỏ làm bù", False)


def test_changed_reason_and_kind_apply_at_once():
    row = day_off("2026-03-04")
    assert not calendar_for().is_working_day(d("2026-03-04"))
    row.kind = CalendarDay.Kind.WORKING_DAY
    row.save()
    assert calendar_for().is_working_day(d("2026-03-04"))


def test_office_hours_of_a_year_apply_at_once_and_when_changed():
    calendar_for()
    hours = OfficeHours.objects.create(
        province_code=PROVINCE, year=2026, periods=[["07:30", "11:30"], ["13:00", "17:00"]], weekdays=[1, 2, 3, 4, 5]
    )
    calendar = calendar_for()
    assert calendar.effective_start(vn("2026-03-02 07:00")) == vn("2026-03-02 07:30")
    assert calendar.add(vn("2026-03-02 11:00"), 1, "working_hours") == vn("2026-03-02 13:30")
    assert calendar.effective_start(vn("2025-03-03 07:00")) == vn("2025-03-03 07:00")  # 2025 keeps the default
    hours.weekdays = [1, 2, 3, 4, 5, 6]
    hours.save()
    assert calendar_for().is_working_day(d("2026-03-07"))
    hours.delete()
    assert calendar_for().effective_start(vn("2026-03-02 07:00")) == vn("2026-03-02 07:00")


def test_overrides_of_another_province_do_not_apply():
    day_off("2026-03-04", province="01")
    assert calendar_for().is_working_day(d("2026-03-04"))
    assert not calendar_for("01").is_working_day(d("2026-03-04"))


def test_one_query_per_call_and_no_rebuild_without_change(django_assert_num_queries):
    day_off("2026-03-04")
    first = calendar_for()
    with django_assert_num_queries(1):
        assert calendar_for() is first
    with CaptureQueriesContext(transaction.get_connection()) as queries:
        working_day("2026-03-07")
        assert calendar_for() is not first
    assert len(queries) == 1 + 1 + 2  # insert, version, then the two tables read


def test_unknown_province():
    assert "52" in province_codes()
    assert len(province_codes()) == 34
    assert ("52", "52 – Gia Lai") in province_choices()
    with pytest.raises(NotFound):
        calendar_for("99")


def test_invalid_office_hours_stored_anyway_are_ignored(caplog):
    OfficeHours.objects.create(province_code=PROVINCE, year=2026, periods=[["17:00", "07:00"]], weekdays=[1])
    with caplog.at_level(logging.ERROR, logger="motcua.core.calendars"):
        calendar = calendar_for()
    assert calendar.effective_start(vn("2026-03-02 06:00")) == vn("2026-03-02 07:00")
    assert "invalid office hours ignored" in caplog.text


# --- validation ---------------------------------------------------------------------------------------------


def test_calendar_day_validation():
    CalendarDay(province_code=PROVINCE, date=d("2026-03-04"), kind="day_off", reason="Lý do").full_clean()
    with pytest.raises(ValidationError) as excinfo:
        CalendarDay(province_code="99", date=d("2100-01-01"), kind="holiday", reason="").full_clean()
    assert set(excinfo.value.message_dict) == {"province_code", "date", "kind", "reason"}
    assert excinfo.value.message_dict["province_code"] == ["Không có tỉnh, thành phố nào mang mã 99."]


def test_one_row_per_province_and_date():
    day_off("2026-03-04")
    with pytest.raises(IntegrityError), transaction.atomic():
        working_day("2026-03-04")
    day_off("2026-03-04", province="01")


def test_kind_is_checked_by_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        CalendarDay.objects.create(province_code=PROVINCE, date=d("2026-03-04"), kind="holiday", reason="x")


def test_office_hours_validation():
    OfficeHours(province_code=PROVINCE, year=2026).full_clean()  # the defaults are valid
    assert OfficeHours(province_code=PROVINCE, year=2026).schedule().daily == dt.timedelta(hours=8)
    cases = [
        ({"periods": [["11:30", "07:00"]]}, "periods"),
        ({"periods": [["07:00", "11:30"], ["11:00", "17:00"]]}, "periods"),
        ({"periods": "07:00-11:30"}, "periods"),
        ({"periods": [["7h", "11h"]]}, "periods"),
        ({"weekdays": []}, "weekdays"),
        ({"weekdays": [0, 1]}, "weekdays"),
        ({"weekdays": [1, 1]}, "weekdays"),
        ({"weekdays": ["1"]}, "weekdays"),
        ({"year": 1999}, "year"),
    ]
    for values, field in cases:
        with pytest.raises(ValidationError) as excinfo:
            OfficeHours(province_code=PROVINCE, **{"year": 2026, **values}).full_clean()
        assert field in excinfo.value.message_dict, values
    with pytest.raises(ValidationError) as excinfo:
        OfficeHours(province_code=PROVINCE, year=2026, weekdays=[]).full_clean()
    assert (
        "Chọn ít nhất một ngày; mỗi ngày là một số từ 1 (thứ Hai) đến 7 (Chủ nhật), không trùng nhau."
        in excinfo.value.message_dict["weekdays"]
    )


# --- admin --------------------------------------------------------------------------------------------------


@pytest.fixture
def superuser_client(client):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    return client


PAGES = [
    ("/quan-tri/core/calendarday/", "Nghỉ theo quyết định của tỉnh"),
    ("/quan-tri/core/calendarday/add/", "52 – Gia Lai"),
    ("/quan-tri/core/officehours/", "Thứ Hai, Thứ Ba, Thứ Tư, Thứ Năm, Thứ Sáu"),
    ("/quan-tri/core/officehours/add/", "Chủ nhật"),
    ("/quan-tri/core/", "Lịch làm việc: giờ làm việc theo năm"),
]


@pytest.mark.parametrize(("url", "text"), PAGES)
def test_admin_pages_load(superuser_client, url, text):
    day_off("2026-03-04")
    OfficeHours.objects.create(province_code=PROVINCE, year=2026)
    response = superuser_client.get(url)
    assert response.status_code == 200
    assert text in response.content.decode()


def test_admin_change_pages_load(superuser_client):
    row = day_off("2026-03-04")
    hours = OfficeHours.objects.create(province_code=PROVINCE, year=2026)
    page = superuser_client.get(f"/quan-tri/core/calendarday/{row.pk}/change/")
    assert page.status_code == 200
    page = superuser_client.get(f"/quan-tri/core/officehours/{hours.pk}/change/")
    assert page.status_code == 200
    assert 'value="07:00-11:30, 13:30-17:00"' in page.content.decode()


def test_admin_adds_office_hours_that_apply_at_once(superuser_client):
    calendar_for()
    response = superuser_client.post(
        "/quan-tri/core/officehours/add/",
        {
            "province_code": PROVINCE,
            "year": "2026",
            "periods": "7:30-11:30, 13:00 – 17:00",
            "weekdays": ["1", "2", "6"],
        },
    )
    assert response.status_code == 302, response.content.decode()
    hours = OfficeHours.objects.get()
    assert (hours.periods, hours.weekdays) == ([["07:30", "11:30"], ["13:00", "17:00"]], [1, 2, 6])
    calendar = calendar_for()
    assert calendar.is_working_day(d("2026-03-07"))  # Saturday
    assert not calendar.is_working_day(d("2026-03-04"))  # Wednesday
    assert calendar.effective_start(vn("2026-03-02 07:00")) == vn("2026-03-02 07:30")


def test_admin_refuses_bad_office_hours(superuser_client):
    response = superuser_client.post(
        "/quan-tri/core/officehours/add/",
        {"province_code": PROVINCE, "year": "2026", "periods": "13:30-17:00, 07:00-11:30", "weekdays": ["1"]},
    )
    assert response.status_code == 200
    assert "không chồng lên nhau" in response.content.decode()
    response = superuser_client.post(
        "/quan-tri/core/officehours/add/",
        {"province_code": PROVINCE, "year": "2026", "periods": "sáng", "weekdays": ["1"]},
    )
    assert "Không đọc được" in response.content.decode()
    assert not OfficeHours.objects.exists()


def test_admin_adds_a_day_off(superuser_client):
    response = superuser_client.post(
        "/quan-tri/core/calendarday/add/",
        {"province_code": PROVINCE, "date": "04/03/2026", "kind": "day_off", "reason": "Nghỉ bầu cử"},
    )
    assert response.status_code == 302, response.content.decode()
    assert CalendarDay.objects.get().date == d("2026-03-04")  # day first, as written in Vietnam
    assert not calendar_for().is_working_day(d("2026-03-04"))


def test_province_admin_manages_the_calendar_and_others_do_not(client):
    admin_user = make_staff(Role.PROVINCE_ADMIN).user
    admin_user.is_staff = True
    admin_user.save()
    client.force_login(admin_user)
    assert client.get("/quan-tri/core/calendarday/").status_code == 200
    assert client.get("/quan-tri/core/officehours/add/").status_code == 200
    officer = make_staff(Role.ONE_STOP_OFFICER).user
    officer.is_staff = True
    officer.save()
    client.force_login(officer)
    assert client.get("/quan-tri/core/calendarday/").status_code == 403
    response = client.post(
        "/quan-tri/core/calendarday/add/",
        {"province_code": PROVINCE, "date": "04/03/2026", "kind": "day_off", "reason": "x"},
    )
    assert response.status_code == 403
    assert not CalendarDay.objects.exists()
