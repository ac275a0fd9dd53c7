"""API of the institutions registry: filings, their review and supervision as actions, the directory, the export.

Serializers only parse and present; every write goes through ``apps.institutions.services`` so the
API, the pages and the importer refuse the same things with the same error codes. Lists are the
selectors' scoped querysets, narrowed by ``apps.institutions.filters.InstitutionFilter``.
"""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts import policies
from apps.accounts.models import Organisation
from apps.accounts.policies import actor_for
from apps.contracts.api import BinaryErrorsAsJsonMixin, XLSXRenderer
from apps.core.api import ErrorSerializer
from apps.core.downloads import download_response
from apps.core.errors import InvalidInput, NotFound
from apps.institutions import policies as institution_policies
from apps.institutions import selectors, services
from apps.institutions.models import Institution, InstitutionLevel, InstitutionStatus, InstitutionStep


def _filtered(request):
    return selectors.institution_list(actor=request.user, filters=request.query_params)


FILTER_PARAMETERS = [
    OpenApiParameter("status", str, many=True, enum=InstitutionStatus.values, required=False),
    OpenApiParameter("kind", str, required=False, description=str(_("Code of the kind of institution."))),
    OpenApiParameter("level", str, enum=InstitutionLevel.values, required=False),
    OpenApiParameter("unit", str, required=False, description=str(_("Code of the assessment unit."))),
    OpenApiParameter("q", str, required=False, description=str(_("Name, document number or host."))),
]

# Serializers -----------------------------------------------------------------------------------


class InstitutionInputSerializer(serializers.Serializer):
    """A filing; ``kind`` is a code of ``InstitutionKind``, ``region`` a 6-digit code in Hebei."""

    host = serializers.IntegerField(
        required=False, help_text=_("Your host organisation, if you act for several (create only).")
    )
    name = serializers.CharField(max_length=200)
    kind = serializers.CharField(max_length=40)
    level = serializers.CharField(max_length=16, help_text=_("national, provincial or city"))
    region = serializers.CharField(max_length=6)
    recognised_on = serializers.DateField(required=False, allow_null=True, default=None)
    document_number = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    description = serializers.CharField(required=False, allow_blank=True, default="")
    address = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    website = serializers.URLField(required=False, allow_blank=True, default="")
    public_phone = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    contact_name = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    contact_phone = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")

    def to_input(self) -> services.InstitutionInput:
        data = dict(self.validated_data)
        data.pop("host", None)
        return services.InstitutionInput(**data)


class InstitutionSerializer(serializers.ModelSerializer):
    # Plain strings, not enums: the status and level choices are documented on the filters.
    status = serializers.CharField(read_only=True)
    level = serializers.CharField(read_only=True)
    kind = serializers.CharField(source="kind_id", read_only=True)
    kind_name = serializers.CharField(source="kind.label", read_only=True)
    region = serializers.CharField(source="region_id", read_only=True)
    region_name = serializers.CharField(source="region.label", read_only=True)
    unit = serializers.CharField(source="region.unit_id", read_only=True, allow_null=True, default=None)
    host_name = serializers.CharField(source="host.name", read_only=True, allow_null=True, default=None)

    class Meta:
        model = Institution
        fields = [
            "id", "name", "kind", "kind_name", "level", "region", "region_name", "unit", "host", "host_name",
            "recognised_on", "document_number", "status", "status_note", "description", "address", "website",
            "public_phone", "contact_name", "contact_phone", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


class InstitutionStepSerializer(serializers.ModelSerializer):
    # The name the pages show (display name, else user name); null for the system.
    actor = serializers.CharField(read_only=True, allow_null=True, default=None)

    class Meta:
        model = InstitutionStep
        fields = ["action", "from_status", "to_status", "actor", "at", "note"]
        read_only_fields = fields


class InstitutionDetailSerializer(InstitutionSerializer):
    steps = serializers.SerializerMethodField()

    class Meta(InstitutionSerializer.Meta):
        fields = [*InstitutionSerializer.Meta.fields, "steps"]
        read_only_fields = fields

    @extend_schema_field(InstitutionStepSerializer(many=True))
    def get_steps(self, institution):
        return InstitutionStepSerializer(selectors.institution_steps(institution=institution), many=True).data


class PublicInstitutionSerializer(serializers.ModelSerializer):
    """What anyone may read: no filing contact, no host, no notes."""

    kind = serializers.CharField(source="kind_id", read_only=True)
    kind_name = serializers.CharField(source="kind.label", read_only=True)
    level = serializers.CharField(read_only=True)
    region = serializers.CharField(source="region_id", read_only=True)
    region_name = serializers.CharField(source="region.label", read_only=True)

    class Meta:
        model = Institution
        fields = [
            "id", "name", "kind", "kind_name", "level", "region", "region_name", "recognised_on", "document_number",
            "description", "address", "website", "public_phone",
        ]  # fmt: skip
        read_only_fields = fields


class InstitutionNoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class InstitutionApproveSerializer(InstitutionNoteSerializer):
    recognised_on = serializers.DateField(
        required=False, allow_null=True, default=None, help_text=_("Today unless given.")
    )
    document_number = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("Required unless the filing already has one."),
    )


