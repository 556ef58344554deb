"""Reads for payments: unpaid fee lines, a dossier's payment requests, the agency's collecting account."""

from __future__ import annotations

from django.db.models import QuerySet

from motcua.dossiers.models import Dossier, DossierFee
from motcua.org.models import Agency
from motcua.payments.models import CollectingAccount, PaymentRequest, PaymentTransaction


def unpaid_fees(dossier: Dossier) -> list[DossierFee]:
    return list(dossier.fees.filter(paid_at__isnull=True).order_by("pk"))


def payments_of(dossier: Dossier) -> QuerySet[PaymentRequest]:
    return PaymentRequest.objects.filter(dossier=dossier).prefetch_related("fees").order_by("-created_at", "-pk")


def payment_of(dossier: Dossier, reference: str) -> PaymentRequest | None:
    return payments_of(dossier).filter(reference=reference).first()


def collecting_account(agency: Agency) -> CollectingAccount | None:
    return CollectingAccount.objects.filter(agency=agency, is_active=True).order_by("pk").first()


def transactions_of(payment: PaymentRequest) -> QuerySet[PaymentTransaction]:
    return payment.transactions.order_by("received_at", "pk")
