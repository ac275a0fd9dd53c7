"""Settings of the gunicorn that bench/api_load.py starts: the portal's own, plus the bare views' URLs.

Everything else is read from the environment exactly as in production (``hebtt/settings.py``);
the benchmark sets DEBUG=0, a SECRET_KEY and the bench database before starting gunicorn.
"""

from hebtt.settings import *  # noqa: F403

DEBUG = False
ROOT_URLCONF = "bench.load_server.urls"
# The throttles stay on, so their two round trips to Redis are in every figure, at a rate that a
# single benchmark client (one token, one address) never reaches.
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"user": "1000000/min", "anon": "1000000/min"}}  # noqa: F405
