"""Fixtures shared by the security tests: the access matrix's demo world, for the API fuzzing too."""

from tests.security.test_access_matrix import world  # noqa: F401
