"""API of the marketplace: achievements, needs, their matches, deals and subscriptions.

Reading listings needs no login: anonymous callers get the public listings with public fields
(no contacts, no notes). Signed-in callers also see their organisation's listings in every state
and, as officials, the submitted listings of their area. List rows carry the public fields only;
one listing read by a signed-in caller adds the contacts for users of activated organisations
(policy ``listing.contacts``) and the status note and steps for its publisher and the officials of
its area (``listing.private``), null for the others. Every write goes through
``apps.achievements.services``, so the API and the pages refuse the same things with the same
codes; an action the listing's state does not allow is 409.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from apps.accounts import policies
from apps.accounts.models import Organisation
from apps.accounts.permissions import ActionPolicyMixin
from apps.accounts.policies import actor_for
from apps.achievements import policies as listing_policies
from apps.achievements import selectors, services
from apps.achievements.models import (
    Achievement,
    AchievementStatus,
    Deal,
    DealStep,
    ListingFile,
    ListingKind,
    ListingStep,
    Match,
    Need,
    NeedStatus,
    Subscription,
)
from apps.core.api import ErrorSerializer
from apps.core.errors import InvalidInput, NotFound

ERRORS = {400: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer}
CONFLICT = OpenApiResponse(ErrorSerializer, description=str(_("The record's state does not allow this action.")))

LISTING_PARAMETERS = [
    OpenApiParameter("q", str, required=False, description=str(_("Words to search for, in Chinese or English."))),
    OpenApiParameter("tech_field", str, required=False, description=str(_("Code of the technology field."))),
    OpenApiParameter("push_field", str, required=False, description=str(_("Code of a push field of task 10."))),
    OpenApiParameter("transfer_mode", str, required=False),
    OpenApiParameter("unit", str, required=False, description=str(_("Code of the assessment unit."))),
    OpenApiParameter("region", str, required=False),
    OpenApiParameter("publisher", int, required=False),
    OpenApiParameter("sort", str, enum=["relevance", "newest", "oldest", "title"], required=False),
]
ACHIEVEMENT_PARAMETERS = [
    *LISTING_PARAMETERS,
    OpenApiParameter("status", str, many=True, enum=AchievementStatus.values, required=False),
    OpenApiParameter("maturity", str, required=False),
    OpenApiParameter("ip_type", str, required=False),
    OpenApiParameter("price_min", float, required=False),
    OpenApiParameter("price_max", float, required=False),
]
NEED_PARAMETERS = [
    *LISTING_PARAMETERS,
    OpenApiParameter("status", str, many=True, enum=NeedStatus.values, required=False),
    OpenApiParameter("budget_min", float, required=False),
    OpenApiParameter("budget_max", float, required=False),
]


# Serializers ----------------------------------------------------------------------------------------


class ListingInputSerializer(serializers.Serializer):
    publisher = serializers.IntegerField(
        required=False, help_text=_("Your organisation, if you act for several (create only).")
    )
    title = serializers.CharField(max_length=200)
    tech_field = serializers.CharField(max_length=8)
    region = serializers.CharField(
        max_length=6, required=False, allow_blank=True, default="", help_text=_("The publisher's region if empty.")
    )
    push_fields = serializers.ListField(child=serializers.CharField(max_length=32), required=False, default=list)
    keywords = serializers.ListField(child=serializers.CharField(max_length=32), required=False, default=list)
    transfer_modes = serializers.ListField(child=serializers.CharField(max_length=16), required=False, default=list)
    contact_name = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    contact_phone = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    contact_email = serializers.CharField(max_length=254, required=False, allow_blank=True, default="")


class AchievementInputSerializer(ListingInputSerializer):
    lead_unit = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    team = serializers.CharField(required=False, allow_blank=True, default="")
    summary = serializers.CharField()
    advantage = serializers.CharField(help_text=_("What it does better than the technology in use today."))
    commercial_route = serializers.CharField(help_text=_("Who buys the product, and how the technology's buyer earns."))
    application_fields = serializers.CharField(required=False, allow_blank=True, default="")
    maturity = serializers.CharField(max_length=8)
    ip_type = serializers.CharField(max_length=16, required=False, default="none")
    ip_numbers = serializers.ListField(child=serializers.CharField(max_length=24), required=False, default=list)
    ip_status = serializers.CharField(max_length=8, required=False, default="none")
    price = serializers.DecimalField(max_digits=16, decimal_places=2, required=False, allow_null=True, default=None)
    negotiable = serializers.BooleanField(required=False, default=False)

    def to_input(self) -> services.AchievementInput:
        data = dict(self.validated_data)
        data.pop("publisher", None)
        return services.AchievementInput(**data)


class NeedInputSerializer(ListingInputSerializer):
    problem = serializers.CharField()
    expected_outcome = serializers.CharField(required=False, allow_blank=True, default="")
    budget_min = serializers.DecimalField(
        max_digits=16, decimal_places=2, required=False, allow_null=True, default=None
    )
    budget_max = serializers.DecimalField(
        max_digits=16, decimal_places=2, required=False, allow_null=True, default=None
    )
    deadline = serializers.DateField(required=False, allow_null=True, default=None)
    desired_maturity = serializers.CharField(max_length=8, required=False, allow_blank=True, default="")

    def to_input(self) -> services.NeedInput:
        data = dict(self.validated_data)
        data.pop("publisher", None)
        return services.NeedInput(**data)


PUBLIC_COMMON = [
    "id", "status", "title", "tech_field", "push_fields", "keywords", "region", "region_name", "unit",
    "transfer_modes", "publisher", "publisher_name", "published_at",
]  # fmt: skip
CONTACT_FIELDS = ["contact_name", "contact_phone", "contact_email"]
DETAIL_COMMON = [*CONTACT_FIELDS, "status_note", "submitted_at", "created_at", "steps", "files"]


class _ListingSerializer(serializers.ModelSerializer):
    status = serializers.CharField(read_only=True)
    region = serializers.CharField(source="region_id", read_only=True)
    region_name = serializers.CharField(source="region.label", read_only=True)
    unit = serializers.CharField(source="region.unit_id", read_only=True, allow_null=True, default=None)
    publisher_name = serializers.CharField(source="publisher.name", read_only=True)


class PublicAchievementSerializer(_ListingSerializer):
    """What anyone may read."""

    class Meta:
        model = Achievement
        fields = [
            *PUBLIC_COMMON, "lead_unit", "team", "summary", "advantage", "commercial_route", "application_fields",
            "maturity", "ip_type", "ip_numbers", "ip_status", "price", "negotiable", "transferred_at",
        ]  # fmt: skip
        read_only_fields = fields


class PublicNeedSerializer(_ListingSerializer):
    class Meta:
        model = Need
        fields = [
            *PUBLIC_COMMON, "problem", "expected_outcome", "budget_min", "budget_max", "deadline", "desired_maturity",
            "fulfilled_at",
        ]  # fmt: skip
        read_only_fields = fields


class ListingStepSerializer(serializers.ModelSerializer):
    # The name the pages show (display name, else user name); null for the system.
    actor = serializers.CharField(read_only=True, allow_null=True, default=None)

    class Meta:
        model = ListingStep
        fields = ["action", "from_status", "to_status", "actor", "at", "note"]
        read_only_fields = fields


class ListingFileSerializer(serializers.ModelSerializer):
    class Meta:
        model = ListingFile
        fields = ["id", "kind", "name", "content_type", "size", "sha256", "uploaded_at"]
        read_only_fields = fields


class _ListingDetailSerializer(serializers.Serializer):
    """The fields of one listing that not every signed-in caller reads. The view says in the context
    what the caller may see: ``contacts`` (policy ``listing.contacts``) and ``private``
    (``listing.private``); the fields the caller may not see are null."""

    contact_name = serializers.CharField(
        read_only=True, allow_null=True, help_text=_("Null unless your organisation is activated.")
    )
    contact_phone = serializers.CharField(
        read_only=True, allow_null=True, help_text=_("Null unless your organisation is activated.")
    )
    contact_email = serializers.CharField(
        read_only=True, allow_null=True, help_text=_("Null unless your organisation is activated.")
    )
    status_note = serializers.CharField(
        read_only=True, allow_null=True, help_text=_("Null unless you publish the listing or oversee its area.")
    )
    submitted_at = serializers.DateTimeField(read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)
    steps = serializers.SerializerMethodField(help_text=_("Null unless you publish the listing or oversee its area."))
    files = serializers.SerializerMethodField()

    @extend_schema_field(ListingStepSerializer(many=True, allow_null=True))
    def get_steps(self, listing):
        if not self.context.get("private"):
            return None
        return ListingStepSerializer(selectors.listing_steps(listing), many=True).data

    @extend_schema_field(ListingFileSerializer(many=True))
    def get_files(self, listing):
        return ListingFileSerializer(selectors.listing_files(listing), many=True).data

    def to_representation(self, listing):
        data = super().to_representation(listing)
        if not self.context.get("contacts"):
            data.update(dict.fromkeys(CONTACT_FIELDS))
        if not self.context.get("private"):
            data["status_note"] = None
        return data


class AchievementSerializer(_ListingDetailSerializer, PublicAchievementSerializer):
    """One achievement as a signed-in caller reads it."""

    class Meta(PublicAchievementSerializer.Meta):
        fields = [*PublicAchievementSerializer.Meta.fields, *DETAIL_COMMON]
        read_only_fields = fields


class NeedSerializer(_ListingDetailSerializer, PublicNeedSerializer):
    """One need as a signed-in caller reads it."""

    class Meta(PublicNeedSerializer.Meta):
        fields = [*PublicNeedSerializer.Meta.fields, *DETAIL_COMMON]
        read_only_fields = fields


class ListingNoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class FileUploadSerializer(serializers.Serializer):
    kind = serializers.CharField(max_length=16, help_text=_("image (PNG or JPEG) or document (PDF)"))
    file = serializers.FileField()


class MatchSerializer(serializers.ModelSerializer):
    achievement_title = serializers.CharField(source="achievement.title", read_only=True)
    need_title = serializers.CharField(source="need.title", read_only=True)

    class Meta:
        model = Match
        fields = ["need", "need_title", "achievement", "achievement_title", "score", "reasons", "computed_at"]
        read_only_fields = fields


def _publisher_for(request, publisher_id, roles) -> Organisation:
    """The publishing organisation: the one given, or the caller's only one that may publish."""
    own = actor_for(request.user).organisation_ids(*roles)
    if publisher_id is None:
        if len(own) != 1:
            raise InvalidInput(
                _("You act for several organisations, or for none that may publish this; say which one."),
                code="publisher_required",
                field="publisher",
            )
        publisher_id = next(iter(own))
    publisher = Organisation.objects.select_related("region").filter(pk=publisher_id).first()
    if publisher is None:
        raise NotFound()
    return publisher


