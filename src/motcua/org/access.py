"""Access rules: who may see and do what on which agency's data.

One module, used by every feature. A permission is granted by roles; each role reaches a scope of agencies:

- province administrator and monitor: every agency of their province (province level and its communes);
- agency administrator and agency leader: their agency and the agencies under it;
- one-stop officer, specialist, division head: their own agency.

Superusers may do everything. Citizens and anonymous users hold no staff permission; what they may see
of their own data is decided by the feature (owner checks), never here.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Iterable
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import BooleanField, Exists, Expression, ExpressionWrapper, OuterRef, Q, QuerySet, Value

from motcua.core import rows
from motcua.org.models import AdministrativeUnit, Agency, Role, Staff


class Permission(StrEnum):
    VIEW_AGENCY_DATA = "org.view_agency_data"
    MANAGE_AGENCIES = "org.manage_agencies"
    MANAGE_STAFF = "org.manage_staff"
    MANAGE_CATALOG = "catalog.manage"
    PUBLISH_CATALOG = "catalog.publish"
    RECEIVE_DOSSIER = "dossier.receive"
    PROCESS_DOSSIER = "dossier.process"
    ASSIGN_DOSSIER = "dossier.assign"
    APPROVE_DOSSIER = "dossier.approve"
    RETURN_RESULT = "dossier.return_result"
    VIEW_REPORTS = "reports.view"


ALL_ROLES = frozenset(Role)

GRANTS: dict[Permission, frozenset[Role]] = {
    Permission.VIEW_AGENCY_DATA: ALL_ROLES,
    Permission.MANAGE_AGENCIES: frozenset({Role.PROVINCE_ADMIN}),
    Permission.MANAGE_STAFF: frozenset({Role.PROVINCE_ADMIN, Role.AGENCY_ADMIN}),
    Permission.MANAGE_CATALOG: frozenset({Role.PROVINCE_ADMIN, Role.AGENCY_ADMIN}),
    Permission.PUBLISH_CATALOG: frozenset({Role.PROVINCE_ADMIN}),
    Permission.RECEIVE_DOSSIER: frozenset({Role.ONE_STOP_OFFICER}),
    Permission.PROCESS_DOSSIER: frozenset({Role.SPECIALIST, Role.DIVISION_HEAD, Role.AGENCY_LEADER}),
    Permission.ASSIGN_DOSSIER: frozenset({Role.DIVISION_HEAD, Role.AGENCY_LEADER}),
    Permission.APPROVE_DOSSIER: frozenset({Role.AGENCY_LEADER}),
    Permission.RETURN_RESULT: frozenset({Role.ONE_STOP_OFFICER}),
    Permission.VIEW_REPORTS: frozenset({Role.MONITOR, Role.PROVINCE_ADMIN, Role.AGENCY_LEADER, Role.AGENCY_ADMIN}),
}

PROVINCE_WIDE_ROLES = frozenset({Role.PROVINCE_ADMIN, Role.MONITOR})
SUBTREE_ROLES = frozenset({Role.AGENCY_ADMIN, Role.AGENCY_LEADER})


def staff_of(user: Any) -> Staff | None:
    """The active staff record of a signed-in user, or None (anonymous users and citizens)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    try:
        staff: Staff = user.staff
    except Staff.DoesNotExist:
        return None
    if not staff.is_active or not user.is_active:
        return None
    return staff


def is_staff_member(user: Any) -> bool:
    return staff_of(user) is not None


def province_of(unit: AdministrativeUnit) -> AdministrativeUnit:
    return unit.province()


def _province_agencies(province: AdministrativeUnit) -> QuerySet[Agency]:
    return Agency.objects.filter(
        Q(administrative_unit=province)
        | Q(administrative_unit__parent=province)
        | Q(administrative_unit__parent__parent=province)
    )


def _subtree_ids(root_ids: Iterable[int]) -> set[int]:
    found = set(root_ids)
    frontier = set(found)
    while frontier:
        children = set(Agency.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)) - found
        found |= children
        frontier = children
    return found


def agencies_in_scope(user: Any, permission: Permission) -> QuerySet[Agency]:
    """Agencies on whose data `user` holds `permission`."""
    if user is not None and getattr(user, "is_superuser", False) and user.is_active:
        return Agency.objects.all()
    staff = staff_of(user)
    if staff is None:
        return Agency.objects.none()
    roles = {Role(r) for r in staff.role_set} & GRANTS[permission]
    if not roles:
        return Agency.objects.none()
    if roles & PROVINCE_WIDE_ROLES:
        return _province_agencies(province_of(staff.agency.administrative_unit))
    if roles & SUBTREE_ROLES:
        return Agency.objects.filter(pk__in=_subtree_ids([staff.agency_id]))
    return Agency.objects.filter(pk=staff.agency_id)


