"""The sign-in backend, the session engine and the OTP middleware: the same answers as Django's and
django-otp's, each hot read one statement (docs/performance.md, seventh session), the session and its user
one together (twelfth session)."""

from __future__ import annotations

import datetime as dt
import importlib
from types import SimpleNamespace
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore as DjangoSessionStore
from django.contrib.sessions.models import Session as DjangoSession
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from motcua.accounts.backends import AccountBackend
from motcua.accounts.middleware import OTPMiddleware
from motcua.accounts.models import Session
from motcua.accounts.sessions import SessionStore
from motcua.org import access
from motcua.org.models import Role, Staff, StaffRole
from tests.factories import UserFactory, make_staff

pytestmark = pytest.mark.django_db


# ---- the backend -----------------------------------------------------------------------------------------


def test_get_user_reads_the_user_with_staff_record_and_agency_in_one_statement() -> None:
    staff = make_staff(Role.SPECIALIST)
    with CaptureQueriesContext(connection) as queries:
        user = AccountBackend().get_user(staff.user.pk)
        assert user == staff.user
        assert access.staff_of(user) == staff
        assert user.staff.agency == staff.agency
    assert len(queries) == 1, [q["sql"] for q in queries]


@pytest.mark.parametrize(
    "roles", [(Role.SPECIALIST,), (Role.ONE_STOP_OFFICER, Role.DIVISION_HEAD, Role.AGENCY_LEADER), ()]
)
def test_the_staff_record_s_roles_come_with_the_user(roles: tuple[str, ...]) -> None:
    """`role_set` (every back-office request asks it) is read with the user, as the ORM reads it."""
    UserFactory.create_batch(3)  # the user's id and the staff record's differ: the roles are the staff record's
    staff = make_staff(*roles)
    make_staff(Role.MONITOR, agency=staff.agency)  # another officer's roles are not theirs
    assert staff.pk != staff.user.pk
    with CaptureQueriesContext(connection) as queries:
        user = AccountBackend().get_user(staff.user.pk)
        assert user.staff.role_set == frozenset(roles)
        assert access.can(user, access.Permission.VIEW_REPORTS) is (Role.AGENCY_LEADER in roles)
    assert len(queries) == 1, [q["sql"] for q in queries]
    assert Staff.objects.get(pk=staff.pk).role_set == frozenset(roles)  # the other read agrees
    StaffRole.objects.create(staff=staff, role=Role.MONITOR)  # a role granted counts at the next request
    assert AccountBackend().get_user(staff.user.pk).staff.role_set == frozenset(roles) | {Role.MONITOR}
    StaffRole.objects.filter(staff=staff).delete()  # and a role taken away
    assert AccountBackend().get_user(staff.user.pk).staff.role_set == frozenset()


def test_a_citizen_has_no_staff_record_and_costs_no_second_read() -> None:
    citizen = UserFactory()
    with CaptureQueriesContext(connection) as queries:
        user = AccountBackend().get_user(citizen.pk)
        assert user == citizen
        assert access.staff_of(user) is None
        with pytest.raises(Staff.DoesNotExist):
            user.staff  # noqa: B018
    assert len(queries) == 1


def test_inactive_unknown_and_impossible_users_are_nobody() -> None:
    inactive = UserFactory(is_active=False)
    backend = AccountBackend()
    assert backend.get_user(inactive.pk) is None
    assert backend.get_user(inactive.pk + 1000) is None
    assert backend.get_user(2**70) is None  # beyond the column: no match, no error


def test_a_changed_password_ends_the_other_sessions() -> None:
    """Django checks the session's password hash against the user the backend gives."""
    staff = make_staff(Role.SPECIALIST)
    staff.user.set_password("Cũ-2026!")
    staff.user.save()
    client = Client()
    client.force_login(staff.user, backend="motcua.accounts.backends.AccountBackend")
    assert client.get("/can-bo/").status_code == 200
    staff.user.set_password("Mới-2026!")
    staff.user.save()
    assert client.get("/can-bo/").status_code == 302


# ---- the session engine ----------------------------------------------------------------------------------


def _page_statements(client: Client, path: str) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        answer = client.get(path)
    assert answer.status_code == 200, answer.status_code
    return [q["sql"] for q in queries]


def test_a_page_reads_the_session_and_its_officer_in_one_statement() -> None:
    staff = make_staff(Role.SPECIALIST)
    client = Client()
    client.force_login(staff.user)
    assert Session.objects.get(session_key=client.session.session_key).user_id == staff.user.pk
    statements = _page_statements(client, "/can-bo/")
    reading_users = [sql for sql in statements if '"auth_user"' in sql and "org_staff" in sql]
    assert len(reading_users) == 1 and "accounts_session" in reading_users[0], statements
    assert not any('FROM "auth_user"' in sql for sql in statements)  # no read of the user of its own


