"""Dossiers (hồ sơ): what an applicant submits, its documents, fees, processing steps and timeline."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from motcua.catalog.models import CopyKind, FeeCollection, FeeKind, Procedure, ProcedureVersion
from motcua.core import rows
from motcua.core.choices import ChoiceLabels
from motcua.org.models import AdministrativeUnit, Agency, OrganisationalUnit, ReceptionPoint, Role, Staff


class Status(models.TextChoices):
    """Statuses of a dossier with their national codes (domain.md §4)."""

    SUBMITTED = "submitted", _("Mới nộp")
    RECEIVED = "received", _("Đã tiếp nhận")
    REJECTED = "rejected", _("Không tiếp nhận")
    PROCESSING = "processing", _("Đang xử lý")
    AWAITING_SUPPLEMENT = "awaiting_supplement", _("Chờ bổ sung")
    AWAITING_PAYMENT = "awaiting_payment", _("Chờ thực hiện nghĩa vụ tài chính")
    WITHDRAWN = "withdrawn", _("Công dân rút hồ sơ")
    STOPPED = "stopped", _("Dừng xử lý")
    PROCESSED = "processed", _("Đã có kết quả")
    RETURNED = "returned", _("Đã trả kết quả")


NATIONAL_STATUS_CODE: dict[str, int] = {
    Status.SUBMITTED: 1,
    Status.RECEIVED: 2,
    Status.REJECTED: 3,
    Status.PROCESSING: 4,
    Status.AWAITING_SUPPLEMENT: 5,
    Status.AWAITING_PAYMENT: 6,
    Status.WITHDRAWN: 7,
    Status.STOPPED: 8,
    Status.PROCESSED: 9,
    Status.RETURNED: 10,
}


class Channel(models.TextChoices):
    COUNTER = "counter", _("Trực tiếp")
    ONLINE = "online", _("Trực tuyến")
    POSTAL = "postal", _("Qua dịch vụ bưu chính")


NATIONAL_CHANNEL_CODE: dict[str, int] = {Channel.COUNTER: 1, Channel.ONLINE: 2, Channel.POSTAL: 3}


class ApplicantKind(models.TextChoices):
    CITIZEN = "citizen", _("Công dân")
    BUSINESS = "business", _("Doanh nghiệp")
    ORGANISATION = "organisation", _("Tổ chức")


class Delivery(models.TextChoices):
    COUNTER = "counter", _("Nhận tại Bộ phận Một cửa")
    POST = "post", _("Nhận qua dịch vụ bưu chính")
    ONLINE = "online", _("Nhận kết quả điện tử")


class Timeliness(models.TextChoices):
    EARLY = "early", _("Trước hạn")
    ON_TIME = "on_time", _("Đúng hạn")
    LATE = "late", _("Quá hạn")


class Outcome(models.TextChoices):
    GRANTED = "granted", _("Giải quyết")
    REFUSED = "refused", _("Từ chối giải quyết")


OPEN_STATUSES = (
    Status.SUBMITTED,
    Status.RECEIVED,
    Status.PROCESSING,
    Status.AWAITING_SUPPLEMENT,
    Status.AWAITING_PAYMENT,
)
FINISHED_STATUSES = (Status.REJECTED, Status.WITHDRAWN, Status.STOPPED, Status.PROCESSED, Status.RETURNED)


class Dossier(ChoiceLabels, rows.CompiledSave):
    """Hồ sơ thủ tục hành chính."""

    code = models.CharField(_("mã hồ sơ"), max_length=40, unique=True)
    procedure = models.ForeignKey(Procedure, verbose_name=_("thủ tục"), on_delete=models.PROTECT, related_name="+")
    procedure_version = models.ForeignKey(
        ProcedureVersion, verbose_name=_("phiên bản thủ tục"), on_delete=models.PROTECT, related_name="dossiers"
    )
    channel = models.CharField(_("kênh nộp"), max_length=10, choices=Channel.choices)
    reception_point = models.ForeignKey(
        ReceptionPoint, verbose_name=_("điểm tiếp nhận"), null=True, blank=True, on_delete=models.PROTECT
    )
    receiving_agency = models.ForeignKey(
        Agency, verbose_name=_("cơ quan tiếp nhận"), on_delete=models.PROTECT, related_name="received_dossiers"
    )
    competent_agency = models.ForeignKey(
        Agency, verbose_name=_("cơ quan có thẩm quyền"), on_delete=models.PROTECT, related_name="competent_dossiers"
    )

    applicant_kind = models.CharField(_("loại người nộp"), max_length=15, choices=ApplicantKind.choices)
    applicant_name = models.CharField(_("tên người nộp"), max_length=255)
    applicant_id_number = models.CharField(_("số định danh / mã số thuế"), max_length=20, blank=True)
    applicant_birth_date = models.DateField(_("ngày sinh"), null=True, blank=True)
    applicant_phone = models.CharField(_("điện thoại"), max_length=20, blank=True)
    applicant_email = models.EmailField(_("thư điện tử"), blank=True)
    applicant_ward = models.ForeignKey(
        AdministrativeUnit,
        verbose_name=_("xã, phường"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    applicant_address = models.CharField(_("địa chỉ"), max_length=255, blank=True)
    owner_name = models.CharField(_("chủ hồ sơ (nếu khác người nộp)"), max_length=255, blank=True)
    owner_id_number = models.CharField(_("số định danh chủ hồ sơ"), max_length=20, blank=True)
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("tài khoản công dân"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="dossiers",
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người tạo"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    form_data = models.JSONField(_("dữ liệu tờ khai"), default=dict, blank=True)
    delivery_method = models.CharField(
        _("hình thức nhận kết quả"), max_length=10, choices=Delivery.choices, default=Delivery.COUNTER
    )
    delivery_ward = models.ForeignKey(
        AdministrativeUnit,
        verbose_name=_("xã, phường nhận"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    delivery_address = models.CharField(_("địa chỉ nhận kết quả"), max_length=255, blank=True)

    status = models.CharField(_("trạng thái"), max_length=20, choices=Status.choices, default=Status.SUBMITTED)
    status_before_pause = models.CharField(max_length=20, choices=Status.choices, blank=True)
    submitted_at = models.DateTimeField(_("nộp lúc"))
    reception_due_at = models.DateTimeField(_("hạn tiếp nhận"), null=True, blank=True)
    received_at = models.DateTimeField(_("tiếp nhận lúc"), null=True, blank=True)
    due_at = models.DateTimeField(_("hẹn trả kết quả"), null=True, blank=True)
    original_due_at = models.DateTimeField(_("hạn ban đầu"), null=True, blank=True)
    finished_at = models.DateTimeField(_("kết thúc xử lý lúc"), null=True, blank=True)
    returned_at = models.DateTimeField(_("trả kết quả lúc"), null=True, blank=True)
    paused_at = models.DateTimeField(_("tạm dừng từ"), null=True, blank=True)
    paused_minutes = models.PositiveIntegerField(_("thời gian tạm dừng (phút làm việc)"), default=0)
    supplement_count = models.PositiveSmallIntegerField(_("số lần yêu cầu bổ sung"), default=0)
    supplement_during_processing = models.PositiveSmallIntegerField(default=0)
    extended_at = models.DateTimeField(_("gia hạn lúc"), null=True, blank=True)
    extension_reason = models.TextField(_("lý do gia hạn"), blank=True)
    timeliness = models.CharField(_("tiến độ"), max_length=10, choices=Timeliness.choices, blank=True)
    outcome = models.CharField(_("kết quả giải quyết"), max_length=10, choices=Outcome.choices, blank=True)
    outcome_reason = models.TextField(_("lý do"), blank=True)
    current_step = models.ForeignKey(
        "DossierStep",
        verbose_name=_("bước hiện tại"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # whether a step of the internal process was at an agency that neither received nor decides the dossier:
    # only such dossiers need the (slow) pass-through test of who may see them (selectors.dossiers_visible_to)
    crosses_agencies = models.BooleanField(default=False, db_default=False, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    revision = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("hồ sơ")
        verbose_name_plural = _("hồ sơ")
        ordering = ["-submitted_at"]
        indexes = [
            models.Index(fields=["receiving_agency", "status", "due_at"], name="dossier_recv_status_due"),
            models.Index(fields=["competent_agency", "status", "due_at"], name="dossier_comp_status_due"),
            models.Index(fields=["account", "-submitted_at"], name="dossier_account_recent"),
            models.Index(fields=["status", "reception_due_at"], name="dossier_reception_due"),
            # the lists, newest first (staff lists and the API walk it and stop after a page)
            models.Index(fields=["-submitted_at", "-id"], name="dossier_recent"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(received_at__isnull=True) | Q(received_at__gte=models.F("submitted_at")),
                name="dossier_received_after_submitted",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["processed", "returned"]) | ~Q(outcome=""),
                name="dossier_processed_has_outcome",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def status_code(self) -> int:
        return NATIONAL_STATUS_CODE[self.status]

    @property
    def channel_code(self) -> int:
        return NATIONAL_CHANNEL_CODE[self.channel]

    @property
    def paused(self) -> bool:
        return self.paused_at is not None

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def reception_overdue(self, now: dt.datetime) -> bool:
        """An online dossier neither received nor sent back within its 8 working hours."""
        return reception_overdue(self.status, self.reception_due_at, now)


def reception_overdue(status: str, reception_due_at: dt.datetime | None, now: dt.datetime) -> bool:
    """`Dossier.reception_overdue` on a dossier's two columns (lists that read them without the model)."""
    return status == Status.SUBMITTED and reception_due_at is not None and reception_due_at < now


