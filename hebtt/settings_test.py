"""Settings for the test suite: the production settings, served over plain HTTP by the test client."""

from hebtt.settings import *  # noqa: F403

SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Uploaded contract texts stay in memory instead of piling up under var/private.
STORAGES = {**STORAGES, "private": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}  # noqa: F405
