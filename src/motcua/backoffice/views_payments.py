"""Staff payment pages: a dossier's payments, cash at the counter, VietQR confirmation, bank statement import."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from motcua.backoffice import guard
from motcua.core.errors import DomainError, NotFound
from motcua.core.money import amount_in_words
from motcua.dossiers import selectors as dossier_selectors
from motcua.dossiers.models import Dossier
from motcua.org import access
from motcua.payments import receipts, selectors, services
from motcua.payments.models import PaymentRequest


class CashForm(forms.Form):
    payer_name = forms.CharField(label=gettext_lazy("Người nộp tiền"), max_length=255, required=False)


class StatementForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Tệp sao kê (CSV: reference, amount)"))


def _dossier(request: HttpRequest, code: str) -> Dossier:
    try:
        return dossier_selectors.dossier_for(request.user, code)
    except NotFound as exc:
        raise Http404(_("Không tìm thấy hồ sơ, hoặc bạn không có quyền xem hồ sơ này.")) from exc


def _payment(dossier: Dossier, reference: str) -> PaymentRequest:
    found = selectors.payment_of(dossier, reference)
    if found is None:
        raise Http404(_("Không tìm thấy khoản thanh toán."))
    return found


def _page(request: HttpRequest, dossier: Dossier, status: int = 200) -> HttpResponse:
    fees = selectors.unpaid_fees(dossier)
    total = sum(fee.amount for fee in fees)
    return render(
        request,
        "backoffice/payments.html",
        {
            "dossier": dossier,
            "fees": fees,
            "total": total,
            "total_words": amount_in_words(total) if fees else "",
            "payments": list(selectors.payments_of(dossier)[:50]),
            "can_collect": access.can(request.user, access.Permission.RECEIVE_DOSSIER, dossier.receiving_agency),
            "cash_form": CashForm(),
        },
        status=status,
    )


@require_GET
@guard.staff_required
def dossier_payments(request: HttpRequest, code: str) -> HttpResponse:
    return _page(request, _dossier(request, code))


@require_POST
@guard.staff_required
def payment_cash(request: HttpRequest, code: str) -> HttpResponse:
    dossier = _dossier(request, code)
    form = CashForm(request.POST)
    form.is_valid()
    try:
        services.payment_record_cash(
            dossier=dossier, actor=request.user, payer_name=form.cleaned_data.get("payer_name", "")
        )
    except PermissionDenied:
        return render(request, "backoffice/denied.html", status=403)
    except DomainError as exc:
        messages.error(request, str(exc.detail))
        return _page(request, dossier, status=exc.status)
    messages.success(request, _("Đã ghi nhận thu tiền mặt."))
    return HttpResponseRedirect(reverse("backoffice:payments", args=[code]))


@require_POST
@guard.staff_required
def payment_confirm(request: HttpRequest, code: str, reference: str) -> HttpResponse:
    dossier = _dossier(request, code)
    found = _payment(dossier, reference)
    try:
        services.payment_confirm_transfer(payment=found, actor=request.user)
    except PermissionDenied:
        return render(request, "backoffice/denied.html", status=403)
    except DomainError as exc:
        messages.error(request, str(exc.detail))
        return _page(request, dossier, status=exc.status)
    messages.success(request, _("Đã xác nhận khoản chuyển khoản."))
    return HttpResponseRedirect(reverse("backoffice:payments", args=[code]))


@require_GET
@guard.staff_required
def payment_receipt(request: HttpRequest, code: str, reference: str) -> HttpResponse:
    found = _payment(_dossier(request, code), reference)
    try:
        pdf = receipts.receipt_pdf(found)
    except NotFound as exc:
        raise Http404(str(exc.detail)) from exc
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="bien-lai-{found.reference}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_http_methods(["GET", "POST"])
@guard.staff_required
def payment_statement(request: HttpRequest) -> HttpResponse:
    """Import a bank statement: each row with a payment reference and the exact amount confirms it."""
    if not access.can(request.user, access.Permission.RECEIVE_DOSSIER):
        return render(request, "backoffice/denied.html", status=403)
    form = StatementForm(request.POST or None, request.FILES or None)
    report = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                text = form.cleaned_data["file"].read().decode("utf-8-sig")
                rows = services.parse_statement(text)
                report = services.payment_import_statement(actor=request.user, rows=rows)
            except UnicodeDecodeError:
                form.add_error("file", _("Tệp phải là CSV mã hóa UTF-8."))
                status = 400
            except DomainError as exc:
                form.add_error("file", str(exc.detail))
                status = exc.status
        else:
            status = 400
    return render(request, "backoffice/payment_statement.html", {"form": form, "report": report}, status=status)