class Document(ChoiceLabels, rows.CompiledSave):
    """Thành phần hồ sơ đã nộp: a file for one component of the procedure."""

    dossier = models.ForeignKey(Dossier, verbose_name=_("hồ sơ"), on_delete=models.CASCADE, related_name="documents")
    component_code = models.CharField(_("mã thành phần"), max_length=30)
    component_name = models.CharField(_("tên thành phần"), max_length=500)
    copy_kind = models.CharField(_("loại bản"), max_length=20, choices=CopyKind.choices, default=CopyKind.ELECTRONIC)
    file = models.FileField(_("tệp"), upload_to="dossiers/%Y/%m/", max_length=255)
    original_name = models.CharField(_("tên tệp"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    digitised = models.BooleanField(_("đã số hóa"), default=False)
    reused = models.BooleanField(_("tái sử dụng"), default=False)
    supplement_round = models.PositiveSmallIntegerField(default=0)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("giấy tờ")
        verbose_name_plural = _("giấy tờ")
        ordering = ["dossier", "component_code", "created_at"]

    def __str__(self) -> str:
        return f"{self.component_code}: {self.original_name}"


class Upload(rows.CompiledSave):
    """A file uploaded before it is attached to a dossier.

    Exactly one principal owns it, and only that principal may attach it to a dossier: a user (`owner`), an
    API client (`client`), or motcua itself (`system`: a file fetched from a national platform and attached in
    the same transaction). The database refuses a row with none or with two of them.
    """

    file = models.FileField(upload_to="uploads/%Y/%m/", max_length=255)
    name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.CASCADE, related_name="+")
    client = models.ForeignKey(
        "clients.ApiClient", null=True, blank=True, on_delete=models.CASCADE, related_name="uploads"
    )
    system = models.BooleanField(default=False)
    used_by = models.ForeignKey(Dossier, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("tệp tải lên")
        verbose_name_plural = _("tệp tải lên")
        constraints = [
            models.CheckConstraint(
                condition=Q(owner__isnull=False, client__isnull=True, system=False)
                | Q(owner__isnull=True, client__isnull=False, system=False)
                | Q(owner__isnull=True, client__isnull=True, system=True),
                name="upload_exactly_one_principal",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class DossierFee(models.Model):
    """A fee line of the dossier, copied from the procedure version at submission (never from the client)."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="fees")
    name = models.CharField(max_length=500)
    kind = models.CharField(max_length=10, choices=FeeKind.choices)
    amount = models.PositiveBigIntegerField()
    collected_at = models.CharField(max_length=12, choices=FeeCollection.choices)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("phí, lệ phí của hồ sơ")
        verbose_name_plural = _("phí, lệ phí của hồ sơ")
        ordering = ["dossier", "pk"]

    def __str__(self) -> str:
        return f"{self.name}: {self.amount}"


class DossierStep(ChoiceLabels, rows.CompiledSave):
    """One step of the internal electronic process, as it happened to this dossier."""

    class State(models.TextChoices):
        ACTIVE = "active", _("Đang xử lý")
        DONE = "done", _("Đã chuyển")
        SENT_BACK = "sent_back", _("Trả lại")
        CANCELLED = "cancelled", _("Hủy")

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="steps")
    sequence = models.PositiveSmallIntegerField()
    position = models.PositiveSmallIntegerField(help_text="index of the step in the process definition")
    name = models.CharField(max_length=255)
    role = models.CharField(max_length=30, choices=Role.choices)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(OrganisationalUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    assignee = models.ForeignKey(Staff, null=True, blank=True, on_delete=models.SET_NULL, related_name="steps")
    allowed_actions = models.JSONField(default=list)
    state = models.CharField(max_length=10, choices=State.choices, default=State.ACTIVE)
    started_at = models.DateTimeField()
    due_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    on_time = models.BooleanField(null=True)

    class Meta:
        ordering = ["dossier", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["dossier", "sequence"], name="dossier_step_sequence_unique"),
            models.UniqueConstraint(fields=["dossier"], condition=Q(state="active"), name="dossier_one_active_step"),
        ]
        indexes = [
            models.Index(fields=["assignee", "state", "due_at"], name="step_assignee_state_due"),
            # the inboxes: the active steps an officer holds, and the role queues (steps nobody holds yet)
            # (covering the id on PostgreSQL: an index-only scan; the planner otherwise walks every active step)
            models.Index(
                fields=["assignee", "due_at"],
                name="step_held_active",
                condition=Q(state="active"),
                include=["id", "name"],  # the name: the inbox shows it (dossiers.selectors.inbox)
            ),
            models.Index(
                fields=["agency", "role", "due_at"],
                name="step_unassigned_queue",
                condition=Q(state="active", assignee__isnull=True),
                include=["id", "name"],
            ),
            # the inbox's "sent back" tab: which of the officer's dossiers had a step sent back (a small share
            # of the steps; through the dossier index it read every step of 200 dossiers, 1 ms a page)
            models.Index(fields=["dossier"], name="step_sent_back", condition=Q(state="sent_back")),
        ]

    def __str__(self) -> str:
        return f"{self.dossier_id}#{self.sequence} {self.name}"


class DailySequence(models.Model):
    """The last number given in a dossier code per receiving agency and day (gap-free, reset daily)."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agency", "day"], name="daily_sequence_unique")]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.day}: {self.last}"


