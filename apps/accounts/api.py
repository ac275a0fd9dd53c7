"""API of the accounts app: tokens, the current user, organisations and their status workflow."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from apps.accounts import selectors, services
from apps.accounts.filters import OrganisationFilter
from apps.accounts.models import Membership, Organisation, User
from apps.core.api import ErrorSerializer


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()


class TokenThrottle(AnonRateThrottle):
    rate = "30/minute"


@extend_schema(
    request=AuthTokenSerializer,
    responses={200: TokenSerializer, 400: ErrorSerializer, 403: ErrorSerializer},
    tags=["auth"],
)
class TokenObtainApi(APIView):
    """Exchange a user name and password for an API token (``Authorization: Token <key>``)."""

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [TokenThrottle]

    def post(self, request):
        serializer = AuthTokenSerializer(data=request.data, context={"request": request})
        valid = serializer.is_valid()
        if getattr(request, "axes_locked_out", False) or getattr(request._request, "axes_locked_out", False):
            return Response(
                {
                    "code": "account_locked",
                    "message": str(_("Too many failed logins: this account is locked for a while.")),
                },
                status=status.HTTP_403_FORBIDDEN,
            )
        if not valid:
            return Response(
                {"code": "invalid_credentials", "message": str(_("The user name or password is wrong."))},
                status=status.HTTP_400_BAD_REQUEST,
            )
        token, _created = Token.objects.get_or_create(user=serializer.validated_data["user"])
        return Response({"token": token.key})


@extend_schema(request=None, responses={204: None, 401: ErrorSerializer}, tags=["auth"])
class TokenRevokeApi(APIView):
    """Revoke the caller's own API token: calls with it are refused from then on."""

    def post(self, request):
        services.api_token_revoke(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MembershipSerializer(serializers.ModelSerializer):
    organisation_name = serializers.CharField(source="organisation.name")
    organisation_status = serializers.CharField(source="organisation.status")

    class Meta:
        model = Membership
        fields = ["organisation", "organisation_name", "organisation_status", "role", "is_active"]


class MeSerializer(serializers.ModelSerializer):
    memberships = MembershipSerializer(many=True)

    class Meta:
        model = User
        fields = ["id", "username", "display_name", "email", "memberships"]


@extend_schema(responses=MeSerializer, tags=["auth"])
class MeApi(APIView):
    """The authenticated user and their roles."""

    def get(self, request):
        user = User.objects.prefetch_related("memberships__organisation").get(pk=request.user.pk)
        return Response(MeSerializer(user).data)


class OrganisationSerializer(serializers.ModelSerializer):
    region_name = serializers.CharField(source="region.name", read_only=True)
    unit = serializers.CharField(source="region.unit_id", read_only=True, allow_null=True)

    class Meta:
        model = Organisation
        fields = [
            "id",
            "name",
            "credit_code",
            "kind",
            "party_type",
            "region",
            "region_name",
            "unit",
            "country",
            "status",
            "status_reason",
            "status_changed_at",
            "created_at",
        ]
        read_only_fields = fields


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)


TRANSITION_RESPONSES = {
    200: OrganisationSerializer,
    400: ErrorSerializer,
    403: ErrorSerializer,
    404: ErrorSerializer,
    409: OpenApiResponse(ErrorSerializer, description=str(_("The organisation's status does not allow this."))),
}


@extend_schema_view(list=extend_schema(tags=["organisations"]), retrieve=extend_schema(tags=["organisations"]))
class OrganisationViewSet(viewsets.ReadOnlyModelViewSet):
    """Organisations visible to the caller: their own, and those in the area their role oversees."""

    serializer_class = OrganisationSerializer
    filterset_class = OrganisationFilter
    filter_backends = []  # the selector applies OrganisationFilter itself

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Organisation.objects.none()
        return selectors.organisation_list(actor=self.request.user, filters=self.request.query_params)

    def get_object(self):
        return selectors.organisation_get(actor=self.request.user, pk=self.kwargs["pk"])

    def _transition(self, request, pk, name):
        organisation = self.get_object()
        serializer = ReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        organisation = services.organisation_transition(
            actor=request.user,
            organisation=organisation,
            action=name,
            reason=serializer.validated_data.get("reason", ""),
        )
        return Response(OrganisationSerializer(organisation).data)

    @extend_schema(request=ReasonSerializer, responses=TRANSITION_RESPONSES, tags=["organisations"])
    @action(detail=True, methods=["post"])
    def activate(self, request, pk=None):
        """Activate a pending sign-up (the S&T bureau of the organisation's area)."""
        return self._transition(request, pk, "activate")

    @extend_schema(request=ReasonSerializer, responses=TRANSITION_RESPONSES, tags=["organisations"])
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """Reject a pending sign-up, with a reason."""
        return self._transition(request, pk, "reject")

    @extend_schema(request=ReasonSerializer, responses=TRANSITION_RESPONSES, tags=["organisations"])
    @action(detail=True, methods=["post"])
    def suspend(self, request, pk=None):
        """Suspend an active organisation, with a reason (province or city bureau)."""
        return self._transition(request, pk, "suspend")

    @extend_schema(request=ReasonSerializer, responses=TRANSITION_RESPONSES, tags=["organisations"])
    @action(detail=True, methods=["post"])
    def reinstate(self, request, pk=None):
        """Reinstate a suspended organisation."""
        return self._transition(request, pk, "reinstate")
