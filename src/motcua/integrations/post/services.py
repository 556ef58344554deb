"""Postal orders (đơn hàng bưu chính): made for a result to deliver or a paper dossier to collect, then tracked.

Every change locks the dossier and the order, writes an audit event on the dossier's stream and an outbox
event `post.<status>` in the same transaction. Calls to the provider happen only in outbox handlers
(handlers.py) and in the polling task, never inside a user's request.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.core import audit, outbox
from motcua.core.errors import Conflict, FieldError, InvalidInput
from motcua.dossiers.models import OPEN_STATUSES, Delivery, Dossier, Status
from motcua.dossiers.services import stream
from motcua.integrations import delivery
from motcua.integrations.models import PostalEvent, PostalOrder
from motcua.integrations.post.base import PostUnavailable
from motcua.integrations.post.registry import get_adapter, provider_name, simulator_active
from motcua.integrations.post.simulator import SIMULATOR
from motcua.org import access
from motcua.org.models import AdministrativeUnit, Agency

logger = logging.getLogger(__name__)

OrderStatus = PostalOrder.Status
# how far along an order is; an update that does not move it further is ignored (late or repeated)
RANK: dict[str, int] = {
    OrderStatus.CREATED: 0,
    OrderStatus.SENT_TO_PROVIDER: 1,
    OrderStatus.PICKED_UP: 2,
    OrderStatus.DELIVERED: 3,
    OrderStatus.FAILED: 3,
    OrderStatus.CANCELLED: 3,
}
TIMESTAMP_FIELD: dict[str, str] = {
    OrderStatus.SENT_TO_PROVIDER: "sent_at",
    OrderStatus.PICKED_UP: "picked_up_at",
    OrderStatus.DELIVERED: "delivered_at",
    OrderStatus.FAILED: "failed_at",
    OrderStatus.CANCELLED: "cancelled_at",
}
NUMBER_SUFFIX: dict[str, str] = {PostalOrder.Kind.RESULT_DELIVERY: "KQ", PostalOrder.Kind.DOSSIER_PICKUP: "HS"}
CANCELLABLE = (OrderStatus.CREATED, OrderStatus.SENT_TO_PROVIDER)
VNPOST = "vnpost"
POST_KIND = "post"


def destination_name(provider: str) -> str:
    """The reliable delivery's destination of a provider: "vnpost", else "post:<provider>"."""
    return VNPOST if provider == VNPOST else f"{POST_KIND}:{provider}"


def _lock_dossier(dossier_id: int) -> Dossier:
    return Dossier.objects.select_for_update().select_related("receiving_agency").get(pk=dossier_id)


def _lock_order(order_id: int) -> PostalOrder:
    return PostalOrder.objects.select_for_update().get(pk=order_id)


def _ward_fields(ward: AdministrativeUnit | None) -> tuple[str, str, str]:
    if ward is None:
        return "", "", ""
    return ward.code, ward.name, ward.province().name


def _payload(order: PostalOrder, dossier: Dossier) -> dict[str, Any]:
    return {
        "code": dossier.code,
        "order": order.pk,
        "order_number": order.order_number,
        "kind": order.kind,
        "status": order.status,
        "item_code": order.item_code,
    }


def _record(order: PostalOrder, dossier: Dossier, actor: Any, note: str, now: dt.datetime, before: str) -> None:
    """Audit on the dossier's stream and `post.<status>` in the outbox: the trace of one status change."""
    audit.record(
        stream=stream(dossier),
        actor=actor,
        action=f"post_{order.status}",
        comment=note,
        data={"order_number": order.order_number, "kind": order.kind, "from": before, "item_code": order.item_code},
        at=now,
    )
    outbox.emit(f"post.{order.status}", subject=dossier.code, payload=_payload(order, dossier))


def _next_number(dossier: Dossier, kind: str) -> str:
    count = PostalOrder.objects.filter(dossier=dossier, kind=kind).count()
    return f"{dossier.code}-{NUMBER_SUFFIX[kind]}{count + 1}"


