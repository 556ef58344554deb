"""The sign-in backend (`AUTHENTICATION_BACKENDS`): Django's `ModelBackend`, with the signed-in user read by
a statement compiled once, together with their staff record and its agency.

Every signed-in request reads its user; every back-office request then read the staff record and, for the
access checks, its agency: three statements compiled by the ORM each time (docs/performance.md, seventh
session). `get_user` reads the three rows in one statement (`rows.Prepared`, outer joins: a citizen has no
staff record) and caches them on the user as `select_related` does, so `user.staff` and `staff.agency` cost
nothing more; the staff record's roles come with them (`org.models.roles_of`), so `staff.role_set` costs no
statement either, and so do whether the user has a confirmed second-factor device
(`org.access.second_factor_device`), which the back office asks on every page until a code is given, and
the number of their unread deadline alerts (`dossiers.selectors.unread_alerts`), which its menu shows. Passwords, permissions and `user_can_authenticate` are `ModelBackend`'s.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from motcua.core import rows
from motcua.dossiers.selectors import ALERTS_READ_WITH_USER, unread_alerts
from motcua.org.access import DEVICE_READ_WITH_USER, second_factor_device
from motcua.org.models import remember_roles, roles_of

BACKEND = "motcua.accounts.backends.AccountBackend"


def user_annotations(user: str, *, pages: bool = True) -> dict[str, Any]:
    """What is read with the user at `user` (a path from the outer query's model: `"pk"` from the user, `"user"`
    from a session) besides their staff record and agency: the staff record's roles and, for the back office's
    pages (`pages`), whether a second factor is set up and the unread alerts its menu shows (an API call needs
    neither). Each is kept on the user under its name (`adopt`)."""
    staff = "staff" if user == "pk" else f"{user}__staff"
    found: dict[str, Any] = {"staff_roles": roles_of(staff)}
    if pages:
        found.update({DEVICE_READ_WITH_USER: second_factor_device(user), ALERTS_READ_WITH_USER: unread_alerts(staff)})
    return found


def adopt(user: Any, read: Any = None) -> Any:
    """`user` as `user_with_staff` gives it: the values `user_annotations` read kept on it (from `read`, the
    row they were read with, if not the user) and its staff record's roles remembered."""
    if read is not None:
        for name in (*_PAGES_NAMES, "staff_roles"):
            if hasattr(read, name):
                setattr(user, name, getattr(read, name))
    staff = user._state.fields_cache.get("staff")  # read with the user: None for a citizen
    if staff is not None:
        remember_roles(staff, user.staff_roles)
    return user


_PAGES_NAMES = (DEVICE_READ_WITH_USER, ALERTS_READ_WITH_USER)


def _user_query(pages: bool) -> Any:
    model = get_user_model()
    return (
        model._default_manager.select_related("staff__agency")
        .annotate(**user_annotations("pk", pages=pages))
        .filter(pk=rows.param(model, model._meta.pk.name, "pk"))[:1]
    )


_USER = rows.Prepared(lambda: _user_query(pages=True))
_USER_OF_TOKEN = rows.Prepared(lambda: _user_query(pages=False))


def user_with_staff(user_id: Any, *, pages: bool = True) -> Any | None:
    """The user `user_id` with their staff record, its agency and its roles (one statement), active or not;
    None if there is none. The session's user (`AccountBackend`, when the session's own read did not bring
    it), with what the back office's pages ask (`pages`), and an API token's (`motcua.api.auth`, without)."""
    if user_id is None:
        return None
    user = (_USER if pages else _USER_OF_TOKEN).first(pk=user_id)
    return None if user is None else adopt(user)


class AccountBackend(ModelBackend):
    def get_user(self, user_id: Any) -> Any:
        """The active user `user_id` (from the session), with their staff record and agency; None otherwise.
        Read with the session itself when the request's session named them (`motcua.accounts.sessions`), else
        read now."""
        from motcua.accounts.sessions import user_read_with_session

        user = user_read_with_session(user_id)
        if user is None:
            user = user_with_staff(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None
