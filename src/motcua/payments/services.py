"""Payment services: start a payment, take the providers' answers, record cash and transfers, reconcile.

Every state change locks the payment request row (then the dossier row, always in that order), follows the
transition table below, writes an audit event on the dossier's stream and an outbox event ("payment.created",
"payment.succeeded", "payment.failed", "payment.cancelled", "payment.expired"), all in one transaction. A
succeeded payment marks its fee lines paid through `dossiers.services.dossier_payment_received`, which resumes a
dossier waiting for a financial obligation.

Idempotency: a callback for a payment that already succeeded changes nothing (VNPAY IPN reply "02"). A success
reported late (after the request expired, failed or was replaced) is accepted once, because the money was taken.
A bad checksum or a wrong amount is refused, kept as a rejected transaction and logged.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.core import audit, outbox
from motcua.core.errors import Conflict, FieldError, InvalidInput, NotFound
from motcua.dossiers import services as dossier_services
from motcua.dossiers.models import Dossier, Status
from motcua.integrations import delivery
from motcua.org import access
from motcua.payments import providers, selectors
from motcua.payments.models import (
    OPEN_STATES,
    PaymentRequest,
    PaymentState,
    PaymentTransaction,
    Provider,
)
from motcua.payments.providers import paygov, vnpay

logger = logging.getLogger(__name__)

# from -> allowed targets. A late success may follow any state but succeeded (the money was taken).
TRANSITIONS: dict[str, frozenset[str]] = {
    PaymentState.CREATED: frozenset(
        {
            PaymentState.PENDING,
            PaymentState.SUCCEEDED,
            PaymentState.FAILED,
            PaymentState.CANCELLED,
            PaymentState.EXPIRED,
        }
    ),
    PaymentState.PENDING: frozenset(
        {PaymentState.SUCCEEDED, PaymentState.FAILED, PaymentState.CANCELLED, PaymentState.EXPIRED}
    ),
    PaymentState.FAILED: frozenset({PaymentState.SUCCEEDED}),
    PaymentState.CANCELLED: frozenset({PaymentState.SUCCEEDED}),
    PaymentState.EXPIRED: frozenset({PaymentState.SUCCEEDED}),
    PaymentState.SUCCEEDED: frozenset(),
}

CLOSED_DOSSIER = (Status.REJECTED, Status.WITHDRAWN, Status.STOPPED)


def expiry_minutes(provider: str) -> int:
    if provider == Provider.VIETQR:
        return int(getattr(settings, "MOTCUA_VIETQR_EXPIRE_HOURS", 72)) * 60
    return int(getattr(settings, "MOTCUA_PAYMENT_EXPIRE_MINUTES", 15))


def _compact(code: str) -> str:
    return re.sub(r"[^A-Za-z0-9]", "", code).upper()


def _new_reference(dossier: Dossier) -> str:
    """Unique per request and readable in a transfer memo: 'HS' + the dossier code without separators + 'T' + n."""
    base = f"HS{_compact(dossier.code)}"[:34]
    count = PaymentRequest.objects.filter(dossier=dossier).count() + 1
    while True:
        reference = f"{base}T{count}"
        if not PaymentRequest.objects.filter(reference=reference).exists():
            return reference
        count += 1


def dossier_of_reference(reference: str) -> Dossier | None:
    payment = PaymentRequest.objects.filter(reference=reference.strip().upper()).select_related("dossier").first()
    return payment.dossier if payment is not None else None


def _lock(payment: PaymentRequest) -> PaymentRequest:
    return PaymentRequest.objects.select_for_update().select_related("dossier").get(pk=payment.pk)


def _lock_dossier(dossier: Dossier) -> Dossier:
    return Dossier.objects.select_for_update().get(pk=dossier.pk)


def _announce(payment: PaymentRequest, action: str, actor: Any, before: str, now: dt.datetime, **data: Any) -> None:
    dossier = _lock_dossier(payment.dossier)
    audit.record(
        stream=dossier_services.stream(dossier),
        actor=actor,
        action=f"payment_{action}",
        from_status=dossier.status,
        to_status=dossier.status,
        comment=payment.reference,
        data={
            "reference": payment.reference,
            "provider": payment.provider,
            "amount": payment.amount,
            "from": before,
            "state": payment.state,
            **data,
        },
        at=now,
    )
    outbox.emit(
        f"payment.{action}",
        subject=dossier.code,
        payload={
            "code": dossier.code,
            "reference": payment.reference,
            "provider": payment.provider,
            "amount": payment.amount,
            "state": payment.state,
            **data,
        },
    )


def _move(
    payment: PaymentRequest,
    target: PaymentState,
    *,
    now: dt.datetime,
    actor: Any = None,
    provider_reference: str = "",
    **data: Any,
) -> PaymentRequest:
    """Apply a transition (the row is locked by the caller); a succeeded payment pays its fee lines."""
    before = payment.state
    if target not in TRANSITIONS[before]:
        raise Conflict(_("Không thể chuyển trạng thái thanh toán này."))
    payment.state = target
    payment.finished = target not in OPEN_STATES
    payment.finished_at = now if payment.finished else None
    if provider_reference:
        payment.provider_reference = provider_reference[:100]
    if target == PaymentState.SUCCEEDED:
        payment.paid_at = now
        if actor is not None and getattr(actor, "is_authenticated", False):
            payment.confirmed_by = actor
    payment.save()
    late = before != PaymentState.PENDING and before != PaymentState.CREATED
    if target == PaymentState.SUCCEEDED:
        fee_ids = list(payment.fees.values_list("pk", flat=True))
        already = payment.dossier.fees.filter(pk__in=fee_ids, paid_at__isnull=False).count()
        if already:
            logger.warning("payment %s succeeded for %s fee line(s) already paid: refund", payment.reference, already)
            data["already_paid_lines"] = already
        if not fee_ids or already < len(fee_ids):  # a second payment of paid lines is a refund, not news
            dossier_services.dossier_payment_received(
                dossier=payment.dossier, transaction_ref=payment.reference, fee_ids=fee_ids, at=now
            )
    _announce(payment, target.value, actor, before, now, late=late, **data)
    if target == PaymentState.SUCCEEDED:
        _close_paid_out(payment, now=now)
    return payment


def _close_paid_out(paid: PaymentRequest, *, now: dt.datetime) -> None:
    """Cancel the dossier's other open requests that no longer have an unpaid line (a replaced request paid
    late leaves its replacement with nothing to collect: it must not be payable a second time).

    Rows another callback holds are skipped rather than waited for (two successes locking each other's
    request would deadlock); that callback finds the lines paid and flags its payment for refund."""
    others = (
        PaymentRequest.objects.select_for_update(skip_locked=True)
        .filter(dossier_id=paid.dossier_id, finished=False)
        .exclude(pk=paid.pk)
        .order_by("pk")
    )
    for other in others:
        if other.fees.filter(paid_at__isnull=True).exists():
            continue
        other.dossier = paid.dossier
        _move(other, PaymentState.CANCELLED, now=now, reason="paid_by", paid_by=paid.reference)


def _log(
    *,
    kind: str,
    provider: str,
    payment: PaymentRequest | None,
    reference: str,
    raw: Mapping[str, Any],
    checksum_ok: bool,
    accepted: bool,
    outcome: str,
    amount: int | None = None,
    response_code: str = "",
    provider_reference: str = "",
    at: dt.datetime | None = None,
) -> PaymentTransaction:
    return PaymentTransaction.objects.create(
        request=payment,
        kind=kind,
        provider=provider,
        reference=reference[:100],
        provider_reference=provider_reference[:100],
        amount=amount,
        response_code=response_code[:10],
        checksum_ok=checksum_ok,
        accepted=accepted,
        outcome=outcome[:200],
        raw=dict(raw),
        received_at=at or timezone.now(),
    )


# ---- starting a payment (applicant) ------------------------------------------------------------------------


@transaction.atomic
def payment_start(*, dossier: Dossier, actor: Any, provider: str, at: dt.datetime | None = None) -> PaymentRequest:
    """The applicant pays the unpaid fee lines of their dossier online; earlier open requests are cancelled."""
    now = at or timezone.now()
    if not getattr(actor, "is_authenticated", False) or dossier.account_id != actor.pk:
        raise PermissionDenied("payments.start")
    if provider not in {plugin.code for plugin in providers.available(online_only=True)}:
        raise InvalidInput(
            detail=_("Hình thức thanh toán không hợp lệ."),
            errors=[FieldError("provider", _("Hình thức thanh toán không được hỗ trợ."))],
        )
    previous = list(PaymentRequest.objects.select_for_update().filter(dossier=dossier, finished=False).order_by("pk"))
    locked = _lock_dossier(dossier)
    if locked.status in CLOSED_DOSSIER:
        raise Conflict(_("Hồ sơ đã kết thúc, không thể nộp phí."))
    fees = selectors.unpaid_fees(locked)
    if not fees:
        raise Conflict(_("Hồ sơ không còn khoản phí, lệ phí nào phải nộp."))
    if provider == Provider.VIETQR and selectors.collecting_account(locked.receiving_agency) is None:
        raise Conflict(_("Cơ quan tiếp nhận chưa khai báo tài khoản thu; vui lòng chọn hình thức khác."))
    for old in previous:
        _move(old, PaymentState.CANCELLED, now=now, actor=actor, reason="replaced")
    payment = PaymentRequest.objects.create(
        dossier=locked,
        reference=_new_reference(locked),
        amount=sum(fee.amount for fee in fees),
        provider=provider,
        state=PaymentState.PENDING,
        created_at=now,
        expires_at=now + dt.timedelta(minutes=expiry_minutes(provider)),
        created_by=actor,
        payer_name=locked.applicant_name,
    )
    payment.fees.set(fees)
    _announce(payment, "created", actor, "", now)
    return payment


def vnpay_checkout_url(*, payment: PaymentRequest, return_url: str, client_ip: str, locale: str = "vn") -> str:
    """The signed VNPAY address to send the applicant to (no write)."""
    plugin = vnpay.PROVIDER
    params = plugin.payment_parameters(
        reference=payment.reference,
        amount=payment.amount,
        order_info=f"Thanh toan phi le phi ho so {payment.dossier.code}",
        return_url=return_url,
        client_ip=client_ip,
        created_at=payment.created_at,
        expires_at=payment.expires_at,
        locale=locale,
    )
    return plugin.payment_url(params)


def vietqr_payload(payment: PaymentRequest) -> str:
    from motcua.payments.providers import vietqr

    account = selectors.collecting_account(payment.dossier.receiving_agency)
    if account is None:
        raise NotFound(_("Cơ quan tiếp nhận chưa khai báo tài khoản thu."))
    return vietqr.payload(
        bank_bin=account.bank_bin,
        account_number=account.account_number,
        amount=payment.amount,
        reference=payment.reference,
    )


# ---- VNPAY answers -----------------------------------------------------------------------------------------


def _vnpay_amount(params: Mapping[str, Any]) -> int | None:
    value = str(params.get("vnp_Amount", ""))
    return int(value) if value.isdigit() else None


@transaction.atomic
def payment_vnpay_ipn(params: Mapping[str, Any], *, at: dt.datetime | None = None) -> tuple[str, str]:
    """The IPN (server-to-server) message of VNPAY: the reply (RspCode, Message). Idempotent."""
    now = at or timezone.now()
    raw = {key: str(value) for key, value in params.items()}
    reference = raw.get("vnp_TxnRef", "")
    code = raw.get("vnp_ResponseCode", "")
    number = raw.get("vnp_TransactionNo", "")
    amount100 = _vnpay_amount(raw)
    amount = amount100 // 100 if amount100 is not None else None
    common: dict[str, Any] = {
        "kind": PaymentTransaction.Kind.IPN,
        "provider": Provider.VNPAY,
        "reference": reference,
        "raw": raw,
        "amount": amount,
        "response_code": code,
        "provider_reference": number,
        "at": now,
    }
    if not vnpay.verify(raw):
        logger.warning("VNPAY IPN with a bad checksum for %r refused", reference)
        _log(payment=None, checksum_ok=False, accepted=False, outcome="bad checksum", **common)
        return vnpay.IPN_BAD_CHECKSUM
    found = PaymentRequest.objects.filter(reference=reference, provider=Provider.VNPAY).first()
    if found is None:
        _log(payment=None, checksum_ok=True, accepted=False, outcome="order not found", **common)
        return vnpay.IPN_NOT_FOUND
    payment = _lock(found)
    if amount100 is None or amount100 != payment.amount * 100:
        logger.warning(
            "VNPAY IPN for %s with amount %r instead of %s refused", reference, amount100, payment.amount * 100
        )
        _log(payment=payment, checksum_ok=True, accepted=False, outcome="invalid amount", **common)
        return vnpay.IPN_INVALID_AMOUNT
    if payment.state == PaymentState.SUCCEEDED:
        _log(payment=payment, checksum_ok=True, accepted=False, outcome="already confirmed", **common)
        return vnpay.IPN_ALREADY_CONFIRMED
    success = code == "00" and raw.get("vnp_TransactionStatus", "00") == "00"
    if success:
        _log(payment=payment, checksum_ok=True, accepted=True, outcome="succeeded", **common)
        _move(payment, PaymentState.SUCCEEDED, now=now, provider_reference=number, response_code=code)
        return vnpay.IPN_CONFIRMED
    if payment.finished:
        _log(payment=payment, checksum_ok=True, accepted=False, outcome="already finished", **common)
        return vnpay.IPN_ALREADY_CONFIRMED
    _log(payment=payment, checksum_ok=True, accepted=True, outcome="failed", **common)
    _move(payment, PaymentState.FAILED, now=now, provider_reference=number, response_code=code)
    return vnpay.IPN_CONFIRMED


@dataclass(frozen=True)
class ReturnResult:
    """What the return page shows: the payment (None when unknown or forged) and whether VNPAY reported success."""

    payment: PaymentRequest | None
    checksum_ok: bool
    success: bool
    response_code: str
    message: str


def payment_vnpay_return(params: Mapping[str, Any]) -> ReturnResult:
    """The browser's return from VNPAY: only shown, never trusted to change the state (the IPN does that)."""
    raw = {key: str(value) for key, value in params.items()}
    code = raw.get("vnp_ResponseCode", "")
    if not vnpay.verify(raw):
        logger.warning("VNPAY return with a bad checksum for %r", raw.get("vnp_TxnRef", ""))
        return ReturnResult(None, False, False, code, "")
    payment = PaymentRequest.objects.filter(reference=raw.get("vnp_TxnRef", "")).select_related("dossier").first()
    amount_ok = payment is not None and _vnpay_amount(raw) == payment.amount * 100
    return ReturnResult(
        payment if amount_ok else None,
        True,
        amount_ok and code == "00",
        code,
        str(vnpay.RESPONSE_MESSAGES.get(code, "")),
    )


