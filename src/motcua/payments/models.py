"""Payments (thanh toán phí, lệ phí): collecting accounts, payment requests and their transactions.

A `PaymentRequest` is one attempt to collect some unpaid fee lines of a dossier through one provider. Its amount
is the sum of those lines (copied from the procedure version at submission, never from the client). Each message
exchanged with a provider (return, IPN, callback, query, statement row, counter entry) is kept as a
`PaymentTransaction`, including the rejected ones (bad checksum, wrong amount) for the audit.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from motcua.dossiers.models import Dossier, DossierFee
from motcua.org.models import Agency

# words that mark an account holder as an organisation (the account must not be a personal account)
ORGANISATION_WORDS = (
    "KHO BẠC",
    "KHO BAC",
    "ỦY BAN",
    "UỶ BAN",
    "UY BAN",
    "UBND",
    "SỞ",
    "SO ",
    "TRUNG TÂM",
    "TRUNG TAM",
    "CÔNG AN",
    "CONG AN",
    "CHI CỤC",
    "CHI CUC",
    "CỤC",
    "BAN ",
    "PHÒNG",
    "PHONG",
    "VĂN PHÒNG",
    "VAN PHONG",
    "BỆNH VIỆN",
    "TRƯỜNG",
    "CƠ QUAN",
)


def looks_like_organisation(holder: str) -> bool:
    """Whether an account holder's name reads as an agency or organisation, not a person."""
    text = f" {' '.join(holder.upper().split())} "
    return any(f" {word.strip()} " in text for word in ORGANISATION_WORDS)


class CollectingAccount(models.Model):
    """Tài khoản chuyên thu of an agency: where VietQR transfers go. Personal accounts are refused."""

    agency = models.ForeignKey(
        Agency, verbose_name=_("cơ quan"), on_delete=models.CASCADE, related_name="collecting_accounts"
    )
    bank_bin = models.CharField(
        _("mã BIN ngân hàng"), max_length=6, validators=[RegexValidator(r"^\d{6}$", _("Mã BIN gồm 6 chữ số."))]
    )
    bank_name = models.CharField(_("tên ngân hàng"), max_length=200)
    account_number = models.CharField(
        _("số tài khoản"),
        max_length=19,
        validators=[RegexValidator(r"^[0-9A-Za-z]{4,19}$", _("Số tài khoản chỉ gồm chữ và số (4–19 ký tự)."))],
    )
    account_holder = models.CharField(_("chủ tài khoản"), max_length=200)
    is_organisation = models.BooleanField(
        _("tài khoản của tổ chức"),
        default=False,
        help_text=_("Xác nhận đây là tài khoản của cơ quan, tổ chức; không dùng tài khoản cá nhân."),
    )
    is_active = models.BooleanField(_("đang dùng"), default=True)

    class Meta:
        verbose_name = _("tài khoản thu")
        verbose_name_plural = _("tài khoản thu")
        ordering = ["agency", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency"], condition=Q(is_active=True), name="payments_one_active_account_per_agency"
            ),
            models.CheckConstraint(condition=Q(is_organisation=True), name="payments_account_is_organisation"),
        ]

    def __str__(self) -> str:
        return f"{self.bank_name} {self.account_number} ({self.account_holder})"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if not self.is_organisation:
            errors["is_organisation"] = str(_("Chỉ dùng tài khoản của cơ quan, tổ chức."))
        if self.account_holder and not looks_like_organisation(self.account_holder):
            errors["account_holder"] = str(
                _("Tên chủ tài khoản phải là tên cơ quan, tổ chức (ví dụ: Kho bạc Nhà nước, Sở, Ủy ban nhân dân).")
            )
        if errors:
            raise ValidationError(errors)


class Provider(models.TextChoices):
    VNPAY = "vnpay", _("VNPAY")
    PAYGOV = "paygov", _("Nền tảng thanh toán quốc gia (PayGov)")
    VIETQR = "vietqr", _("Chuyển khoản VietQR")
    CASH = "cash", _("Tiền mặt tại Bộ phận Một cửa")


class PaymentState(models.TextChoices):
    CREATED = "created", _("Đã tạo")
    PENDING = "pending", _("Đang chờ thanh toán")
    SUCCEEDED = "succeeded", _("Đã thanh toán")
    FAILED = "failed", _("Không thành công")
    CANCELLED = "cancelled", _("Đã hủy")
    EXPIRED = "expired", _("Hết hạn")


FINISHED_STATES = frozenset({PaymentState.SUCCEEDED, PaymentState.FAILED, PaymentState.CANCELLED, PaymentState.EXPIRED})
OPEN_STATES = frozenset({PaymentState.CREATED, PaymentState.PENDING})


