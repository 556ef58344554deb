"""Dossiers filed on the national public service portal, as received, and the code mappings they need.

Every inbound dossier is kept with its raw payload whatever happens to it: created locally (a dossier in
the reception queue, channel online), waiting for a mapping (a procedure or agency code motcua does not
know: listed for administrators, processed again once the mapping exists), or invalid (the local rules
refuse it: the problems are listed). Nothing is dropped.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class InboundDossier(models.Model):
    class State(models.TextChoices):
        NEW = "new", _("Mới nhận")
        CREATED = "created", _("Đã tạo hồ sơ")
        UNMAPPED = "unmapped", _("Chưa ánh xạ mã")
        INVALID = "invalid", _("Không hợp lệ")

    source = models.CharField(_("nguồn"), max_length=20, default="dvcqg")
    external_code = models.CharField(_("mã hồ sơ trên Cổng"), max_length=60)
    payload = models.JSONField(_("dữ liệu nhận được"))
    state = models.CharField(_("trạng thái"), max_length=10, choices=State.choices, default=State.NEW)
    problems = models.JSONField(_("vấn đề"), default=list, blank=True)
    dossier = models.ForeignKey(
        "dossiers.Dossier", verbose_name=_("hồ sơ"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    attempts = models.PositiveIntegerField(_("số lần xử lý"), default=0)
    received_at = models.DateTimeField(_("nhận lúc"), auto_now_add=True)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    class Meta:
        verbose_name = _("hồ sơ từ Cổng quốc gia")
        verbose_name_plural = _("hồ sơ từ Cổng quốc gia")
        ordering = ["-received_at"]
        constraints = [models.UniqueConstraint(fields=["source", "external_code"], name="inbound_once_per_code")]
        indexes = [models.Index(fields=["state", "received_at"], name="inbound_state")]

    def __str__(self) -> str:
        return f"{self.source}:{self.external_code}"


class CodeMapping(models.Model):
    """A code of the national portal that differs from motcua's (procedure or agency)."""

    class Kind(models.TextChoices):
        PROCEDURE = "procedure", _("Thủ tục")
        AGENCY = "agency", _("Cơ quan")

    kind = models.CharField(_("loại mã"), max_length=10, choices=Kind.choices)
    external_code = models.CharField(_("mã trên Cổng"), max_length=80)
    local_code = models.CharField(_("mã trong hệ thống"), max_length=60)

    class Meta:
        verbose_name = _("ánh xạ mã")
        verbose_name_plural = _("ánh xạ mã")
        ordering = ["kind", "external_code"]
        constraints = [models.UniqueConstraint(fields=["kind", "external_code"], name="inbound_mapping_once")]

    def __str__(self) -> str:
        return f"{self.kind} {self.external_code} → {self.local_code}"