# Listing views ---------------------------------------------------------------------------------------


class _ListingViewSet(viewsets.GenericViewSet):
    model = None
    kind = ""
    input_serializer = None
    public_serializer = None
    private_serializer = None
    publisher_roles = ()
    filter_backends = []  # the FilterSet is applied by the selector
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_permissions(self):
        if self.action in ("list", "retrieve"):
            return [AllowAny()]
        return super().get_permissions()

    def get_serializer_class(self):
        # List rows never carry contacts or notes: those are read one listing at a time (``_detail``).
        if self.action in ("list", "retrieve"):
            return self.public_serializer
        return self.private_serializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.model.objects.none()
        list_fn = selectors.achievement_list if self.kind == "achievement" else selectors.need_list
        return list_fn(actor=self.request.user, filters=self.request.query_params)

    def get_object(self):
        get_fn = selectors.achievement_get if self.kind == "achievement" else selectors.need_get
        return get_fn(actor=self.request.user, pk=self.kwargs["pk"])

    def _detail(self, listing, status_code=status.HTTP_200_OK):
        listing = self.model.objects.select_related("publisher", "region").get(pk=listing.pk)
        user = self.request.user
        context = {
            "contacts": policies.may(user, "listing.contacts", listing),
            "private": policies.may(user, "listing.private", listing),
        }
        return Response(self.private_serializer(listing, context=context).data, status=status_code)

    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer_class()(page, many=True).data)

    def retrieve(self, request, pk=None):
        # One shape for every caller, as the schema says: what a caller may not see is null.
        return self._detail(self.get_object())

    def create(self, request):
        serializer = self.input_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        publisher = _publisher_for(request, serializer.validated_data.get("publisher"), self.publisher_roles)
        listing = services.listing_create(
            actor=request.user, model=self.model, publisher=publisher, data=serializer.to_input()
        )
        return self._detail(listing, status.HTTP_201_CREATED)

    def update(self, request, pk=None):
        listing = self.get_object()
        policies.check(request.user, f"{self.kind}.publish", listing)  # before the body is read
        serializer = self.input_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        listing = services.listing_update(actor=request.user, listing=listing, data=serializer.to_input())
        return self._detail(listing)

    def _transition(self, request, name):
        listing = self.get_object()
        serializer = ListingNoteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        listing = services.listing_transition(
            actor=request.user, listing=listing, action=name, note=serializer.validated_data["note"]
        )
        return self._detail(listing)

    def _files(self, request):
        listing = self.get_object()
        policies.check(request.user, f"{self.kind}.publish", listing)  # before the body is read
        serializer = FileUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        item = services.listing_file_add(
            actor=request.user,
            listing=listing,
            upload=serializer.validated_data["file"],
            kind=serializer.validated_data["kind"],
        )
        return Response(ListingFileSerializer(item).data, status=status.HTTP_201_CREATED)


