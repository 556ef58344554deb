"""Import of administrative units from the `vietnam-provinces` package (official post-2025 codes)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from vietnam_provinces import Province, VietNamDivisionType, Ward

from motcua.org.models import AdministrativeUnit

REFORM_DATE = dt.date(2025, 7, 1)

KIND_OF = {
    VietNamDivisionType.TINH: AdministrativeUnit.Kind.PROVINCE,
    VietNamDivisionType.THANH_PHO_TRUNG_UONG: AdministrativeUnit.Kind.MUNICIPALITY,
    VietNamDivisionType.XA: AdministrativeUnit.Kind.COMMUNE,
    VietNamDivisionType.PHUONG: AdministrativeUnit.Kind.WARD,
    VietNamDivisionType.DAC_KHU: AdministrativeUnit.Kind.SPECIAL_ZONE,
}


def province_code(code: int) -> str:
    return f"{code:02d}"


def ward_code(code: int) -> str:
    return f"{code:05d}"


@dataclass
class UnitImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def _upsert(report: UnitImportReport, code: str, values: dict[str, object]) -> AdministrativeUnit:
    unit = AdministrativeUnit.objects.filter(code=code).first()
    if unit is None:
        report.created += 1
        return AdministrativeUnit.objects.create(code=code, **values)
    changed = [name for name, value in values.items() if getattr(unit, name) != value]
    if changed:
        for name in changed:
            setattr(unit, name, values[name])
        unit.save(update_fields=changed)
        report.updated += 1
    else:
        report.unchanged += 1
    return unit


@transaction.atomic
def administrative_units_import(*, province: str | None = None) -> UnitImportReport:
    """Create or update the 34 provincial units and their communes (or one province's, by code).

    Units from the package are in force since 1 July 2025. Units that existed before (63 provinces,
    districts) can be added with an end date and a successor; they are never deleted, so old dossiers
    keep the unit they were received by. Running it twice changes nothing the second time.
    """
    report = UnitImportReport()
    for prov in Province.iter_all():
        code = province_code(int(prov.code))
        if province is not None and code != province_code(int(province)):
            continue
        parent = _upsert(
            report,
            code,
            {
                "name": prov.name,
                "codename": prov.codename,
                "kind": KIND_OF[prov.division_type],
                "level": AdministrativeUnit.Level.PROVINCE,
                "parent": None,
                "effective_from": REFORM_DATE,
            },
        )
        for ward in Ward.iter_by_province(prov.code):
            _upsert(
                report,
                ward_code(int(ward.code)),
                {
                    "name": ward.name,
                    "codename": ward.codename,
                    "kind": KIND_OF[ward.division_type],
                    "level": AdministrativeUnit.Level.COMMUNE,
                    "parent": parent,
                    "effective_from": REFORM_DATE,
                },
            )
    return report
