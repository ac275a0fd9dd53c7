"""The API plumbing of ``apps.core.api``: the error format everywhere under /api/, the router's ids, and the
error answers the schema declares for every view (what tests/security/test_api_fuzz.py found missing)."""

import json

import pytest
from django.test import RequestFactory
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from rest_framework import exceptions
from rest_framework.test import APIClient

from apps.accounts.models import Role
from apps.core import views
from apps.core.api import exception_handler


def _is_error(response, status: int, code: str) -> None:
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == code
    assert body["message"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/contracts/abc/"),
        ("post", "/api/v1/subsidy-programmes/null/close/"),
        ("post", "/api/v1/deals/1.5/accept/"),
    ],
)
def test_an_id_that_is_not_a_number_is_an_unknown_url(api_for, make_user, method, path):
    # Before: the selectors' filter(pk="abc") raised ValueError, a 500.
    client = api_for(make_user(Role.PROVINCE_ADMIN))
    _is_error(getattr(client, method)(path), 404, "not_found")


def test_an_unknown_url_under_the_api_answers_the_error_format(db):
    _is_error(APIClient().get("/api/v1/no-such-thing/"), 404, "not_found")


def test_an_unknown_page_is_still_a_page(client, db):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_a_suspicious_request_under_the_api_answers_the_error_format(db, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 2
    _is_error(APIClient().get("/api/v1/regions/", {"a": 1, "b": 2, "c": 3}), 400, "parse_error")


def test_a_server_error_under_the_api_answers_the_error_format():
    response = views.error_500(RequestFactory().get("/api/v1/contracts/"))
    assert response.status_code == 500
    assert json.loads(response.content)["code"] == "error"


def test_a_validation_error_that_names_no_field_keeps_errors_by_field():
    # A field's own run_validation (the allocations' DictField) raises a list: ``errors`` is still a dict.
    response = exception_handler(exceptions.ValidationError(["expected a dictionary"]), {})
    assert response.status_code == 400
    assert response.data["code"] == "invalid"
    assert response.data["errors"] == {"non_field_errors": ["expected a dictionary"]}


# The schema --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def schema() -> dict:
    return json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True)))


def _operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield f"{method.upper()} {path}", operation


def test_every_operation_declares_400_401_and_429(schema):
    undeclared = [
        label for label, operation in _operations(schema) if {"400", "401", "429"} - set(operation["responses"])
    ]
    assert undeclared == []


def test_a_list_declares_a_missing_page(schema):
    responses = schema["paths"]["/api/v1/subsidy-applications/"]["get"]["responses"]
    assert {"200", "400", "401", "404"} <= set(responses)
    assert responses["404"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}


def test_an_operation_with_a_body_declares_a_refused_media_type(schema):
    assert "415" in schema["paths"]["/api/v1/notifications/mark-read/"]["post"]["responses"]


def test_an_operation_on_an_object_declares_404(schema):
    assert "404" in schema["paths"]["/api/v1/codes/{id}/"]["get"]["responses"]


def test_a_blank_read_only_url_may_be_empty(schema):
    # A blank URLField(blank=True) is "", which ``format: uri`` alone refuses.
    website = schema["components"]["schemas"]["Institution"]["properties"]["website"]
    assert {"type": "string", "maxLength": 0} in website["oneOf"]


@pytest.mark.parametrize(
    ("path", "refusal"),
    [
        ("/api/v1/achievements/exchange/", "ListingsImportError"),
        ("/api/v1/brokers/import/", "BrokerImportRejected"),
        ("/api/v1/kpi/spreadsheets/{unit}/{year}/return/", "KpiSheetReturnRejected"),
    ],
)
def test_an_import_refusal_is_a_list_of_rows_any_other_error_by_field(schema, path, refusal):
    # A missing file is a validation error (``errors`` by field), a refused file lists its bad rows.
    declared = schema["paths"][path]["post"]["responses"]["400"]["content"]["application/json"]["schema"]
    union = schema["components"]["schemas"][declared["$ref"].rsplit("/", 1)[1]]
    assert union["oneOf"] == [
        {"$ref": "#/components/schemas/Error"},
        {"$ref": f"#/components/schemas/{refusal}"},
    ]
    assert "errors" in schema["components"]["schemas"][refusal]["required"]


# NUL characters (apps.core.middleware) -----------------------------------------------------------


def test_a_nul_in_a_query_parameter_is_refused_with_its_name(db):
    response = APIClient().get("/api/v1/regions/", {"level": "city\x00"})
    _is_error(response, 400, "null_characters_not_allowed")
    assert response.json()["field"] == "level"


def test_a_nul_read_by_a_selector_is_refused_not_a_server_error(api_for, make_user):
    # The listings export reads ``source`` itself: psycopg2 refused the NUL, a 500.
    client = api_for(make_user(Role.PROVINCE_ADMIN))
    _is_error(client.get("/api/v1/achievements/exchange.json", {"source": "a\x00"}), 400, "null_characters_not_allowed")


def test_a_nul_in_the_path_is_refused(api_for, make_user):
    client = api_for(make_user(Role.PROVINCE_ADMIN))
    _is_error(client.get("/api/v1/kpi/spreadsheets/1301%0000/2020.xlsx"), 400, "null_characters_not_allowed")


def test_a_page_refuses_a_nul_with_a_page(client, db):
    client.cookies["sessionid"] = "abcdefgh\x00ijklmnop"  # long enough to be looked up
    response = client.get("/")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