def agency_ids_in_scope(user: Any, permission: Permission) -> list[int]:
    """The ids of `agencies_in_scope`; without a query for the roles that reach only their own agency."""
    staff = staff_of(user)
    if staff is not None and not getattr(user, "is_superuser", False):
        roles = staff.role_set & GRANTS[permission]
        if not roles:
            return []
        if not roles & (PROVINCE_WIDE_ROLES | SUBTREE_ROLES):
            return [staff.agency_id]
    return list(agencies_in_scope(user, permission).values_list("pk", flat=True))


def can(user: Any, permission: Permission, agency: Agency | None = None) -> bool:
    """Whether `user` holds `permission`, on `agency` when one is given (anywhere otherwise)."""
    if not getattr(user, "is_superuser", False):
        # the common answers need no query: no role granting it, or the staff member's own agency
        staff = staff_of(user)
        if staff is None:
            return False
        roles = staff.role_set & GRANTS[permission]
        if not roles:
            return False
        if agency is None:
            if not roles & PROVINCE_WIDE_ROLES:
                return True  # "anywhere": their own agency is in the scope of an agency or subtree role
        elif agency.pk == staff.agency_id:
            return True
        elif not roles & (PROVINCE_WIDE_ROLES | SUBTREE_ROLES):
            return False  # own-agency roles only, and this is another agency
    scope = agencies_in_scope(user, permission)
    if agency is None:
        return scope.exists()
    return scope.filter(pk=agency.pk).exists()


def require(user: Any, permission: Permission, agency: Agency | None = None) -> None:
    """Raise PermissionDenied unless `can(user, permission, agency)`."""
    if not can(user, permission, agency):
        raise PermissionDenied(permission.value)


class PermissionAdminMixin:
    """Admin pages open to holders of `permission` anywhere (and superusers); deletion only if allowed."""

    permission: Permission = Permission.MANAGE_AGENCIES
    allow_delete = True

    def _granted(self, request: Any) -> bool:
        return bool(request.user.is_superuser or can(request.user, self.permission))

    def has_module_permission(self, request: Any) -> bool:
        return self._granted(request)

    def has_view_permission(self, request: Any, obj: Any = None) -> bool:
        return self._granted(request)

    def has_add_permission(self, request: Any, *args: Any) -> bool:
        return self._granted(request)

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return self._granted(request)

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return self.allow_delete and self._granted(request)


ADMIN_ROLES = frozenset({Role.PROVINCE_ADMIN, Role.AGENCY_ADMIN})


def is_administrator(user: Any) -> bool:
    """Superusers and province or agency administrators."""
    if getattr(user, "is_superuser", False):
        return True
    staff = staff_of(user)
    return staff is not None and bool(staff.role_set & ADMIN_ROLES)


def _confirmed_devices(model: Any) -> QuerySet[Any]:
    return model.objects.filter(user=rows.param(model, "user"), confirmed=True).order_by().values_list("pk")[:1]


# one read a kind of device (TOTP here), by SQL written once: every back-office page asks when the officer
# has not given a code in this session
_CONFIRMED_DEVICES: dict[Any, rows.Prepared] = {}

# The name under which a user read with `second_factor_device(...)` annotated holds the answer.
DEVICE_READ_WITH_USER = "second_factor_device"


def second_factor_device(user: str) -> Expression:
    """Whether the user at `user` (a path from the outer query's model, `OuterRef`) has a confirmed device of
    any kind django-otp knows: a boolean to annotate the user's own read with (as `DEVICE_READ_WITH_USER`),
    so that `has_second_factor_device` asks no statement of its own on every back-office page."""
    from django_otp import device_classes

    kinds = [Q(Exists(model.objects.filter(user=OuterRef(user), confirmed=True))) for model in device_classes()]
    if not kinds:
        return Value(False)
    return ExpressionWrapper(functools.reduce(operator.or_, kinds), output_field=BooleanField())


def has_second_factor_device(user: Any) -> bool:
    """Whether `user` has a confirmed second-factor device of any kind django-otp knows (read with the user
    when it was annotated by `second_factor_device`)."""
    from django_otp import device_classes

    if not getattr(user, "is_authenticated", False):
        return False
    known = getattr(user, DEVICE_READ_WITH_USER, None)
    if known is not None:
        return bool(known)
    for model in device_classes():
        confirmed = _CONFIRMED_DEVICES.get(model)
        if confirmed is None:
            confirmed = _CONFIRMED_DEVICES.setdefault(
                model, rows.Prepared(functools.partial(_confirmed_devices, model))
            )
        if confirmed.first(user=user.pk) is not None:
            return True
    return False


def second_factor_required(user: Any, *, has_device: bool | None = None) -> bool:
    """Whether signing in as `user` needs a one-time code: a device is set up, or the rule requires one.

    `has_device`: what `has_second_factor_device(user)` answered, when the caller has asked already."""
    if has_second_factor_device(user) if has_device is None else has_device:
        return True
    return bool(getattr(settings, "MOTCUA_ADMIN_2FA_REQUIRED", False)) and is_administrator(user)


def agency_subtree_ids(root_ids: Iterable[int]) -> set[int]:
    """The agencies `root_ids` and every agency under them."""
    return _subtree_ids(root_ids)
