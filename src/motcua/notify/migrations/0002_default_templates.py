"""Create the default message templates (all events × channels × vi/en); never changes an existing one."""

from typing import Any

from django.db import migrations

from motcua.notify import defaults


def create_defaults(apps: Any, schema_editor: Any) -> None:
    defaults.ensure(apps.get_model("notify", "MessageTemplate"))


class Migration(migrations.Migration):
    dependencies = [("notify", "0001_initial")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
