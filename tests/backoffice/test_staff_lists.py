"""The agency lists read by statements compiled once (`selectors.staff_list_rows`, `queues.AgencyList`, the
API's list) give the rows the ORM's queryset gives, for every filter, cursor and page, and to no one else."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from motcua.catalog.models import Procedure
from motcua.core import rows
from motcua.dossiers import queues, selectors, services
from motcua.dossiers.models import Dossier, DossierStep, Status
from tests.backoffice.conftest import World, at, submit_counter, submit_online
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

COLUMNS = (
    "pk",
    "code",
    "procedure__code",
    "procedure_version__name",
    "receiving_agency__name",
    "competent_agency__code",
    "status",
    "submitted_at",
    "due_at",
    "paused_at",
    "current_step_id",
    "current_step__name",
    "current_step__due_at",
    "current_step__assignee__user__username",
)
NOW = at("2026-03-20 10:00")


def _dossiers(world: World) -> list[Dossier]:
    """Dossiers in several states: waiting for reception, received, forwarded (an unassigned step), taken by
    the specialist, paused, overdue, finished; two submitted at the same instant (the cursor's tie)."""
    made = [submit_online(world, "2026-03-02 09:00")]
    for minute in range(10, 19):
        made.append(submit_counter(world, f"2026-03-02 09:{minute:02d}"))
    made.append(submit_counter(world, "2026-03-02 09:18"))  # the same instant as the one before
    officer = world.officer.user
    for dossier in made[1:]:
        services.dossier_receive(dossier=dossier, actor=officer, at=at("2026-03-02 10:00"))
    for dossier in made[3:8]:
        services.dossier_forward(dossier=dossier, actor=officer, at=at("2026-03-02 10:05"))
    step = DossierStep.objects.get(pk=Dossier.objects.get(pk=made[4].pk).current_step_id)
    DossierStep.objects.filter(pk=step.pk).update(assignee=world.specialist)
    Dossier.objects.filter(pk=made[5].pk).update(paused_at=at("2026-03-03 09:00"))
    Dossier.objects.filter(pk=made[6].pk).update(due_at=at("2026-03-04 09:00"))  # overdue at NOW
    Dossier.objects.filter(pk=made[7].pk).update(due_at=None)
    Dossier.objects.filter(pk=made[8].pk).update(status=Status.WITHDRAWN)
    return made


def _orm(user: Any, **filters: Any) -> list[tuple[Any, ...]]:
    after = filters.pop("after", None)
    offset, limit = filters.pop("offset", 0), filters.pop("limit")
    dossiers = selectors.dossier_list(user, now=NOW, **filters).order_by(*selectors.NEWEST_FIRST)
    if after is not None:
        from django.db.models import Q

        dossiers = dossiers.filter(Q(submitted_at__lt=after[0]) | Q(submitted_at=after[0], pk__lt=after[1]))
    return list(dossiers.values_list(*COLUMNS)[offset : offset + limit])


@pytest.mark.parametrize("who", ["officer", "specialist", "leader", "monitor", "other_leader", "superuser"])
def test_every_filter_gives_the_orm_s_rows(world: World, who: str) -> None:
    made = _dossiers(world)
    user = UserFactory(is_superuser=True) if who == "superuser" else getattr(world, who).user
    middle = Dossier.objects.get(pk=made[-2].pk)
    cursors = [None, (middle.submitted_at, middle.pk)]
    seen = 0
    for status, agency, overdue, mine, after in itertools.product(
        ["", Status.RECEIVED, Status.WITHDRAWN],
        ["", world.department.code, world.centre.code, "no-such"],
        [None, True, False],
        [False, True],
        cursors,
    ):
        filters = {"status": status, "agency": agency, "overdue": overdue, "assigned_to_me": mine}
        for offset, limit in ((0, 4), (3, 50)):
            expected = _orm(user, **filters, after=after, offset=offset, limit=limit)
            wanted = selectors.ListFilters(**filters, after=after)
            found = selectors.staff_list_rows(user, COLUMNS, wanted, offset=offset, limit=limit, now=NOW)
            assert found == expected, (filters, after, offset, limit)
            seen += len(found)
    assert seen or who in ("other_leader",)  # another agency's leader sees none of these


def test_looked_up_columns_are_null_past_a_missing_row(world: World) -> None:
    made = _dossiers(world)
    found = {
        row[0]: row
        for row in selectors.staff_list_rows(world.leader.user, COLUMNS, selectors.ListFilters(), limit=50, now=NOW)
    }
    waiting = found[made[0].pk]  # no step yet
    assert waiting[COLUMNS.index("current_step_id")] is None and waiting[COLUMNS.index("current_step__name")] is None
    taken = found[made[4].pk]
    assert taken[COLUMNS.index("current_step__assignee__user__username")] == world.specialist.user.username
    made[3].refresh_from_db()
    assert DossierStep.objects.filter(pk=made[3].current_step_id or 0).update(assignee=None) == 1
    unassigned = {
        row[0]: row for row in selectors.staff_list_rows(world.leader.user, COLUMNS, selectors.ListFilters(), limit=50)
    }[made[3].pk]
    assert unassigned[COLUMNS.index("current_step__name")] and unassigned[-1] is None
    assert isinstance(unassigned[COLUMNS.index("current_step__due_at")], dt.datetime)
    assert unassigned[COLUMNS.index("current_step__due_at")].tzinfo is not None
    assert all(row[COLUMNS.index("procedure__code")] == world.version.procedure.code for row in found.values())


def test_citizens_and_visitors_are_refused(world: World) -> None:
    _dossiers(world)
    for user in (world.citizen, AnonymousUser(), None):
        with pytest.raises(PermissionDenied):
            selectors.staff_list_rows(user, COLUMNS, selectors.ListFilters(), limit=50)


def test_a_list_is_one_statement_and_compiled_once_a_shape(world: World) -> None:
    _dossiers(world)
    user = world.specialist.user  # (a leader's scope of agencies below theirs is read first: one more statement)
    selectors.staff_list_rows(user, COLUMNS, selectors.ListFilters(status=Status.RECEIVED), limit=7)
    with CaptureQueriesContext(connection) as queries:
        first = selectors.staff_list_rows(user, COLUMNS, selectors.ListFilters(status=Status.RECEIVED), limit=7)
        other = selectors.staff_list_rows(user, COLUMNS, selectors.ListFilters(status=Status.WITHDRAWN), limit=7)
    assert len(queries) == 2, [q["sql"] for q in queries]
    assert queries[0]["sql"].replace(Status.RECEIVED, "?") == queries[1]["sql"].replace(Status.WITHDRAWN, "?")
    assert first and all(row[COLUMNS.index("status")] == Status.RECEIVED for row in first)
    assert [row[COLUMNS.index("status")] for row in other] == [Status.WITHDRAWN]
    assert selectors.staff_list_rows(world.specialist.user, COLUMNS, selectors.ListFilters(), limit=50)


def test_a_family_keeps_one_read_a_key_and_forgets_the_least_used() -> None:
    built: list[Any] = []

    def build(key: str) -> Any:
        built.append(key)
        return Procedure.objects.filter(code=key)

    family = rows.Family(build, keep=2)
    a = family["a"]
    assert family["a"] is a
    b = family["b"]
    family["a"]  # a used more recently than b
    family["c"]
    assert len(family) == 2 and family["a"] is a and family["b"] is not b
    assert family["a"].all() == [] and built == ["a"]  # built at the first run, not before


def test_looked_up_takes_a_foreign_key_only() -> None:
    assert rows.looked_up(Dossier, "code") == "code"
    with pytest.raises(TypeError):
        rows.looked_up(Dossier, "documents__name")  # many rows, not one
    with pytest.raises(TypeError):
        rows.looked_up(Dossier, "code__upper")


@pytest.mark.parametrize("query", ["", "?status=received", "?overdue=1", "?page=2", "?page=3&status=received"])
def test_the_agency_list_pages_show_the_orm_s_rows(world: World, query: str) -> None:
    made = _dossiers(world)
    for index in range(60):  # three pages of 50 at the leader's agency
        made.append(submit_counter(world, f"2026-03-05 {8 + index // 60:02d}:{index % 60:02d}"))
    client = Client()
    client.force_login(world.leader.user)
    page = client.get(f"/can-bo/ho-so/{query}")
    assert page.status_code == 200
    shown = [row.code for row in page.context["page"].object_list]
    filters = dict(part.split("=") for part in query.lstrip("?").split("&") if part)
    dossiers = queues.agency_dossiers(
        world.leader.user, status=filters.get("status", ""), query="", overdue=filters.get("overdue") == "1"
    )
    number = page.context["page"].number  # a page past the end shows the last one
    assert number == min(int(filters.get("page", 1)), page.context["page"].paginator.num_pages)
    expected = [d.code for d in dossiers[(number - 1) * 50 : number * 50]]
    assert shown == expected
    assert shown
    body = page.content.decode()
    assert all(f'href="/can-bo/ho-so/{code}/"' in body for code in shown)


def test_a_search_still_finds_by_code_and_name(world: World) -> None:
    made = _dossiers(world)
    client = Client()
    client.force_login(world.leader.user)
    page = client.get(f"/can-bo/ho-so/?q={made[2].code}")
    assert [row.code for row in page.context["page"].object_list] == [made[2].code]


def test_the_api_list_gives_the_orm_s_dossiers_through_every_cursor(world: World) -> None:
    from motcua.api.auth import issue_token

    made = _dossiers(world)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {issue_token(world.leader.user)}")
    codes: list[str] = []
    url = "/api/v1/dossiers?page_size=3"
    while url:
        answer = client.get(url)
        assert answer.status_code == 200, answer.content
        body = answer.json()
        codes += [item["code"] for item in body["items"]]
        url = f"/api/v1/dossiers?page_size=3&cursor={body['next']}" if body["next"] else ""
    expected = [d.code for d in selectors.dossier_list(world.leader.user).order_by(*selectors.NEWEST_FIRST)]
    assert codes == expected and len(codes) == len({d.pk for d in made})
