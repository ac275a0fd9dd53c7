"""API of the accounts app: tokens, the current user, organisations and their status workflow."""

from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_post_parameters
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from apps.accounts import selectors, services, two_factor
from apps.accounts.errors import OtpInvalid, OtpRequired, TwoFactorStateError
from apps.accounts.filters import OrganisationFilter
from apps.accounts.models import Membership, Organisation, User
from apps.core.api import ErrorSerializer


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()


class TokenThrottle(AnonRateThrottle):
    rate = "30/minute"


class TokenObtainSerializer(AuthTokenSerializer):
    otp = serializers.CharField(
        label=_("Verification code"),
        required=False,
        allow_blank=True,
        write_only=True,
        help_text=_(
            "For users with two-factor authentication on: the current 6-digit code of their authenticator "
            "app, or one of their recovery codes."
        ),
    )


def _locked_out(request) -> Response:
    return Response(
        {"code": "account_locked", "message": str(_("Too many failed logins: this account is locked for a while."))},
        status=status.HTTP_403_FORBIDDEN,
    )


@extend_schema(
    request=TokenObtainSerializer,
    responses={
        200: TokenSerializer,
        400: OpenApiResponse(
            ErrorSerializer,
            description=str(
                _(
                    "invalid_credentials: the user name or password is wrong; otp_required: the user has "
                    "two-factor authentication on and sent no code; otp_invalid: the code is wrong or used."
                )
            ),
        ),
        403: OpenApiResponse(ErrorSerializer, description=str(_("account_locked: too many failed logins."))),
    },
    tags=["auth"],
)
@method_decorator(sensitive_post_parameters("password", "otp"), name="dispatch")  # out of error reports
class TokenObtainApi(APIView):
    """Exchange a user name and password for an API token (``Authorization: Token <key>``).

    A user with two-factor authentication on sends the code of their authenticator app as ``otp``
    too. Wrong codes count towards the lockout like wrong passwords.
    """

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [TokenThrottle]

    def post(self, request):
        serializer = TokenObtainSerializer(data=request.data, context={"request": request})
        valid = serializer.is_valid()
        if getattr(request, "axes_locked_out", False) or getattr(request._request, "axes_locked_out", False):
            return _locked_out(request)
        if not valid:
            return Response(
                {"code": "invalid_credentials", "message": str(_("The user name or password is wrong."))},
                status=status.HTTP_400_BAD_REQUEST,
            )
        user = serializer.validated_data["user"]
        if two_factor.two_factor_enabled(user=user):
            try:
                two_factor.two_factor_verify(user=user, code=serializer.validated_data.get("otp", ""))
            except OtpRequired:
                error = OtpRequired(field="otp")
                return Response(error.as_dict(), status=error.status)
            except (OtpInvalid, TwoFactorStateError):
                if two_factor.otp_failure_report(request=request, username=user.get_username()):
                    return _locked_out(request)
                error = OtpInvalid(field="otp")
                return Response(error.as_dict(), status=error.status)
        token, _created = Token.objects.get_or_create(user=user)
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
