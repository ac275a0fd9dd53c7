"""Settings of the gunicorn of bench/api_load.py and bench/mixed_load.py: the portal's, plus the bare views' URLs.

Everything else is read from the environment exactly as in production (``hebtt/settings.py``);
the benchmark sets DEBUG=0, a SECRET_KEY and the bench database before starting gunicorn.
"""

from hebtt.settings import *  # noqa: F403

DEBUG = False
ROOT_URLCONF = "bench.load_server.urls"
# The throttles stay on, so their two round trips to Redis are in every figure, at a rate that a
# single benchmark client (one token, one address) never reaches.
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"user": "1000000/min", "anon": "1000000/min"}}  # noqa: F405
# The bench shares the Redis of REDIS_URL with the portal it runs beside: its own key prefix keeps its
# throttle counts (by user id, which the two databases reuse) and cached KPI summaries out of the portal's.
CACHES = {"default": {**CACHES["default"], "KEY_PREFIX": "hebtt-bench"}}  # noqa: F405
