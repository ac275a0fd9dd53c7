"""API of the broker lists: the .xlsx export of the brokers one manages, and the province's import.

Both call the same functions as the management command (``apps.institutions.broker_imports`` and
``apps.institutions.broker_exports``), so the API refuses the same files with the same errors.
"""

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.parsers import MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.permissions import ActionPolicyMixin
from apps.contracts.api import BinaryErrorsAsJsonMixin, XLSXRenderer
from apps.core.api import ErrorSerializer, error_or_refusal
from apps.core.downloads import download_response

ERRORS = {400: ErrorSerializer, 403: ErrorSerializer}


class BrokerImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField()


class BrokerImportRowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField()
    column = serializers.CharField()
    message = serializers.CharField()


class BrokerImportRejectedSerializer(serializers.Serializer):
    """The refusal of a file (``import_rejected``)."""

    code = serializers.CharField()
    message = serializers.CharField()
    errors = BrokerImportRowErrorSerializer(many=True)


class BrokerImportResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    rows = serializers.IntegerField()


@extend_schema(
    request=None,
    responses={(200, XLSXRenderer.media_type): OpenApiTypes.BINARY, **ERRORS},
    tags=["institutions"],
)
class BrokerExportApi(BinaryErrorsAsJsonMixin, APIView):
    """The brokers the caller may manage (the province all, an institution its own), as an .xlsx the import reads."""

    renderer_classes = [XLSXRenderer, JSONRenderer]

    def get(self, request):
        from apps.institutions.broker_exports import brokers_for_export, brokers_workbook

        content = brokers_workbook(brokers=brokers_for_export(actor=request.user))
        return download_response(content, filename=f"brokers-{timezone.localdate():%Y%m%d}.xlsx")


@extend_schema(
    request={"multipart/form-data": BrokerImportUploadSerializer},
    responses={
        200: BrokerImportResultSerializer,
        **ERRORS,
        400: error_or_refusal(BrokerImportRejectedSerializer, component_name="BrokerImportRefusal"),
    },
    tags=["institutions"],
)
class BrokerImportApi(ActionPolicyMixin, APIView):
    """Import a list of brokers (xlsx or CSV, docs/institutions-exchange.md), the province only: all or nothing.

    The answer is 200 with the counts, or 400 ``import_rejected`` with every bad row (row, column, message).
    """

    action_policies = {"post": "broker.manage"}

    parser_classes = [MultiPartParser]

    def post(self, request):
        from apps.institutions.broker_imports import brokers_import

        serializer = BrokerImportUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        result = brokers_import(actor=request.user, file=upload, filename=upload.name)
        return Response(BrokerImportResultSerializer(result).data)
