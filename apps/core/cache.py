"""A Redis cache that answers as an empty cache while Redis is unreachable.

The portal only caches what it can compute again (the dashboards' summaries, the throttles'
histories, the workers' heartbeat), so a Redis that is down must cost speed, never a page. Django's
``RedisCache`` raises on every call instead; this one logs the failure once, answers "not cached"
(``get`` gives the default, ``set`` and ``add`` store nothing, ``incr`` finds no key) and does not
try Redis again for ``RETRY_SECONDS``, so a request pays at most one failed connection.

The throttles fail open while Redis is down: a request is counted nowhere and allowed. ``ping``
raises as Django's cache would, for ``/healthz``, which must say that Redis is down.
"""

import logging
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)
RETRY_SECONDS = 5.0


class DegradingRedisCache(RedisCache):
    """``RedisCache`` that degrades to an empty cache while Redis does not answer."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._down_until = 0.0

    def ping(self) -> bool:
        """A round trip to Redis that raises when it is unreachable (``/healthz``)."""
        return self._cache.get_client().ping()

    def _call(self, method, empty, *args, **kwargs):
        if time.monotonic() < self._down_until:
            return empty
        try:
            return method(*args, **kwargs)
        except UNREACHABLE:
            logger.warning("cache: Redis does not answer; caching nothing for %.0f s", RETRY_SECONDS, exc_info=True)
            self._down_until = time.monotonic() + RETRY_SECONDS
            return empty

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(super().add, False, key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._call(super().get, default, key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._call(super().set, None, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(super().touch, False, key, timeout, version)

    def delete(self, key, version=None):
        return self._call(super().delete, False, key, version)

    def get_many(self, keys, version=None):
        return self._call(super().get_many, {}, keys, version)

    def has_key(self, key, version=None):
        return self._call(super().has_key, False, key, version)

    def incr(self, key, delta=1, version=None):
        missing = object()
        value = self._call(super().incr, missing, key, delta, version)
        if value is missing:
            raise ValueError(f"Key '{key}' not found.")  # as for any key an empty cache does not hold
        return value

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(super().set_many, list(data), data, timeout, version)

    def delete_many(self, keys, version=None):
        return self._call(super().delete_many, None, keys, version)

    def clear(self):
        return self._call(super().clear, False)