class DeadlineAlert(models.Model):
    """Cảnh báo hạn xử lý: a staff member was told that a step or a dossier is due soon or late.

    Written by the periodic jobs of `motcua.dossiers.deadlines`; unique per dossier, step, kind and recipient,
    so running a job again never alerts twice.
    """

    class Kind(models.TextChoices):
        STEP_DUE_SOON = "step_due_soon", _("Sắp đến hạn")
        STEP_OVERDUE = "step_overdue", _("Quá hạn bước")
        DOSSIER_OVERDUE = "dossier_overdue", _("Hồ sơ quá hạn")
        RECEPTION_OVERDUE = "reception_overdue", _("Quá hạn tiếp nhận trực tuyến")
        APOLOGY_NEEDED = "apology_needed", _("Cần xin lỗi, hẹn lại")

    dossier = models.ForeignKey(
        Dossier, verbose_name=_("hồ sơ"), on_delete=models.CASCADE, related_name="deadline_alerts"
    )
    step = models.ForeignKey(
        DossierStep, verbose_name=_("bước"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("loại cảnh báo"), max_length=20, choices=Kind.choices)
    recipient = models.ForeignKey(
        Staff, verbose_name=_("người nhận"), on_delete=models.CASCADE, related_name="deadline_alerts"
    )
    created_at = models.DateTimeField(_("tạo lúc"))
    due_at = models.DateTimeField(_("thời hạn"))
    read_at = models.DateTimeField(_("đã đọc lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("cảnh báo hạn xử lý")
        verbose_name_plural = _("cảnh báo hạn xử lý")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["dossier", "step", "kind", "recipient"],
                condition=Q(step__isnull=False),
                name="deadline_alert_unique_step",
            ),
            models.UniqueConstraint(
                fields=["dossier", "kind", "recipient"],
                condition=Q(step__isnull=True),
                name="deadline_alert_unique_dossier",
            ),
        ]
        indexes = [models.Index(fields=["recipient", "read_at"], name="deadline_alert_inbox")]

    def __str__(self) -> str:
        return f"{self.dossier_id} {self.kind} → {self.recipient_id}"


class DossierDraft(models.Model):
    """Hồ sơ nháp: an online submission being prepared by a citizen; saved at each step, resumed later."""

    account = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("tài khoản"), on_delete=models.CASCADE, related_name="drafts"
    )
    procedure_version = models.ForeignKey(
        ProcedureVersion, verbose_name=_("phiên bản thủ tục"), on_delete=models.CASCADE, related_name="+"
    )
    agency_code = models.CharField(_("cơ quan giải quyết"), max_length=40, blank=True)
    receiving_agency_code = models.CharField(_("nơi tiếp nhận"), max_length=40, blank=True)
    # kind, full_name, id_number, birth_date (ISO), phone, email, ward_code, address_line
    applicant = models.JSONField(_("người nộp"), default=dict, blank=True)
    form_data = models.JSONField(_("dữ liệu tờ khai"), default=dict, blank=True)
    # [{"component": code, "upload": upload id, "reused": bool}]
    documents = models.JSONField(default=list, blank=True)
    delivery_method = models.CharField(max_length=10, choices=Delivery.choices, default=Delivery.ONLINE)
    delivery_ward_code = models.CharField(max_length=10, blank=True)
    delivery_address = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("hồ sơ nháp")
        verbose_name_plural = _("hồ sơ nháp")
        ordering = ["-updated_at"]

    def __str__(self) -> str:
        return f"{self.account_id}: {self.procedure_version_id}"


