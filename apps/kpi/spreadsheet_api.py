"""API of the assessment spreadsheets: a unit's workbook as .xlsx, and the upload of its reported return.

Both call ``apps.kpi.spreadsheets`` as the pages do, so the API refuses the same files with the same
errors: 400 ``return_rejected`` with ``errors`` [{sheet, row, column, message}], nothing submitted.
A unit the caller may not see answers 404.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.parsers import MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.contracts.api import BinaryErrorsAsJsonMixin, XLSXRenderer
from apps.core.api import ErrorSerializer, error_or_refusal
from apps.core.downloads import download_response
from apps.core.errors import PermissionDenied
from apps.kpi import selectors, services, spreadsheets

ERRORS = {400: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer}


class KpiSheetReturnUploadSerializer(serializers.Serializer):
    file = serializers.FileField()


class KpiSheetReturnResultSerializer(serializers.Serializer):
    submitted = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    blank = serializers.IntegerField()


class KpiSheetCellErrorSerializer(serializers.Serializer):
    sheet = serializers.CharField()
    row = serializers.IntegerField()
    column = serializers.CharField()
    message = serializers.CharField()


class KpiSheetReturnRejectedSerializer(serializers.Serializer):
    """The refusal of a return (``return_rejected``)."""

    code = serializers.CharField()
    message = serializers.CharField()
    errors = KpiSheetCellErrorSerializer(many=True)


@extend_schema(
    request=None,
    responses={(200, XLSXRenderer.media_type): OpenApiTypes.BINARY, **ERRORS},
    tags=["kpi"],
)
class KpiSheetDownloadApi(BinaryErrorsAsJsonMixin, APIView):
    """An assessment unit's workbook of a year (docs/kpi-spreadsheets.md): the province any unit, a city its own."""

    renderer_classes = [XLSXRenderer, JSONRenderer]

    def get(self, request, unit: str, year: int):
        region = selectors.unit_visible_get(actor=request.user, code=unit)
        year = spreadsheets.spreadsheet_year_check(year)
        content = spreadsheets.assessment_workbook(unit=region, year=year)
        return download_response(content, filename=spreadsheets.assessment_workbook_filename(unit=region, year=year))


@extend_schema(
    request={"multipart/form-data": KpiSheetReturnUploadSerializer},
    responses={
        200: KpiSheetReturnResultSerializer,
        **ERRORS,
        400: error_or_refusal(KpiSheetReturnRejectedSerializer, component_name="KpiSheetReturnRefusal"),
    },
    tags=["kpi"],
)
class KpiSheetReturnApi(APIView):
    """Submit the reported values of the workbook's 报送 sheet, all or nothing; unchanged rows are skipped."""

    parser_classes = [MultiPartParser]

    def post(self, request, unit: str, year: int):
        region = selectors.unit_visible_get(actor=request.user, code=unit)
        if not services.reported_value_may_submit(actor=request.user, unit=region):
            raise PermissionDenied()
        serializer = KpiSheetReturnUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = spreadsheets.reported_return_read(
            actor=request.user, unit=region, year=year, file=serializer.validated_data["file"]
        )
        return Response(KpiSheetReturnResultSerializer(result.counts).data)