# ---- PayGov callback ---------------------------------------------------------------------------------------


@transaction.atomic
def payment_paygov_callback(data: Mapping[str, Any], *, at: dt.datetime | None = None) -> dict[str, str]:
    """Callback of the national payment platform: {"errorCode", "message"} reply; idempotent."""
    now = at or timezone.now()
    raw = {key: str(value) for key, value in data.items() if not isinstance(value, (dict, list))}
    reference = raw.get("reference", "")
    amount = int(raw["amount"]) if raw.get("amount", "").isdigit() else None
    common: dict[str, Any] = {
        "kind": PaymentTransaction.Kind.CALLBACK,
        "provider": Provider.PAYGOV,
        "reference": reference,
        "raw": raw,
        "amount": amount,
        "response_code": raw.get("errorCode", ""),
        "provider_reference": raw.get("transactionId", ""),
        "at": now,
    }
    if not paygov.verify_callback(raw):
        logger.warning("PayGov callback with a bad checksum for %r refused", reference)
        _log(payment=None, checksum_ok=False, accepted=False, outcome="bad checksum", **common)
        return {"errorCode": "97", "message": "Invalid checksum"}
    found = PaymentRequest.objects.filter(reference=reference, provider=Provider.PAYGOV).first()
    if found is None:
        _log(payment=None, checksum_ok=True, accepted=False, outcome="not found", **common)
        return {"errorCode": "01", "message": "Reference not found"}
    payment = _lock(found)
    if amount != payment.amount:
        logger.warning("PayGov callback for %s with amount %r refused", reference, amount)
        _log(payment=payment, checksum_ok=True, accepted=False, outcome="invalid amount", **common)
        return {"errorCode": "04", "message": "Invalid amount"}
    if payment.state == PaymentState.SUCCEEDED or (payment.finished and raw.get("errorCode") != paygov.SUCCESS):
        _log(payment=payment, checksum_ok=True, accepted=False, outcome="already finished", **common)
        return {"errorCode": "02", "message": "Already confirmed"}
    _log(payment=payment, checksum_ok=True, accepted=True, outcome=raw.get("errorCode", ""), **common)
    target = PaymentState.SUCCEEDED if raw.get("errorCode") == paygov.SUCCESS else PaymentState.FAILED
    _move(payment, target, now=now, provider_reference=raw.get("transactionId", ""))
    return {"errorCode": "00", "message": "Success"}


