# The contract lists' default order (newest first) as an index. Built CONCURRENTLY: on a table of
# millions of contracts a plain CREATE INDEX would block registrations for minutes.

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("contracts", "0002_contract_achievement_need"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="contract",
            index=models.Index(fields=["created_at", "id"], name="contracts_created_idx"),
        ),
    ]