ERRORS = {400: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer}
TRANSITION_RESPONSES = {
    200: InstitutionDetailSerializer,
    **ERRORS,
    409: OpenApiResponse(ErrorSerializer, description=str(_("The institution's status does not allow this action."))),
}


def _host_for(request, host_id) -> Organisation:
    """The host organisation of a new filing: the one given, or the caller's only one."""
    actor = actor_for(request.user)
    own = actor.organisation_ids(*institution_policies.HOST_ROLES)
    if host_id is None:
        if len(own) != 1:
            raise InvalidInput(
                _("You act for several organisations, or for none that may host an institution; say which one."),
                code="host_required",
                field="host",
            )
        host_id = next(iter(own))
    host = Organisation.objects.select_related("region").filter(pk=host_id).first()
    if host is None:
        raise NotFound()
    return host


# Views -----------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        tags=["institutions"], parameters=FILTER_PARAMETERS, responses={200: InstitutionSerializer(many=True)}
    ),
    retrieve=extend_schema(tags=["institutions"], responses={200: InstitutionDetailSerializer, 404: ErrorSerializer}),
    create=extend_schema(
        tags=["institutions"],
        request=InstitutionInputSerializer,
        responses={201: InstitutionDetailSerializer, **ERRORS},
    ),
    update=extend_schema(
        tags=["institutions"],
        request=InstitutionInputSerializer,
        responses={200: InstitutionDetailSerializer, **ERRORS, 409: ErrorSerializer},
    ),
)
class InstitutionViewSet(viewsets.GenericViewSet):
    """Institutions the caller may see: their host organisation's filings, and the filed ones of their region."""

    serializer_class = InstitutionSerializer
    filter_backends = []  # InstitutionFilter is applied by _filtered

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Institution.objects.none()
        return _filtered(self.request)

    def get_object(self):
        return selectors.institution_get(actor=self.request.user, pk=self.kwargs["pk"])

    def _detail(self, institution, status_code=status.HTTP_200_OK):
        institution = selectors.institution_get(actor=self.request.user, pk=institution.pk)
        return Response(InstitutionDetailSerializer(institution).data, status=status_code)

    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(InstitutionSerializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        return Response(InstitutionDetailSerializer(self.get_object()).data)

    def create(self, request):
        serializer = InstitutionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        host = _host_for(request, serializer.validated_data.get("host"))
        institution = services.institution_create(actor=request.user, host=host, data=serializer.to_input())
        return self._detail(institution, status.HTTP_201_CREATED)

    def update(self, request, pk=None):
        institution = self.get_object()
        policies.check(request.user, "institution.apply", institution)  # before the body is read
        serializer = InstitutionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        institution = services.institution_update(
            actor=request.user, institution=institution, data=serializer.to_input()
        )
        return self._detail(institution)

    def _transition(self, request, name, serializer_class=InstitutionNoteSerializer):
        institution = self.get_object()
        serializer = serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        institution = services.institution_transition(
            actor=request.user, institution=institution, action=name, **serializer.validated_data
        )
        return self._detail(institution)

    @extend_schema(request=InstitutionNoteSerializer, responses=TRANSITION_RESPONSES, tags=["institutions"])
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """The host sends a draft or returned filing to the city bureau."""
        return self._transition(request, "submit")

    @extend_schema(request=InstitutionNoteSerializer, responses=TRANSITION_RESPONSES, tags=["institutions"])
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        """The host withdraws a filing not yet recommended."""
        return self._transition(request, "withdraw")

    @extend_schema(request=InstitutionNoteSerializer, responses=TRANSITION_RESPONSES, tags=["institutions"])
    @action(detail=True, methods=["post"])
    def recommend(self, request, pk=None):
        """The city bureau of the institution's unit recommends the filing to the province."""
        return self._transition(request, "recommend")

    @extend_schema(request=InstitutionNoteSerializer, responses=TRANSITION_RESPONSES, tags=["institutions"])
    @action(detail=True, methods=["post"], url_path="city-return")
    def city_return(self, request, pk=None):
        """The city bureau returns the filing for correction (a note is required)."""
        return self._transition(request, "city_return")

    @extend_schema(request=InstitutionApproveSerializer, responses=TRANSITION_RESPONSES, tags=["institutions"])
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """The province approves a recommended filing, recording the recognition date and document number."""
        return self._transition(request, "approve", InstitutionApproveSerializer)

    @extend_schema(request=InstitutionNoteSerializer, responses=TRANSITION_RESPONSES, tags=["institutions"])
    @action(detail=True, methods=["post"], url_path="province-return")
    def province_return(self, request, pk=None):
        """The province returns a recommended filing for correction (a note is required)."""
        return self._transition(request, "province_return")

    @extend_schema(request=InstitutionNoteSerializer, responses=TRANSITION_RESPONSES, tags=["institutions"])
    @action(detail=True, methods=["post"])
    def suspend(self, request, pk=None):
        """The province suspends an active institution (a note is required)."""
        return self._transition(request, "suspend")

    @extend_schema(request=InstitutionNoteSerializer, responses=TRANSITION_RESPONSES, tags=["institutions"])
    @action(detail=True, methods=["post"])
    def reinstate(self, request, pk=None):
        """The province reinstates a suspended institution."""
        return self._transition(request, "reinstate")

    @extend_schema(request=InstitutionNoteSerializer, responses=TRANSITION_RESPONSES, tags=["institutions"])
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        """The province revokes an active or suspended institution (a note is required)."""
        return self._transition(request, "revoke")


@extend_schema(
    parameters=[
        OpenApiParameter("kind", str, required=False),
        OpenApiParameter("unit", str, required=False),
        OpenApiParameter("q", str, required=False),
    ],
    responses={200: PublicInstitutionSerializer(many=True)},
    tags=["institutions"],
)
class InstitutionDirectoryApi(GenericAPIView):
    """The public directory: active institutions with their public fields; no login needed."""

    permission_classes = [AllowAny]
    serializer_class = PublicInstitutionSerializer
    filter_backends = []

    def get_queryset(self):
        params = self.request.query_params
        return selectors.public_directory(
            kind=params.get("kind") or None, region_unit=params.get("unit") or None, q=params.get("q", "")
        )

    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(PublicInstitutionSerializer(page, many=True).data)


@extend_schema(
    parameters=FILTER_PARAMETERS,
    responses={(200, XLSXRenderer.media_type): OpenApiTypes.BINARY, **ERRORS},
    tags=["institutions"],
)
class InstitutionExportApi(BinaryErrorsAsJsonMixin, APIView):
    """The institutions the caller may see, with the list's filters, as an .xlsx that the import reads back."""

    renderer_classes = [XLSXRenderer, JSONRenderer]

    def get(self, request):
        from apps.institutions.exports import institutions_workbook

        content = institutions_workbook(institutions=_filtered(request))
        return download_response(content, filename=f"institutions-{timezone.localdate():%Y%m%d}.xlsx")