# ---- staff: cash, transfer confirmation, bank statement ------------------------------------------------------


def _require_receiver(actor: Any, dossier: Dossier) -> None:
    if access.staff_of(actor) is None or not access.can(
        actor, access.Permission.RECEIVE_DOSSIER, dossier.receiving_agency
    ):
        raise PermissionDenied(access.Permission.RECEIVE_DOSSIER.value)


@transaction.atomic
def payment_record_cash(
    *, dossier: Dossier, actor: Any, payer_name: str = "", at: dt.datetime | None = None
) -> PaymentRequest:
    """Thu tiền mặt tại quầy: the officer of the receiving agency records the unpaid lines as paid in cash."""
    now = at or timezone.now()
    _require_receiver(actor, dossier)
    previous = list(PaymentRequest.objects.select_for_update().filter(dossier=dossier, finished=False).order_by("pk"))
    locked = _lock_dossier(dossier)
    if locked.status in CLOSED_DOSSIER:
        raise Conflict(_("Hồ sơ đã kết thúc, không thể nộp phí."))
    fees = selectors.unpaid_fees(locked)
    if not fees:
        raise Conflict(_("Hồ sơ không còn khoản phí, lệ phí nào phải nộp."))
    for old in previous:
        _move(old, PaymentState.CANCELLED, now=now, actor=actor, reason="paid_in_cash")
    payment = PaymentRequest.objects.create(
        dossier=locked,
        reference=_new_reference(locked),
        amount=sum(fee.amount for fee in fees),
        provider=Provider.CASH,
        state=PaymentState.CREATED,
        created_at=now,
        expires_at=now,
        created_by=actor,
        payer_name=payer_name.strip() or locked.applicant_name,
    )
    payment.fees.set(fees)
    _announce(payment, "created", actor, "", now)
    _log(
        kind=PaymentTransaction.Kind.CASH,
        provider=Provider.CASH,
        payment=payment,
        reference=payment.reference,
        raw={"officer": actor.get_username()},
        checksum_ok=True,
        accepted=True,
        outcome="cash",
        amount=payment.amount,
        at=now,
    )
    return _move(payment, PaymentState.SUCCEEDED, now=now, actor=actor)


