from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("dossiers", "0005_upload_client"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="dossier",
            index=models.Index(fields=["-submitted_at", "-id"], name="dossier_recent"),
        ),
        migrations.AddIndex(
            model_name="dossierstep",
            index=models.Index(
                condition=models.Q(("state", "active")),
                fields=["assignee", "due_at"],
                include=["id"],
                name="step_held_active",
            ),
        ),
        migrations.AddIndex(
            model_name="dossierstep",
            index=models.Index(
                condition=models.Q(("assignee__isnull", True), ("state", "active")),
                fields=["agency", "role", "due_at"],
                include=["id"],
                name="step_unassigned_queue",
            ),
        ),
    ]
