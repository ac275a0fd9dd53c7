"""Database routing: the dashboards' reads of the pre-aggregated facts may go to a read replica.

With ``DATABASE_REPLICA_URL`` set, settings define a ``replica`` alias and turn on
``HEBTT_REPLICA_READS``, and this router sends the reads of the facts tables there
(``ContractFact``, ``ContractFactMonth``, ``ContractFactYear`` and the breakdowns by type, field and
party type: what every dashboard, report, workbook and the statistics page read most).
Everything else, and every write, goes to the primary: targets, reported values and contracts
must be read back at once after a change, and a replica lags. The facts are refilled every 10
minutes anyway, so a replica a few seconds behind changes nothing that an official can see.
Without the setting there is no ``replica`` alias and the router answers nothing (Django uses
``default``).

The fill and the rebuild write the facts and read them inside their own transaction on the primary
(raw SQL on ``connection``, never through this router), so they never read a replica.
"""

from django.conf import settings

REPLICA = "replica"
REPLICA_READS = frozenset(
    {
        "kpi.contractfact",
        "kpi.contractfactmonth",
        "kpi.contractfactyear",
        "kpi.contractbreakdownmonth",
        "kpi.contractbreakdownyear",
    }
)


class DashboardReplicaRouter:
    def db_for_read(self, model, **hints):
        if settings.HEBTT_REPLICA_READS and REPLICA in settings.DATABASES and model._meta.label_lower in REPLICA_READS:
            return REPLICA
        return None

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # one database, copied: every object lives in both

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"  # the replica copies the primary's schema
