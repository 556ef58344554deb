"""Destination and DeliveryRecord move to the integrations app (shared by every outbound call).

The rows stay: the tables are only renamed to the integrations app's names; `integrations.0003` takes the
models over in Django's state without touching the database.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("national_portal", "0001_destination_delivery_record"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="DeliveryRecord"),
                migrations.DeleteModel(name="Destination"),
            ],
            database_operations=[
                migrations.AlterModelTable(name="destination", table="integrations_destination"),
                migrations.AlterModelTable(name="deliveryrecord", table="integrations_deliveryrecord"),
            ],
        ),
    ]
