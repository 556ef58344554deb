"""The permission matrix of every dossier action, at the service level (motcua.dossiers.services).

For each action the dossier is first put in a state where the action is allowed, then the action is tried
as every actor of the small province of `world` (see conftest). The table `CASES` says exactly who may act;
a denial must raise (403 `PermissionDenied`, or 409 `Conflict` for a colleague of the same agency when the
step is in someone else's hands) and change nothing: status, revision, audit events, outbox events, steps.

The rules encoded here are those of a one-stop office (NĐ 61/2018, NĐ 118/2025):

- the one-stop officer of the receiving centre receives, refuses, requests a supplement at reception, forwards
  to the competent agency, confirms payments, takes supplements and withdrawals on the applicant's behalf
  and returns the result;
- inside the competent agency, only the holder of the current step acts on it (forward, send back,
  request a supplement or a payment); the division head and the agency leader (re)assign steps;
- the competent agency's leader decides (approve), stops processing and issues the apology and new
  appointment (form 04, a letter of the agency under its seal: the leader signs it, not a division head);
- the applicant (owner of the dossier) supplements and withdraws;
- officers of other agencies, leaders of other agencies, the monitor, other citizens and anonymous users
  never act on this dossier.

All times are Vietnam time in the week of Monday 2 March 2026 (no holiday); the procedure takes 5 working
days, so a dossier received Monday 09:00 is due Monday 9 March 09:00.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied

from motcua.core import audit
from motcua.core.errors import Conflict
from motcua.core.outbox import OutboxEvent
from motcua.dossiers import services
from motcua.dossiers.lifecycle import Action
from motcua.dossiers.models import Dossier, DossierStep, Status
from tests.dossiers.conftest import World, at, submit_online, upload_pdf
from tests.factories import make_staff

ACTORS = (
    "officer",
    "specialist",
    "head",
    "leader",
    "other_officer",
    "other_leader",
    "monitor",
    "citizen",
    "other_citizen",
    "anonymous",
)

# every action is tried at this instant: after every setup below, before the due date (9 March 09:00)
ACT_AT = "2026-03-05 09:00"


@pytest.fixture(autouse=True)
def _frozen_clock() -> Iterator[None]:
    """Now is Monday 2 March 2026 08:00; every action below passes its own instant."""
    with time_machine.travel(at("2026-03-02 08:00"), tick=False):
        yield


def _user(world: World, name: str) -> Any:
    return AnonymousUser() if name == "anonymous" else world.users()[name]


def _reload(dossier: Dossier) -> Dossier:
    return Dossier.objects.select_related("current_step").get(pk=dossier.pk)


# ---- states ---------------------------------------------------------------------------------------------


def submitted(world: World) -> Dossier:
    """Submitted online by the citizen (the owner); received by the provincial service centre."""
    return submit_online(world, "2026-03-02 08:30")


def received(world: World) -> Dossier:
    dossier = submitted(world)
    services.dossier_receive(dossier=dossier, actor=world.officer.user, at=at("2026-03-02 09:00"))
    return _reload(dossier)


def at_specialist(world: World) -> Dossier:
    """Processing, at the specialist's step (assigned to `chuyenvien`)."""
    dossier = received(world)
    services.dossier_forward(dossier=dossier, actor=world.officer.user, at=at("2026-03-02 09:10"))
    return _reload(dossier)


def at_head(world: World) -> Dossier:
    """Processing, at the division head's step (assigned to `truongphong`)."""
    dossier = at_specialist(world)
    services.dossier_forward(dossier=dossier, actor=world.specialist.user, at=at("2026-03-03 10:00"))
    return _reload(dossier)


def at_leader(world: World) -> Dossier:
    """Processing, at the agency leader's step (assigned to `lanhdao`)."""
    dossier = at_head(world)
    services.dossier_forward(dossier=dossier, actor=world.head.user, at=at("2026-03-04 09:00"))
    return _reload(dossier)


def awaiting_supplement(world: World) -> Dossier:
    dossier = at_specialist(world)
    services.dossier_request_supplement(
        dossier=dossier,
        actor=world.specialist.user,
        reason="Thiếu bản sao",
        components=["TP1"],
        at=at("2026-03-03 09:00"),
    )
    return _reload(dossier)


def awaiting_payment(world: World) -> Dossier:
    dossier = at_specialist(world)
    services.dossier_request_payment(
        dossier=dossier,
        actor=world.specialist.user,
        amount=1500000,
        reason="Lệ phí trước bạ",
        at=at("2026-03-03 09:00"),
    )
    return _reload(dossier)


def processed(world: World) -> Dossier:
    dossier = at_leader(world)
    services.dossier_approve(dossier=dossier, actor=world.leader.user, outcome="granted", at=at("2026-03-04 14:00"))
    return _reload(dossier)


