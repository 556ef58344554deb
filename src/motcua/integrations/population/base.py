"""What every population-database adapter returns: a citizen's record (thông tin công dân), or nothing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Protocol

from django.utils.translation import gettext_lazy as _

from motcua.core.errors import DomainError


@dataclass(frozen=True)
class Address:
    """A residence (thường trú, nơi ở hiện tại): administrative codes, the detail line and the full text."""

    province_code: str = ""
    ward_code: str = ""
    district_code: str = ""  # before the 2025 reform; empty for newer records
    line: str = ""  # số nhà, đường, thôn, tổ
    full: str = ""  # the whole address as one line, as the registry writes it


@dataclass(frozen=True)
class Relative:
    """Father, mother, spouse, representative or household head (cha, mẹ, vợ/chồng, người đại diện, chủ hộ)."""

    full_name: str
    id_number: str = ""
    nationality: str = ""
    relationship: str = ""  # for the household head: the citizen's relation to them


@dataclass(frozen=True)
class Citizen:
    """A record of the national population database (Cơ sở dữ liệu quốc gia về dân cư)."""

    id_number: str
    full_name: str
    birth_date: dt.date | None
    gender: str  # "male" / "female" / "" (unknown), as accounts.Profile
    nationality: str = "Việt Nam"
    ethnicity: str = ""
    religion: str = ""
    marital_status: str = ""
    blood_group: str = ""
    old_id_number: str = ""
    birth_place: str = ""  # nơi đăng ký khai sinh
    home_town: str = ""  # quê quán
    permanent_address: Address | None = None
    current_address: Address | None = None
    father: Relative | None = None
    mother: Relative | None = None
    spouse: Relative | None = None
    representative: Relative | None = None
    household_head: Relative | None = None

    @property
    def birth_year(self) -> int | None:
        return self.birth_date.year if self.birth_date else None

    def as_source(self) -> dict[str, Any]:
        """The 'population' prefill source of e-forms (keys for `population.<key>` prefill hints)."""
        data: dict[str, Any] = {
            "id_number": self.id_number,
            "old_id_number": self.old_id_number,
            "full_name": self.full_name,
            "birth_date": self.birth_date.isoformat() if self.birth_date else "",
            "birth_year": self.birth_year,
            "gender": self.gender,
            "nationality": self.nationality,
            "ethnicity": self.ethnicity,
            "religion": self.religion,
            "marital_status": self.marital_status,
            "blood_group": self.blood_group,
            "birth_place": self.birth_place,
            "home_town": self.home_town,
        }
        for key, address in (("permanent", self.permanent_address), ("current", self.current_address)):
            if address is not None:
                data[f"{key}_address"] = address.full or address.line
                data[f"{key}_address_line"] = address.line
                data[f"{key}_ward_code"] = address.ward_code
                data[f"{key}_province_code"] = address.province_code
        for key, person in (
            ("father", self.father),
            ("mother", self.mother),
            ("spouse", self.spouse),
            ("representative", self.representative),
            ("household_head", self.household_head),
        ):
            if person is not None:
                data[f"{key}_name"] = person.full_name
                data[f"{key}_id_number"] = person.id_number
                data[f"{key}_nationality"] = person.nationality
        return {key: value for key, value in data.items() if value not in ("", None)}


class PopulationUnavailable(DomainError):
    """The population database did not answer (timeout, network, gateway error)."""

    def __init__(self, detail: str = "") -> None:
        super().__init__(
            detail=detail or str(_("Không kết nối được Cơ sở dữ liệu quốc gia về dân cư; vui lòng thử lại sau.")),
            status=503,
            title="Service unavailable",
        )


class PopulationAdapter(Protocol):
    """An adapter answers a lookup by personal ID, full name and birth year; None when nothing matches.

    Like the real service, a record is returned only when all three match; raises PopulationUnavailable when
    the remote system cannot be reached.
    """

    name: str

    def lookup(
        self, *, id_number: str, full_name: str, birth_year: int, request_id: str = "", officer: str = ""
    ) -> Citizen | None: ...

    def check(self) -> list[str]:
        """Configuration problems (empty when the adapter can be used)."""
        ...
