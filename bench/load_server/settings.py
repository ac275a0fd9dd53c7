"""Settings of the gunicorn that bench/api_load.py starts: the portal's own, plus the bare views' URLs.

Everything else is read from the environment exactly as in production (``hebtt/settings.py``);
the benchmark sets DEBUG=0, a SECRET_KEY and the bench database before starting gunicorn.
"""

from hebtt.settings import *  # noqa: F403

DEBUG = False
ROOT_URLCONF = "bench.load_server.urls"
