from django.db import migrations, models
from django.db.models import Exists, OuterRef


def mark(apps, schema_editor):  # type: ignore[no-untyped-def]
    """Flag the existing dossiers that had a step at a third agency (see Dossier.crosses_agencies)."""
    dossier = apps.get_model("dossiers", "Dossier")
    step = apps.get_model("dossiers", "DossierStep")
    elsewhere = (
        step.objects.using(schema_editor.connection.alias)
        .filter(dossier=OuterRef("pk"))
        .exclude(agency_id=OuterRef("receiving_agency_id"))
        .exclude(agency_id=OuterRef("competent_agency_id"))
    )
    dossier.objects.using(schema_editor.connection.alias).filter(Exists(elsewhere)).update(crosses_agencies=True)


class Migration(migrations.Migration):
    dependencies = [
        ("dossiers", "0006_list_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="dossier",
            name="crosses_agencies",
            field=models.BooleanField(db_default=False, default=False, editable=False),
        ),
        migrations.RunPython(mark, migrations.RunPython.noop, elidable=True),
    ]
