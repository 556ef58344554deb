"""Electronic receipt (biên lai thu phí, lệ phí) of a succeeded payment, as PDF (WeasyPrint, official header)."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext

from motcua.core.errors import NotFound
from motcua.core.money import amount_in_words, vnd
from motcua.dossiers import official_forms
from motcua.payments.models import PaymentRequest, PaymentState


def receipt_html(payment: PaymentRequest) -> str:
    if payment.state != PaymentState.SUCCEEDED or payment.paid_at is None:
        raise NotFound(gettext("Khoản thanh toán chưa thành công, chưa có biên lai."))
    dossier = payment.dossier
    agency = dossier.receiving_agency
    with translation.override(official_forms.LANGUAGE):
        lines = [
            {"name": fee.name, "kind": fee.get_kind_display(), "amount": vnd(fee.amount)}
            for fee in payment.fees.order_by("pk")
        ]
        context = {
            "title": gettext("BIÊN LAI THU PHÍ, LỆ PHÍ"),
            "header": official_forms.agency_header(agency),
            "date_line": official_forms.date_line(agency, payment.paid_at),
            "number": payment.reference,
            "payer": payment.payer_name or dossier.applicant_name,
            "address": official_forms.applicant_address(dossier),
            "code": dossier.code,
            "procedure": dossier.procedure_version.name,
            "lines": lines,
            "total": vnd(payment.amount),
            "total_words": amount_in_words(payment.amount),
            "method": payment.get_provider_display(),
            "provider_reference": payment.provider_reference,
            "paid_at": official_forms.short_datetime(payment.paid_at),
            "qr": official_forms.qr_data_uri(official_forms.public_lookup_url(dossier)),
        }
        return render_to_string("payments/receipt.html", context)


def receipt_pdf(payment: PaymentRequest) -> bytes:
    """The receipt as PDF bytes; NotFound unless the payment succeeded."""
    return official_forms.html_to_pdf(receipt_html(payment))
