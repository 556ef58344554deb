"""The population database through the provincial data-sharing gateway (LGSP/NDXP), over HTTPS.

One POST per lookup with a JSON body (mapping.REQUEST); the answer is XML with one `CongDan` element, or
none when nothing matches. Any network error, timeout, non-200 status or `Error` element raises
PopulationUnavailable. Names are in mapping.py.
"""

from __future__ import annotations

import datetime as dt
import json
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET  # DOCTYPEs are refused before parsing: no entity expansion
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings

from motcua.core.text import fold
from motcua.integrations.population import mapping
from motcua.integrations.population.base import Address, Citizen, PopulationUnavailable, Relative

MAX_RESPONSE_BYTES = 1024 * 1024


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(element: ET.Element | None, name: str) -> ET.Element | None:
    if element is None:
        return None
    for child in element:
        if _local(child.tag) == name:
            return child
    return None


def _text(element: ET.Element | None, name: str) -> str:
    child = _child(element, name)
    if child is None:
        return ""
    if len(child):  # a nested value such as <NgayThangNamSinh><NgayThangNam>...</NgayThangNam>
        return " ".join(t.strip() for t in child.itertext() if t.strip())
    return (child.text or "").strip()


def _date(text: str) -> dt.date | None:
    for pattern in mapping.DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def _address(element: ET.Element | None) -> Address | None:
    if element is None:
        return None
    values = {ours: _text(element, theirs) for ours, theirs in mapping.ADDRESS.items()}
    if not any(values.values()):
        text = (element.text or "").strip()
        return Address(line=text, full=text) if text else None
    return Address(full=values["line"], **values)


def _person(element: ET.Element | None) -> Relative | None:
    if element is None:
        return None
    values = {ours: _text(element, theirs) for ours, theirs in mapping.PERSON.items()}
    if not values["full_name"]:
        return None
    values["nationality"] = mapping.NATIONALITY.get(values["nationality"], values["nationality"])
    return Relative(**values)


def parse_response(body: bytes) -> Citizen | None:
    """The citizen in a gateway answer, None when it holds no record; PopulationUnavailable on an error."""
    if b"<!DOCTYPE" in body.upper() or b"<!ENTITY" in body.upper():
        raise PopulationUnavailable("population gateway: DOCTYPE in the answer refused")
    try:
        root = ET.fromstring(body)  # noqa: S314  no DOCTYPE, hence no entities (checked above)
    except ET.ParseError as exc:
        raise PopulationUnavailable(f"population gateway: unreadable answer ({exc})") from exc
    if _local(root.tag) == mapping.ERROR_ELEMENT or _child(root, mapping.ERROR_ELEMENT) is not None:
        raise PopulationUnavailable("population gateway: error answer")
    record = root if _local(root.tag) == mapping.CITIZEN_ELEMENT else None
    if record is None:
        record = next((e for e in root.iter() if _local(e.tag) == mapping.CITIZEN_ELEMENT), None)
    if record is None or not _text(record, mapping.FIELDS["id_number"]):
        return None
    f = mapping.FIELDS

    def coded(name: str, table: dict[str, str]) -> str:
        value = _text(record, f[name])
        return table.get(value, value)

    return Citizen(
        id_number=_text(record, f["id_number"]),
        old_id_number=_text(record, f["old_id_number"]),
        full_name=_text(record, f["full_name"]),
        birth_date=_date(_text(record, f["birth_date"])),
        gender=coded("gender", mapping.GENDER),
        ethnicity=coded("ethnicity", mapping.ETHNICITY),
        religion=_text(record, f["religion"]),
        marital_status=coded("marital_status", mapping.MARITAL_STATUS),
        blood_group=_text(record, f["blood_group"]),
        nationality=coded("nationality", mapping.NATIONALITY) or "Việt Nam",
        birth_place=_text(record, f["birth_place"]),
        home_town=_text(record, f["home_town"]),
        permanent_address=_address(_child(record, f["permanent_address"])),
        current_address=_address(_child(record, f["current_address"])),
        father=_person(_child(record, f["father"])),
        mother=_person(_child(record, f["mother"])),
        spouse=_person(_child(record, f["spouse"])),
        representative=_person(_child(record, f["representative"])),
        household_head=_person(_child(record, f["household_head"])),
    )


class GatewayAdapter:
    name = "gateway"

    def __init__(
        self, *, url: str, token: str = "", integration_code: str = "", service_code: str = "", timeout: float = 10
    ) -> None:
        self.url = url
        self.token = token
        self.integration_code = integration_code
        self.service_code = service_code
        self.timeout = timeout

    @classmethod
    def from_settings(cls) -> GatewayAdapter:
        return cls(
            url=settings.MOTCUA_POPULATION_GATEWAY_URL,
            token=settings.MOTCUA_POPULATION_GATEWAY_TOKEN,
            integration_code=settings.MOTCUA_POPULATION_INTEGRATION_CODE,
            service_code=settings.MOTCUA_POPULATION_SERVICE_CODE,
            timeout=settings.MOTCUA_POPULATION_TIMEOUT,
        )

    def check(self) -> list[str]:
        problems = []
        if urlsplit(self.url).scheme not in ("http", "https"):
            problems.append("MOTCUA_POPULATION_GATEWAY_URL must be an http(s) address")
        if not self.integration_code or not self.service_code:
            problems.append("MOTCUA_POPULATION_INTEGRATION_CODE and MOTCUA_POPULATION_SERVICE_CODE are required")
        if self.timeout <= 0:
            problems.append("MOTCUA_POPULATION_TIMEOUT must be positive")
        return problems

    def request_body(
        self, *, id_number: str, full_name: str, birth_year: int, request_id: str, officer: str
    ) -> dict[str, Any]:
        values = {
            "request_id": request_id,
            "integration_code": self.integration_code,
            "service_code": self.service_code,
            "officer": officer,
            "id_number": id_number,
            "full_name": fold(full_name).upper(),
            "birth_year": str(birth_year),
        }
        return {mapping.REQUEST[key]: value for key, value in values.items()}

    def lookup(
        self, *, id_number: str, full_name: str, birth_year: int, request_id: str = "", officer: str = ""
    ) -> Citizen | None:
        problems = self.check()
        if problems:
            raise PopulationUnavailable("population gateway not configured: " + "; ".join(problems))
        body = json.dumps(
            self.request_body(
                id_number=id_number, full_name=full_name, birth_year=birth_year, request_id=request_id, officer=officer
            )
        ).encode()
        headers = {"Content-Type": "application/json", "Accept": "application/xml"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")  # noqa: S310  http(s) checked
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310  http(s) checked
                content = response.read(MAX_RESPONSE_BYTES + 1)
        except urllib.error.HTTPError as exc:
            raise PopulationUnavailable(f"population gateway: HTTP {exc.code}") from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise PopulationUnavailable(f"population gateway unreachable: {exc}") from exc
        if len(content) > MAX_RESPONSE_BYTES:
            raise PopulationUnavailable("population gateway: answer too large")
        citizen = parse_response(content)
        if citizen is None:
            return None
        # the gateway is asked with all three; check them again, as the simulator does
        if (
            citizen.id_number != id_number
            or fold(citizen.full_name) != fold(full_name)
            or citizen.birth_year not in (None, birth_year)
        ):
            return None
        return citizen
