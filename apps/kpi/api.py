"""API of the plan's indicators: the catalogue, progress towards the targets, targets and reported values.

Serializers only parse and present; every write goes through ``apps.kpi.services`` and every read
through ``apps.kpi.selectors`` (scoped to the caller) or ``apps.kpi.actuals``, so the API and the
pages refuse the same things with the same error codes. Serializer names start with ``Kpi`` to keep
their schema components apart from other apps'.
"""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts import policies
from apps.core.api import ErrorSerializer
from apps.core.errors import InvalidInput
from apps.core.models import Region
from apps.core.selectors import assessment_units
from apps.kpi import actuals, selectors, services
from apps.kpi.models import Indicator, ReportedStatus, ReportedValue, TargetSet

MONEY = {"max_digits": 18, "decimal_places": 2}

# Serializers -----------------------------------------------------------------------------------


class KpiIndicatorSerializer(serializers.ModelSerializer):
    """An indicator, with its name and definition in the active language."""

    name = serializers.CharField(source="label", read_only=True)
    name_zh = serializers.CharField(source="name", read_only=True)
    definition = serializers.CharField(source="definition_label", read_only=True)
    # Plain strings, not enums: the choices are documented in docs/kpi.md.
    unit = serializers.CharField(read_only=True)
    direction = serializers.CharField(read_only=True)
    source = serializers.CharField(read_only=True)
    decomposition = serializers.CharField(read_only=True)

    class Meta:
        model = Indicator
        fields = [
            "code", "name", "name_zh", "plan_task", "unit", "direction", "source", "computation", "responsible",
            "decomposition", "baseline_year", "baseline_value", "target_year", "target_value", "definition",
        ]  # fmt: skip
        read_only_fields = fields


class KpiProgressRowSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    plan_task = serializers.CharField()
    measure = serializers.CharField(help_text=_("yuan, count, percent or per_10k"))
    direction = serializers.CharField(help_text=_("at_least or more_than"))
    source = serializers.CharField(help_text=_("computed, reported or mixed"))
    definition = serializers.CharField()
    year = serializers.IntegerField()
    unit = serializers.CharField(allow_null=True)
    target = serializers.DecimalField(allow_null=True, **MONEY)
    target_source = serializers.CharField(allow_null=True, help_text=_("approved, catalogue, or null"))
    target_version = serializers.IntegerField(allow_null=True)
    actual = serializers.DecimalField(allow_null=True, **MONEY)
    achieved_percent = serializers.DecimalField(allow_null=True, **MONEY)
    reached = serializers.BooleanField(allow_null=True)
    previous_actual = serializers.DecimalField(allow_null=True, **MONEY)
    growth = serializers.DecimalField(allow_null=True, **MONEY)
    status = serializers.CharField(help_text=_("green, amber, red or grey"))


class KpiProgressSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    unit = serializers.CharField(allow_null=True)
    unit_name = serializers.CharField()
    indicators = KpiProgressRowSerializer(many=True)


class KpiTargetSerializer(serializers.Serializer):
    unit = serializers.CharField(source="unit_id")
    unit_name = serializers.CharField(source="unit.label")
    value = serializers.DecimalField(**MONEY)


class KpiTargetSetSerializer(serializers.ModelSerializer):
    indicator_name = serializers.CharField(source="indicator.label", read_only=True)
    status = serializers.CharField(read_only=True)
    created_by = serializers.CharField(source="created_by.username", read_only=True, allow_null=True, default=None)
    approved_by = serializers.CharField(source="approved_by.username", read_only=True, allow_null=True, default=None)
    targets = KpiTargetSerializer(many=True, read_only=True)

    class Meta:
        model = TargetSet
        fields = [
            "id", "indicator", "indicator_name", "year", "version", "status", "province_value", "reason", "targets",
            "created_by", "created_at", "approved_by", "approved_at",
        ]  # fmt: skip
        read_only_fields = fields


class KpiTargetSetInputSerializer(serializers.Serializer):
    indicator = serializers.CharField(max_length=16)
    year = serializers.IntegerField()
    province_value = serializers.DecimalField(**MONEY)
    reason = serializers.CharField(
        required=False, allow_blank=True, default="", help_text=_("Required from version 2 on.")
    )


class KpiReportedValueSerializer(serializers.ModelSerializer):
    indicator_name = serializers.CharField(source="indicator.label", read_only=True)
    unit = serializers.CharField(source="unit_id", read_only=True, allow_null=True)
    unit_name = serializers.CharField(source="unit.label", read_only=True, allow_null=True, default=None)
    status = serializers.CharField(read_only=True)
    submitted_by = serializers.CharField(source="submitted_by.username", read_only=True, allow_null=True, default=None)
    decided_by = serializers.CharField(source="decided_by.username", read_only=True, allow_null=True, default=None)

    class Meta:
        model = ReportedValue
        fields = [
            "id", "indicator", "indicator_name", "year", "unit", "unit_name", "value", "evidence", "status",
            "is_current", "submitted_by", "created_at", "decided_by", "decided_at", "note",
        ]  # fmt: skip
        read_only_fields = fields


