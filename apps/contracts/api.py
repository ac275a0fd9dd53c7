"""API of the contracts app: drafts, the registration workflow as actions, income, certificates, import.

Serializers only parse and present; every write goes through ``apps.contracts.services`` so the
API, the pages and the importer refuse the same things with the same error codes.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import SAFE_METHODS
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from apps.accounts import policies
from apps.accounts.models import Organisation
from apps.accounts.permissions import ActionPolicyMixin
from apps.accounts.policies import actor_for
from apps.achievements.selectors import listings_for_contract
from apps.contracts import policies as contract_policies
from apps.contracts import selectors, services
from apps.contracts.fast_serializers import ContractListPagination, contract_detail_values, contract_list_rows
from apps.contracts.filters import ContractFilter
from apps.contracts.models import (
    Contract,
    ContractImport,
    Deduction,
    DeductionKind,
    IncomeConfirmation,
    IPItem,
    RegistrationOffice,
)
from apps.core.api import ErrorSerializer
from apps.core.downloads import XLSX, download_response
from apps.core.errors import InvalidInput, NotFound

# Serializers -----------------------------------------------------------------------------------


class DeductionSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=DeductionKind.choices)

    class Meta:
        model = Deduction
        fields = ["kind", "description", "amount"]


class IPItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = IPItem
        fields = ["ip_type", "number", "title"]


class ContractInputSerializer(serializers.Serializer):
    """The declaration of a contract; codes are those of ``/api/v1/codes/`` (see docs/contract-exchange.md)."""

    seller = serializers.IntegerField(required=False, help_text=_("Your organisation, if you act for several."))
    name = serializers.CharField(max_length=200)
    contract_type = serializers.CharField(max_length=8)
    subtype = serializers.CharField(max_length=8)
    licence_kind = serializers.CharField(max_length=16, required=False, allow_blank=True, default="")
    tech_field = serializers.CharField(max_length=8)
    programme_tier = serializers.CharField(max_length=8)
    socioeconomic_objective = serializers.CharField(max_length=8)
    payment_method = serializers.CharField(max_length=8)
    signed_on = serializers.DateField()
    valid_from = serializers.DateField()
    valid_until = serializers.DateField()
    contract_value = serializers.DecimalField(max_digits=16, decimal_places=2)
    technology_value = serializers.DecimalField(
        max_digits=16,
        decimal_places=2,
        required=False,
        allow_null=True,
        default=None,
        help_text=_("Optional: if given, it must equal the contract value less the deductions."),
    )
    expected_investment = serializers.DecimalField(
        max_digits=16, decimal_places=2, required=False, allow_null=True, default=None
    )
    expected_output = serializers.DecimalField(
        max_digits=16, decimal_places=2, required=False, allow_null=True, default=None
    )
    contact_name = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    contact_phone = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    buyer = serializers.IntegerField(required=False, allow_null=True, default=None)
    buyer_name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    buyer_credit_code = serializers.CharField(max_length=18, required=False, allow_blank=True, default="")
    buyer_region = serializers.CharField(max_length=6, required=False, allow_blank=True, default="")
    buyer_country = serializers.CharField(max_length=2, required=False, default="CN")
    buyer_party_type = serializers.CharField(max_length=8, required=False, allow_blank=True, default="")
    deductions = DeductionSerializer(many=True, required=False, default=list)
    ip_items = IPItemSerializer(many=True, required=False, default=list)
    intermediary = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text=_("The intermediary institution (organisation id).")
    )
    brokers = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        default=list,
        help_text=_("The technology brokers who brokered the contract (ids of /api/v1/brokers/)."),
    )
    achievement = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_("The seller's published achievement the contract realises (id of /api/v1/achievements/)."),
    )
    need = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_("The buyer's published technology need it answers (id of /api/v1/needs/)."),
    )

    def to_input(self) -> services.ContractInput:
        from apps.institutions.models import Broker

        data = dict(self.validated_data)
        data.pop("seller", None)
        intermediary_id = data.pop("intermediary", None)
        data["broker"] = None
        if intermediary_id is not None:
            data["broker"] = Organisation.objects.filter(pk=intermediary_id, status="active").first()
            if data["broker"] is None:
                raise InvalidInput(_("No such active organisation."), code="unknown_intermediary", field="intermediary")
        broker_ids = set(data.pop("brokers", []))
        data["brokers"] = list(Broker.objects.filter(pk__in=broker_ids))
        if len(data["brokers"]) != len(broker_ids):
            raise InvalidInput(_("No such broker."), code="unknown_broker", field="brokers")
        buyer_id = data.pop("buyer", None)
        data["buyer"] = None
        if buyer_id is not None:
            data["buyer"] = Organisation.objects.filter(pk=buyer_id, status="active").first()
            if data["buyer"] is None:
                raise InvalidInput(_("No such active organisation."), code="unknown_buyer", field="buyer")
        data["achievement"], data["need"] = listings_for_contract(data.pop("achievement", None), data.pop("need", None))
        data["deductions"] = [services.DeductionInput(**line) for line in data["deductions"]]
        data["ip_items"] = [services.IPItemInput(**item) for item in data["ip_items"]]
        return services.ContractInput(**data)


class ContractSerializer(serializers.ModelSerializer):
    deductions = DeductionSerializer(many=True, read_only=True)
    ip_items = IPItemSerializer(many=True, read_only=True)
    office_code = serializers.CharField(source="office.code", read_only=True, allow_null=True, default=None)
    seller_unit = serializers.CharField(source="seller_region.unit_id", read_only=True, allow_null=True, default=None)
    buyer_unit = serializers.CharField(source="buyer_region.unit_id", read_only=True, allow_null=True, default=None)
    is_overdue = serializers.SerializerMethodField()
    has_attachment = serializers.SerializerMethodField()

    class Meta:
        model = Contract
        fields = [
            "id", "version", "previous", "status", "rule_version", "name", "contract_type", "subtype", "licence_kind",
            "tech_field", "programme_tier", "socioeconomic_objective", "payment_method", "signed_on", "valid_from",
            "valid_until", "contract_value", "technology_value", "confirmed_technology_value", "expected_investment",
            "expected_output", "contact_name", "contact_phone", "seller", "seller_name", "seller_credit_code",
            "seller_region", "seller_region_code", "seller_unit", "seller_country", "seller_party_type", "buyer",
            "buyer_name", "buyer_credit_code", "buyer_region", "buyer_region_code", "buyer_unit", "buyer_country",
            "buyer_party_type", "office", "office_code", "submitted_at", "accepted_on", "decision_due",
            "second_review", "is_overdue", "decided_at", "registration_number", "registered_on", "refusal_reason",
            "revocation_reason", "status_note", "is_external", "external_source", "external_id", "has_attachment",
            "attachment_name", "attachment_size", "deductions", "ip_items", "broker", "brokers", "achievement",
            "need", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_is_overdue(self, contract) -> bool:
        return selectors.contract_is_overdue(contract)

    def get_has_attachment(self, contract) -> bool:
        return bool(contract.attachment)


def contract_detail_data(contract) -> dict:
    """``ContractSerializer(contract).data``, made by hand (``fast_serializers``): the schema stays the serializer's."""
    values = contract_detail_values(contract)
    return {name: values[name] for name in ContractSerializer.Meta.fields}


