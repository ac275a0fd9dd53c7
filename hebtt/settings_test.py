"""Settings for the test suite: the production settings, served over plain HTTP by the test client."""

from hebtt.settings import *  # noqa: F403

SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Uploaded contract texts stay in memory instead of piling up under var/private.
STORAGES = {**STORAGES, "private": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}  # noqa: F405
# The replica alias exists in the tests as a mirror of the primary (the same database, through its
# own connection). Reads go to it only where a test turns HEBTT_REPLICA_READS on (tests/test_routers.py):
# a mirror's connection does not see the uncommitted rows of a test's transaction.
DATABASES = {**DATABASES, "replica": {**DATABASES["default"], "TEST": {"MIRROR": "default"}}}  # noqa: F405
# The suite calls the API far faster than anyone would (the access matrix, the fuzzing): the
# throttles stay on, at rates no test reaches; tests/core/test_throttling.py sets real ones.
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"user": "100000/min", "anon": "100000/min"}}  # noqa: F405