def _listing_schema(tag, parameters, public, private, input_serializer):
    transition = {200: private, **ERRORS, 409: CONFLICT}
    return {
        "list": extend_schema(
            tags=[tag],
            parameters=parameters,
            responses={200: public(many=True)},
            description=str(_("Rows carry the public fields only; read one listing for its contacts.")),
        ),
        "retrieve": extend_schema(
            tags=[tag],
            responses={200: private, 404: ErrorSerializer},
            description=str(
                _(
                    "Contacts are null for callers who are not users of an activated organisation; steps "
                    "and the status note for all but the publisher and the officials of its area."
                )
            ),
        ),
        "create": extend_schema(tags=[tag], request=input_serializer, responses={201: private, **ERRORS}),
        "update": extend_schema(tags=[tag], request=input_serializer, responses=transition),
        "submit": extend_schema(tags=[tag], request=ListingNoteSerializer, responses=transition),
        "approve": extend_schema(tags=[tag], request=ListingNoteSerializer, responses=transition),
        "return_": extend_schema(tags=[tag], request=ListingNoteSerializer, responses=transition),
        "withdraw": extend_schema(tags=[tag], request=ListingNoteSerializer, responses=transition),
        "take_down": extend_schema(tags=[tag], request=ListingNoteSerializer, responses=transition),
        "files": extend_schema(
            tags=[tag], request=FileUploadSerializer, responses={201: ListingFileSerializer, **ERRORS, 409: CONFLICT}
        ),
        "matches": extend_schema(tags=[tag], responses={200: MatchSerializer(many=True), **ERRORS}),
    }