class ContractListSerializer(ContractSerializer):
    class Meta(ContractSerializer.Meta):
        fields = [
            f for f in ContractSerializer.Meta.fields if f not in {"deductions", "ip_items", "brokers", "status_note"}
        ]  # the list stays one query: no nested lines
        read_only_fields = fields


class SubmitSerializer(serializers.Serializer):
    office = serializers.IntegerField(required=False, allow_null=True, default=None)


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class ContractReasonSerializer(NoteSerializer):
    reason_code = serializers.CharField(max_length=16)


class RegisterSerializer(NoteSerializer):
    confirmed_technology_value = serializers.DecimalField(
        max_digits=16, decimal_places=2, required=False, allow_null=True, default=None
    )


class AttachmentSerializer(serializers.Serializer):
    file = serializers.FileField()


class IncomeSerializer(serializers.ModelSerializer):
    class Meta:
        model = IncomeConfirmation
        fields = ["id", "contract", "year", "amount", "confirmed_amount", "status", "note", "decided_at", "created_at"]
        read_only_fields = fields


class IncomeFileSerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=1990, max_value=2100)
    amount = serializers.DecimalField(max_digits=16, decimal_places=2)


class IncomeConfirmSerializer(NoteSerializer):
    confirmed_amount = serializers.DecimalField(
        max_digits=16, decimal_places=2, required=False, allow_null=True, default=None
    )