@transaction.atomic
def payment_confirm_transfer(*, payment: PaymentRequest, actor: Any, at: dt.datetime | None = None) -> PaymentRequest:
    """A staff member of the receiving agency saw the VietQR transfer on the account: the payment succeeded."""
    now = at or timezone.now()
    _require_receiver(actor, payment.dossier)
    locked = _lock(payment)
    if locked.provider != Provider.VIETQR:
        raise Conflict(_("Chỉ xác nhận được khoản chuyển khoản."))
    if locked.state == PaymentState.SUCCEEDED:
        raise Conflict(_("Khoản thanh toán này đã được xác nhận."))
    _log(
        kind=PaymentTransaction.Kind.MANUAL,
        provider=Provider.VIETQR,
        payment=locked,
        reference=locked.reference,
        raw={"officer": actor.get_username()},
        checksum_ok=True,
        accepted=True,
        outcome="confirmed by staff",
        amount=locked.amount,
        at=now,
    )
    return _move(locked, PaymentState.SUCCEEDED, now=now, actor=actor)


@dataclass(frozen=True)
class StatementRow:
    line: int
    reference: str
    amount: int | None
    bank_reference: str = ""


@dataclass
class StatementReport:
    confirmed: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    problems: list[tuple[int, str]] = field(default_factory=list)