def _create(
    dossier: Dossier,
    *,
    kind: str,
    actor: Any,
    sender: dict[str, str],
    receiver: dict[str, str],
    cod_amount: int,
    description: str,
    note: str,
    now: dt.datetime,
) -> PostalOrder:
    order = PostalOrder.objects.create(
        dossier=dossier,
        kind=kind,
        provider=provider_name(),
        order_number=_next_number(dossier, kind),
        cod_amount=cod_amount,
        description=description[:255],
        status=OrderStatus.CREATED,
        status_at=now,
        created_at=now,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        **{f"sender_{key}": value for key, value in sender.items()},
        **{f"receiver_{key}": value for key, value in receiver.items()},
    )
    PostalEvent.objects.create(order=order, status=order.status, at=now, note=note[:255], source=_source(actor))
    _record(order, dossier, actor, note, now, "")
    return order


def _source(actor: Any) -> str:
    if isinstance(actor, str):
        return actor[:30]
    return str(actor.get_username())[:30] if getattr(actor, "is_authenticated", False) else ""


def _agency_party(agency: Agency) -> dict[str, str]:
    code, ward, province = _ward_fields(agency.administrative_unit)
    return {
        "name": agency.name,
        "address": agency.address,
        "ward_code": code if agency.administrative_unit.level != AdministrativeUnit.Level.PROVINCE else "",
        "ward_name": ward if agency.administrative_unit.level != AdministrativeUnit.Level.PROVINCE else "",
        "province_name": province,
        "phone": agency.phone,
        "email": agency.email,
    }


def _check_cod(cod_amount: int) -> None:
    if isinstance(cod_amount, bool) or not isinstance(cod_amount, int) or cod_amount < 0:
        raise InvalidInput(
            detail=_("Số tiền thu hộ không hợp lệ."),
            errors=[FieldError("cod_amount", _("Số tiền thu hộ phải là số nguyên không âm (đồng)."))],
        )


@transaction.atomic
def postal_order_for_result(
    *, dossier: Dossier, cod_amount: int = 0, at: dt.datetime | None = None
) -> PostalOrder | None:
    """Đơn chuyển phát kết quả: for a dossier with a result whose applicant chose delivery by post.

    Called by the outbox handler of `dossier.approve`; returns the live order when there is one already (a
    retried relay makes no second order), None when the dossier is not to be delivered by post.
    """
    _check_cod(cod_amount)
    now = at or timezone.now()
    dossier = _lock_dossier(dossier.pk)
    if dossier.delivery_method != Delivery.POST or dossier.status not in (Status.PROCESSED, Status.RETURNED):
        return None
    existing = PostalOrder.objects.filter(dossier=dossier, kind=PostalOrder.Kind.RESULT_DELIVERY).exclude(
        status__in=[OrderStatus.FAILED, OrderStatus.CANCELLED]
    )
    if (found := existing.first()) is not None:
        return found
    ward = dossier.delivery_ward
    code, ward_name, province = _ward_fields(ward)
    receiver = {
        "name": dossier.applicant_name,
        "address": dossier.delivery_address,
        "ward_code": code,
        "ward_name": ward_name,
        "province_name": province,
        "phone": dossier.applicant_phone,
        "email": dossier.applicant_email,
    }
    return _create(
        dossier,
        kind=PostalOrder.Kind.RESULT_DELIVERY,
        actor="post",
        sender=_agency_party(dossier.receiving_agency),
        receiver=receiver,
        cod_amount=cod_amount,
        description=_("Kết quả giải quyết hồ sơ %(code)s") % {"code": dossier.code},
        note="",
        now=now,
    )


