"""The dossier lifecycle as an explicit transition table (statuses and actions of the public contract).

Each action lists the statuses it may start from and the status it leads to. `None` as a target means
"back to the status the dossier had before it was paused" (supplement, confirm payment) or "stays"
(forward, send back, extend, assign). Services consult this table before anything else; an action not
allowed in the current status is a conflict (HTTP 409) and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from motcua.core.errors import Conflict
from motcua.dossiers.models import Status


class Action(StrEnum):
    RECEIVE = "receive"
    REJECT = "reject"
    REQUEST_SUPPLEMENT = "request_supplement"
    SUPPLEMENT = "supplement"
    FORWARD = "forward"
    SEND_BACK = "send_back"
    ASSIGN = "assign"
    REQUEST_PAYMENT = "request_payment"
    CONFIRM_PAYMENT = "confirm_payment"
    APPROVE = "approve"
    EXTEND = "extend"
    STOP = "stop"
    WITHDRAW = "withdraw"
    RETURN_RESULT = "return_result"


# What people call each action (also the names of the audit events; "submit" is the first event).
ACTION_LABELS: dict[str, Any] = {
    "submit": _("Nộp hồ sơ"),
    Action.RECEIVE: _("Tiếp nhận"),
    Action.REJECT: _("Từ chối tiếp nhận"),
    Action.REQUEST_SUPPLEMENT: _("Yêu cầu bổ sung"),
    Action.SUPPLEMENT: _("Nhận hồ sơ bổ sung"),
    Action.FORWARD: _("Chuyển xử lý"),
    Action.SEND_BACK: _("Trả lại bước trước"),
    Action.ASSIGN: _("Phân công"),
    Action.REQUEST_PAYMENT: _("Thông báo nghĩa vụ tài chính"),
    Action.CONFIRM_PAYMENT: _("Xác nhận đã nộp tiền"),
    Action.APPROVE: _("Phê duyệt"),
    Action.EXTEND: _("Xin lỗi và hẹn lại"),
    Action.STOP: pgettext_lazy("action", "Dừng xử lý"),
    Action.WITHDRAW: _("Rút hồ sơ"),
    Action.RETURN_RESULT: _("Trả kết quả"),
}


@dataclass(frozen=True)
class Transition:
    sources: frozenset[Status]
    target: Status | None


RESUME = None

TRANSITIONS: dict[Action, Transition] = {
    Action.RECEIVE: Transition(frozenset({Status.SUBMITTED}), Status.RECEIVED),
    Action.REJECT: Transition(frozenset({Status.SUBMITTED}), Status.REJECTED),
    Action.REQUEST_SUPPLEMENT: Transition(
        frozenset({Status.SUBMITTED, Status.RECEIVED, Status.PROCESSING}), Status.AWAITING_SUPPLEMENT
    ),
    Action.SUPPLEMENT: Transition(frozenset({Status.AWAITING_SUPPLEMENT}), RESUME),
    Action.FORWARD: Transition(frozenset({Status.RECEIVED, Status.PROCESSING}), Status.PROCESSING),
    Action.SEND_BACK: Transition(frozenset({Status.PROCESSING}), Status.PROCESSING),
    Action.ASSIGN: Transition(frozenset({Status.RECEIVED, Status.PROCESSING}), None),
    Action.REQUEST_PAYMENT: Transition(frozenset({Status.RECEIVED, Status.PROCESSING}), Status.AWAITING_PAYMENT),
    Action.CONFIRM_PAYMENT: Transition(frozenset({Status.AWAITING_PAYMENT}), RESUME),
    Action.APPROVE: Transition(frozenset({Status.PROCESSING}), Status.PROCESSED),
    Action.EXTEND: Transition(
        frozenset({Status.RECEIVED, Status.PROCESSING, Status.AWAITING_SUPPLEMENT, Status.AWAITING_PAYMENT}), None
    ),
    Action.STOP: Transition(
        frozenset({Status.RECEIVED, Status.PROCESSING, Status.AWAITING_SUPPLEMENT, Status.AWAITING_PAYMENT}),
        Status.STOPPED,
    ),
    Action.WITHDRAW: Transition(
        frozenset(
            {Status.SUBMITTED, Status.RECEIVED, Status.PROCESSING, Status.AWAITING_SUPPLEMENT, Status.AWAITING_PAYMENT}
        ),
        Status.WITHDRAWN,
    ),
    Action.RETURN_RESULT: Transition(frozenset({Status.PROCESSED}), Status.RETURNED),
}


def allowed_actions(status: str) -> list[Action]:
    return [action for action, transition in TRANSITIONS.items() if status in transition.sources]


def require_transition(status: str, action: Action) -> Transition:
    transition = TRANSITIONS[action]
    if status not in transition.sources:
        raise Conflict(f"Action '{action.value}' is not allowed while the dossier is '{status}'.")
    return transition
