"""The sign-in backend (`AUTHENTICATION_BACKENDS`): Django's `ModelBackend`, with the signed-in user read by
a statement compiled once, together with their staff record and its agency.

Every signed-in request reads its user; every back-office request then read the staff record and, for the
access checks, its agency: three statements compiled by the ORM each time (docs/performance.md, seventh
session). `get_user` reads the three rows in one statement (`rows.Prepared`, outer joins: a citizen has no
staff record) and caches them on the user as `select_related` does, so `user.staff` and `staff.agency` cost
nothing more. Passwords, permissions and `user_can_authenticate` are `ModelBackend`'s.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from motcua.core import rows

BACKEND = "motcua.accounts.backends.AccountBackend"


def _user_query() -> Any:
    model = get_user_model()
    return model._default_manager.select_related("staff__agency").filter(
        pk=rows.param(model, model._meta.pk.name, "pk")
    )[:1]


_USER = rows.Prepared(_user_query)


class AccountBackend(ModelBackend):
    def get_user(self, user_id: Any) -> Any:
        """The active user `user_id` (from the session), with their staff record and agency; None otherwise."""
        if user_id is None:
            return None
        user = _USER.first(pk=user_id)
        return user if user is not None and self.user_can_authenticate(user) else None
