"""Destination and DeliveryRecord, taken over from the national_portal app with their rows.

`national_portal.0002` renamed the tables to these names; here Django's state learns the models (no database
change), and the content types follow so that admin history and permissions keep pointing at them.
"""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


def move_content_types(apps, schema_editor):
    content_type = apps.get_model("contenttypes", "ContentType")
    for model in ("destination", "deliveryrecord"):
        if content_type.objects.filter(app_label="integrations", model=model).exists():
            continue
        content_type.objects.filter(app_label="national_portal", model=model).update(app_label="integrations")


def restore_content_types(apps, schema_editor):
    content_type = apps.get_model("contenttypes", "ContentType")
    for model in ("destination", "deliveryrecord"):
        if content_type.objects.filter(app_label="national_portal", model=model).exists():
            continue
        content_type.objects.filter(app_label="integrations", model=model).update(app_label="national_portal")


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("dossiers", "0004_draft_receiving_agency"),
        ("integrations", "0002_postal_order"),
        ("national_portal", "0002_move_delivery_to_integrations"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Destination",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("name", models.CharField(max_length=60, unique=True, verbose_name="tên")),
                        (
                            "circuit",
                            models.CharField(
                                choices=[
                                    ("closed", "Bình thường"),
                                    ("open", "Tạm ngắt (đang lỗi)"),
                                    ("half_open", "Đang thử lại"),
                                ],
                                default="closed",
                                max_length=10,
                                verbose_name="trạng thái kết nối",
                            ),
                        ),
                        (
                            "consecutive_failures",
                            models.PositiveIntegerField(default=0, verbose_name="số lần lỗi liên tiếp"),
                        ),
                        ("opened_until", models.DateTimeField(blank=True, null=True, verbose_name="tạm ngắt đến")),
                        (
                            "probe_started_at",
                            models.DateTimeField(blank=True, null=True, verbose_name="bắt đầu thử lại lúc"),
                        ),
                        ("last_error", models.TextField(blank=True, verbose_name="lỗi gần nhất")),
                        (
                            "last_success_at",
                            models.DateTimeField(blank=True, null=True, verbose_name="gửi thành công gần nhất"),
                        ),
                        (
                            "updated_at",
                            models.DateTimeField(default=django.utils.timezone.now, verbose_name="cập nhật lúc"),
                        ),
                    ],
                    options={
                        "verbose_name": "hệ thống nhận",
                        "verbose_name_plural": "hệ thống nhận",
                        "ordering": ["name"],
                    },
                ),
                migrations.CreateModel(
                    name="DeliveryRecord",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("event_key", models.UUIDField(verbose_name="khóa sự kiện (idempotency key)")),
                        ("topic", models.CharField(max_length=80, verbose_name="sự kiện")),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("pending", "Chờ gửi"),
                                    ("sent", "Đã gửi"),
                                    ("failed", "Lỗi, sẽ gửi lại"),
                                    ("dead", "Lỗi, đã dừng gửi"),
                                ],
                                default="pending",
                                max_length=10,
                                verbose_name="trạng thái",
                            ),
                        ),
                        ("attempts", models.PositiveSmallIntegerField(default=0, verbose_name="số lần gửi")),
                        ("last_error", models.TextField(blank=True, verbose_name="lỗi gần nhất")),
                        ("next_attempt_at", models.DateTimeField(blank=True, null=True, verbose_name="gửi lại lúc")),
                        ("dossier_accepted", models.BooleanField(default=False, verbose_name="hồ sơ đã được nhận")),
                        ("step_digests", models.JSONField(blank=True, default=list, verbose_name="bước xử lý đã gửi")),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="tạo lúc")),
                        ("sent_at", models.DateTimeField(blank=True, null=True, verbose_name="đã gửi lúc")),
                        (
                            "dossier",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="delivery_records",
                                to="dossiers.dossier",
                                verbose_name="hồ sơ",
                            ),
                        ),
                        (
                            "destination",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="records",
                                to="integrations.destination",
                                verbose_name="hệ thống nhận",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "lượt đồng bộ hồ sơ",
                        "verbose_name_plural": "lượt đồng bộ hồ sơ",
                        "ordering": ["dossier", "pk"],
                        "indexes": [models.Index(fields=["destination", "status"], name="delivery_record_status")],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("destination", "event_key"), name="delivery_record_unique_event"
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_types, restore_content_types),
    ]
