"""The portal simulator's call log.

The destinations and delivery records moved to the integrations app (`motcua.integrations.models`, shared by
every outbound call); they are re-exported here for the code that imported them from this module.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from motcua.integrations.models import DeliveryRecord, Destination

__all__ = ["DeliveryRecord", "Destination", "SimulatedPortalCall"]


class SimulatedPortalCall(models.Model):
    """A request the local portal simulator received (for tests, the demo and the admin)."""

    endpoint = models.CharField(_("điểm cuối"), max_length=40)
    dossier_code = models.CharField(_("mã hồ sơ"), max_length=40, db_index=True)
    idempotency_key = models.CharField(_("khóa idempotency"), max_length=64, blank=True)
    body = models.JSONField(_("nội dung"), default=dict)
    http_status = models.PositiveSmallIntegerField(_("mã HTTP trả về"))
    error_code = models.CharField(_("mã lỗi trả về"), max_length=10, blank=True)
    received_at = models.DateTimeField(_("nhận lúc"), default=timezone.now)

    class Meta:
        verbose_name = _("lời gọi tới Cổng DVCQG mô phỏng")
        verbose_name_plural = _("lời gọi tới Cổng DVCQG mô phỏng")
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.endpoint} {self.dossier_code} {self.http_status}"
