import pytest


@pytest.fixture
def fast_password_hashing(settings):
    """A cheap hasher for tests that create many users and do not test hashing itself.

    Argon2 (the production hasher) costs about 0.1 s per user; the sign-up tests keep it and check it.
    """
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
