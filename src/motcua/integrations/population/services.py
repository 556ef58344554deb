"""Looking a citizen up in the population database: checked input, access, and a log row for every lookup."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.core.errors import FieldError, InvalidInput
from motcua.integrations.models import PopulationLookup
from motcua.integrations.population.base import Citizen, PopulationUnavailable
from motcua.integrations.population.registry import get_adapter
from motcua.org import access

ID_NUMBER_RE = re.compile(r"^\d{12}$")
CITIZEN_DAILY_LIMIT = 20  # lookups a citizen account may make in 24 hours (staff: no limit)


def _check_input(id_number: str, full_name: str, birth_year: Any, purpose: str) -> list[FieldError]:
    errors = []
    if not ID_NUMBER_RE.match(id_number):
        errors.append(FieldError("id_number", _("Số định danh cá nhân phải gồm đúng 12 chữ số.")))
    if not full_name.strip():
        errors.append(FieldError("full_name", _("Nhập họ và tên.")))
    this_year = timezone.localdate().year
    if not isinstance(birth_year, int) or isinstance(birth_year, bool) or not 1900 <= birth_year <= this_year:
        errors.append(FieldError("birth_year", _("Năm sinh phải từ 1900 đến %(year)s.") % {"year": this_year}))
    if not purpose.strip():
        errors.append(FieldError("purpose", _("Nêu mục đích tra cứu.")))
    return errors


def _check_actor(actor: Any, now: dt.datetime) -> None:
    if not getattr(actor, "is_authenticated", False) or not getattr(actor, "is_active", False):
        raise PermissionDenied("population_lookup")
    if getattr(actor, "is_superuser", False):
        return
    if access.staff_of(actor) is not None:
        if not (
            access.can(actor, access.Permission.RECEIVE_DOSSIER) or access.can(actor, access.Permission.PROCESS_DOSSIER)
        ):
            raise PermissionDenied("population_lookup")
        return
    recent = PopulationLookup.objects.filter(actor=actor, at__gte=now - dt.timedelta(hours=24)).count()
    if recent >= CITIZEN_DAILY_LIMIT:
        raise PermissionDenied("population_lookup_limit")


def population_lookup(
    *,
    actor: Any,
    id_number: str,
    full_name: str,
    birth_year: int,
    purpose: str,
    dossier_code: str = "",
) -> Citizen | None:
    """Tra cứu thông tin công dân: the record when ID, name and birth year all match, None otherwise.

    Officers who receive or process dossiers may look anyone up (with a purpose, ideally a dossier code);
    a citizen account may too (for prefilling its forms), at most CITIZEN_DAILY_LIMIT times a day. Every
    lookup is logged (PopulationLookup), found or not; an unreachable service is logged and raises
    PopulationUnavailable.
    """
    id_number = id_number.strip()
    errors = _check_input(id_number, full_name, birth_year, purpose)
    if errors:
        raise InvalidInput(detail=_("Thông tin tra cứu chưa hợp lệ."), errors=errors)
    now = timezone.now()
    _check_actor(actor, now)
    adapter = get_adapter()
    request_id = uuid.uuid4().hex
    log = PopulationLookup(
        actor=actor,
        actor_name=actor.get_username(),
        dossier_code=dossier_code.strip()[:60],
        purpose=purpose.strip()[:255],
        id_number=id_number,
        birth_year=birth_year,
        adapter=adapter.name,
        request_id=request_id,
        at=now,
    )
    try:
        citizen = adapter.lookup(
            id_number=id_number,
            full_name=full_name.strip(),
            birth_year=birth_year,
            request_id=request_id,
            officer=actor.get_username(),
        )
    except PopulationUnavailable as exc:
        log.result = PopulationLookup.Result.ERROR
        log.detail = str(exc.detail)[:255]
        log.save()
        raise
    log.result = PopulationLookup.Result.FOUND if citizen is not None else PopulationLookup.Result.NOT_FOUND
    log.save()
    return citizen