class PaymentRequest(models.Model):
    """Yêu cầu thanh toán: some fee lines of one dossier, collected through one provider."""

    dossier = models.ForeignKey(
        Dossier, verbose_name=_("hồ sơ"), on_delete=models.PROTECT, related_name="payment_requests"
    )
    fees = models.ManyToManyField(DossierFee, verbose_name=_("khoản phí, lệ phí"), related_name="payment_requests")
    reference = models.CharField(_("mã thanh toán"), max_length=40, unique=True)
    amount = models.PositiveBigIntegerField(_("số tiền (đồng)"))
    provider = models.CharField(_("hình thức"), max_length=10, choices=Provider.choices)
    state = models.CharField(_("trạng thái"), max_length=10, choices=PaymentState.choices, default=PaymentState.CREATED)
    finished = models.BooleanField(_("đã kết thúc"), default=False)
    created_at = models.DateTimeField(_("tạo lúc"), default=timezone.now)
    expires_at = models.DateTimeField(_("hết hạn lúc"))
    paid_at = models.DateTimeField(_("thanh toán lúc"), null=True, blank=True)
    finished_at = models.DateTimeField(_("kết thúc lúc"), null=True, blank=True)
    last_queried_at = models.DateTimeField(_("đối soát lần cuối"), null=True, blank=True)
    provider_reference = models.CharField(_("mã giao dịch của bên thanh toán"), max_length=100, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    payer_name = models.CharField(_("người nộp tiền"), max_length=255, blank=True)
    note = models.TextField(_("ghi chú"), blank=True)

    class Meta:
        verbose_name = _("yêu cầu thanh toán")
        verbose_name_plural = _("yêu cầu thanh toán")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["finished", "provider", "created_at"], name="payments_open_by_provider")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payments_amount_positive"),
            models.CheckConstraint(
                condition=(
                    Q(finished=True, state__in=sorted(s.value for s in FINISHED_STATES))
                    | Q(finished=False, state__in=sorted(s.value for s in OPEN_STATES))
                ),
                name="payments_finished_matches_state",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} ({self.get_state_display()})"

    def is_expired(self, now: object = None) -> bool:
        moment = now or timezone.now()
        return not self.finished and self.expires_at <= moment  # type: ignore[operator]


class PaymentTransaction(models.Model):
    """One message of a provider about a payment (or a counter / statement entry); kept even when rejected."""

    class Kind(models.TextChoices):
        RETURN = "return", _("Trang kết quả")
        IPN = "ipn", _("Thông báo IPN")
        CALLBACK = "callback", _("Thông báo kết quả")
        QUERY = "query", _("Truy vấn đối soát")
        MANUAL = "manual", _("Cán bộ xác nhận")
        STATEMENT = "statement", _("Sao kê ngân hàng")
        CASH = "cash", _("Thu tiền mặt")

    request = models.ForeignKey(
        PaymentRequest, null=True, blank=True, on_delete=models.PROTECT, related_name="transactions"
    )
    kind = models.CharField(_("loại"), max_length=10, choices=Kind.choices)
    provider = models.CharField(_("hình thức"), max_length=10, choices=Provider.choices)
    reference = models.CharField(_("mã thanh toán nhận được"), max_length=100, blank=True)
    provider_reference = models.CharField(_("mã giao dịch"), max_length=100, blank=True)
    amount = models.BigIntegerField(_("số tiền (đồng)"), null=True, blank=True)
    response_code = models.CharField(_("mã kết quả"), max_length=10, blank=True)
    checksum_ok = models.BooleanField(_("chữ ký hợp lệ"), default=False)
    accepted = models.BooleanField(_("được chấp nhận"), default=False)
    outcome = models.CharField(_("xử lý"), max_length=200, blank=True)
    raw = models.JSONField(_("dữ liệu gốc"), default=dict, blank=True)
    received_at = models.DateTimeField(_("nhận lúc"), default=timezone.now)

    class Meta:
        verbose_name = _("giao dịch thanh toán")
        verbose_name_plural = _("giao dịch thanh toán")
        ordering = ["-received_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.kind} {self.reference} {self.response_code}"


class SimulatedPayment(models.Model):
    """What the local VNPAY simulator "knows" about a payment, so that `querydr` can answer (dev and tests)."""

    txn_ref = models.CharField(max_length=100, unique=True)
    amount = models.BigIntegerField()  # VND × 100, as VNPAY keeps it
    transaction_no = models.CharField(max_length=20)
    response_code = models.CharField(max_length=2)
    pay_date = models.CharField(max_length=14)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("giao dịch mô phỏng VNPAY")
        verbose_name_plural = _("giao dịch mô phỏng VNPAY")

    def __str__(self) -> str:
        return f"{self.txn_ref} {self.response_code}"