@transaction.atomic
def postal_order_pickup(
    *,
    dossier: Dossier,
    actor: Any,
    address_line: str = "",
    ward_code: str = "",
    phone: str = "",
    note: str = "",
    cod_amount: int = 0,
    at: dt.datetime | None = None,
) -> PostalOrder:
    """Đơn thu gom hồ sơ giấy: the post collects the paper dossier at the applicant's address.

    Only staff who receive dossiers at the dossier's receiving agency; the dossier must still be open. The
    address defaults to the applicant's (line and ward); the order goes to the provider through the outbox.
    """
    _check_cod(cod_amount)
    now = at or timezone.now()
    dossier = _lock_dossier(dossier.pk)
    if access.staff_of(actor) is None or not access.can(
        actor, access.Permission.RECEIVE_DOSSIER, dossier.receiving_agency
    ):
        raise PermissionDenied(access.Permission.RECEIVE_DOSSIER.value)
    if dossier.status not in OPEN_STATUSES:
        raise Conflict(_("Hồ sơ đã kết thúc xử lý; không thể thu gom hồ sơ giấy."))
    line = address_line.strip() or dossier.applicant_address
    ward = (
        AdministrativeUnit.objects.filter(code=ward_code.strip()).first()
        if ward_code.strip()
        else dossier.applicant_ward
    )
    if not line or ward is None:
        raise InvalidInput(
            detail=_("Thiếu địa chỉ thu gom hồ sơ."),
            errors=[FieldError("address", _("Nhập địa chỉ và xã, phường nơi thu gom hồ sơ."))],
        )
    if (
        PostalOrder.objects.filter(dossier=dossier, kind=PostalOrder.Kind.DOSSIER_PICKUP)
        .exclude(status__in=[OrderStatus.FAILED, OrderStatus.CANCELLED])
        .exists()
    ):
        raise Conflict(_("Hồ sơ đã có đơn thu gom đang thực hiện."))
    code, ward_name, province = _ward_fields(ward)
    sender = {
        "name": dossier.applicant_name,
        "address": line[:255],
        "ward_code": code,
        "ward_name": ward_name,
        "province_name": province,
        "phone": (phone.strip() or dossier.applicant_phone)[:30],
        "email": dossier.applicant_email,
    }
    return _create(
        dossier,
        kind=PostalOrder.Kind.DOSSIER_PICKUP,
        actor=actor,
        sender=sender,
        receiver=_agency_party(dossier.receiving_agency),
        cod_amount=cod_amount,
        description=_("Hồ sơ giấy %(code)s") % {"code": dossier.code},
        note=note.strip(),
        now=now,
    )


def _apply(order: PostalOrder, dossier: Dossier, status: str, now: dt.datetime, note: str, actor: Any) -> bool:
    if status not in RANK:
        raise InvalidInput(detail=_("Trạng thái bưu gửi không hợp lệ."))
    if RANK[status] <= RANK[order.status]:
        logger.info("post: %s -> %s ignored for %s (late or repeated)", order.status, status, order.order_number)
        return False
    before = order.status
    order.status = status
    order.status_at = now
    fields = ["status", "status_at", "updated_at"]
    if status in TIMESTAMP_FIELD:
        setattr(order, TIMESTAMP_FIELD[status], now)
        fields.append(TIMESTAMP_FIELD[status])
    if status != OrderStatus.FAILED:
        order.last_error = ""
        fields.append("last_error")
    order.save(update_fields=fields)
    PostalEvent.objects.create(order=order, status=status, at=now, note=note[:255], source=_source(actor))
    _record(order, dossier, actor, note, now, before)
    return True


@transaction.atomic
def postal_status_update(
    *, order: PostalOrder, status: str, at: dt.datetime | None = None, note: str = "", source: str = ""
) -> bool:
    """Cập nhật hành trình: apply a status the provider reported (callback, polling or the simulator).

    Idempotent: a status the order has already reached, or passed, is ignored (False), so repeated, late
    and out-of-order reports change nothing; an applied one (True) is audited and announced as `post.<status>`.
    """
    dossier = _lock_dossier(order.dossier_id)
    locked = _lock_order(order.pk)
    applied = _apply(locked, dossier, status, at or timezone.now(), note, source or locked.provider)
    order.refresh_from_db()
    return applied


