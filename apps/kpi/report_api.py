"""API of the report archive: the reports the caller may read (current by default), one report, its workbook.

Scoped as the pages are (``reports.reports_visible``): the province all, a city bureau its own
unit's, others none. A report the caller may not see answers 404.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from apps.contracts.api import XLSXRenderer
from apps.core.api import ErrorSerializer
from apps.core.storage import private_file_response
from apps.kpi import reports
from apps.kpi.models import Report, ReportKind

ERRORS = {403: ErrorSerializer, 404: ErrorSerializer}


class KpiReportSerializer(serializers.ModelSerializer):
    # Plain text, not an enum: a "kind" enum collides with other apps' in the schema's component names.
    kind = serializers.CharField(read_only=True, help_text="monthly or quarterly")
    unit = serializers.SerializerMethodField()

    class Meta:
        model = Report
        fields = [
            "id",
            "kind",
            "period_start",
            "period_end",
            "unit",
            "version",
            "is_current",
            "reason",
            "generated_at",
            "sent_at",
            "filename",
            "sha256",
            "size",
        ]

    def get_unit(self, report) -> str:
        """The assessment unit's code, 130000 for the province."""
        return report.unit_id or "130000"


class KpiReportDetailSerializer(KpiReportSerializer):
    figures = serializers.JSONField(help_text="The progress rows frozen at the close (decimals as strings).")

    class Meta(KpiReportSerializer.Meta):
        fields = [*KpiReportSerializer.Meta.fields, "figures"]


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("kind", str, enum=ReportKind.values),
            OpenApiParameter("unit", str, description="An assessment unit code, 130000 for the province."),
            OpenApiParameter("all_versions", bool, description="Include the versions that are no longer current."),
        ],
        responses={200: KpiReportSerializer(many=True), **ERRORS},
        tags=["kpi"],
    ),
    retrieve=extend_schema(responses={200: KpiReportDetailSerializer, **ERRORS}, tags=["kpi"]),
)
class KpiReportViewSet(viewsets.GenericViewSet):
    """The monthly and quarterly report archive (docs/kpi-reports.md)."""

    serializer_class = KpiReportSerializer
    filter_backends = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Report.objects.none()
        queryset = reports.reports_visible(actor=self.request.user).order_by(
            "-period_start", "kind", "unit_id", "-version"
        )
        params = self.request.query_params
        if params.get("all_versions") not in ("1", "true", "True"):
            queryset = queryset.filter(is_current=True)
        if params.get("kind") in ReportKind.values:
            queryset = queryset.filter(kind=params["kind"])
        if params.get("unit"):
            unit = params["unit"]
            queryset = queryset.filter(unit__isnull=True) if unit == "130000" else queryset.filter(unit_id=unit)
        return queryset

    def get_object(self):
        return reports.report_get(actor=self.request.user, pk=self.kwargs["pk"])

    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(KpiReportSerializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        return Response(KpiReportDetailSerializer(self.get_object()).data)

    @extend_schema(
        request=None,
        responses={(200, XLSXRenderer.media_type): OpenApiTypes.BINARY, **ERRORS},
        tags=["kpi"],
    )
    @action(detail=True, methods=["get"], renderer_classes=[XLSXRenderer, JSONRenderer])
    def download(self, request, pk=None):
        report = self.get_object()
        return private_file_response(report.file, filename=report.filename, content_type=reports.XLSX)

    def handle_exception(self, exc):
        # A download's errors are still ``{"code", "message"}`` JSON, not a broken file.
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return super().handle_exception(exc)
