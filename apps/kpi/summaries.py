"""Short-lived summaries of the progress for pages that show a count, not the table (the home card).

``indicator_progress`` of the current year runs 25-40 queries; the home page would pay them on every
load. A summary is cached under a key made of the area, the year, the day, the contract facts'
checkpoint and a *generation* that the target and reported-value services bump when an approval
commits (``progress_changed``). So a new registration shows once the facts are filled and an
approval at once; only the registry's counts (institutions, brokers) may lag, by ``SUMMARY_TTL`` at
most. A cache that does not answer (Redis down) is passed by: the summary is computed, the page works.
"""

import logging

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from redis.exceptions import RedisError

from apps.kpi import actuals
from apps.kpi.aggregates import contract_facts_state

logger = logging.getLogger(__name__)

SUMMARY_TTL = 600  # seconds: the fill's cadence
GENERATION_KEY = "kpi:progress-generation"
CACHE_ERRORS = (RedisError, OSError)


def _generation() -> int:
    return cache.get_or_set(GENERATION_KEY, 1, timeout=None)


def progress_changed() -> None:
    """Invalidate every cached summary once the current transaction commits (targets, reported values)."""

    def bump():
        try:
            cache.incr(GENERATION_KEY)
        except ValueError:  # evicted or never set: any new value differs from the keys in use
            cache.set(GENERATION_KEY, int(timezone.now().timestamp()), timeout=None)
        except CACHE_ERRORS:  # a cache that is down holds nothing stale either
            logger.warning("kpi: could not bump the progress generation", exc_info=True)

    transaction.on_commit(bump)


def _count(year: int, area) -> dict:
    rows = actuals.indicator_progress(year=year, unit=area)
    return {
        "red": sum(1 for row in rows if row["status"] == "red"),
        "amber": sum(1 for row in rows if row["status"] == "amber"),
        "indicators": len(rows),
    }


def status_counts(*, year: int, area) -> dict:
    """How many indicators of ``area`` (a Region, None for the province) are red and amber in ``year``."""
    state = contract_facts_state()
    filled = state.filled_at.timestamp() if state is not None and state.filled_at else 0
    try:
        key = (
            f"kpi:status-counts:{area.code if area is not None else 'province'}:{year}:"
            f"{timezone.localdate():%Y%m%d}:{filled:.0f}:{_generation()}"
        )
        cached = cache.get(key)
    except CACHE_ERRORS:  # Redis down: compute, as if nothing were cached
        logger.warning("kpi: the cache does not answer; computing the status counts", exc_info=True)
        return _count(year, area)
    if cached is not None:
        return cached
    counts = _count(year, area)
    try:
        cache.set(key, counts, timeout=SUMMARY_TTL)
    except CACHE_ERRORS:
        logger.warning("kpi: could not cache the status counts", exc_info=True)
    return counts