def test_the_user_read_with_the_session_is_what_the_backend_reads() -> None:
    staff = make_staff(Role.SPECIALIST, Role.DIVISION_HEAD)
    TOTPDevice.objects.create(user=staff.user, name="phone", confirmed=True)
    client = Client()
    client.force_login(staff.user)
    store = SessionStore(client.session.session_key)
    store.load()
    user = store.user_read_with(staff.user.pk)
    alone = AccountBackend().get_user(staff.user.pk)
    assert user == alone == staff.user and user is not alone
    assert access.staff_of(user) == staff and user.staff.agency == staff.agency
    assert user.staff.role_set == alone.staff.role_set == frozenset({Role.SPECIALIST, Role.DIVISION_HEAD})
    assert access.has_second_factor_device(user) is access.has_second_factor_device(alone) is True
    assert user.unread_alerts == alone.unread_alerts == 0
    assert user.password == alone.password
    assert store.user_read_with(staff.user.pk + 1) is None  # another user: nothing


def test_an_anonymous_session_reads_no_user_and_keeps_its_values() -> None:
    store = SessionStore()
    store["greeting"] = "xin chào"
    store.save()
    assert Session.objects.get(session_key=store.session_key).user_id is None
    again = SessionStore(store.session_key)
    assert again["greeting"] == "xin chào"
    assert again.user_read_with(None) is None


def test_signing_in_and_out_writes_the_session_s_user() -> None:
    citizen = UserFactory()
    citizen.set_password("Mật-khẩu-2026!")
    citizen.save()
    client = Client()
    client.get("/")  # an anonymous session first, if the page keeps one
    assert client.login(username=citizen.username, password="Mật-khẩu-2026!")
    key = client.session.session_key
    assert Session.objects.get(session_key=key).user_id == citizen.pk
    client.logout()
    assert not Session.objects.filter(session_key=key).exists()
    assert not Session.objects.filter(user=citizen).exists()


def test_a_session_whose_column_names_another_user_is_signed_in_by_its_data() -> None:
    """The column only saves a read: Django's own rule (the data's user, its back end, its password hash) decides
    who is signed in; a column that disagrees costs the user's own read."""
    staff = make_staff(Role.SPECIALIST)
    other = make_staff(Role.SPECIALIST)
    client = Client()
    client.force_login(staff.user)
    Session.objects.filter(session_key=client.session.session_key).update(user=other.user)
    statements = _page_statements(client, "/can-bo/")
    assert any('FROM "auth_user"' in sql for sql in statements)  # read on its own
    answer = client.get("/can-bo/")
    assert answer.wsgi_request.user == staff.user


def test_a_deactivated_or_deleted_account_is_signed_out_at_its_next_request() -> None:
    staff = make_staff(Role.SPECIALIST)
    client = Client()
    client.force_login(staff.user)
    assert client.get("/can-bo/").status_code == 200
    get_user_model().objects.filter(pk=staff.user.pk).update(is_active=False)
    assert client.get("/can-bo/").status_code == 302
    citizen = UserFactory()
    client = Client()
    client.force_login(citizen)
    key = client.session.session_key
    citizen.delete()
    assert not Session.objects.filter(session_key=key).exists()  # its sessions go with it


@pytest.mark.django_db(transaction=True)
def test_a_session_naming_an_account_that_is_gone_is_still_saved(monkeypatch: pytest.MonkeyPatch) -> None:
    """The user column has no constraint in the database: a session whose data names an account deleted
    meanwhile is saved (Django's `create` would retry a refused insert for ever) and signs nobody in."""
    new_key = SessionStore._get_new_session_key
    tries = []

    def counted(self: SessionStore) -> str:
        tries.append(1)
        assert len(tries) < 5, "the insert was refused and retried"
        return new_key(self)

    monkeypatch.setattr(SessionStore, "_get_new_session_key", counted)
    store = SessionStore()
    store.update({"_auth_user_id": "987654321", "_auth_user_backend": "motcua.accounts.backends.AccountBackend"})
    store.save(must_create=True)
    assert Session.objects.get(session_key=store.session_key).user_id == 987654321
    client = Client()
    client.cookies["sessionid"] = store.session_key or ""
    assert client.get("/can-bo/").status_code == 302


