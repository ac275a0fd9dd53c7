"""API of the Beijing–Tianjin–Hebei listings exchange (docs/achievements-exchange.md).

The exports give the public listings to any signed-in caller; the import is the province's. Both
call ``apps.achievements.exchange``, as the management commands do, so every path refuses the same
files with the same errors.
"""

import json

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.contracts.api import BinaryErrorsAsJsonMixin, XLSXRenderer
from apps.core.api import ErrorSerializer, error_or_refusal
from apps.core.downloads import download_response
from apps.core.errors import InvalidInput

EXPORT_PARAMETERS = [
    OpenApiParameter("tech_field", str, required=False, description=str(_("Code of the technology field."))),
    OpenApiParameter("unit", str, required=False, description=str(_("Code of the assessment unit."))),
    OpenApiParameter(
        "published_since", OpenApiTypes.DATE, required=False, description=str(_("Listings published on or after."))
    ),
    OpenApiParameter(
        "source",
        str,
        required=False,
        description=str(_("Platform code of the listings' origin: hebtt for this portal's own.")),
    ),
]


class ImportErrorSerializer(serializers.Serializer):
    section = serializers.CharField()
    record = serializers.IntegerField(required=False)
    row = serializers.IntegerField(required=False)
    field = serializers.CharField()
    message = serializers.CharField()


class ListingsImportErrorSerializer(serializers.Serializer):
    """The refusal of a file (``import_rejected``)."""

    code = serializers.CharField()
    message = serializers.CharField()
    errors = ImportErrorSerializer(many=True)


class ListingsImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text=str(_("A .json or .xlsx file of the format hebtt-listings.")))


class ListingsImportResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    skipped = serializers.IntegerField()
    records = serializers.IntegerField()


def _querysets(request):
    from apps.achievements.exchange import listings_for_export

    return listings_for_export(actor=request.user, filters=request.query_params)


def _filename(extension: str) -> str:
    return f"listings-hebtt-{timezone.localdate():%Y%m%d}.{extension}"


@extend_schema(
    parameters=EXPORT_PARAMETERS,
    request=None,
    responses={(200, "application/json"): OpenApiTypes.OBJECT, 400: ErrorSerializer, 403: ErrorSerializer},
    tags=["achievements"],
)
class ListingsExportJsonApi(APIView):
    """The public achievements and needs as a hebtt-listings JSON document (no contacts)."""

    renderer_classes = [JSONRenderer]

    def get(self, request):
        from apps.achievements.exchange import listings_export_json

        achievements, needs = _querysets(request)
        document = listings_export_json(queryset_achievements=achievements, queryset_needs=needs)
        return download_response(
            json.dumps(document, ensure_ascii=False, indent=1).encode(),
            filename=_filename("json"),
            content_type="application/json; charset=utf-8",
        )


@extend_schema(
    parameters=EXPORT_PARAMETERS,
    request=None,
    responses={(200, XLSXRenderer.media_type): OpenApiTypes.BINARY, 400: ErrorSerializer, 403: ErrorSerializer},
    tags=["achievements"],
)
class ListingsExportXlsxApi(BinaryErrorsAsJsonMixin, APIView):
    """The public achievements and needs as a hebtt-listings workbook (sheets 成果, 需求, 说明)."""

    renderer_classes = [XLSXRenderer, JSONRenderer]

    def get(self, request):
        from apps.achievements.exchange import listings_export_xlsx

        achievements, needs = _querysets(request)
        content = listings_export_xlsx(queryset_achievements=achievements, queryset_needs=needs)
        return download_response(content, filename=_filename("xlsx"))


@extend_schema(
    request={
        "multipart/form-data": ListingsImportUploadSerializer,
        "application/json": OpenApiTypes.OBJECT,
    },
    responses={
        200: ListingsImportResultSerializer,
        400: OpenApiResponse(
            error_or_refusal(ListingsImportErrorSerializer, component_name="ListingsImportRefusal"),
            description=str(_("The file was refused: import_rejected lists every bad record; nothing was written.")),
        ),
        403: ErrorSerializer,
    },
    tags=["achievements"],
)
class ListingsImportApi(APIView):
    """Import a hebtt-listings file (the province only): a .json or .xlsx upload, or the JSON document as the body.

    All or nothing: 200 with the counts, or 400 ``import_rejected`` with every bad record
    (section, record index or row, field, message).
    """

    parser_classes = [MultiPartParser, JSONParser]

    def post(self, request):
        from apps.achievements.exchange import listings_import

        if request.content_type.startswith("multipart/"):
            serializer = ListingsImportUploadSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            upload = serializer.validated_data["file"]
            name = (upload.name or "").lower()
            if name.endswith(".json"):
                fmt = "json"
            elif name.endswith(".xlsx"):
                fmt = "xlsx"
            else:
                raise InvalidInput(
                    _("Upload a .json or an .xlsx file of the format hebtt-listings."),
                    code="import_format",
                    field="file",
                )
            result = listings_import(actor=request.user, data=upload, fmt=fmt)
        else:
            result = listings_import(actor=request.user, data=request.data, fmt="json")
        return Response(ListingsImportResultSerializer(result).data)
