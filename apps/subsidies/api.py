"""API of the subsidies app: programmes with their rules and budgets, applications and their review,
the public notice with its objections, awards and payments.

Serializers only parse and present; every write goes through ``apps.subsidies.services``, so the
API and the pages refuse the same things with the same codes, and an action the application's
state does not allow is 409. Programmes and the public notice are readable without login; the
notice shows public fields only (no contacts, no bank account).
"""

from django.db.models import Prefetch
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
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from apps.accounts import policies
from apps.accounts.models import Organisation
from apps.accounts.permissions import ActionPolicyMixin
from apps.accounts.policies import actor_for
from apps.contracts.models import Contract
from apps.core.api import ErrorSerializer
from apps.core.errors import InvalidInput, NotFound
from apps.subsidies import policies as subsidy_policies
from apps.subsidies import selectors, services
from apps.subsidies.models import (
    Allocation,
    Application,
    ApplicationFile,
    ApplicationItem,
    ApplicationStatus,
    ApplicationStep,
    Objection,
    Payment,
    Programme,
    ProgrammeRule,
)

ERRORS = {400: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer}
CONFLICT = OpenApiResponse(ErrorSerializer, description=str(_("The record's state does not allow this action.")))

APPLICATION_PARAMETERS = [
    OpenApiParameter("status", str, many=True, enum=ApplicationStatus.values, required=False),
    OpenApiParameter("programme", int, required=False),
    OpenApiParameter("unit", str, required=False, description=str(_("Code of the assessment unit."))),
    OpenApiParameter("q", str, required=False, description=str(_("Applicant's name or unified credit code."))),
]
MONEY = {"max_digits": 16, "decimal_places": 2}


# Programmes -------------------------------------------------------------------------------------------


class SubsidyProgrammeInputSerializer(serializers.Serializer):
    """A programme; ``kind`` is a code of ``ProgrammeKind``, ``applicant_kinds`` codes of ``OrganisationKind``."""

    code = serializers.CharField(max_length=32)
    name = serializers.CharField(max_length=200)
    kind = serializers.CharField(max_length=32)
    applicant_kinds = serializers.ListField(child=serializers.CharField(max_length=32), allow_empty=True)
    window_opens = serializers.DateField()
    window_closes = serializers.DateField()
    period_from = serializers.DateField(help_text=_("The subsidised events (registrations, policies) from ..."))
    period_until = serializers.DateField(help_text=_("... until this day."))
    budget = serializers.DecimalField(**MONEY)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    document_number = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    notice_working_days = serializers.IntegerField(required=False, default=5)

    def to_input(self) -> services.ProgrammeInput:
        return services.ProgrammeInput(**self.validated_data)


class SubsidyRuleInputSerializer(serializers.Serializer):
    effective_from = serializers.DateField()
    rate = serializers.DecimalField(
        max_digits=6, decimal_places=4, help_text=_("A fraction: 0.0300 is 3 %, 1.0000 is in full.")
    )
    per_item_cap = serializers.DecimalField(**MONEY, required=False, allow_null=True, default=None)
    per_applicant_cap = serializers.DecimalField(**MONEY, required=False, allow_null=True, default=None)
    min_value = serializers.DecimalField(**MONEY, required=False, default=services.ZERO)
    document_number = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")

    def to_input(self) -> services.RuleInput:
        return services.RuleInput(**self.validated_data)


class SubsidyRuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProgrammeRule
        fields = [
            "id", "effective_from", "rate", "per_item_cap", "per_applicant_cap", "min_value", "document_number",
            "created_at",
        ]  # fmt: skip
        read_only_fields = fields


class SubsidyAllocationSerializer(serializers.ModelSerializer):
    unit = serializers.CharField(source="unit_id", read_only=True)
    unit_name = serializers.CharField(source="unit.label", read_only=True)

    class Meta:
        model = Allocation
        fields = ["unit", "unit_name", "amount"]
        read_only_fields = fields


