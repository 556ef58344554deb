"""Reads of the accounts app."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import QuerySet

from motcua.accounts.models import Profile
from motcua.org.models import AdministrativeUnit


def profile_for(user: Any) -> Profile | None:
    """The profile of a signed-in user (None for anonymous users and accounts without one, e.g. staff)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return Profile.objects.select_related("permanent_ward", "current_ward", "user").filter(user_id=user.pk).first()


def installation_province() -> AdministrativeUnit | None:
    """The province this installation serves (setting `MOTCUA_PROVINCE_CODE`), when it is loaded."""
    return AdministrativeUnit.objects.filter(
        code=settings.MOTCUA_PROVINCE_CODE, level=AdministrativeUnit.Level.PROVINCE
    ).first()


def province_wards() -> QuerySet[AdministrativeUnit]:
    """The communes and wards (in force) of the installation's province, by name; all of them without one."""
    wards = AdministrativeUnit.objects.filter(level=AdministrativeUnit.Level.COMMUNE, effective_to__isnull=True)
    province = installation_province()
    if province is not None:
        wards = wards.filter(parent=province)
    return wards.order_by("name")


def ward_by_code(code: str) -> AdministrativeUnit | None:
    if not code:
        return None
    return province_wards().filter(code=code).first()
