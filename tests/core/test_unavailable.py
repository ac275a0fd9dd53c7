"""PostgreSQL out of reach is a 503 with Retry-After, not a server error; a query's own failure stays a 500.

The errors here are real: a connection to a port where nothing listens, and a statement cancelled by its
timeout. (The whole portal under gunicorn with its PostgreSQL stopped: tests/faults/test_faults.py.)
"""

import json
import socket

import pytest
from django.db import OperationalError, connection, transaction
from django.db.backends.postgresql.base import DatabaseWrapper
from django.test import RequestFactory

from apps.core.views import database_unreachable, error_500


def _refused() -> OperationalError:
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    wrapper = DatabaseWrapper({**connection.settings_dict, "HOST": "127.0.0.1", "PORT": port})
    with pytest.raises(OperationalError) as caught:
        wrapper.ensure_connection()
    return caught.value


def _timed_out() -> OperationalError:
    with pytest.raises(OperationalError) as caught, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL statement_timeout = 1")
        cursor.execute("SELECT pg_sleep(1)")
    return caught.value


def _answer(error, path):
    try:
        raise error
    except OperationalError:
        return error_500(RequestFactory().get(path))  # as Django calls it: inside the except block


@pytest.mark.django_db
def test_a_refused_connection_is_a_503_page_and_api_answer_with_retry_after():
    error = _refused()
    assert database_unreachable(error)
    page = _answer(error, "/kpi/")
    assert page.status_code == 503 and page["Retry-After"] == "30"
    assert "暂时无法使用" in page.content.decode() and "Briefly unavailable" in page.content.decode()
    answer = _answer(error, "/api/v1/me/")
    assert answer.status_code == 503 and answer["Retry-After"] == "30"
    body = json.loads(answer.content)
    assert body["code"] == "service_unavailable" and body["message"]


@pytest.mark.django_db
def test_a_statement_timeout_is_still_a_server_error():
    error = _timed_out()
    assert not database_unreachable(error)
    assert _answer(error, "/api/v1/me/").status_code == 500


def test_an_error_that_is_not_the_database_s_is_not_a_503():
    assert not database_unreachable(ValueError("x"))
    assert not database_unreachable(None)