# ---- actions --------------------------------------------------------------------------------------------

Call = Callable[[Dossier, Any, World], Dossier]


def do_receive(dossier: Dossier, user: Any, world: World) -> Dossier:
    return services.dossier_receive(dossier=dossier, actor=user, at=at(ACT_AT))


def do_reject(dossier: Dossier, user: Any, world: World) -> Dossier:
    return services.dossier_reject(dossier=dossier, actor=user, reason="Không thuộc thẩm quyền", at=at(ACT_AT))


def do_request_supplement(dossier: Dossier, user: Any, world: World) -> Dossier:
    return services.dossier_request_supplement(
        dossier=dossier, actor=user, reason="Thiếu bản sao", components=["TP2"], at=at(ACT_AT)
    )


def do_supplement(dossier: Dossier, user: Any, world: World) -> Dossier:
    # the actor's own upload (anonymous: an upload without owner), so that only the permission decides
    owner = user if user.is_authenticated else None
    documents = [services.DocumentData(component="TP1", upload_id=upload_pdf(owner))]
    return services.dossier_supplement(dossier=dossier, actor=user, documents=documents, at=at(ACT_AT))


def do_forward(dossier: Dossier, user: Any, world: World) -> Dossier:
    return services.dossier_forward(dossier=dossier, actor=user, comment="Chuyển xử lý", at=at(ACT_AT))


def do_send_back(dossier: Dossier, user: Any, world: World) -> Dossier:
    return services.dossier_send_back(dossier=dossier, actor=user, comment="Xem lại trích lục", at=at(ACT_AT))


def do_assign(dossier: Dossier, user: Any, world: World) -> Dossier:
    colleague = make_staff("specialist", agency=world.department, username="chuyenvien2")
    colleague.unit = world.division
    colleague.save()
    return services.dossier_assign(dossier=dossier, actor=user, assignee=colleague, at=at(ACT_AT))


def do_request_payment(dossier: Dossier, user: Any, world: World) -> Dossier:
    return services.dossier_request_payment(
        dossier=dossier, actor=user, amount=1500000, reason="Lệ phí trước bạ", at=at(ACT_AT)
    )


def do_confirm_payment(dossier: Dossier, user: Any, world: World) -> Dossier:
    return services.dossier_confirm_payment(dossier=dossier, actor=user, at=at(ACT_AT))


def do_approve(dossier: Dossier, user: Any, world: World) -> Dossier:
    return services.dossier_approve(dossier=dossier, actor=user, outcome="granted", comment="Đồng ý", at=at(ACT_AT))


def do_extend(dossier: Dossier, user: Any, world: World) -> Dossier:
    return services.dossier_extend(
        dossier=dossier, actor=user, new_due_at=at("2026-03-12 09:00"), reason="Cần xác minh thêm", at=at(ACT_AT)
    )


def do_stop(dossier: Dossier, user: Any, world: World) -> Dossier:
    return services.dossier_stop(dossier=dossier, actor=user, reason="Có tranh chấp", at=at(ACT_AT))


def do_withdraw(dossier: Dossier, user: Any, world: World) -> Dossier:
    return services.dossier_withdraw(dossier=dossier, actor=user, reason="Không cần nữa", at=at(ACT_AT))


def do_return_result(dossier: Dossier, user: Any, world: World) -> Dossier:
    return services.dossier_return_result(dossier=dossier, actor=user, at=at(ACT_AT))


@dataclass(frozen=True)
class Case:
    action: str
    state: Callable[[World], Dossier]
    call: Call
    allowed: frozenset[str]
    status_after: str

    @property
    def id(self) -> str:
        return f"{self.action}@{self.state.__name__}"


def case(action: str, state: Callable[[World], Dossier], call: Call, allowed: set[str], status_after: str) -> Case:
    return Case(action, state, call, frozenset(allowed), status_after)


