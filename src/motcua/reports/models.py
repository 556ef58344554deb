"""Maintained statistics: per-dossier facts and per-(period, agency, procedure, field, channel) counters.

`DossierFacts` keeps, for every dossier, what it last contributed to the figures (its dimensions, the days its
events fall on and its indicator flags). When a dossier or one of its documents, fees, payments, results or
ratings changes, the new facts are computed, the difference with the stored facts is added to the counters
(in the same transaction) and the facts are replaced. The counters exist at three grains (day, month, year)
so that a figure over any period, and a balance since the beginning, sums a bounded number of rows.
`manage.py rebuild_stats` recomputes facts and counters from the dossiers and must give the same numbers.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from motcua.core import rows

#: The counters, in the order of the columns. Each is a sum over dossiers (see `motcua.reports.facts`).
COUNTERS: tuple[str, ...] = (
    # on the day of reception
    "received",
    "supplement_requests",
    "multi_supplement",
    "with_fees",
    "paid_online",
    "electronic_result",
    "digitised",
    "reused",
    "data_store",
    "population_data",
    "rated",
    "rating_points",
    "very_satisfied",
    "satisfied",
    "not_satisfied",
    # on the day processing ended
    "closed",
    "resolved_early",
    "resolved_on_time",
    "resolved_late",
    "refused",
    "withdrawn",
    "stopped",
    "rejected",
    "processing_minutes",
    "overdue_closed",
    # on the day the dossier is (or was) due
    "due",
)


class Figures(models.Model):
    """Counters of the dossiers of one agency, procedure, field and channel over one period of a grain."""

    period = models.DateField(_("kỳ (ngày đầu)"))
    agency_id = models.IntegerField(_("cơ quan"))
    procedure_id = models.IntegerField(_("thủ tục"))
    field_id = models.IntegerField(_("lĩnh vực"))
    channel = models.CharField(_("kênh nộp"), max_length=10)

    received = models.BigIntegerField(default=0)
    supplement_requests = models.BigIntegerField(default=0)
    multi_supplement = models.BigIntegerField(default=0)
    with_fees = models.BigIntegerField(default=0)
    paid_online = models.BigIntegerField(default=0)
    electronic_result = models.BigIntegerField(default=0)
    digitised = models.BigIntegerField(default=0)
    reused = models.BigIntegerField(default=0)
    data_store = models.BigIntegerField(default=0)
    population_data = models.BigIntegerField(default=0)
    rated = models.BigIntegerField(default=0)
    rating_points = models.BigIntegerField(default=0)
    very_satisfied = models.BigIntegerField(default=0)
    satisfied = models.BigIntegerField(default=0)
    not_satisfied = models.BigIntegerField(default=0)
    closed = models.BigIntegerField(default=0)
    resolved_early = models.BigIntegerField(default=0)
    resolved_on_time = models.BigIntegerField(default=0)
    resolved_late = models.BigIntegerField(default=0)
    refused = models.BigIntegerField(default=0)
    withdrawn = models.BigIntegerField(default=0)
    stopped = models.BigIntegerField(default=0)
    rejected = models.BigIntegerField(default=0)
    processing_minutes = models.BigIntegerField(default=0)
    overdue_closed = models.BigIntegerField(default=0)
    due = models.BigIntegerField(default=0)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.period} {self.agency_id}/{self.procedure_id}/{self.channel}"


class DayFigures(Figures):
    class Meta:
        verbose_name = _("số liệu theo ngày")
        verbose_name_plural = _("số liệu theo ngày")
        constraints = [
            models.UniqueConstraint(
                fields=["period", "agency_id", "procedure_id", "field_id", "channel"], name="reports_day_key"
            )
        ]
        indexes = [models.Index(fields=["agency_id", "period"], name="reports_day_agency")]


class MonthFigures(Figures):
    class Meta:
        verbose_name = _("số liệu theo tháng")
        verbose_name_plural = _("số liệu theo tháng")
        constraints = [
            models.UniqueConstraint(
                fields=["period", "agency_id", "procedure_id", "field_id", "channel"], name="reports_month_key"
            )
        ]
        indexes = [models.Index(fields=["agency_id", "period"], name="reports_month_agency")]


class YearFigures(Figures):
    class Meta:
        verbose_name = _("số liệu theo năm")
        verbose_name_plural = _("số liệu theo năm")
        constraints = [
            models.UniqueConstraint(
                fields=["period", "agency_id", "procedure_id", "field_id", "channel"], name="reports_year_key"
            )
        ]
        indexes = [models.Index(fields=["agency_id", "period"], name="reports_year_agency")]


class DossierFacts(rows.CompiledSave):
    """What one dossier last contributed to the counters; also the index the drill-down lists are read from."""

    dossier_id = models.BigIntegerField(primary_key=True)
    agency_id = models.IntegerField()
    procedure_id = models.IntegerField()
    field_id = models.IntegerField()
    channel = models.CharField(max_length=10)
    received_day = models.DateField(null=True)
    finished_day = models.DateField(null=True)
    due_day = models.DateField(null=True)
    #: how processing ended: "" (open), early, on_time, late (resolved), withdrawn, stopped, rejected
    ending = models.CharField(max_length=10, blank=True)
    refused = models.BooleanField(default=False)
    overdue = models.BooleanField(default=False, help_text="open and not paused, or ended after its due instant")
    minutes = models.IntegerField(default=0)
    supplement_requests = models.SmallIntegerField(default=0)
    flags = models.IntegerField(default=0)
    rating_points = models.SmallIntegerField(null=True)
    rating_overall = models.CharField(max_length=20, blank=True)

    class Meta:
        verbose_name = _("dữ kiện thống kê của hồ sơ")
        verbose_name_plural = _("dữ kiện thống kê của hồ sơ")
        indexes = [
            models.Index(fields=["agency_id", "received_day"], name="facts_agency_received"),
            models.Index(fields=["agency_id", "finished_day"], name="facts_agency_finished"),
            models.Index(fields=["agency_id", "due_day"], name="facts_agency_due"),
        ]

    def __str__(self) -> str:
        return str(self.dossier_id)


class Target(models.Model):
    """Chỉ tiêu: a rate an agency (or the province, agency empty) must reach in a year."""

    class Indicator(models.TextChoices):
        ON_TIME = "on_time_rate", _("Tỷ lệ hồ sơ giải quyết đúng hạn")
        ONLINE = "online_rate", _("Tỷ lệ hồ sơ trực tuyến")
        SERVICES_USED = "services_with_online_dossier_rate", _("Tỷ lệ DVC trực tuyến phát sinh hồ sơ")
        PROCEDURES_ONLINE = "procedures_online_rate", _("Tỷ lệ thủ tục cung cấp trực tuyến")
        ELECTRONIC_RESULT = "electronic_result_rate", _("Tỷ lệ hồ sơ có kết quả điện tử")
        PAID_ONLINE = "paid_online_rate", _("Tỷ lệ hồ sơ thanh toán trực tuyến")
        REUSED = "reused_rate", _("Tỷ lệ hồ sơ tái sử dụng dữ liệu")

    agency = models.ForeignKey(
        "org.Agency", verbose_name=_("cơ quan"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("năm"))
    indicator = models.CharField(_("chỉ tiêu"), max_length=40, choices=Indicator.choices)
    value = models.DecimalField(_("mức phải đạt (%)"), max_digits=5, decimal_places=2)

    class Meta:
        verbose_name = _("chỉ tiêu")
        verbose_name_plural = _("chỉ tiêu")
        ordering = ["year", "indicator"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "year", "indicator"], name="reports_target_once"),
            models.UniqueConstraint(
                fields=["year", "indicator"],
                condition=models.Q(agency__isnull=True),
                name="reports_province_target_once",
            ),
            models.CheckConstraint(condition=models.Q(value__gte=0, value__lte=100), name="reports_target_percent"),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.indicator} {self.value}"