class KpiReportedValueInputSerializer(serializers.Serializer):
    indicator = serializers.CharField(max_length=16)
    year = serializers.IntegerField()
    unit = serializers.CharField(
        max_length=6,
        required=False,
        allow_null=True,
        default=None,
        help_text=_("An assessment unit; empty for the province."),
    )
    value = serializers.DecimalField(**MONEY)
    evidence = serializers.CharField(help_text=_("A document number or a statistical bulletin."))


class KpiReportedDecisionSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    note = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=2000, help_text=_("Required to return the value.")
    )


ERRORS = {400: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer}
LOCKED = OpenApiResponse(ErrorSerializer, description=str(_("The record is locked in its current state.")))
TARGET_UNITS_REQUEST = {
    "application/json": {
        "type": "object",
        "additionalProperties": {"type": "string", "format": "decimal"},
        "description": str(
            _('Unit code → target, e.g. {"130100": "123"}; the key province_value changes the provincial target.')
        ),
    }
}


def _indicator(code) -> Indicator:
    indicator = selectors.indicator_list().filter(code=code).first()
    if indicator is None:
        raise InvalidInput(_("%(code)s is not an indicator.") % {"code": code}, field="indicator")
    return indicator


def _unit(code) -> Region | None:
    if not code or code == "130000":
        return None
    unit = assessment_units().filter(code=code).first()
    if unit is None:
        raise InvalidInput(_("%(code)s is not an assessment unit.") % {"code": code}, field="unit")
    return unit


# Views -----------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(tags=["kpi"], responses={200: KpiIndicatorSerializer(many=True)}),
    retrieve=extend_schema(tags=["kpi"], responses={200: KpiIndicatorSerializer, 404: ErrorSerializer}),
)
class IndicatorViewSet(viewsets.GenericViewSet):
    """The plan's indicators, with their definitions: readable by every signed-in user."""

    serializer_class = KpiIndicatorSerializer
    filter_backends = []
    lookup_field = "code"
    lookup_value_regex = r"[A-Za-z0-9-]+"

    def get_queryset(self):
        return selectors.indicator_list()

    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(KpiIndicatorSerializer(page, many=True).data)

    def retrieve(self, request, code=None):
        return Response(KpiIndicatorSerializer(selectors.indicator_get(code=code)).data)


@extend_schema(
    parameters=[
        OpenApiParameter("year", int, required=False, description=str(_("The current year unless given."))),
        OpenApiParameter(
            "unit", str, required=False, description=str(_("An assessment unit or a county; the province if empty."))
        ),
    ],
    responses={200: KpiProgressSerializer, **ERRORS},
    tags=["kpi"],
)
class ProgressApi(APIView):
    """Every indicator's target, actual, % achieved and status for a year and the province, a unit or a county."""

    def get(self, request):
        raw_year = request.query_params.get("year") or str(timezone.localdate().year)
        if not raw_year.isdigit() or not 2000 <= int(raw_year) <= 2100:
            raise InvalidInput(_("Give the year as a number, e.g. ?year=2026."), field="year")
        unit = selectors.progress_unit(code=request.query_params.get("unit"))
        policies.check(request.user, "kpi.view", unit)
        rows = actuals.indicator_progress(year=int(raw_year), unit=unit)
        body = {
            "year": int(raw_year),
            "unit": unit.code if unit else None,
            "unit_name": unit.label if unit else str(_("Hebei Province")),
            "indicators": rows,
        }
        return Response(KpiProgressSerializer(body).data)


