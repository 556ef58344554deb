"""The session table of motcua's engine (`motcua.accounts.sessions`): Django's, with the signed-in user's id
in a column of its own. The unexpired sessions of Django's table are moved into it, each with the user its
data names (none if that account no longer exists), so nobody is signed out by the upgrade; migrated
backwards, they are moved back. Moved, not copied: a session ended under one engine must not come back
under the other. (The web processes are stopped while migrating, docs/operations.md: a sign-in or sign-out
handled by the old code during the move would be lost.)"""

import logging

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.utils import timezone

SESSION_KEY = "_auth_user_id"  # django.contrib.auth.SESSION_KEY
BATCH = 500


def move_sessions(apps, schema_editor):
    from django.contrib.sessions.backends.db import SessionStore

    alias = schema_editor.connection.alias
    theirs = apps.get_model("sessions", "Session").objects.using(alias)
    ours = apps.get_model("accounts", "Session")
    users = apps.get_model(*settings.AUTH_USER_MODEL.split(".")).objects.using(alias)
    store = SessionStore()  # its decode only: the signing key and serializer of the settings
    # data signed with another key is copied as it is (it names nobody): not worth a warning for each session
    quiet = logging.getLogger("django.security.SuspiciousSession")
    level, quiet.level = quiet.level, logging.ERROR
    try:
        live = theirs.filter(expire_date__gt=timezone.now()).values_list("session_key", "session_data", "expire_date")
        batch = []
        for row in live.iterator(chunk_size=BATCH):
            batch.append(row)
            if len(batch) >= BATCH:
                _copy(batch, ours, alias, users, store)
                batch = []
        _copy(batch, ours, alias, users, store)
    finally:
        quiet.level = level
    theirs.all().delete()


def _copy(batch, ours, alias, users, store):
    named = {}
    for key, data, _expires in batch:
        try:
            named[key] = int(store.decode(data).get(SESSION_KEY))  # {} for data it cannot read
        except (TypeError, ValueError):
            pass
    existing = set(users.filter(pk__in=set(named.values())).values_list("pk", flat=True))
    sessions = [
        ours(session_key=key, session_data=data, expire_date=expires, user_id=named.get(key) if named.get(key) in existing else None)
        for key, data, expires in batch
    ]
    ours.objects.using(alias).bulk_create(sessions, ignore_conflicts=True)


def move_sessions_back(apps, schema_editor):
    alias = schema_editor.connection.alias
    theirs = apps.get_model("sessions", "Session")
    theirs.objects.using(alias).all().delete()  # what was left there is older than what is moved back
    live = apps.get_model("accounts", "Session").objects.using(alias).filter(expire_date__gt=timezone.now())
    batch = []
    for key, data, expires in live.values_list("session_key", "session_data", "expire_date").iterator(chunk_size=BATCH):
        batch.append(theirs(session_key=key, session_data=data, expire_date=expires))
        if len(batch) >= BATCH:
            theirs.objects.using(alias).bulk_create(batch, ignore_conflicts=True)
            batch = []
    theirs.objects.using(alias).bulk_create(batch, ignore_conflicts=True)


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0002_sessions_signed_in_by_account_backend'),
        ('sessions', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Session',
            fields=[
                ('session_key', models.CharField(max_length=40, primary_key=True, serialize=False, verbose_name='session key')),
                ('session_data', models.TextField(verbose_name='session data')),
                ('expire_date', models.DateTimeField(db_index=True, verbose_name='expire date')),
                ('user', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, db_constraint=False, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='người dùng')),
            ],
            options={
                'verbose_name': 'phiên đăng nhập',
                'verbose_name_plural': 'phiên đăng nhập',
            },
        ),
    migrations.RunPython(move_sessions, move_sessions_back),
    ]