class StoredDocument(models.Model):
    """Kho dữ liệu cá nhân: a document or result of a citizen, kept to be reused in later dossiers."""

    class Source(models.TextChoices):
        SUBMITTED = "submitted", _("Giấy tờ đã nộp")
        RESULT = "result", _("Kết quả giải quyết")

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("chủ sở hữu"),
        on_delete=models.CASCADE,
        related_name="stored_documents",
    )
    component_code = models.CharField(_("mã thành phần"), max_length=30, blank=True)
    name = models.CharField(_("tên giấy tờ"), max_length=500)
    file = models.FileField(upload_to="store/%Y/%m/", max_length=255)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    source = models.CharField(_("nguồn"), max_length=10, choices=Source.choices, default=Source.SUBMITTED)
    dossier = models.ForeignKey(Dossier, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("giấy tờ trong kho dữ liệu cá nhân")
        verbose_name_plural = _("kho dữ liệu cá nhân")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["owner", "sha256"], name="stored_document_once_per_owner")]

    def __str__(self) -> str:
        return self.name


class SatisfactionRating(models.Model):
    """Đánh giá mức độ hài lòng: 9 indicators of 0, 1 or 2 points (domain.md §4) and an overall rating."""

    class Overall(models.TextChoices):
        VERY_SATISFIED = "very_satisfied", _("Rất hài lòng")
        SATISFIED = "satisfied", _("Hài lòng")
        NOT_SATISFIED = "not_satisfied", _("Không hài lòng")

    class Channel(models.TextChoices):
        ONLINE = "online", _("Trực tuyến")
        KIOSK = "kiosk", _("Máy đánh giá tại quầy")

    dossier = models.OneToOneField(Dossier, on_delete=models.CASCADE, related_name="rating")
    rated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    scores = models.JSONField(help_text="nine integers 0..2, in the order of the indicators")
    total = models.PositiveSmallIntegerField()
    overall = models.CharField(_("đánh giá chung"), max_length=20, choices=Overall.choices)
    comment = models.TextField(_("góp ý"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("đánh giá mức độ hài lòng")
        verbose_name_plural = _("đánh giá mức độ hài lòng")
        constraints = [models.CheckConstraint(condition=Q(total__lte=18), name="rating_total_at_most_18")]

    def __str__(self) -> str:
        return f"{self.dossier_id}: {self.total}/18"


def steps_elsewhere() -> QuerySet[DossierStep]:
    """The outer dossier's steps at an agency other than its receiving and competent agencies."""
    return (
        DossierStep.objects.filter(dossier=OuterRef("pk"))
        .exclude(agency_id=OuterRef("receiving_agency_id"))
        .exclude(agency_id=OuterRef("competent_agency_id"))
    )


def mark_crossing_dossiers(dossiers: QuerySet[Dossier]) -> int:
    """Set `crosses_agencies` on those of `dossiers` with a step elsewhere (bulk loads; the services set it
    step by step)."""
    return dossiers.filter(crosses_agencies=False).filter(Exists(steps_elsewhere())).update(crosses_agencies=True)