_REFERENCE = re.compile(r"HS[0-9A-Z]+T\d+")


def parse_statement(text: str) -> list[StatementRow]:
    """CSV with a header: `reference` (or a description containing it), `amount`, optional `bank_reference`."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    names = {name.strip().lower(): name for name in reader.fieldnames or []}
    ref_col = names.get("reference") or names.get("description") or names.get("noi_dung")
    amount_col = names.get("amount") or names.get("so_tien")
    if ref_col is None or amount_col is None:
        raise InvalidInput(
            detail=_("Tệp sao kê phải có cột reference và amount."),
            errors=[FieldError("file", _("Tệp sao kê phải có cột reference và amount."))],
        )
    rows = []
    for number, row in enumerate(reader, start=2):
        memo = (row.get(ref_col) or "").upper().replace(" ", "")
        match = _REFERENCE.search(memo)
        digits = re.sub(r"[^0-9]", "", (row.get(amount_col) or "").split(",")[0])
        bank_ref = (row.get(names.get("bank_reference", ""), "") or "") if names.get("bank_reference") else ""
        rows.append(StatementRow(number, match.group(0) if match else memo, int(digits) if digits else None, bank_ref))
    return rows


def payment_import_statement(
    *, actor: Any, rows: Iterable[StatementRow], at: dt.datetime | None = None
) -> StatementReport:
    """Sao kê: each row that names a VietQR payment of the actor's agencies with the exact amount confirms it."""
    now = at or timezone.now()
    if access.staff_of(actor) is None or not access.can(actor, access.Permission.RECEIVE_DOSSIER):
        raise PermissionDenied(access.Permission.RECEIVE_DOSSIER.value)
    report = StatementReport()
    for row in rows:
        with transaction.atomic():
            found = PaymentRequest.objects.filter(reference=row.reference, provider=Provider.VIETQR).first()
            if found is None or not access.can(
                actor, access.Permission.RECEIVE_DOSSIER, found.dossier.receiving_agency
            ):
                report.problems.append(
                    (row.line, _("Không tìm thấy khoản thanh toán %(ref)s.") % {"ref": row.reference})
                )
                continue
            payment = _lock(found)
            raw = {
                "line": row.line,
                "reference": row.reference,
                "amount": row.amount,
                "bank_reference": row.bank_reference,
            }
            if row.amount != payment.amount:
                logger.warning("statement line %s: amount %r for %s refused", row.line, row.amount, row.reference)
                _log(
                    kind=PaymentTransaction.Kind.STATEMENT,
                    provider=Provider.VIETQR,
                    payment=payment,
                    reference=row.reference,
                    raw=raw,
                    checksum_ok=True,
                    accepted=False,
                    outcome="invalid amount",
                    amount=row.amount,
                    provider_reference=row.bank_reference,
                    at=now,
                )
                report.problems.append((row.line, _("Số tiền không khớp với khoản %(ref)s.") % {"ref": row.reference}))
                continue
            if payment.state == PaymentState.SUCCEEDED:
                report.already.append(row.reference)
                continue
            _log(
                kind=PaymentTransaction.Kind.STATEMENT,
                provider=Provider.VIETQR,
                payment=payment,
                reference=row.reference,
                raw=raw,
                checksum_ok=True,
                accepted=True,
                outcome="succeeded",
                amount=row.amount,
                provider_reference=row.bank_reference,
                at=now,
            )
            _move(payment, PaymentState.SUCCEEDED, now=now, actor=actor, provider_reference=row.bank_reference)
            report.confirmed.append(row.reference)
    return report


