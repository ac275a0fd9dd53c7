"""The cache degrades to an empty cache while Redis does not answer (apps/core/cache.py)."""

import logging

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from apps.core.cache import DegradingRedisCache
from tests.conftest import PASSWORD

DEAD = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def cache_at(location):
    return DegradingRedisCache(location, {"KEY_PREFIX": "test-cache", "OPTIONS": {"socket_connect_timeout": 1}})


def test_a_live_redis_is_a_cache_like_any_other():
    cache = cache_at(settings.REDIS_CLIENT_URL)
    cache.delete("k")
    assert cache.get("k", "none") == "none"
    cache.set("k", {"a": 1}, timeout=30)
    assert cache.get("k") == {"a": 1}
    assert cache.add("k", 2) is False
    assert cache.get_or_set("n", 5) == 5
    assert cache.incr("n") == 6
    assert cache.get_many(["k", "n"]) == {"k": {"a": 1}, "n": 6}
    assert cache.ping() is True
    cache.delete_many(["k", "n"])
    assert not cache.has_key("k")


def test_a_redis_that_does_not_answer_is_an_empty_cache(caplog):
    cache = cache_at(DEAD)
    with caplog.at_level(logging.WARNING, logger="apps.core.cache"):
        assert cache.get("k", "none") == "none"
        cache.set("k", 1)
        assert cache.get("k") is None
        assert cache.add("k", 1) is False
        assert cache.get_or_set("k", 7) == 7  # computed, as if nothing were cached
        assert cache.get_many(["k"]) == {}
        assert cache.has_key("k") is False
        assert cache.delete("k") is False
        with pytest.raises(ValueError):
            cache.incr("k")
        assert cache.set_many({"a": 1, "b": 2}) == ["a", "b"]  # the keys not stored
    # One failed connection, then Redis is passed by for a while: one warning, not eleven.
    assert len([r for r in caplog.records if r.name == "apps.core.cache"]) == 1


def test_ping_says_redis_is_down():
    from redis.exceptions import ConnectionError as RedisConnectionError

    with pytest.raises(RedisConnectionError):
        cache_at(DEAD).ping()


def test_the_api_answers_when_the_cache_does_not(make_user, settings):
    """The token endpoint is throttled through the cache: with Redis down it still answers."""
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": DEAD}}
    user = make_user()
    response = APIClient().post("/api/v1/auth/token/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 200 and response.json()["token"]
