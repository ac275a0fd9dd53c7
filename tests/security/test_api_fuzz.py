"""Schemathesis against the project's own OpenAPI schema, in process, as an official, an enterprise and nobody.

The schema is the one ``manage.py spectacular`` writes, generated here in-process. Each of its
operations is one test per actor: the provincial official and the Shijiazhuang enterprise (token
authentication) and an anonymous caller. Each gets a handful of Hypothesis examples drawn from
schemathesis' strategies for the operation, valid and invalid (its positive and negative modes),
derandomized and without shrinking, so the suite is deterministic. Path parameters are the
generated ones or those of the access matrix's probes (its ``world`` fixture, reused through
``tests/security/conftest.py``: the demo data and the objects the matrix names), so that calls reach
real objects and not only 404s.

The calls go through Django's WSGI handler in process, in this test's transaction on the test
database, each in a savepoint rolled back after it: no call sees another's writes. Each answer must:

- not be a server error (the exception behind it fails the test, with its traceback);
- have a status code, a content type and a body the schema declares for the operation;
- when it is a 4xx, carry the API's error format (``apps.core.api``): a non-empty ``code`` and
  ``message``.

No operation is left out. The downloads (xlsx, pdf) are fuzzed like the rest: their status and
content type are checked, and schemathesis checks no binary body against a schema.

Schemathesis seldom draws a NUL character, which PostgreSQL cannot store (psycopg2 raised ValueError,
a 500, wherever one reached a query): ``test_nul_characters`` sends one in every parameter and body
of every operation, as the provincial official.

Schemathesis' and Hypothesis' pytest plugins are off (pyproject's addopts: they cost every pytest
run seconds of imports); the tests here call schemathesis' strategies and checks themselves.
"""

import json
import os
import re
import sys

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import got_request_exception, request_finished, request_started
from django.db import close_old_connections, transaction
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.security.test_access_matrix import ALL_ENDPOINTS, probe_kwargs

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Examples per operation and actor. Enough to send odd query strings, bodies and ids to every
# operation; who reaches what is the access matrix's business. An anonymous caller is refused by
# all but the public operations, so it gets fewer. HEBTT_FUZZ_EXAMPLES=<n> fuzzes deeper, for a
# run by hand (each actor n examples).
EXAMPLES = {"province": 6, "enterprise": 6, "anonymous": 2}
if deeper := os.environ.get("HEBTT_FUZZ_EXAMPLES"):
    EXAMPLES = dict.fromkeys(EXAMPLES, int(deeper))


def openapi() -> dict:
    """The schema ``manage.py spectacular`` writes, as plain JSON data."""
    return json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True)))


SCHEMA = schemathesis.openapi.from_dict(
    openapi(),
    config=schemathesis.Config.from_dict(
        # The actor's token is the only credential sent: garbage in the Authorization header is the
        # authentication tests' business.
        {"generation": {"with-security-parameters": False}}
    ),
)
OPERATIONS = {}
INVALID = []  # operations schemathesis cannot read: each fails test_schemathesis_reads_every_operation
for result in SCHEMA.get_all_operations():
    if isinstance(result, Ok):
        OPERATIONS[result.ok().label] = result.ok()
    else:
        INVALID.append(result.err())


# What the fuzzing finds and is not fixed yet, each with its reason: strict, so a fix fails the test until
# its entry goes.
KNOWN_FAILURES: dict[tuple[str, str], str] = {}


def known_path_parameters(probes) -> dict[str, list[dict]]:
    """``{operation label: [path parameters]}``: the access matrix's probes of the API's URLs, matched to
    the operations' path templates (whose parameter names are spectacular's, ``id`` for the URL's ``pk``)."""
    paths = [
        reverse(name, kwargs=kwargs)
        for name, endpoint in ALL_ENDPOINTS.items()
        if endpoint.is_api and endpoint.parameters
        for kwargs in probe_kwargs(endpoint, probes).values()
    ]
    known = {}
    for label, operation in OPERATIONS.items():
        template = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(operation.path))
        if template != re.escape(operation.path):
            known[label] = [match.groupdict() for path in paths if (match := re.fullmatch(template, path))]
    return known