# ---- reconciliation ----------------------------------------------------------------------------------------


@dataclass
class ReconcileReport:
    queried: int = 0
    succeeded: int = 0
    failed: int = 0
    expired: int = 0


def query_destination(provider: str) -> str:
    """The reliable delivery's destination of a gateway's status queries: "payment:<provider>"."""
    return f"payment:{provider}"


def _reconcile_one(payment_id: int, now: dt.datetime, report: ReconcileReport) -> None:
    with transaction.atomic():
        payment = PaymentRequest.objects.select_for_update().select_related("dossier").get(pk=payment_id)
        if payment.finished:
            return
        if payment.provider == Provider.VNPAY:
            destination = delivery.destination_get(query_destination(Provider.VNPAY))
            try:
                result = delivery.call(
                    destination,
                    lambda: vnpay.PROVIDER.query(reference=payment.reference, created_at=payment.created_at),
                    now=now,
                )
            except delivery.CircuitOpen as exc:
                logger.info("querydr for %s not asked: %s", payment.reference, exc)
                return  # not asked, not expired: the next run asks
            except providers.GatewayUnavailable as exc:
                result = vnpay.QueryResult("unknown", "", "", None, {"error": str(exc)}, False)
            else:
                payment.last_queried_at = now  # a failed query leaves the payment to be asked again
                payment.save(update_fields=["last_queried_at"])
            report.queried += 1
            _log(
                kind=PaymentTransaction.Kind.QUERY,
                provider=Provider.VNPAY,
                payment=payment,
                reference=payment.reference,
                raw=result.raw,
                checksum_ok=result.checksum_ok,
                accepted=result.outcome in ("succeeded", "failed"),
                outcome=result.outcome,
                amount=result.amount,
                response_code=result.response_code,
                provider_reference=result.transaction_no,
                at=now,
            )
            if result.outcome == "succeeded":
                if result.amount != payment.amount:
                    logger.warning(
                        "querydr for %s reports amount %r: left for review", payment.reference, result.amount
                    )
                    return
                _move(payment, PaymentState.SUCCEEDED, now=now, provider_reference=result.transaction_no, via="query")
                report.succeeded += 1
                return
            if result.outcome == "failed":
                _move(payment, PaymentState.FAILED, now=now, provider_reference=result.transaction_no, via="query")
                report.failed += 1
                return
            if result.outcome == "unknown":
                return
        if payment.expires_at <= now:
            _move(payment, PaymentState.EXPIRED, now=now, via="reconcile")
            report.expired += 1


