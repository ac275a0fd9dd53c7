# The contract lists' other orders (value, technology value, registration, submission) as indexes,
# and a trigram index for their word search, found missing by bench/request_plans.py: without them
# a page of a list ordered by value, or searched for a word, read and sorted the whole table.
# Built CONCURRENTLY, as 0003: on millions of contracts a plain CREATE INDEX blocks registrations.
# pg_trgm is a trusted extension (PostgreSQL 13+): the database's owner may create it.

import django.contrib.postgres.indexes
import django.db.models.functions.text
from django.contrib.postgres.operations import AddIndexConcurrently, TrigramExtension
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("contracts", "0003_contract_list_order_index"),
    ]

    operations = [
        TrigramExtension(),
        AddIndexConcurrently(
            model_name="contract",
            index=models.Index(fields=["contract_value", "id"], name="contracts_value_idx"),
        ),
        AddIndexConcurrently(
            model_name="contract",
            index=models.Index(fields=["technology_value", "id"], name="contracts_tech_value_idx"),
        ),
        AddIndexConcurrently(
            model_name="contract",
            index=models.Index(fields=["registered_on", "id"], name="contracts_registered_idx"),
        ),
        AddIndexConcurrently(
            model_name="contract",
            index=models.Index(fields=["submitted_at", "id"], name="contracts_submitted_idx"),
        ),
        AddIndexConcurrently(
            model_name="contract",
            index=django.contrib.postgres.indexes.GinIndex(
                django.contrib.postgres.indexes.OpClass(
                    django.db.models.functions.text.Upper(
                        django.db.models.functions.text.Concat(
                            models.F("name"),
                            models.Value(" "),
                            models.F("seller_name"),
                            models.Value(" "),
                            models.F("buyer_name"),
                            models.Value(" "),
                            models.F("registration_number"),
                            models.Value(" "),
                            models.F("seller_credit_code"),
                            models.Value(" "),
                            models.F("buyer_credit_code"),
                        )
                    ),
                    name="gin_trgm_ops",
                ),
                name="contracts_search_trgm",
            ),
        ),
    ]