class _TransitionActions:
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """The publisher sends a draft, returned or withdrawn listing to its unit's review."""
        return self._transition(request, "submit")

    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """Another user of the publishing unit approves: the listing is published."""
        return self._transition(request, "approve")

    @action(detail=True, methods=["post"], url_path="return")
    def return_(self, request, pk=None):
        """The unit returns the listing for correction (a note is required)."""
        return self._transition(request, "return")

    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        """The publisher withdraws a pending or published listing."""
        return self._transition(request, "withdraw")

    @action(detail=True, methods=["post"], url_path="take-down")
    def take_down(self, request, pk=None):
        """An official of the listing's area takes a published listing down (a note is required)."""
        return self._transition(request, "take_down")

    @action(detail=True, methods=["post"])
    def files(self, request, pk=None):
        """Add an image (PNG, JPEG) or a PDF document."""
        return self._files(request)


@extend_schema_view(
    **_listing_schema(
        "achievements",
        ACHIEVEMENT_PARAMETERS,
        PublicAchievementSerializer,
        AchievementSerializer,
        AchievementInputSerializer,
    )
)
class AchievementViewSet(ActionPolicyMixin, _TransitionActions, _ListingViewSet):
    """S&T achievements: public ones for anyone; the caller's own and their area's too when signed in."""

    action_policies = {"create": "achievement.publish"}

    model = Achievement
    kind = "achievement"
    input_serializer = AchievementInputSerializer
    public_serializer = PublicAchievementSerializer
    private_serializer = AchievementSerializer
    publisher_roles = listing_policies.ACHIEVEMENT_PUBLISHER_ROLES

    @action(detail=True, methods=["get"])
    def matches(self, request, pk=None):
        """The published needs this achievement answers, best first, with the score's reasons."""
        achievement = self.get_object()
        page = self.paginate_queryset(selectors.achievement_matches(actor=request.user, achievement=achievement))
        return self.get_paginated_response(MatchSerializer(page, many=True).data)


