"""Records of the connectors to outside systems."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def mask_id_number(value: str) -> str:
    """'052090001234' -> '********1234': what lists show of a personal ID."""
    return "*" * max(len(value) - 4, 0) + value[-4:]


class PopulationLookup(models.Model):
    """One question to the population database (tra cứu Cơ sở dữ liệu quốc gia về dân cư): who, why, what.

    The full ID is stored for audit; lists and pages show it masked. The name asked is not stored.
    Rows are never changed.
    """

    class Result(models.TextChoices):
        FOUND = "found", _("Có thông tin")
        NOT_FOUND = "not_found", _("Không có thông tin khớp")
        ERROR = "error", _("Lỗi kết nối")

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người tra cứu"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_name = models.CharField(_("tài khoản tra cứu"), max_length=150)
    dossier_code = models.CharField(_("mã hồ sơ"), max_length=60, blank=True, db_index=True)
    purpose = models.CharField(_("mục đích"), max_length=255)
    id_number = models.CharField(_("số định danh cá nhân"), max_length=12, db_index=True)
    birth_year = models.PositiveSmallIntegerField(_("năm sinh"))
    adapter = models.CharField(_("nguồn"), max_length=30)
    request_id = models.CharField(_("mã yêu cầu"), max_length=40)
    result = models.CharField(_("kết quả"), max_length=10, choices=Result.choices)
    detail = models.CharField(_("chi tiết"), max_length=255, blank=True)
    at = models.DateTimeField(_("lúc"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("lượt tra cứu dân cư")
        verbose_name_plural = _("lượt tra cứu dân cư")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["actor", "at"], name="population_lookup_actor_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.id_number_masked}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and PopulationLookup.objects.filter(pk=self.pk).exists():
            raise ValidationError(_("Nhật ký tra cứu không được sửa."))
        super().save(*args, **kwargs)

    @property
    def id_number_masked(self) -> str:
        return mask_id_number(self.id_number)