CASES = [
    case("receive", submitted, do_receive, {"officer"}, Status.RECEIVED),
    case("reject", submitted, do_reject, {"officer"}, Status.REJECTED),
    case("request_supplement", submitted, do_request_supplement, {"officer"}, Status.AWAITING_SUPPLEMENT),
    case("request_supplement", at_specialist, do_request_supplement, {"specialist"}, Status.AWAITING_SUPPLEMENT),
    case("supplement", awaiting_supplement, do_supplement, {"officer", "citizen"}, Status.PROCESSING),
    case("forward", received, do_forward, {"officer"}, Status.PROCESSING),
    case("forward", at_specialist, do_forward, {"specialist"}, Status.PROCESSING),
    case("send_back", at_head, do_send_back, {"head"}, Status.PROCESSING),
    case("assign", at_specialist, do_assign, {"head", "leader"}, Status.PROCESSING),
    case("request_payment", received, do_request_payment, {"officer"}, Status.AWAITING_PAYMENT),
    case("request_payment", at_specialist, do_request_payment, {"specialist"}, Status.AWAITING_PAYMENT),
    case("confirm_payment", awaiting_payment, do_confirm_payment, {"officer"}, Status.PROCESSING),
    case("approve", at_leader, do_approve, {"leader"}, Status.PROCESSED),
    case("extend", at_specialist, do_extend, {"leader"}, Status.PROCESSING),
    case("stop", at_specialist, do_stop, {"leader"}, Status.STOPPED),
    case("withdraw", submitted, do_withdraw, {"officer", "citizen"}, Status.WITHDRAWN),
    case("withdraw", at_specialist, do_withdraw, {"officer", "citizen"}, Status.WITHDRAWN),
    case("return_result", processed, do_return_result, {"officer"}, Status.RETURNED),
]

MATRIX = [pytest.param(c, actor, id=f"{c.id}-{actor}") for c in CASES for actor in ACTORS]


def _snapshot(dossier: Dossier) -> dict[str, Any]:
    fresh = _reload(dossier)
    return {
        "status": fresh.status,
        "revision": fresh.revision,
        "audit_events": audit.event_count(f"dossier:{fresh.pk}"),
        "outbox_events": OutboxEvent.objects.count(),
        "current_step": fresh.current_step_id,
        "assignee": fresh.current_step.assignee_id if fresh.current_step else None,
        "steps": list(DossierStep.objects.filter(dossier=fresh).values_list("pk", "state", "assignee_id")),
        "due_at": fresh.due_at,
        "paused_at": fresh.paused_at,
        "finished_at": fresh.finished_at,
        "documents": fresh.documents.count(),
        "fees": list(fresh.fees.values_list("pk", "amount", "paid_at")),
    }


def test_every_action_of_the_lifecycle_is_in_the_matrix() -> None:
    assert {c.action for c in CASES} == {a.value for a in Action}
    assert all(c.allowed <= set(ACTORS) for c in CASES)


@pytest.mark.parametrize(("case", "actor"), MATRIX)
def test_permission_matrix(world: World, case: Case, actor: str) -> None:
    dossier = case.state(world)
    user = _user(world, actor)
    before = _snapshot(dossier)

    if actor in case.allowed:
        case.call(dossier, user, world)
        after = _snapshot(dossier)
        assert after["status"] == case.status_after
        assert after["revision"] == before["revision"] + 1
        assert after["audit_events"] == before["audit_events"] + 1
        assert after["outbox_events"] == before["outbox_events"] + 1
        last = audit.AuditEvent.objects.filter(stream=f"dossier:{dossier.pk}").order_by("-seq").first()
        assert last is not None
        assert (last.action, last.actor_id) == (case.action, user.pk)
        return

    with pytest.raises((PermissionDenied, Conflict)) as caught:
        case.call(dossier, user, world)
    if isinstance(caught.value, Conflict):
        # 409 only for a colleague working in the agency of the current step ("someone else holds it")
        step = _reload(dossier).current_step
        assert step is not None
        assert getattr(getattr(user, "staff", None), "agency_id", None) == step.agency_id, caught.value
    assert _snapshot(dossier) == before


def test_a_superseded_assignee_may_no_longer_act(world: World) -> None:
    """After the head reassigns the step, the first specialist is refused and the new one may forward."""
    dossier = at_specialist(world)
    colleague = make_staff("specialist", agency=world.department, username="chuyenvien2")
    colleague.unit = world.division
    colleague.save()
    services.dossier_assign(dossier=dossier, actor=world.head.user, assignee=colleague, at=at("2026-03-03 08:00"))
    before = _snapshot(dossier)
    with pytest.raises(Conflict):
        services.dossier_forward(dossier=dossier, actor=world.specialist.user, at=at("2026-03-03 09:00"))
    assert _snapshot(dossier) == before
    services.dossier_forward(dossier=dossier, actor=colleague.user, at=at("2026-03-03 09:00"))
    fresh = _reload(dossier)
    assert fresh.current_step is not None
    assert (fresh.current_step.role, fresh.current_step.assignee) == ("division_head", world.head)


def test_an_inactive_officer_may_not_act(world: World) -> None:
    dossier = submitted(world)
    world.officer.is_active = False
    world.officer.save()
    before = _snapshot(dossier)
    with pytest.raises(PermissionDenied):
        services.dossier_receive(dossier=dossier, actor=world.officer.user, at=at(ACT_AT))
    assert _snapshot(dossier) == before
