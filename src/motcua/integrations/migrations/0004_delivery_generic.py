"""Delivery records for every outbound call: the dossier becomes optional, a reference to the object sent, and
the national portal's acknowledgements (dossier accepted, step digests) move into a generic `progress`."""

import django.db.models.deletion
from django.db import migrations, models


def to_progress(apps, schema_editor):
    record = apps.get_model("integrations", "DeliveryRecord")
    for row in record.objects.all().iterator():
        if not row.dossier_accepted and not row.step_digests:
            continue
        row.progress = {"accepted": bool(row.dossier_accepted), "steps": list(row.step_digests or [])}
        row.save(update_fields=["progress"])


def from_progress(apps, schema_editor):
    record = apps.get_model("integrations", "DeliveryRecord")
    for row in record.objects.all().iterator():
        if not row.progress:
            continue
        row.dossier_accepted = bool(row.progress.get("accepted"))
        row.step_digests = list(row.progress.get("steps", []))
        row.save(update_fields=["dossier_accepted", "step_digests"])


class Migration(migrations.Migration):
    dependencies = [
        ("dossiers", "0005_upload_client"),
        ("integrations", "0003_destination_deliveryrecord"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="deliveryrecord",
            options={
                "ordering": ["dossier", "pk"],
                "verbose_name": "lượt gửi sang hệ thống khác",
                "verbose_name_plural": "lượt gửi sang hệ thống khác",
            },
        ),
        migrations.AddField(
            model_name="deliveryrecord",
            name="progress",
            field=models.JSONField(blank=True, default=dict, verbose_name="phần đã được nhận"),
        ),
        migrations.AddField(
            model_name="deliveryrecord",
            name="reference",
            field=models.CharField(blank=True, max_length=64, verbose_name="đối tượng gửi"),
        ),
        migrations.RunPython(to_progress, from_progress),
        migrations.RemoveField(model_name="deliveryrecord", name="dossier_accepted"),
        migrations.RemoveField(model_name="deliveryrecord", name="step_digests"),
        migrations.AlterField(
            model_name="deliveryrecord",
            name="dossier",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="delivery_records",
                to="dossiers.dossier",
                verbose_name="hồ sơ",
            ),
        ),
    ]