def cases(operation, known: list[dict]):
    """Valid and invalid requests to the operation, on generated ids or on the world's objects."""
    modes = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    generated = [operation.as_strategy(generation_mode=mode) for mode in modes]
    if not known:
        return st.one_of(generated)
    on_objects = st.sampled_from(known).flatmap(
        lambda parameters: st.one_of(
            [operation.as_strategy(generation_mode=mode, path_parameters=parameters) for mode in modes]
        )
    )
    return st.one_of(on_objects, *generated)


@pytest.fixture(scope="module")
def known(world):
    return known_path_parameters(world["probes"])


@pytest.fixture
def wsgi_app():
    """Django's WSGI handler, as a server would call it, but keeping the test's database connection.

    A server's handler closes the connection at the end of each request (``close_old_connections``),
    which would end the test's transaction; Django's own test client disconnects it the same way. The
    exception behind a 500 is kept, to fail the test with its traceback rather than a bare status.
    """
    raised = []

    def keep(sender, request, **kwargs):
        raised.append(sys.exc_info()[1])

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    got_request_exception.connect(keep)
    handler = WSGIHandler()
    handler.raised = raised
    try:
        yield handler
    finally:
        got_request_exception.disconnect(keep)
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def check(case, *, app, headers: dict) -> None:
    """One call, rolled back, and its answer against the schema and the error format."""
    app.raised.clear()
    with transaction.atomic():
        response = case.call(app=app, headers=headers)
        transaction.set_rollback(True)
    if app.raised:
        raise AssertionError(f"{case.method} {case.formatted_path}: {response.status_code}") from app.raised[0]
    case.validate_response(response, checks=CHECKS, headers=headers, transport_kwargs={"app": app})
    if 400 <= response.status_code < 500:
        body = response.json()
        assert isinstance(body, dict), body
        assert isinstance(body.get("code"), str) and body["code"], body
        assert isinstance(body.get("message"), str) and body["message"], body


def nul_cases(operation, known: list[dict]):
    """A NUL in each place of a request to the operation: its path, each query parameter alone (a
    first refused value would hide the others), its JSON body's values and a key of its own."""
    path_parameters = known[0] if known else {parameter.name: "1" for parameter in operation.path_parameters}
    if operation.path_parameters:
        yield operation.Case(path_parameters={parameter.name: "1\x00" for parameter in operation.path_parameters})
    for parameter in operation.query:
        yield operation.Case(path_parameters=path_parameters, query={parameter.name: "1\x00"})
    for body in operation.body:
        if body.media_type == "application/json":
            properties = body.optimized_schema.get("properties", {})
            for payload in (dict.fromkeys(properties, "\x00"), {"1\x00": "1"}):
                yield operation.Case(path_parameters=path_parameters, body=payload, media_type=body.media_type)


def test_schemathesis_reads_every_operation():
    assert not INVALID
    assert OPERATIONS


@pytest.mark.parametrize(
    ("label", "actor"),
    [
        pytest.param(
            label,
            actor,
            marks=[pytest.mark.xfail(strict=True, reason=KNOWN_FAILURES[label, actor])]
            if (label, actor) in KNOWN_FAILURES
            else [],
        )
        for label in sorted(OPERATIONS)
        for actor in EXAMPLES
    ],
)
def test_api_fuzz(world, known, wsgi_app, db, label, actor):
    operation = OPERATIONS[label]
    headers = {} if actor == "anonymous" else {"Authorization": f"Token {world['tokens'][actor]}"}

    @settings(
        max_examples=EXAMPLES[actor],
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=cases(operation, known.get(label, [])))
    def fuzz(case):
        check(case, app=wsgi_app, headers=headers)

    fuzz()


def test_nul_characters(world, known, wsgi_app, db):
    headers = {"Authorization": f"Token {world['tokens']['province']}"}
    failures = []
    for label, operation in sorted(OPERATIONS.items()):
        for case in nul_cases(operation, known.get(label, [])):
            try:
                check(case, app=wsgi_app, headers=headers)
            except (AssertionError, FailureGroup) as error:
                failures.append(f"{label}: {error!r}"[:2000])
    assert not failures, "\n".join(failures)
