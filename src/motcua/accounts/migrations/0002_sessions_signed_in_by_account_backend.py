"""Sessions signed in by Django's `ModelBackend` name `AccountBackend` instead, which replaced it
(motcua.accounts.backends): Django ends a session whose back end is no longer listed, so without this every
password sign-in of the time of the upgrade would have been ended. Only the back end's name changes."""

from django.db import migrations
from django.utils import timezone

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
ACCOUNT_BACKEND = "motcua.accounts.backends.AccountBackend"
BACKEND_KEY = "_auth_user_backend"  # django.contrib.auth.BACKEND_SESSION_KEY


def rename_backend(apps, schema_editor, old=MODEL_BACKEND, new=ACCOUNT_BACKEND):
    from django.contrib.sessions.backends.db import SessionStore

    session_model = apps.get_model("sessions", "Session")
    sessions = session_model.objects.using(schema_editor.connection.alias)
    store = SessionStore()  # its encode and decode only: the signing key and serializer of the settings
    for key, data in sessions.filter(expire_date__gt=timezone.now()).values_list("session_key", "session_data"):
        values = store.decode(data)  # {} for data it cannot read, which is left as it is
        if values.get(BACKEND_KEY) == old:
            values[BACKEND_KEY] = new
            sessions.filter(session_key=key).update(session_data=store.encode(values))


def rename_backend_back(apps, schema_editor):
    rename_backend(apps, schema_editor, old=ACCOUNT_BACKEND, new=MODEL_BACKEND)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("sessions", "0001_initial"),
    ]

    operations = [migrations.RunPython(rename_backend, rename_backend_back)]