class BinaryErrorsAsJsonMixin:
    """For views whose success is a file: errors are still ``{"code", "message"}`` JSON, not a broken file."""

    def handle_exception(self, exc):
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return super().handle_exception(exc)


class PDFRenderer(BaseRenderer):
    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


ERRORS = {400: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer}
TRANSITION_RESPONSES = {
    200: ContractSerializer,
    **ERRORS,
    409: OpenApiResponse(ErrorSerializer, description=str(_("The contract's status does not allow this action."))),
}


def _seller_for(request, seller_id) -> Organisation:
    actor = actor_for(request.user)
    own = actor.organisation_ids(*contract_policies.SELLER_ROLES)
    if seller_id is None:
        if len(own) != 1:
            raise InvalidInput(
                _("You act for several organisations; say which one is the seller."),
                code="seller_required",
                field="seller",
            )
        seller_id = next(iter(own))
    seller = Organisation.objects.select_related("region").filter(pk=seller_id).first()
    if seller is None:
        raise NotFound()
    return seller


# Views -----------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(tags=["contracts"], responses={200: ContractListSerializer(many=True)}),
    retrieve=extend_schema(tags=["contracts"], responses={200: ContractSerializer, 404: ErrorSerializer}),
    create=extend_schema(
        tags=["contracts"], request=ContractInputSerializer, responses={201: ContractSerializer, **ERRORS}
    ),
    update=extend_schema(
        tags=["contracts"],
        request=ContractInputSerializer,
        responses={200: ContractSerializer, **ERRORS, 409: ErrorSerializer},
    ),
)
class ContractViewSet(ActionPolicyMixin, viewsets.GenericViewSet):
    """Technology contracts the caller may see: their organisation's, their office's, their region's."""

    action_policies = {"create": "contract.create"}

    filterset_class = ContractFilter
    filter_backends = []  # the selector applies ContractFilter itself
    serializer_class = ContractSerializer
    pagination_class = ContractListPagination  # pages of tuples for contract_list_rows
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Contract.objects.none()
        return selectors.contract_list(actor=self.request.user, filters=self.request.query_params)

    def get_object(self):
        if self.request.method in SAFE_METHODS:
            return selectors.contract_get(actor=self.request.user, pk=self.kwargs["pk"])
        return selectors.contract_for_action(actor=self.request.user, pk=self.kwargs["pk"])

    def _detail(self, contract, status_code=status.HTTP_200_OK):
        contract = selectors.contract_get(actor=self.request.user, pk=contract.pk)
        return Response(contract_detail_data(contract), status=status_code)

    def _created(self, contract):
        # The caller's own new draft (``contract.create`` was checked, and sellers see their drafts):
        # re-read with its relations, without compiling the caller's whole visibility scope.
        contract = Contract.objects.select_related(*selectors.LIST_RELATED).get(pk=contract.pk)
        return Response(contract_detail_data(contract), status=status.HTTP_201_CREATED)

    def list(self, request):
        # ContractListSerializer's rows, read as tuples: the hot read path (apps/contracts/fast_serializers.py).
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(contract_list_rows(page))

    def retrieve(self, request, pk=None):
        return Response(contract_detail_data(self.get_object()))

    def create(self, request):
        serializer = ContractInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        seller = _seller_for(request, serializer.validated_data.get("seller"))
        contract = services.contract_create(actor=request.user, seller=seller, data=serializer.to_input())
        return self._created(contract)

    def update(self, request, pk=None):
        contract = self.get_object()
        services.contract_action_check(request.user, "update", contract)
        serializer = ContractInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        contract = services.contract_update(actor=request.user, contract=contract, data=serializer.to_input())
        return self._detail(contract)

    @extend_schema(
        request={"multipart/form-data": AttachmentSerializer}, responses=TRANSITION_RESPONSES, tags=["contracts"]
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser])
    def attachment(self, request, pk=None):
        """Upload the signed contract text (PDF only, size-limited) to a draft."""
        contract = self.get_object()
        services.contract_action_check(request.user, "attach", contract)
        serializer = AttachmentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        contract = services.contract_attach(
            actor=request.user, contract=contract, attachment=serializer.validated_data["file"]
        )
        return self._detail(contract)

    @extend_schema(request=SubmitSerializer, responses=TRANSITION_RESPONSES, tags=["contracts"])
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Send the draft to a registration office covering the seller (choose one if several do)."""
        contract = self.get_object()
        services.contract_action_check(request.user, "submit", contract)
        serializer = SubmitSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        office = None
        if serializer.validated_data["office"] is not None:
            office = RegistrationOffice.objects.filter(pk=serializer.validated_data["office"]).first()
            if office is None:
                raise InvalidInput(
                    _("This registration office does not cover your organisation."),
                    code="office_not_eligible",
                    field="office",
                )
        contract = services.contract_submit(actor=request.user, contract=contract, office=office)
        return self._detail(contract)

    def _noted(self, request, action, service, serializer_class=NoteSerializer, **extra):
        contract = self.get_object()
        services.contract_action_check(request.user, action, contract)
        serializer = serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        contract = service(actor=request.user, contract=contract, **serializer.validated_data, **extra)
        return self._detail(contract)

    @extend_schema(request=NoteSerializer, responses=TRANSITION_RESPONSES, tags=["contracts"])
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        """Withdraw a draft or a submission not yet accepted."""
        return self._noted(request, "withdraw", services.contract_withdraw)

    @extend_schema(request=None, responses=TRANSITION_RESPONSES, tags=["contracts"])
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        """受理: the office takes the contract into review; the working-day deadline starts."""
        contract = services.contract_accept(actor=request.user, contract=self.get_object())
        return self._detail(contract)

    @extend_schema(request=NoteSerializer, responses=TRANSITION_RESPONSES, tags=["contracts"])
    @action(detail=True, methods=["post"], url_path="return")
    def return_(self, request, pk=None):
        """Return the contract to the seller for correction (a note is required)."""
        return self._noted(request, "return", services.contract_return)

    @extend_schema(request=ContractReasonSerializer, responses=TRANSITION_RESPONSES, tags=["contracts"])
    @action(detail=True, methods=["post"])
    def refuse(self, request, pk=None):
        """不予登记, with a code of the ``refusal_reason`` list (``other`` needs a note)."""
        return self._noted(request, "refuse", services.contract_refuse, ContractReasonSerializer)

    @extend_schema(request=RegisterSerializer, responses=TRANSITION_RESPONSES, tags=["contracts"])
    @action(detail=True, methods=["post"])
    def register(self, request, pk=None):
        """Accredit and register; from the threshold of the rule version on, the contract goes to a second review."""
        return self._noted(request, "register", services.contract_register, RegisterSerializer)

    @extend_schema(request=NoteSerializer, responses=TRANSITION_RESPONSES, tags=["contracts"])
    @action(detail=True, methods=["post"], url_path="approve-second-review")
    def approve_second_review(self, request, pk=None):
        """A large-amount approver registers a contract in second review."""
        return self._noted(request, "approve_second_review", services.contract_approve_second_review)

    @extend_schema(request=NoteSerializer, responses=TRANSITION_RESPONSES, tags=["contracts"])
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """注销: the seller cancels a registration (a reason is required)."""
        return self._noted(request, "cancel", services.contract_cancel)

    @extend_schema(request=ContractReasonSerializer, responses=TRANSITION_RESPONSES, tags=["contracts"])
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        """撤销: the office revokes a registration, with a code of the ``revocation_reason`` list."""
        return self._noted(request, "revoke", services.contract_revoke, ContractReasonSerializer)

    @extend_schema(request=None, responses={201: ContractSerializer, **TRANSITION_RESPONSES}, tags=["contracts"])
    @action(detail=True, methods=["post"])
    def change(self, request, pk=None):
        """变更: start a new version of a registered contract; returns the new draft."""
        draft = services.contract_change(actor=request.user, contract=self.get_object())
        return self._detail(draft, status.HTTP_201_CREATED)

    @extend_schema(
        methods=["get"], request=None, responses={200: IncomeSerializer(many=True), **ERRORS}, tags=["contracts"]
    )
    @extend_schema(
        methods=["post"],
        request=IncomeFileSerializer,
        responses={201: IncomeSerializer, **ERRORS, 409: ErrorSerializer},
        tags=["contracts"],
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def incomes(self, request, pk=None):
        """技术性收入核定: the technical income received per year, filed by the seller, confirmed by the office."""
        contract = self.get_object()
        if request.method == "GET":
            return Response(
                IncomeSerializer(selectors.income_list(actor=request.user, contract=contract), many=True).data
            )
        services.contract_action_check(request.user, "income", contract)
        serializer = IncomeFileSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        income = services.income_file(actor=request.user, contract=contract, **serializer.validated_data)
        return Response(IncomeSerializer(income).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    confirm=extend_schema(
        request=IncomeConfirmSerializer, responses={200: IncomeSerializer, **ERRORS, 409: ErrorSerializer}
    ),
    reject=extend_schema(request=NoteSerializer, responses={200: IncomeSerializer, **ERRORS, 409: ErrorSerializer}),
)
class IncomeViewSet(viewsets.GenericViewSet):
    """Decisions on technical income filings, by the registrars of the contract's office."""

    serializer_class = IncomeSerializer

    def get_queryset(self):
        return IncomeConfirmation.objects.none()

    def _income(self, pk) -> IncomeConfirmation:
        income = IncomeConfirmation.objects.select_related("contract__office").filter(pk=pk).first()
        if (
            income is None
            or not selectors.contract_list(actor=self.request.user).filter(pk=income.contract_id).exists()
        ):
            raise NotFound()
        policies.check(self.request.user, "contract.review", income.contract)  # before the input is read
        return income

    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        income = self._income(pk)
        serializer = IncomeConfirmSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        income = services.income_decide(actor=request.user, income=income, confirm=True, **serializer.validated_data)
        return Response(IncomeSerializer(income).data)

    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        income = self._income(pk)
        serializer = NoteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        income = services.income_decide(actor=request.user, income=income, confirm=False, **serializer.validated_data)
        return Response(IncomeSerializer(income).data)


