"""API of the public directory of technology brokers and managers (技术经纪人 / 技术经理人), and the
action of those who manage a broker that takes them off it (or puts them back)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts import policies
from apps.core.api import ErrorSerializer
from apps.core.errors import NotFound
from apps.institutions import selectors, services
from apps.institutions.models import Broker


class BrokerSerializer(serializers.ModelSerializer):
    region_name = serializers.CharField(source="region.label", read_only=True)
    affiliation_name = serializers.CharField(source="affiliation.name", read_only=True, allow_null=True, default=None)

    class Meta:
        model = Broker
        # Public fields only: no phone.
        fields = [
            "id", "name", "role", "title", "certificate_number", "certified_on", "region", "region_name",
            "affiliation", "affiliation_name", "tech_fields", "profile",
        ]  # fmt: skip
        read_only_fields = fields


FILTERS = [
    OpenApiParameter("q", str, description="Name or profile contains"),
    OpenApiParameter("title", str, enum=["junior", "intermediate", "senior"]),
    OpenApiParameter("tech_field", str, description="Code of the technology field list"),
    OpenApiParameter("unit", str, description="Assessment unit code"),
]


@extend_schema_view(
    list=extend_schema(tags=["institutions"], parameters=FILTERS),
    retrieve=extend_schema(tags=["institutions"], responses={200: BrokerSerializer, 404: ErrorSerializer}),
)
class BrokerViewSet(viewsets.ReadOnlyModelViewSet):
    """The public directory of active technology brokers and managers; no login needed."""

    serializer_class = BrokerSerializer
    permission_classes = [AllowAny]
    filter_backends = []  # the selector filters

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Broker.objects.none()
        params = self.request.query_params
        return selectors.broker_directory(
            q=params.get("q", ""),
            title=params.get("title"),
            tech_field=params.get("tech_field"),
            unit=params.get("unit"),
        )

    def get_object(self):
        broker = self.get_queryset().filter(pk=self.kwargs["pk"]).first()
        if broker is None:
            raise NotFound()
        return broker


class BrokerActiveInputSerializer(serializers.Serializer):
    active = serializers.BooleanField(help_text=_("False takes the broker off the public directory."))
    reason = serializers.CharField(
        max_length=500,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("Required to take the broker off the directory; kept in the history."),
    )


class BrokerActiveSerializer(serializers.ModelSerializer):
    class Meta:
        model = Broker
        fields = ["id", "name", "certificate_number", "is_active"]
        read_only_fields = fields


@extend_schema(
    tags=["institutions"],
    request=BrokerActiveInputSerializer,
    responses={
        200: BrokerActiveSerializer,
        400: ErrorSerializer,
        403: ErrorSerializer,
        404: ErrorSerializer,
        409: ErrorSerializer,
    },
)
class BrokerActiveApi(APIView):
    """Take a broker one manages off the public directory (a reason is required) or put them back (policy
    ``broker.manage``); 409 when the broker already is in that state."""

    def post(self, request, pk):
        broker = selectors.broker_list(actor=request.user).filter(pk=pk).first()
        if broker is None:
            raise NotFound()
        policies.check(request.user, "broker.manage", broker)
        serializer = BrokerActiveInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        broker = services.broker_set_active(
            actor=request.user,
            broker=broker,
            active=serializer.validated_data["active"],
            reason=serializer.validated_data["reason"],
        )
        return Response(BrokerActiveSerializer(broker).data)
