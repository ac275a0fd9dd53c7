"""Background tasks of the KPI app: keeping the dashboards' pre-aggregated contract facts current.

Beat runs the fill every 10 minutes and the rebuild nightly (``CELERY_BEAT_SCHEDULE``). Both
take the same advisory lock, so a fill that lands on the rebuild waits for it and finds nothing
left to do.
"""

from celery import shared_task
from django.db import DatabaseError, OperationalError

from apps.kpi.aggregates import contract_facts_fill, contract_facts_rebuild


@shared_task(
    acks_late=True,
    autoretry_for=(DatabaseError,),
    retry_backoff=30,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=5,
)
def contract_facts_fill_task() -> dict:
    """Take in the contract changes since the last fill (``aggregates.contract_facts_fill``).

    Idempotent, so a redelivery after a lost worker (``acks_late``) or a retry is harmless; a
    database error is retried with backoff (30 s, 60 s, ... up to 10 min), the next beat run
    catches up anyway.
    """
    return contract_facts_fill()


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=60, max_retries=3)
def contract_facts_rebuild_task() -> int:
    """Rebuild the contract facts from the raw contracts (nightly backstop); returns the fact rows."""
    return contract_facts_rebuild()