@extend_schema_view(
    **_listing_schema("needs", NEED_PARAMETERS, PublicNeedSerializer, NeedSerializer, NeedInputSerializer)
)
class NeedViewSet(ActionPolicyMixin, _TransitionActions, _ListingViewSet):
    """Technology needs of enterprises."""

    action_policies = {"create": "need.publish"}

    model = Need
    kind = "need"
    input_serializer = NeedInputSerializer
    public_serializer = PublicNeedSerializer
    private_serializer = NeedSerializer
    publisher_roles = listing_policies.NEED_PUBLISHER_ROLES

    @action(detail=True, methods=["get"])
    def matches(self, request, pk=None):
        """The published achievements ranked for this need, best first, with the score's reasons."""
        need = self.get_object()
        page = self.paginate_queryset(selectors.need_matches(actor=request.user, need=need))
        return self.get_paginated_response(MatchSerializer(page, many=True).data)


# Deals -------------------------------------------------------------------------------------------------


class DealStepSerializer(serializers.ModelSerializer):
    # The name the pages show (display name, else user name); null for the system.
    actor = serializers.CharField(read_only=True, allow_null=True, default=None)

    class Meta:
        model = DealStep
        fields = ["action", "from_status", "to_status", "actor", "at", "note"]
        read_only_fields = fields