@extend_schema_view(
    list=extend_schema(
        tags=["kpi"],
        parameters=[OpenApiParameter("indicator", str, required=False), OpenApiParameter("year", int, required=False)],
        responses={200: KpiTargetSetSerializer(many=True), 400: ErrorSerializer},
    ),
    retrieve=extend_schema(tags=["kpi"], responses={200: KpiTargetSetSerializer, 404: ErrorSerializer}),
    create=extend_schema(
        tags=["kpi"],
        request=KpiTargetSetInputSerializer,
        responses={201: KpiTargetSetSerializer, **ERRORS, 409: LOCKED},
    ),
)
class TargetSetViewSet(viewsets.GenericViewSet):
    """Versions of an indicator's targets per year; the province drafts, decomposes and approves them."""

    serializer_class = KpiTargetSetSerializer
    filter_backends = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return TargetSet.objects.none()
        params = self.request.query_params
        return selectors.target_set_list(
            actor=self.request.user, indicator=params.get("indicator"), year=params.get("year")
        )

    def get_object(self):
        return selectors.target_set_get(actor=self.request.user, pk=self.kwargs["pk"])

    def _detail(self, target_set, status_code=status.HTTP_200_OK):
        target_set = selectors.target_set_get(actor=self.request.user, pk=target_set.pk)
        return Response(KpiTargetSetSerializer(target_set).data, status=status_code)

    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(KpiTargetSetSerializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        return Response(KpiTargetSetSerializer(self.get_object()).data)

    def create(self, request):
        policies.check(request.user, "kpi.manage")
        serializer = KpiTargetSetInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        target_set = services.target_set_draft(
            actor=request.user,
            indicator=_indicator(data["indicator"]),
            year=data["year"],
            province_value=data["province_value"],
            reason=data["reason"],
        )
        return self._detail(target_set, status.HTTP_201_CREATED)

    @extend_schema(
        request=TARGET_UNITS_REQUEST, responses={200: KpiTargetSetSerializer, **ERRORS, 409: LOCKED}, tags=["kpi"]
    )
    @action(detail=True, methods=["put"])
    def units(self, request, pk=None):
        """Set the units' targets of a draft (unit code → value); units not named keep theirs."""
        if not isinstance(request.data, dict):
            raise InvalidInput(_("Send an object of unit codes and targets."), field="targets")
        policies.check(request.user, "kpi.manage")
        values = request.data.dict() if hasattr(request.data, "dict") else dict(request.data)
        province_value = values.pop("province_value", None)
        target_set = services.target_set_units(
            actor=request.user, target_set=self.get_object(), values=values, province_value=province_value
        )
        return self._detail(target_set)

    @extend_schema(request=None, responses={200: KpiTargetSetSerializer, **ERRORS, 409: LOCKED}, tags=["kpi"])
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """Approve and lock the draft (the units' targets must add up where the indicator is decomposed by sum)."""
        policies.check(request.user, "kpi.manage")
        return self._detail(services.target_set_approve(actor=request.user, target_set=self.get_object()))


@extend_schema_view(
    list=extend_schema(
        tags=["kpi"],
        parameters=[
            OpenApiParameter("indicator", str, required=False),
            OpenApiParameter("year", int, required=False),
            OpenApiParameter("unit", str, required=False, description=str(_("130000 for the province's own values."))),
            OpenApiParameter("status", str, enum=ReportedStatus.values, required=False),
        ],
        responses={200: KpiReportedValueSerializer(many=True), 400: ErrorSerializer},
    ),
    retrieve=extend_schema(tags=["kpi"], responses={200: KpiReportedValueSerializer, 404: ErrorSerializer}),
    create=extend_schema(
        tags=["kpi"],
        request=KpiReportedValueInputSerializer,
        responses={201: KpiReportedValueSerializer, **ERRORS, 409: LOCKED},
    ),
)
class ReportedValueViewSet(viewsets.GenericViewSet):
    """Values of the reported indicators: submitted by the responsible bureau, decided by the province."""

    serializer_class = KpiReportedValueSerializer
    filter_backends = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ReportedValue.objects.none()
        params = self.request.query_params
        return selectors.reported_value_list(
            actor=self.request.user,
            indicator=params.get("indicator"),
            year=params.get("year"),
            unit=params.get("unit"),
            status=params.get("status"),
        )

    def get_object(self):
        return selectors.reported_value_get(actor=self.request.user, pk=self.kwargs["pk"])

    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(KpiReportedValueSerializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        return Response(KpiReportedValueSerializer(self.get_object()).data)

    def create(self, request):
        serializer = KpiReportedValueInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        reported = services.reported_value_submit(
            actor=request.user,
            indicator=_indicator(data["indicator"]),
            year=data["year"],
            unit=_unit(data["unit"]),
            value=data["value"],
            evidence=data["evidence"],
        )
        reported = selectors.reported_value_get(actor=request.user, pk=reported.pk)
        return Response(KpiReportedValueSerializer(reported).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=KpiReportedDecisionSerializer,
        responses={200: KpiReportedValueSerializer, **ERRORS, 409: LOCKED},
        tags=["kpi"],
    )
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        """The province approves the value (it becomes current) or returns it with a note."""
        reported = self.get_object()
        policies.check(request.user, "kpi.manage", reported)  # before the body is read
        serializer = KpiReportedDecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        reported = services.reported_value_decide(actor=request.user, reported=reported, **serializer.validated_data)
        reported = selectors.reported_value_get(actor=request.user, pk=reported.pk)
        return Response(KpiReportedValueSerializer(reported).data)
