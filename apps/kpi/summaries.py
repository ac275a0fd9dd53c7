"""Short-lived caches of the progress: the counts of the home card, and the rows of the dashboards.

``indicator_progress`` of the current year runs 5-40 queries; the home page and every dashboard would
pay them on every load. A summary is cached under a key made of the area, the year, the day, the contract facts'
checkpoint and a *generation* that the target and reported-value services bump when an approval
commits (``progress_changed``). So a new registration shows once the facts are filled and an
approval at once; only the registry's counts (institutions, brokers) may lag, by ``SUMMARY_TTL`` at
most. A cache that does not answer (Redis down) is passed by: the summary is computed, the page works.
"""

import logging

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language
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


def _cached(name: str, parts: tuple, compute):
    """``compute()``, cached under ``name``, ``parts``, the facts' checkpoint and the generation.

    The key changes when the facts are filled, when an approval commits and with the language (the
    rows hold labels), so a cached value is never older than what the tables say, but for the
    registry's counts (``SUMMARY_TTL``). A cache that does not answer is passed by.
    """
    state = contract_facts_state()
    filled = state.filled_at.timestamp() if state is not None and state.filled_at else 0
    try:
        key = ":".join(["kpi", name, *map(str, parts), get_language() or "", f"{filled:.0f}", str(_generation())])
        cached = cache.get(key)
    except CACHE_ERRORS:  # Redis down: compute, as if nothing were cached
        logger.warning("kpi: the cache does not answer; computing %s", name, exc_info=True)
        return compute()
    if cached is not None:
        return cached
    value = compute()
    try:
        cache.set(key, value, timeout=SUMMARY_TTL)
    except CACHE_ERRORS:
        logger.warning("kpi: could not cache %s", name, exc_info=True)
    return value


def _count(year: int, area) -> dict:
    rows = actuals.indicator_progress(year=year, unit=area)
    return {
        "red": sum(1 for row in rows if row["status"] == "red"),
        "amber": sum(1 for row in rows if row["status"] == "amber"),
        "indicators": len(rows),
    }


def status_counts(*, year: int, area) -> dict:
    """How many indicators of ``area`` (a Region, None for the province) are red and amber in ``year``."""
    code = area.code if area is not None else "province"
    return _cached("status-counts", (code, year, f"{timezone.localdate():%Y%m%d}"), lambda: _count(year, area))


def progress_with_history(*, year: int, unit, today, years: list[int]) -> tuple[list[dict], dict]:
    """``indicator_progress`` of ``unit`` (a Region, None for the province) in ``year``, and
    ``indicator_actuals`` of ``years``, as the dashboards show them: cached like the status counts.

    The progress of a scope takes 5 to 40 queries and most of a dashboard's time; it changes only
    when the facts are filled or an approval commits, which both change the key.
    """

    def compute():
        rows = actuals.indicator_progress(year=year, unit=unit, today=today)
        history = actuals.indicator_actuals(years=years, unit=unit, today=today) if years else {}
        return rows, history

    code = unit.code if unit is not None else "province"
    return _cached("progress", (code, year, f"{today:%Y%m%d}", ",".join(map(str, years))), compute)