class DealSerializer(serializers.ModelSerializer):
    status = serializers.CharField(read_only=True)
    achievement_title = serializers.CharField(source="achievement.title", read_only=True)
    publisher = serializers.IntegerField(source="achievement.publisher_id", read_only=True)
    buyer_name = serializers.CharField(source="buyer.name", read_only=True)
    contract_number = serializers.CharField(
        source="contract.registration_number", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = Deal
        fields = [
            "id", "status", "achievement", "achievement_title", "publisher", "need", "buyer", "buyer_name", "message",
            "response", "meeting_at", "meeting_place", "meeting_notes", "contract", "contract_number", "created_at",
            "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


class DealExpressSerializer(serializers.Serializer):
    achievement = serializers.IntegerField()
    need = serializers.IntegerField(required=False, allow_null=True, default=None)
    buyer = serializers.IntegerField(required=False, help_text=_("Your enterprise, if you act for several."))
    message = serializers.CharField(max_length=2000)


class DealActionSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    meeting_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    meeting_place = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)


DEAL_TRANSITION = {200: DealSerializer, **ERRORS, 409: CONFLICT}


@extend_schema_view(
    list=extend_schema(tags=["deals"], responses={200: DealSerializer(many=True)}),
    retrieve=extend_schema(tags=["deals"], responses={200: DealSerializer, 404: ErrorSerializer}),
    create=extend_schema(
        tags=["deals"], request=DealExpressSerializer, responses={201: DealSerializer, **ERRORS, 409: CONFLICT}
    ),
)
class DealViewSet(ActionPolicyMixin, viewsets.GenericViewSet):
    """The deal pipeline: interest → answer → meeting → registered contract."""

    action_policies = {"create": "deal.express"}

    serializer_class = DealSerializer
    filter_backends = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Deal.objects.none()
        return selectors.deal_list(actor=self.request.user)

    def _detail(self, deal, status_code=status.HTTP_200_OK):
        deal = selectors.deal_get(actor=self.request.user, pk=deal.pk)
        data = DealSerializer(deal).data
        data["steps"] = DealStepSerializer(selectors.deal_steps(deal), many=True).data
        return Response(data, status=status_code)

    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(DealSerializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        return self._detail(selectors.deal_get(actor=request.user, pk=pk))

    def create(self, request):
        serializer = DealExpressSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        achievement = selectors.achievement_get(actor=request.user, pk=data["achievement"])
        need = selectors.need_get(actor=request.user, pk=data["need"]) if data.get("need") else None
        buyer = _publisher_for(request, data.get("buyer"), listing_policies.NEED_PUBLISHER_ROLES)
        deal = services.deal_express(
            actor=request.user, buyer=buyer, achievement=achievement, need=need, message=data["message"]
        )
        return self._detail(deal, status.HTTP_201_CREATED)

    def _transition(self, request, pk, name):
        deal = selectors.deal_get(actor=request.user, pk=pk)
        serializer = DealActionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        deal = services.deal_transition(actor=request.user, deal=deal, action=name, **serializer.validated_data)
        return self._detail(deal)

    @extend_schema(tags=["deals"], request=DealActionSerializer, responses=DEAL_TRANSITION)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        """The publisher answers the enterprise (the note is the answer)."""
        return self._transition(request, pk, "accept")

    @extend_schema(tags=["deals"], request=DealActionSerializer, responses=DEAL_TRANSITION)
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        """The publisher declines, with a reason."""
        return self._transition(request, pk, "decline")

    @extend_schema(tags=["deals"], request=DealActionSerializer, responses=DEAL_TRANSITION)
    @action(detail=True, methods=["post"])
    def meeting(self, request, pk=None):
        """The publisher arranges (or moves) the meeting: ``meeting_at`` and ``meeting_place`` are required."""
        return self._transition(request, pk, "meeting")

    @extend_schema(tags=["deals"], request=DealActionSerializer, responses=DEAL_TRANSITION)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """The publisher closes the deal without a contract, with a reason."""
        return self._transition(request, pk, "close")

    @extend_schema(tags=["deals"], request=DealActionSerializer, responses=DEAL_TRANSITION)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        """The enterprise withdraws its interest, with a reason."""
        return self._transition(request, pk, "withdraw")


# Subscriptions -----------------------------------------------------------------------------------------


class SubscriptionSerializer(serializers.ModelSerializer):
    listing_kind = serializers.ChoiceField(choices=ListingKind.choices, default=ListingKind.ACHIEVEMENTS)
    tech_fields = serializers.ListField(child=serializers.CharField(max_length=8), required=False, default=list)
    push_fields = serializers.ListField(child=serializers.CharField(max_length=32), required=False, default=list)
    keywords = serializers.ListField(child=serializers.CharField(max_length=32), required=False, default=list)
    units = serializers.ListField(child=serializers.CharField(max_length=6), required=False, default=list)

    class Meta:
        model = Subscription
        fields = [
            "id", "name", "listing_kind", "tech_fields", "push_fields", "keywords", "units", "email_digest",
            "is_active", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["id", "created_at", "updated_at"]

    def to_input(self) -> services.SubscriptionInput:
        return services.SubscriptionInput(**self.validated_data)


@extend_schema_view(
    list=extend_schema(tags=["subscriptions"]),
    retrieve=extend_schema(tags=["subscriptions"], responses={200: SubscriptionSerializer, 404: ErrorSerializer}),
    create=extend_schema(tags=["subscriptions"], responses={201: SubscriptionSerializer, **ERRORS}),
    update=extend_schema(tags=["subscriptions"], responses={200: SubscriptionSerializer, **ERRORS}),
    destroy=extend_schema(tags=["subscriptions"], responses={204: None, 404: ErrorSerializer}),
)
class SubscriptionViewSet(viewsets.GenericViewSet):
    """The caller's own subscriptions: what the push and the daily digest send them."""

    serializer_class = SubscriptionSerializer
    filter_backends = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Subscription.objects.none()
        return selectors.subscription_list(actor=self.request.user)

    def get_object(self):
        return selectors.subscription_get(actor=self.request.user, pk=self.kwargs["pk"])

    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(SubscriptionSerializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        return Response(SubscriptionSerializer(self.get_object()).data)

    def create(self, request):
        serializer = SubscriptionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        subscription = services.subscription_save(actor=request.user, data=serializer.to_input())
        return Response(SubscriptionSerializer(subscription).data, status=status.HTTP_201_CREATED)

    def update(self, request, pk=None):
        subscription = self.get_object()
        serializer = SubscriptionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        subscription = services.subscription_save(
            actor=request.user, data=serializer.to_input(), subscription=subscription
        )
        return Response(SubscriptionSerializer(subscription).data)

    def destroy(self, request, pk=None):
        services.subscription_delete(actor=request.user, subscription=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