class SubsidyLedgerSerializer(serializers.Serializer):
    """Committed = awards in notice or awarded, plus what was paid on closed applications."""

    budget = serializers.DecimalField(**MONEY, read_only=True)
    allocated = serializers.DecimalField(**MONEY, read_only=True)
    committed = serializers.DecimalField(**MONEY, read_only=True)
    paid = serializers.DecimalField(**MONEY, read_only=True)
    remaining = serializers.DecimalField(**MONEY, read_only=True)


class SubsidyUnitLedgerSerializer(SubsidyLedgerSerializer):
    """One assessment unit's ledger: its budget is its allocation."""

    unit = serializers.CharField(source="unit.code", read_only=True)
    unit_name = serializers.CharField(source="unit.label", read_only=True)


class SubsidyBudgetOverviewSerializer(serializers.Serializer):
    programme = SubsidyLedgerSerializer(read_only=True)
    units = SubsidyUnitLedgerSerializer(many=True, read_only=True)


class SubsidyProgrammeSerializer(serializers.ModelSerializer):
    # Plain strings, not enums: the choices are documented on the models and the filters.
    kind = serializers.CharField(read_only=True)
    kind_name = serializers.CharField(source="get_kind_display", read_only=True)
    status = serializers.CharField(read_only=True)
    applicant_kinds = serializers.ListField(child=serializers.CharField(), read_only=True)
    rules = SubsidyRuleSerializer(many=True, read_only=True)
    allocations = SubsidyAllocationSerializer(many=True, read_only=True)

    class Meta:
        model = Programme
        fields = [
            "id", "code", "name", "kind", "kind_name", "status", "description", "document_number",
            "applicant_kinds", "window_opens", "window_closes", "period_from", "period_until", "budget",
            "notice_working_days", "rules", "allocations", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


class SubsidyProgrammeDetailSerializer(SubsidyProgrammeSerializer):
    ledger = serializers.SerializerMethodField()

    class Meta(SubsidyProgrammeSerializer.Meta):
        fields = [*SubsidyProgrammeSerializer.Meta.fields, "ledger"]
        read_only_fields = fields

    @extend_schema_field(SubsidyLedgerSerializer)
    def get_ledger(self, programme):
        return SubsidyLedgerSerializer(services.programme_ledger(programme)).data


def _programmes(queryset):
    return queryset.prefetch_related("rules", Prefetch("allocations", Allocation.objects.select_related("unit")))


PROGRAMME_RESPONSES = {200: SubsidyProgrammeDetailSerializer, **ERRORS, 409: CONFLICT}
ALLOCATIONS_REQUEST = {
    "application/json": {
        "type": "object",
        "description": str(_('Assessment unit code → allocation in yuan, e.g. {"130100": "500000.00"}.')),
        "additionalProperties": {"type": "string", "format": "decimal", "pattern": r"^-?\d{0,14}(?:\.\d{0,2})?$"},
    }
}


@extend_schema_view(
    list=extend_schema(
        tags=["subsidies"],
        responses={200: SubsidyProgrammeSerializer(many=True)},
        description=str(_("Published and closed programmes for anyone; drafts too for the province.")),
    ),
    retrieve=extend_schema(tags=["subsidies"], responses={200: SubsidyProgrammeDetailSerializer, 404: ErrorSerializer}),
    create=extend_schema(
        tags=["subsidies"],
        request=SubsidyProgrammeInputSerializer,
        responses={201: SubsidyProgrammeDetailSerializer, **ERRORS},
    ),
    update=extend_schema(tags=["subsidies"], request=SubsidyProgrammeInputSerializer, responses=PROGRAMME_RESPONSES),
)
class SubsidyProgrammeViewSet(ActionPolicyMixin, viewsets.GenericViewSet):
    """Subsidy programmes: who may apply, for what, in which window, under which rules and budget."""

    action_policies = {"create": "subsidy.decide"}

    serializer_class = SubsidyProgrammeSerializer
    filter_backends = []

    def get_permissions(self):
        if self.action in ("list", "retrieve", "ledger"):
            return [AllowAny()]
        return super().get_permissions()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Programme.objects.none()
        return _programmes(selectors.programme_list(actor=self.request.user))

    def get_object(self):
        return selectors.programme_get(actor=self.request.user, pk=self.kwargs["pk"])

    def _detail(self, programme, status_code=status.HTTP_200_OK):
        programme = _programmes(selectors.programme_list(actor=self.request.user)).get(pk=programme.pk)
        return Response(SubsidyProgrammeDetailSerializer(programme).data, status=status_code)

    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(SubsidyProgrammeSerializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        return self._detail(self.get_object())

    def create(self, request):
        serializer = SubsidyProgrammeInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        programme = services.programme_save(actor=request.user, data=serializer.to_input())
        return self._detail(programme, status.HTTP_201_CREATED)

    def update(self, request, pk=None):
        programme = self.get_object()
        policies.check(request.user, "subsidy.decide", programme)  # before the body is read
        serializer = SubsidyProgrammeInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        programme = services.programme_save(actor=request.user, data=serializer.to_input(), programme=programme)
        return self._detail(programme)

    @extend_schema(tags=["subsidies"], request=None, responses=PROGRAMME_RESPONSES)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        """The province opens a draft programme to applications (it needs a rule and a budget)."""
        return self._detail(services.programme_publish(actor=request.user, programme=self.get_object()))

    @extend_schema(tags=["subsidies"], request=None, responses=PROGRAMME_RESPONSES)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """The province closes a published programme: no new applications; those under way continue."""
        return self._detail(services.programme_close(actor=request.user, programme=self.get_object()))

    @extend_schema(
        tags=["subsidies"],
        request=SubsidyRuleInputSerializer,
        responses={201: SubsidyRuleSerializer, **ERRORS, 409: CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def rules(self, request, pk=None):
        """The province adds an award rule from a date of effect; rules in use never change."""
        programme = self.get_object()
        policies.check(request.user, "subsidy.decide", programme)  # before the body is read
        serializer = SubsidyRuleInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        rule = services.programme_rule_add(actor=request.user, programme=programme, data=serializer.to_input())
        return Response(SubsidyRuleSerializer(rule).data, status=status.HTTP_201_CREATED)

    @extend_schema(tags=["subsidies"], request=ALLOCATIONS_REQUEST, responses=PROGRAMME_RESPONSES)
    @action(detail=True, methods=["put"])
    def allocations(self, request, pk=None):
        """The province sets units' allocations; units not named keep theirs. The sum stays within the budget."""
        programme = self.get_object()
        policies.check(request.user, "subsidy.decide", programme)  # before the body is read
        amounts = serializers.DictField(child=serializers.DecimalField(**MONEY)).run_validation(request.data)
        services.allocations_set(actor=request.user, programme=programme, amounts=amounts)
        return self._detail(programme)

    @extend_schema(tags=["subsidies"], responses={200: SubsidyBudgetOverviewSerializer, 404: ErrorSerializer})
    @action(detail=True, methods=["get"])
    def ledger(self, request, pk=None):
        """The programme's budget and each unit's: allocated, committed, paid, remaining."""
        programme = self.get_object()
        return Response(SubsidyBudgetOverviewSerializer(selectors.budget_overview(programme=programme)).data)


# Applications -----------------------------------------------------------------------------------------


class SubsidyPolicyInputSerializer(serializers.Serializer):
    """A patent insurance policy whose first-year premium is claimed."""

    patent_number = serializers.CharField(max_length=24)
    insurance_product = serializers.CharField(max_length=32, help_text=_("Code of the insurance product."))
    insurer = serializers.CharField(max_length=200)
    policy_number = serializers.CharField(max_length=64)
    policy_start = serializers.DateField()
    premium = serializers.DecimalField(**MONEY)


class SubsidyApplicationInputSerializer(serializers.Serializer):
    """What the applicant claims: registered contracts (transaction subsidies) or insurance policies."""

    contracts = serializers.ListField(
        child=serializers.IntegerField(), required=False, default=list, help_text=_("Ids of registered contracts.")
    )
    policies = serializers.ListField(child=SubsidyPolicyInputSerializer(), required=False, default=list)
    contact_name = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    contact_phone = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    bank_account_name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    bank_account = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")

    def to_input(self) -> services.ApplicationInput:
        data = dict(self.validated_data)
        data.pop("programme", None)
        data.pop("applicant", None)
        return services.ApplicationInput(
            contract_ids=data.pop("contracts"),
            policies=[services.PolicyInput(**policy) for policy in data.pop("policies")],
            **data,
        )


class SubsidyApplicationCreateSerializer(SubsidyApplicationInputSerializer):
    programme = serializers.IntegerField()
    applicant = serializers.IntegerField(
        required=False, help_text=_("Your organisation, if you act for several that may apply.")
    )


class SubsidyApplicationSerializer(serializers.ModelSerializer):
    status = serializers.CharField(read_only=True)
    programme_code = serializers.CharField(source="programme.code", read_only=True)
    programme_name = serializers.CharField(source="programme.name", read_only=True)
    applicant_name = serializers.CharField(source="applicant.name", read_only=True)
    unit = serializers.CharField(source="unit_id", read_only=True)
    unit_name = serializers.CharField(source="unit.label", read_only=True)

    class Meta:
        model = Application
        fields = [
            "id", "programme", "programme_code", "programme_name", "applicant", "applicant_name", "unit", "unit_name",
            "status", "status_note", "computed_amount", "award_amount", "paid_amount", "submitted_at", "notice_from",
            "notice_until", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


class SubsidyItemSerializer(serializers.ModelSerializer):
    contract_number = serializers.CharField(
        source="contract.registration_number", read_only=True, allow_null=True, default=None
    )
    contract_name = serializers.CharField(source="contract.name", read_only=True, allow_null=True, default=None)
    rule_from = serializers.DateField(source="rule.effective_from", read_only=True)
    calculation = serializers.DictField(read_only=True, help_text=_("How the amount was computed."))

    class Meta:
        model = ApplicationItem
        fields = [
            "id", "is_active", "contract", "contract_number", "contract_name", "patent_number", "insurance_product",
            "insurer", "policy_number", "policy_start", "premium", "event_date", "base", "rule", "rule_from",
            "amount", "calculation",
        ]  # fmt: skip
        read_only_fields = fields


class SubsidyStepSerializer(serializers.ModelSerializer):
    # The name the pages show (display name, else user name); null for the system.
    actor = serializers.CharField(read_only=True, allow_null=True, default=None)

    class Meta:
        model = ApplicationStep
        fields = ["action", "from_status", "to_status", "actor", "at", "note"]
        read_only_fields = fields


class SubsidyObjectionSerializer(serializers.ModelSerializer):
    """Who objected is shown to the province only."""

    status = serializers.CharField(read_only=True)
    filed_by = serializers.SerializerMethodField()

    class Meta:
        model = Objection
        fields = ["id", "filed_at", "filed_by", "text", "status", "resolution", "resolved_at"]
        read_only_fields = fields

    def get_filed_by(self, objection) -> str | None:
        return objection.filed_by.username if self.context.get("show_filer") else None


class SubsidyPaymentSerializer(serializers.ModelSerializer):
    recorded_by = serializers.CharField(read_only=True)

    class Meta:
        model = Payment
        fields = ["id", "amount", "paid_on", "reference", "recorded_by", "recorded_at"]
        read_only_fields = fields


class SubsidyFileSerializer(serializers.ModelSerializer):
    class Meta:
        model = ApplicationFile
        fields = ["id", "description", "name", "size", "sha256", "uploaded_at"]
        read_only_fields = fields


class SubsidyApplicationDetailSerializer(SubsidyApplicationSerializer):
    """One application. The bank account is null unless the caller may see it (``show_bank_account``:
    the policy ``subsidy.bank_account``, the applicant and the province)."""

    bank_account_name = serializers.CharField(
        read_only=True, allow_null=True, help_text=_("Null unless you are the applicant or the province.")
    )
    bank_account = serializers.CharField(
        read_only=True, allow_null=True, help_text=_("Null unless you are the applicant or the province.")
    )
    items = serializers.SerializerMethodField()
    files = serializers.SerializerMethodField()
    steps = serializers.SerializerMethodField()
    objections = serializers.SerializerMethodField()
    payments = serializers.SerializerMethodField()

    class Meta(SubsidyApplicationSerializer.Meta):
        fields = [
            *SubsidyApplicationSerializer.Meta.fields, "contact_name", "contact_phone", "bank_account_name",
            "bank_account", "items", "files", "steps", "objections", "payments",
        ]  # fmt: skip
        read_only_fields = fields

    def to_representation(self, application):
        data = super().to_representation(application)
        if not self.context.get("show_bank_account"):
            data["bank_account_name"] = data["bank_account"] = None
        return data

    @extend_schema_field(SubsidyItemSerializer(many=True))
    def get_items(self, application):
        return SubsidyItemSerializer(selectors.application_items(application), many=True).data

    @extend_schema_field(SubsidyFileSerializer(many=True))
    def get_files(self, application):
        return SubsidyFileSerializer(selectors.application_files(application), many=True).data

    @extend_schema_field(SubsidyStepSerializer(many=True))
    def get_steps(self, application):
        return SubsidyStepSerializer(selectors.application_steps(application), many=True).data

    @extend_schema_field(SubsidyObjectionSerializer(many=True))
    def get_objections(self, application):
        objections = selectors.application_objections(application)
        return SubsidyObjectionSerializer(objections, many=True, context=self.context).data

    @extend_schema_field(SubsidyPaymentSerializer(many=True))
    def get_payments(self, application):
        return SubsidyPaymentSerializer(selectors.application_payments(application), many=True).data


class SubsidyNoteSerializer(serializers.Serializer):
    note = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=2000, help_text=_("The reason, where one is required.")
    )


class SubsidyApproveSerializer(SubsidyNoteSerializer):
    amount = serializers.DecimalField(
        **MONEY, required=False, allow_null=True, default=None, help_text=_("The computed award unless less is given.")
    )


class SubsidyFileUploadSerializer(serializers.Serializer):
    description = serializers.CharField(max_length=200, allow_blank=True, help_text=_("What the file shows."))
    file = serializers.FileField(help_text=_("A PDF: premium receipt, policy, invoice."))


class SubsidyObjectionInputSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=5000, allow_blank=True)


class SubsidyObjectionResolveSerializer(serializers.Serializer):
    upheld = serializers.BooleanField()
    resolution = serializers.CharField(max_length=5000, allow_blank=True)


class SubsidyPaymentInputSerializer(serializers.Serializer):
    amount = serializers.DecimalField(**MONEY)
    paid_on = serializers.DateField()
    reference = serializers.CharField(max_length=64, allow_blank=True)


class SubsidyEligibleContractSerializer(serializers.ModelSerializer):
    class Meta:
        model = Contract
        fields = [
            "id", "registration_number", "name", "registered_on", "seller_name", "buyer_name", "contract_value",
            "technology_value", "confirmed_technology_value",
        ]  # fmt: skip
        read_only_fields = fields


def _applicant_for(request, applicant_id) -> Organisation:
    """The applying organisation: the one given, or the caller's only one that may apply."""
    own = actor_for(request.user).organisation_ids(*subsidy_policies.APPLICANT_ROLES)
    if applicant_id is None:
        if len(own) != 1:
            raise InvalidInput(
                _("You act for several organisations, or for none that may apply; say which one."),
                code="applicant_required",
                field="applicant",
            )
        applicant_id = next(iter(own))
    applicant = Organisation.objects.select_related("region").filter(pk=applicant_id).first()
    if applicant is None:
        raise NotFound()
    return applicant


TRANSITION_RESPONSES = {
    200: SubsidyApplicationDetailSerializer,
    **ERRORS,
    409: OpenApiResponse(ErrorSerializer, description=str(_("The application's status does not allow this action."))),
}
OBJECTION_PATH = OpenApiParameter("objection_id", int, OpenApiParameter.PATH)


@extend_schema_view(
    list=extend_schema(
        tags=["subsidies"],
        parameters=APPLICATION_PARAMETERS,
        responses={200: SubsidyApplicationSerializer(many=True)},
    ),
    retrieve=extend_schema(
        tags=["subsidies"], responses={200: SubsidyApplicationDetailSerializer, 404: ErrorSerializer}
    ),
    create=extend_schema(
        tags=["subsidies"],
        request=SubsidyApplicationCreateSerializer,
        responses={201: SubsidyApplicationDetailSerializer, **ERRORS, 409: CONFLICT},
    ),
    update=extend_schema(tags=["subsidies"], request=SubsidyApplicationInputSerializer, responses=TRANSITION_RESPONSES),
)
class SubsidyApplicationViewSet(ActionPolicyMixin, viewsets.GenericViewSet):
    """Applications the caller may see: their organisation's, and (once submitted) those of their area."""

    action_policies = {"create": "subsidy.apply"}

    serializer_class = SubsidyApplicationSerializer
    filter_backends = []  # ApplicationFilter is applied by the selector
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Application.objects.none()
        return selectors.application_list(actor=self.request.user, filters=self.request.query_params)

    def get_object(self):
        return selectors.application_get(actor=self.request.user, pk=self.kwargs["pk"])

    def _detail(self, application, status_code=status.HTTP_200_OK):
        application = selectors.application_get(actor=self.request.user, pk=application.pk)
        context = {
            "show_filer": policies.may(self.request.user, "subsidy.decide"),
            "show_bank_account": policies.may(self.request.user, "subsidy.bank_account", application),
        }
        return Response(SubsidyApplicationDetailSerializer(application, context=context).data, status=status_code)

    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(SubsidyApplicationSerializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        return self._detail(self.get_object())

    def create(self, request):
        serializer = SubsidyApplicationCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        programme = selectors.programme_get(actor=request.user, pk=serializer.validated_data["programme"])
        applicant = _applicant_for(request, serializer.validated_data.get("applicant"))
        application = services.application_create(
            actor=request.user, applicant=applicant, programme=programme, data=serializer.to_input()
        )
        return self._detail(application, status.HTTP_201_CREATED)

    def update(self, request, pk=None):
        application = self.get_object()
        policies.check(request.user, "subsidy.apply", application)  # before the body is read
        serializer = SubsidyApplicationInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        application = services.application_update(
            actor=request.user, application=application, data=serializer.to_input()
        )
        return self._detail(application)

    def _transition(self, request, name):
        application = self.get_object()
        serializer = SubsidyNoteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        application = services.application_transition(
            actor=request.user, application=application, action=name, note=serializer.validated_data["note"]
        )
        return self._detail(application)

    @extend_schema(tags=["subsidies"], request=SubsidyNoteSerializer, responses=TRANSITION_RESPONSES)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """The applicant sends a draft or returned application to its city bureau; the award is recomputed."""
        return self._transition(request, "submit")

    @extend_schema(tags=["subsidies"], request=SubsidyNoteSerializer, responses=TRANSITION_RESPONSES)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        """The applicant withdraws an application not yet recommended; its contracts or policies are freed."""
        return self._transition(request, "withdraw")

    @extend_schema(tags=["subsidies"], request=SubsidyNoteSerializer, responses=TRANSITION_RESPONSES)
    @action(detail=True, methods=["post"], url_path="city-return")
    def city_return(self, request, pk=None):
        """The city bureau returns the application for more information (a reason is required)."""
        return self._transition(request, "city_return")

    @extend_schema(tags=["subsidies"], request=SubsidyNoteSerializer, responses=TRANSITION_RESPONSES)
    @action(detail=True, methods=["post"])
    def recommend(self, request, pk=None):
        """The city bureau of the applicant's unit recommends the application to the province."""
        return self._transition(request, "recommend")

    @extend_schema(tags=["subsidies"], request=SubsidyNoteSerializer, responses=TRANSITION_RESPONSES)
    @action(detail=True, methods=["post"], url_path="city-reject")
    def city_reject(self, request, pk=None):
        """The city bureau rejects the application (a reason is required)."""
        return self._transition(request, "city_reject")

    @extend_schema(tags=["subsidies"], request=SubsidyNoteSerializer, responses=TRANSITION_RESPONSES)
    @action(detail=True, methods=["post"], url_path="province-return")
    def province_return(self, request, pk=None):
        """The province returns a recommended application for more information (a reason is required)."""
        return self._transition(request, "province_return")

    @extend_schema(tags=["subsidies"], request=SubsidyApproveSerializer, responses=TRANSITION_RESPONSES)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """The province approves an amount within the budget and the unit's allocation; the public notice begins."""
        application = self.get_object()
        serializer = SubsidyApproveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        application = services.application_approve(
            actor=request.user, application=application, **serializer.validated_data
        )
        return self._detail(application)

    @extend_schema(tags=["subsidies"], request=SubsidyNoteSerializer, responses=TRANSITION_RESPONSES)
    @action(detail=True, methods=["post"], url_path="province-reject")
    def province_reject(self, request, pk=None):
        """The province rejects a recommended application or one in notice (a reason is required)."""
        return self._transition(request, "province_reject")

    @extend_schema(tags=["subsidies"], request=SubsidyNoteSerializer, responses=TRANSITION_RESPONSES)
    @action(detail=True, methods=["post"])
    def award(self, request, pk=None):
        """The province awards once the public notice has ended and every objection is resolved."""
        return self._transition(request, "award")

    @extend_schema(tags=["subsidies"], request=SubsidyNoteSerializer, responses=TRANSITION_RESPONSES)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """The province closes an award not paid in full (a reason is required); the unpaid rest is released."""
        return self._transition(request, "close")

    @extend_schema(
        tags=["subsidies"],
        request={"multipart/form-data": SubsidyFileUploadSerializer},
        responses={201: SubsidyFileSerializer, **ERRORS, 409: CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def files(self, request, pk=None):
        """The applicant adds evidence (a PDF) while the application is a draft or returned."""
        application = self.get_object()
        policies.check(request.user, "subsidy.apply", application)  # before the body is read
        serializer = SubsidyFileUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        item = services.application_file_add(
            actor=request.user,
            application=application,
            upload=serializer.validated_data["file"],
            description=serializer.validated_data["description"],
        )
        return Response(SubsidyFileSerializer(item).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        tags=["subsidies"],
        request=SubsidyPaymentInputSerializer,
        responses={201: SubsidyPaymentSerializer, **ERRORS, 409: CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def payments(self, request, pk=None):
        """The province records a payment; the application closes when the award is paid in full."""
        application = self.get_object()
        policies.check(request.user, "subsidy.decide", application)  # before the body is read
        serializer = SubsidyPaymentInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        payment = services.payment_record(actor=request.user, application=application, **serializer.validated_data)
        return Response(SubsidyPaymentSerializer(payment).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        tags=["subsidies"],
        request=SubsidyObjectionInputSerializer,
        responses={201: SubsidyObjectionSerializer, **ERRORS, 409: CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def objections(self, request, pk=None):
        """Anyone signed in, except the applicant, objects to an application in public notice."""
        # The objector usually cannot see the application otherwise: the notice makes it reachable.
        application = selectors.public_notice().filter(pk=pk).first() or self.get_object()
        policies.check(request.user, "subsidy.object", application)  # before the body is read
        serializer = SubsidyObjectionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        objection = services.objection_file(
            actor=request.user, application=application, text=serializer.validated_data["text"]
        )
        return Response(SubsidyObjectionSerializer(objection).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        tags=["subsidies"],
        parameters=[OBJECTION_PATH],
        request=SubsidyObjectionResolveSerializer,
        responses={200: SubsidyObjectionSerializer, **ERRORS, 409: CONFLICT},
    )
    @action(detail=True, methods=["post"], url_path=r"objections/(?P<objection_id>\d+)/resolve")
    def objection_resolve(self, request, pk=None, objection_id=None):
        """The province upholds or dismisses an objection, with its reasons."""
        application = self.get_object()
        policies.check(request.user, "subsidy.decide", application)  # before the body is read
        objection = selectors.application_objections(application).filter(pk=objection_id).first()
        if objection is None:
            raise NotFound()
        serializer = SubsidyObjectionResolveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        objection = services.objection_resolve(actor=request.user, objection=objection, **serializer.validated_data)
        context = {"show_filer": policies.may(request.user, "subsidy.decide")}
        return Response(SubsidyObjectionSerializer(objection, context=context).data)

    @extend_schema(
        tags=["subsidies"],
        parameters=[
            OpenApiParameter("programme", int, required=True),
            OpenApiParameter("applicant", int, required=False, description=str(_("If you act for several."))),
        ],
        responses={200: SubsidyEligibleContractSerializer(many=True), **ERRORS},
    )
    @action(detail=False, methods=["get"], url_path="eligible-contracts")
    def eligible_contracts(self, request):
        """Registered contracts the applicant may claim under the programme: in its period, with the applicant
        as the subsidised party, and not yet in another application under it."""
        params = request.query_params
        try:
            programme_id = int(params.get("programme", ""))
            applicant_id = int(params["applicant"]) if params.get("applicant") else None
        except ValueError:
            raise InvalidInput(_("Give the programme's id."), field="programme") from None
        programme = selectors.programme_get(actor=request.user, pk=programme_id)
        applicant = _applicant_for(request, applicant_id)
        policies.check(request.user, "subsidy.apply", applicant)
        contracts = services.eligible_contracts(programme=programme, applicant=applicant)
        page = self.paginate_queryset(contracts)
        return self.get_paginated_response(SubsidyEligibleContractSerializer(page, many=True).data)


# The public notice ------------------------------------------------------------------------------------


class SubsidyNoticeSerializer(serializers.ModelSerializer):
    """What anyone may read during the public notice: no contacts, no bank account."""

    programme_code = serializers.CharField(source="programme.code", read_only=True)
    programme_name = serializers.CharField(source="programme.name", read_only=True)
    applicant_name = serializers.CharField(source="applicant.name", read_only=True)
    unit = serializers.CharField(source="unit_id", read_only=True)
    unit_name = serializers.CharField(source="unit.label", read_only=True)

    class Meta:
        model = Application
        fields = [
            "id", "programme", "programme_code", "programme_name", "applicant_name", "unit", "unit_name",
            "award_amount", "notice_from", "notice_until",
        ]  # fmt: skip
        read_only_fields = fields


@extend_schema(
    parameters=[
        OpenApiParameter("programme", int, required=False),
        OpenApiParameter("unit", str, required=False, description=str(_("Code of the assessment unit."))),
    ],
    responses={200: SubsidyNoticeSerializer(many=True)},
    tags=["subsidies"],
)
class SubsidyNoticeApi(GenericAPIView):
    """Applications in public notice (公示) with their proposed award; no login needed. Objections are
    filed, signed in, at ``/subsidy-applications/{id}/objections/``."""

    permission_classes = [AllowAny]
    serializer_class = SubsidyNoticeSerializer
    filter_backends = []

    def get_queryset(self):
        queryset = selectors.public_notice()
        params = self.request.query_params
        if params.get("programme", "").isdigit():
            queryset = queryset.filter(programme_id=int(params["programme"]))
        if params.get("unit"):
            queryset = queryset.filter(unit_id=params["unit"])
        return queryset

    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(SubsidyNoticeSerializer(page, many=True).data)
