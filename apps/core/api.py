"""API plumbing shared by every app: the error format ``{"code", "message"}``, the router and the schema
generator that declares the errors every view may answer (pages: ``apps.core.pagination``)."""

from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, JsonResponse
from django.utils.translation import gettext
from drf_spectacular import openapi
from drf_spectacular.utils import OpenApiResponse, PolymorphicProxySerializer
from rest_framework import exceptions, routers, serializers
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from apps.core.errors import DomainError


class ErrorSerializer(serializers.Serializer):
    """The body of every 4xx answer."""

    code = serializers.CharField()
    message = serializers.CharField()
    field = serializers.CharField(required=False)
    errors = serializers.DictField(required=False)


def error_or_refusal(refusal, *, component_name: str) -> PolymorphicProxySerializer:
    """A 400 that is an import's refusal (``refusal``: its ``errors`` lists the bad rows) or any other error
    (``ErrorSerializer``: ``errors`` by field, as for a missing file). ``refusal`` requires its ``errors``
    list, so that an answer is exactly one of the two."""
    return PolymorphicProxySerializer(
        component_name=component_name, serializers=[ErrorSerializer, refusal], resource_type_field_name=None
    )


def exception_handler(exc, context):
    """Answer domain errors with their status and code, and give DRF's own errors a code too."""
    if isinstance(exc, DomainError):
        return Response(exc.as_dict(), status=exc.status)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = exc.detail
        if not isinstance(errors, dict):  # a field's or a list's own errors: none is a named field's
            errors = {api_settings.NON_FIELD_ERRORS_KEY: errors}
        response.data = {"code": "invalid", "message": str(_first_message(exc.detail)), "errors": errors}
    else:
        detail = getattr(exc, "detail", "")
        code = detail.code if hasattr(detail, "code") else exc.default_code
        response.data = {"code": code, "message": str(detail)}
    return response


def _first_message(detail):
    if isinstance(detail, dict):
        for value in detail.values():
            return _first_message(value)
    if isinstance(detail, list) and detail:
        return _first_message(detail[0])
    return detail


def is_api_request(request) -> bool:
    return request.path.startswith("/api/")


def error_json(exc: exceptions.APIException) -> JsonResponse:
    """The error format for an answer Django gives before any API view runs: an unknown URL, a server error."""
    return JsonResponse({"code": exc.default_code, "message": str(exc.default_detail)}, status=exc.status_code)


class Router(routers.DefaultRouter):
    """DRF's router, but an object's id in a path is a number unless the viewset says otherwise.

    DRF takes any segment as the id (``[^/.]+``), and ``filter(pk="abc")`` on an integer key raises
    ValueError in every selector that looks the object up: ``/contracts/abc/`` answered 500. With
    digits only, such a path is an unknown URL, a 404 like any unknown id.
    """

    def get_lookup_regex(self, viewset, lookup_prefix=""):
        lookup_url_kwarg = getattr(viewset, "lookup_url_kwarg", None) or getattr(viewset, "lookup_field", "pk")
        value = getattr(viewset, "lookup_value_regex", "[0-9]+")
        return f"(?P<{lookup_prefix}{lookup_url_kwarg}>{value})"


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's schema, with the error answers that views give without declaring them.

    Every operation may answer 400 (a value refused: a filter's, a body that does not validate, a NUL
    character anywhere in the request, ``apps.core.middleware``), 401 (no or a bad token) and, throttled,
    429; one with a body 415 for a media type it does not read; one with an object in its path 404 (an
    unknown id, or an object the caller may not see), and a list 404 for a page or a format it does not
    have. Codes that a view declares itself are kept.
    """

    PAGE_PARAMETERS = {"page", "format"}

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        parameters = operation.get("parameters", [])
        query = {parameter["name"] for parameter in parameters if parameter["in"] == "query"}
        implied = {
            "400": str(exceptions.ValidationError.default_detail),
            "401": str(exceptions.NotAuthenticated.default_detail),
        }
        if getattr(self.view, "throttle_classes", None):
            implied["429"] = str(exceptions.Throttled.default_detail)
        if "requestBody" in operation:
            implied["415"] = gettext("The request body is of a media type that the operation does not read.")
        if any(parameter["in"] == "path" for parameter in parameters) or query & self.PAGE_PARAMETERS:
            implied["404"] = str(exceptions.NotFound.default_detail)
        responses = operation["responses"]
        for code, description in implied.items():
            if code not in responses:
                described = OpenApiResponse(ErrorSerializer, description=description)
                # Errors are JSON whatever the view's renderers (``BinaryErrorsAsJsonMixin``).
                responses[code] = self._get_response_for_code(described, code, media_types=["application/json"])
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        # drf-spectacular lets a blank-allowing email or URL be "" too, but DRF drops ``allow_blank`` from
        # a ModelSerializer's read-only fields: a blank ``EmailField(blank=True)`` was "" against
        # ``format: email``. The model says whether it may be blank.
        if field.read_only and "format" in schema and "oneOf" not in schema and _model_field_blank(field):
            outer = {"readOnly", "writeOnly", "nullable", "deprecated", "description", "title"}
            inner = {key: schema.pop(key) for key in list(schema) if key not in outer}
            schema["oneOf"] = [inner, {"type": "string", "maxLength": 0}]
        return schema


def _model_field_blank(field) -> bool:
    model = getattr(getattr(field.parent, "Meta", None), "model", None)
    if model is None or not isinstance(field.source, str):
        return False
    try:
        return model._meta.get_field(field.source).blank
    except FieldDoesNotExist:
        return False