def test_the_user_read_with_a_session_serves_only_its_own_request() -> None:
    """Outside `AuthenticationMiddleware`'s sign-in there is no session to take a user from: the backend reads."""
    staff = make_staff(Role.SPECIALIST)
    client = Client()
    client.force_login(staff.user)
    client.get("/can-bo/")
    with CaptureQueriesContext(connection) as queries:
        assert AccountBackend().get_user(staff.user.pk) == staff.user
    assert len(queries) == 1 and 'FROM "auth_user"' in queries[0]["sql"]


def test_an_expired_or_unknown_session_is_empty_and_its_key_forgotten() -> None:
    store = SessionStore()
    store["greeting"] = "xin chào"
    store.save()
    Session.objects.filter(session_key=store.session_key).update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    expired = SessionStore(store.session_key)
    assert expired.load() == {} and expired.session_key is None
    unknown = SessionStore("k" * 32)
    assert unknown.load() == {} and unknown.session_key is None


# ---- the OTP middleware ----------------------------------------------------------------------------------


def _verified_user(session: dict[str, Any], user: Any) -> Any:
    request = RequestFactory().get("/can-bo/")
    request.session = session  # type: ignore[assignment]
    request.user = user
    OTPMiddleware(lambda r: None)._install_lazy_accessors(request)
    return request.user


def test_the_officer_s_own_confirmed_device_verifies_them() -> None:
    staff = make_staff(Role.SPECIALIST)
    device = TOTPDevice.objects.create(user=staff.user, name="phone", confirmed=True)
    session = {DEVICE_ID_SESSION_KEY: device.persistent_id}
    with CaptureQueriesContext(connection) as queries:
        user = _verified_user(session, staff.user)
        assert user.is_verified() and user.otp_device == device
    assert len(queries) == 1


@pytest.mark.parametrize("case", ["another user's", "unconfirmed", "unknown", "not a number", "another kind"])
def test_any_other_device_id_verifies_nobody_and_leaves_the_session(case: str) -> None:
    staff = make_staff(Role.SPECIALIST)
    other = make_staff(Role.SPECIALIST)
    theirs = TOTPDevice.objects.create(user=other.user, name="phone", confirmed=True)
    unconfirmed = TOTPDevice.objects.create(user=staff.user, name="new", confirmed=False)
    persistent_id = {
        "another user's": theirs.persistent_id,
        "unconfirmed": unconfirmed.persistent_id,
        "unknown": f"{TOTPDevice.model_label()}/{theirs.pk + 100}",
        "not a number": f"{TOTPDevice.model_label()}/x1",
        "another kind": f"otp_static.staticdevice/{theirs.pk}",
    }[case]
    session = {DEVICE_ID_SESSION_KEY: persistent_id}
    user = _verified_user(session, staff.user)
    assert not user.is_verified() and user.otp_device is None
    assert DEVICE_ID_SESSION_KEY not in session


def test_the_settings_use_them() -> None:
    from django.conf import settings

    assert settings.AUTHENTICATION_BACKENDS[0] == "motcua.accounts.backends.AccountBackend"
    assert settings.SESSION_ENGINE == "motcua.accounts.sessions"
    assert "motcua.accounts.sessions.AuthenticationMiddleware" in settings.MIDDLEWARE
    assert "motcua.accounts.middleware.OTPMiddleware" in settings.MIDDLEWARE
    assert get_user_model()._meta.pk.name == "id"


def test_only_a_confirmed_device_of_one_s_own_counts_as_a_second_factor() -> None:
    staff = make_staff(Role.SPECIALIST)
    other = make_staff(Role.SPECIALIST)
    TOTPDevice.objects.create(user=other.user, name="phone", confirmed=True)
    TOTPDevice.objects.create(user=staff.user, name="new", confirmed=False)
    assert not access.has_second_factor_device(staff.user)
    assert not access.has_second_factor_device(AnonymousUser())
    TOTPDevice.objects.create(user=staff.user, name="phone", confirmed=True)
    with CaptureQueriesContext(connection) as queries:
        assert access.has_second_factor_device(staff.user)
    assert len(queries) == 1


def test_whether_the_user_has_a_device_comes_with_the_user() -> None:
    """The back office asks on every page until a code is given: read with the user, no statement of its own;
    a device confirmed or removed counts at the next request."""
    staff = make_staff(Role.SPECIALIST)
    other = make_staff(Role.SPECIALIST)
    TOTPDevice.objects.create(user=other.user, name="phone", confirmed=True)  # someone else's
    TOTPDevice.objects.create(user=staff.user, name="new", confirmed=False)  # not confirmed
    with CaptureQueriesContext(connection) as queries:
        user = AccountBackend().get_user(staff.user.pk)
        assert access.has_second_factor_device(user) is False
    assert len(queries) == 1, [q["sql"] for q in queries]
    with CaptureQueriesContext(connection) as queries:
        assert access.has_second_factor_device(AccountBackend().get_user(other.user.pk)) is True
    assert len(queries) == 1
    TOTPDevice.objects.filter(user=staff.user).update(confirmed=True)
    assert access.has_second_factor_device(AccountBackend().get_user(staff.user.pk)) is True
    TOTPDevice.objects.filter(user=staff.user).delete()
    assert access.has_second_factor_device(AccountBackend().get_user(staff.user.pk)) is False