@transaction.atomic
def postal_order_send(*, order: PostalOrder, at: dt.datetime | None = None) -> PostalOrder:
    """Send a new order to its provider (the reliable delivery of `post.created`); PostUnavailable: retried.

    The provider is asked with our order number, so a retry after a partial failure gets the same waybill.
    """
    dossier = _lock_dossier(order.dossier_id)
    locked = _lock_order(order.pk)
    if locked.status != OrderStatus.CREATED:
        return locked  # cancelled meanwhile, or sent by an earlier attempt
    adapter = get_adapter(locked.provider)
    result = adapter.create_order(locked)
    locked.item_code = result.item_code[:40]
    locked.save(update_fields=["item_code", "updated_at"])
    _apply(locked, dossier, result.status, at or timezone.now(), result.message[:255], adapter.name)
    return locked


@transaction.atomic
def postal_order_cancel(*, order: PostalOrder, actor: Any, reason: str, at: dt.datetime | None = None) -> PostalOrder:
    """Hủy đơn: before the post has collected the item, by staff who receive dossiers at the agency."""
    dossier = _lock_dossier(order.dossier_id)
    if access.staff_of(actor) is None or not access.can(
        actor, access.Permission.RECEIVE_DOSSIER, dossier.receiving_agency
    ):
        raise PermissionDenied(access.Permission.RECEIVE_DOSSIER.value)
    if not reason.strip():
        raise InvalidInput(detail=_("Nêu lý do hủy."), errors=[FieldError("reason", _("Nêu lý do hủy."))])
    locked = _lock_order(order.pk)
    if locked.status not in CANCELLABLE:
        raise Conflict(_("Bưu điện đã nhận bưu gửi; không thể hủy đơn."))
    _apply(locked, dossier, OrderStatus.CANCELLED, at or timezone.now(), reason.strip(), actor)
    return locked


def postal_order_cancel_at_provider(*, order: PostalOrder) -> None:
    """Tell the provider (the reliable delivery of `post.cancelled`) when the order had reached it."""
    if order.item_code or order.sent_at is not None:
        get_adapter(order.provider).cancel(order)


def postal_simulate(*, order: PostalOrder, status: str, note: str = "", at: dt.datetime | None = None) -> bool:
    """Move an item in the simulator (picked up, delivered, failed) and apply it; only with the simulator."""
    if order.provider != "simulator" or not simulator_active():
        raise Conflict(_("Chỉ dùng được khi đang chạy bưu điện giả lập."))
    now = at or timezone.now()
    SIMULATOR.advance(order, status, now, note)
    return postal_status_update(order=order, status=status, at=now, note=note, source="simulator")


@dataclass
class PollReport:
    checked: int = 0
    updated: int = 0
    errors: int = 0


def postal_poll(*, limit: int = 200) -> PollReport:
    """Ask the provider where the items on their way are, and apply what changed (the periodic task).

    Through the provider's circuit breaker: while it is open nothing is asked (the next run asks again).
    """
    report = PollReport()
    name = provider_name()
    adapter = get_adapter(name)
    destination = delivery.destination_get(destination_name(name))
    orders = PostalOrder.objects.filter(
        provider=name, status__in=[OrderStatus.SENT_TO_PROVIDER, OrderStatus.PICKED_UP]
    ).order_by("status_at", "pk")[:limit]
    for order in orders:
        try:
            events = delivery.call(destination, functools.partial(adapter.fetch_status, order), now=timezone.now())
        except delivery.CircuitOpen as exc:
            logger.warning("post: polling stopped: %s", exc)
            break
        except PostUnavailable as exc:
            report.checked += 1
            report.errors += 1
            PostalOrder.objects.filter(pk=order.pk).update(last_error=str(exc.detail)[:2000])
            continue
        report.checked += 1
        for event in events:
            if postal_status_update(order=order, status=event.status, at=event.at, note=event.note, source=name):
                report.updated += 1
    return report
