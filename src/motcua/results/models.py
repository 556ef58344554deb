"""Electronic results (kết quả giải quyết điện tử): the document an agency issues at the end of a dossier."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from motcua.dossiers.models import Dossier


class ResultDocument(models.Model):
    """Văn bản kết quả: a PDF attached or generated during processing, then signed by the agency leader.

    `file` keeps the unsigned PDF; `signed_file` the PAdES-signed copy, whose SHA-256 is `sha256`. `code` is
    the random, unguessable verification code printed as a QR code on the document (``/verify/<code>/``).
    """

    class Kind(models.TextChoices):
        DECISION = "decision", _("Quyết định")
        CERTIFICATE = "certificate", _("Giấy chứng nhận, giấy phép")
        OTHER = "other", _("Văn bản khác")

    class State(models.TextChoices):
        DRAFT = "draft", _("Chưa ký số")
        SIGNED = "signed", _("Đã ký số")

    dossier = models.ForeignKey(Dossier, verbose_name=_("hồ sơ"), on_delete=models.CASCADE, related_name="results")
    kind = models.CharField(_("loại kết quả"), max_length=12, choices=Kind.choices, default=Kind.DECISION)
    title = models.CharField(_("trích yếu"), max_length=500)
    code = models.CharField(_("mã xác thực"), max_length=40, unique=True)
    file = models.FileField(_("tệp chưa ký"), upload_to="results/draft/%Y/%m/", max_length=255)
    original_name = models.CharField(_("tên tệp"), max_length=255)
    signed_file = models.FileField(_("tệp đã ký"), upload_to="results/signed/%Y/%m/", max_length=255, blank=True)
    sha256 = models.CharField(_("SHA-256 của tệp đã ký"), max_length=64, blank=True)
    state = models.CharField(_("trạng thái"), max_length=10, choices=State.choices, default=State.DRAFT)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("người tạo"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người ký"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    signed_at = models.DateTimeField(_("ký lúc"), null=True, blank=True)
    signer_subject = models.CharField(_("chứng thư số của người ký"), max_length=500, blank=True)
    timestamped = models.BooleanField(_("có dấu thời gian"), default=False)

    class Meta:
        verbose_name = _("văn bản kết quả")
        verbose_name_plural = _("văn bản kết quả")
        ordering = ["dossier", "created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state="draft") | (~Q(sha256="") & Q(signed_at__isnull=False)),
                name="result_signed_has_hash_and_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dossier_id}: {self.title}"

    @property
    def is_signed(self) -> bool:
        return self.state == self.State.SIGNED