def test_a_device_confirmed_elsewhere_asks_the_signed_in_officer_for_a_code() -> None:
    """A session signed in without a device must give a code once one is confirmed (read at each request)."""
    staff = make_staff(Role.SPECIALIST)
    client = Client()
    client.force_login(staff.user)
    assert client.get("/can-bo/").status_code == 200
    TOTPDevice.objects.create(user=staff.user, name="phone", confirmed=True)
    answer = client.get("/can-bo/")
    assert answer.status_code == 302
    assert answer["Location"].startswith("/can-bo/xac-thuc/")


def test_no_user_id_is_nobody() -> None:
    assert AccountBackend().get_user(None) is None


# ---- the upgrade: sessions signed in by Django's ModelBackend ------------------------------------------------

MIGRATION = importlib.import_module("motcua.accounts.migrations.0002_sessions_signed_in_by_account_backend")
COPY = importlib.import_module("motcua.accounts.migrations.0003_session")


def _signed_in_session(user: Any, backend: str, *, expired: bool = False) -> str:
    store = DjangoSessionStore()
    store.update(
        {"_auth_user_id": str(user.pk), "_auth_user_backend": backend, "_auth_user_hash": user.get_session_auth_hash()}
    )
    store.save()
    if expired:
        DjangoSession.objects.filter(session_key=store.session_key).update(
            expire_date=timezone.now() - dt.timedelta(days=1)
        )
    assert store.session_key is not None
    return store.session_key


def test_the_upgrade_keeps_password_sign_ins_signed_in_and_can_be_undone() -> None:
    """`accounts.0002` renames the back end in Django's session table; `accounts.0003` copies the unexpired
    sessions into motcua's, each with the user it names."""
    staff = make_staff(Role.SPECIALIST)
    old = "django.contrib.auth.backends.ModelBackend"
    key = _signed_in_session(staff.user, old)
    expired = _signed_in_session(staff.user, old, expired=True)
    sso = _signed_in_session(staff.user, "motcua.accounts.oidc.IdentityBackend")
    gone = UserFactory()
    of_a_deleted_account = _signed_in_session(gone, old)
    gone.delete()
    DjangoSession.objects.create(
        session_key="x" * 32, session_data="not a session", expire_date=timezone.now() + dt.timedelta(days=1)
    )
    client = Client()
    client.cookies["sessionid"] = key
    assert client.get("/can-bo/").status_code == 302  # not in motcua's table yet: signed out

    editor = SimpleNamespace(connection=connection)
    MIGRATION.rename_backend(django_apps, editor)
    assert DjangoSessionStore(key)["_auth_user_backend"] == "motcua.accounts.backends.AccountBackend"
    assert DjangoSessionStore(expired).load() == {}  # expired ones are left alone (and stay expired)
    assert DjangoSessionStore(sso)["_auth_user_backend"] == "motcua.accounts.oidc.IdentityBackend"
    assert DjangoSession.objects.get(session_key="x" * 32).session_data == "not a session"

    COPY.move_sessions(django_apps, editor)
    client.cookies["sessionid"] = key  # the first answer deleted the cookie of a session it did not find
    assert client.get("/can-bo/").status_code == 200
    moved = dict(Session.objects.values_list("session_key", "user_id"))
    assert moved == {key: staff.user.pk, sso: staff.user.pk, of_a_deleted_account: None, "x" * 32: None}
    assert Session.objects.get(session_key="x" * 32).session_data == "not a session"
    assert SessionStore(sso)["_auth_user_backend"] == "motcua.accounts.oidc.IdentityBackend"
    assert not DjangoSession.objects.exists()  # moved, not copied: nothing to come back after a sign-out

    SessionStore(sso).delete()  # signed out under the new engine
    DjangoSession.objects.create(  # a row Django's engine would have kept: older than what moves back
        session_key=key, session_data="stale", expire_date=timezone.now() + dt.timedelta(days=1)
    )
    COPY.move_sessions_back(django_apps, editor)
    assert set(DjangoSession.objects.values_list("session_key", flat=True)) == set(moved) - {sso}
    MIGRATION.rename_backend_back(django_apps, editor)
    assert DjangoSessionStore(key)["_auth_user_backend"] == old