class ImportJobSerializer(serializers.ModelSerializer):
    errors = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = ContractImport
        fields = [
            "id", "url", "source", "filename", "status", "rows", "created", "updated", "unchanged", "message",
            "errors", "created_at", "started_at", "finished_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_errors(self, job) -> list[dict]:
        return [{"row": row, "column": column, "message": message} for row, column, message in job.errors]

    def get_url(self, job) -> str:
        return reverse("api:contract-import-job", args=[job.pk], request=self.context.get("request"))


class ImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField()
    source = serializers.CharField(required=False, default="national", max_length=32)


@extend_schema(
    request=None,
    responses={(200, "application/pdf"): OpenApiTypes.BINARY, 404: ErrorSerializer, 409: ErrorSerializer},
    tags=["contracts"],
)
class ContractCertificateApi(BinaryErrorsAsJsonMixin, APIView):
    """The registration certificate (技术合同登记证明) as a PDF, for users who may see the contract."""

    renderer_classes = [PDFRenderer, JSONRenderer]

    def get(self, request, pk):
        from apps.contracts.certificates import certificate_response

        return certificate_response(selectors.contract_get(actor=request.user, pk=pk))


@extend_schema(
    request={"multipart/form-data": ImportUploadSerializer},
    responses={202: ImportJobSerializer, **ERRORS},
    tags=["contracts"],
)
class ContractImportApi(ActionPolicyMixin, APIView):
    """Import contracts registered outside Hebei (xlsx or CSV, docs/contract-exchange.md): all or nothing.

    The file is imported in the background: the answer is 202 with the job, whose ``url`` tells
    its ``status`` (queued, running, done, rejected, failed), the counts, and for a rejected file
    every bad row with its row number, column and message.
    """

    action_policies = {"post": "contract.import"}

    parser_classes = [MultiPartParser]

    def post(self, request):
        from apps.contracts.imports import contract_import_queue

        serializer = ImportUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        job = contract_import_queue(
            actor=request.user, file=upload, filename=upload.name, source=serializer.validated_data["source"]
        )
        return Response(ImportJobSerializer(job, context={"request": request}).data, status=status.HTTP_202_ACCEPTED)


@extend_schema(responses={200: ImportJobSerializer, **ERRORS}, tags=["contracts"])
class ContractImportJobApi(APIView):
    """An import's status and outcome."""

    def get(self, request, pk):
        job = selectors.import_get(actor=request.user, pk=pk)
        return Response(ImportJobSerializer(job, context={"request": request}).data)


class TaxReliefRowSerializer(serializers.Serializer):
    seller_id = serializers.IntegerField()
    seller_name = serializers.CharField()
    seller_credit_code = serializers.CharField()
    seller_region_code = serializers.CharField()
    contracts = serializers.IntegerField()
    qualifying_income = serializers.DecimalField(max_digits=16, decimal_places=2)
    non_qualifying_income = serializers.DecimalField(max_digits=16, decimal_places=2)
    exempt = serializers.DecimalField(max_digits=16, decimal_places=2)
    excess = serializers.DecimalField(max_digits=16, decimal_places=2)
    taxable_after_relief = serializers.DecimalField(max_digits=16, decimal_places=2)
    relieved_income = serializers.DecimalField(max_digits=16, decimal_places=2)


class XLSXRenderer(BaseRenderer):
    media_type = XLSX
    format = "xlsx"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


@extend_schema(
    parameters=[
        OpenApiParameter("year", int, required=True),
        OpenApiParameter("seller", int, required=False),
        OpenApiParameter("format", str, enum=["json", "xlsx"], required=False),
    ],
    responses={200: TaxReliefRowSerializer(many=True), **ERRORS},
    tags=["contracts"],
)
class TaxReliefApi(BinaryErrorsAsJsonMixin, APIView):
    """Tax linkage: confirmed technical income per seller in a year, with the corporate income tax relief."""

    renderer_classes = [JSONRenderer, XLSXRenderer]

    def get(self, request):
        from apps.contracts.exports import tax_relief_rows, tax_relief_workbook

        try:
            year = int(request.query_params.get("year", ""))
            seller = request.query_params.get("seller")
            seller = int(seller) if seller else None
        except ValueError:
            raise InvalidInput(_("Give the year as a number, e.g. ?year=2026."), field="year") from None
        rows = tax_relief_rows(actor=request.user, year=year, seller_id=seller)
        if request.accepted_renderer.format == "xlsx":
            return download_response(tax_relief_workbook(rows=rows, year=year), filename=f"tax-relief-{year}.xlsx")
        return Response(TaxReliefRowSerializer(rows, many=True).data)
