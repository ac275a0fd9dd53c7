"""Throttling of the whole API: a fixed window of requests per user (or per address, anonymously).

DRF's own throttles keep every request's time in one cached list per caller and rewrite it on each
request, which grows with the rate. These count in one cached integer per caller and window
(``add`` then ``incr``: two round trips to Redis, whatever the rate). A window lets through at most
twice the rate across its edge, which is enough to stop a runaway client or a scraper.

The counts live in the cache: while Redis is down nothing is counted and every request passes
(``apps.core.cache``), the portal answering matters more than throttling then. The rates are
settings (``API_RATE_USER``, ``API_RATE_ANON``), so a deployment can set them by environment.
"""

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle


class WindowRateThrottle(SimpleRateThrottle):
    """At most ``num_requests`` per caller in each window of ``duration`` seconds."""

    def get_rate(self):
        # Read when the throttle is made, not when the class was (DRF's THROTTLE_RATES is frozen at import).
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        now = self.timer()
        window = int(now // self.duration)
        key = f"{self.key}:{window}"
        self.cache.add(key, 0, timeout=self.duration + 1)
        try:
            count = self.cache.incr(key)
        except ValueError:  # the cache holds nothing (Redis down): nothing is counted
            return True
        self.retry_after = (window + 1) * self.duration - now
        return count <= self.num_requests

    def wait(self):
        return self.retry_after


class UserRateThrottle(WindowRateThrottle):
    """Signed-in callers, by user; anonymous ones are left to ``AnonRateThrottle``."""

    scope = "user"

    def get_cache_key(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


class AnonRateThrottle(WindowRateThrottle):
    """Anonymous callers, by address (the public catalogue and directories, the verification API)."""

    scope = "anon"

    def get_cache_key(self, request, view):
        if request.user and request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
