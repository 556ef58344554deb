"""Recompute the statistics (per-dossier facts and day/month/year counters) from the dossiers."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from motcua.reports.rebuild import rebuild


class Command(BaseCommand):
    help = "Tính lại toàn bộ số liệu thống kê từ hồ sơ (recompute every statistic from the dossiers)."

    def handle(self, *args: Any, **options: Any) -> None:
        result = rebuild()
        self.stdout.write(
            f"{result.dossiers} dossiers; {result.day_rows} day, {result.month_rows} month, "
            f"{result.year_rows} year rows; {result.seconds} s"
        )