def payment_reconcile(*, now: dt.datetime | None = None, sweep: bool = False) -> ReconcileReport:
    """Đối soát: query the open payments older than 15 minutes (not yet queried, or all of them in the daily
    sweep); expire the ones past their expiry that the provider does not report as paid.

    The queries go through the gateway's circuit breaker ("payment:vnpay", `motcua.integrations.delivery`):
    while it is open nothing is asked and nothing expires; a query the gateway did not answer is logged and
    the payment stays to be asked at the next run, so no payment is lost to an outage.
    """
    moment = now or timezone.now()
    after = dt.timedelta(minutes=int(getattr(settings, "MOTCUA_PAYMENT_RECONCILE_AFTER_MINUTES", 15)))
    candidates = PaymentRequest.objects.filter(finished=False, created_at__lte=moment - after)
    if not sweep:
        candidates = candidates.filter(last_queried_at__isnull=True) | PaymentRequest.objects.filter(
            finished=False, expires_at__lte=moment
        )
    report = ReconcileReport()
    for payment_id in candidates.order_by("pk").values_list("pk", flat=True).distinct():
        try:
            _reconcile_one(payment_id, moment, report)
        except Exception:  # one broken payment must not stop the job
            logger.exception("reconciliation of payment %s failed", payment_id)
    return report
