"""The whole API is throttled: per user, per address for anonymous callers, open while Redis is down."""

import itertools
import uuid

import pytest
from rest_framework.test import APIClient

from apps.core.throttling import WindowRateThrottle

RATES = {"user": "3/min", "anon": "2/min"}
COUNTRY = "/api/v1/countries/CN/"  # open to anonymous callers
ME = "/api/v1/me/"

addresses = (f"10.{n // 250}.{n % 250}.1" for n in itertools.count(1))  # one per client: no count shared


@pytest.fixture
def rates(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": RATES}


@pytest.fixture
def clock(monkeypatch):
    """The throttles' clock, at the start of a window, moved on by the test."""
    now = [((uuid.uuid4().int % 10**6) * 60) + 0.5]
    monkeypatch.setattr(WindowRateThrottle, "timer", lambda self: now[0])
    return now


def client_for(user=None):
    client = APIClient(REMOTE_ADDR=next(addresses))
    if user is not None:
        client.force_authenticate(user)
    return client


def test_a_user_beyond_the_rate_gets_429_with_a_code_and_when_to_retry(rates, clock, make_user):
    client, other = client_for(make_user()), client_for(make_user())
    assert [client.get(ME).status_code for _ in range(3)] == [200, 200, 200]
    refused = client.get(ME)
    assert refused.status_code == 429
    assert refused.json()["code"] == "throttled" and refused.json()["message"]
    assert int(refused["Retry-After"]) == 60  # the window started half a second ago
    assert other.get(ME).status_code == 200  # each user has a count of their own
    clock[0] += 60
    assert client.get(ME).status_code == 200  # a new window


def test_anonymous_callers_are_counted_by_address_not_by_what_they_claim(rates, clock, db):
    client = client_for()
    assert client.get(COUNTRY).status_code == 200
    assert client.get(COUNTRY, HTTP_X_FORWARDED_FOR="192.0.2.1").status_code == 200
    assert client.get(COUNTRY, HTTP_X_FORWARDED_FOR="192.0.2.2").status_code == 429
    assert client_for().get(COUNTRY).status_code == 200  # another address


def test_signed_in_users_are_not_held_to_the_anonymous_rate(rates, clock, make_user):
    client = client_for(make_user())
    assert [client.get(COUNTRY).status_code for _ in range(3)] == [200, 200, 200]


def test_with_redis_down_nothing_is_counted_and_every_request_passes(rates, clock, settings, make_user):
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": "redis://127.0.0.1:1/0"}}
    client = client_for(make_user())
    assert {client.get(ME).status_code for _ in range(6)} == {200}


def test_the_production_rates():
    from hebtt import settings

    assert settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] == {"user": "1200/min", "anon": "300/min"}
    assert settings.REST_FRAMEWORK["NUM_PROXIES"] == 0
