"""API of packages (技术包 / 成果包) and of the catalogue of advanced applicable technologies.

Reading is public: published packages and published catalogue editions, no login needed. Those
who manage them (the province and the city bureaus for packages, the province for the catalogue)
create, edit, publish and withdraw through the actions below, which call ``apps.achievements.packages``;
an action the record's state does not allow answers 409 with the code ``illegal_transition``.
"""

from django.http import HttpResponse
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
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from apps.accounts import policies
from apps.accounts.permissions import ActionPolicyMixin
from apps.achievements import packages
from apps.achievements.models import (
    Achievement,
    CatalogueEdition,
    CatalogueEntry,
    Package,
    PackageItem,
    PackageKind,
)
from apps.contracts.api import BinaryErrorsAsJsonMixin, XLSXRenderer
from apps.core.api import ErrorSerializer
from apps.core.downloads import download_response
from apps.core.errors import InvalidInput

ERRORS = {400: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer}
CONFLICT = {
    409: OpenApiResponse(ErrorSerializer, description=str(_("The record's status does not allow this action.")))
}
XLSX_RESPONSES = {(200, XLSXRenderer.media_type): OpenApiTypes.BINARY, **ERRORS}
PUBLIC_ACTIONS = ("list", "retrieve", "export")

# Serializers: packages ------------------------------------------------------------------------------


class PackageSerializer(serializers.ModelSerializer):
    # Plain strings, not enums: the choices are documented on the filters.
    kind = serializers.CharField(read_only=True)
    status = serializers.CharField(read_only=True)
    publisher_name = serializers.CharField(source="publisher.name", read_only=True)
    item_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Package
        fields = [
            "id", "kind", "title", "period", "batch", "push_field", "tech_field", "description", "status",
            "published_at", "publisher", "publisher_name", "item_count", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


class PackageAchievementSerializer(serializers.ModelSerializer):
    """The public fields of a packaged achievement."""

    region_name = serializers.CharField(source="region.label", read_only=True)

    class Meta:
        model = Achievement
        fields = ["id", "title", "tech_field", "push_fields", "lead_unit", "region", "region_name", "maturity"]
        read_only_fields = fields


class PackageItemSerializer(serializers.ModelSerializer):
    achievement = PackageAchievementSerializer(read_only=True)

    class Meta:
        model = PackageItem
        fields = ["sort", "note", "achievement"]
        read_only_fields = fields


class PackageDetailSerializer(PackageSerializer):
    items = serializers.SerializerMethodField()

    class Meta(PackageSerializer.Meta):
        fields = [*PackageSerializer.Meta.fields, "items"]
        read_only_fields = fields

    @extend_schema_field(PackageItemSerializer(many=True))
    def get_items(self, package):
        """Those who manage the package see every item; others the achievements still public."""
        items = packages.package_items(package=package, public_only=not self.context.get("manages", False))
        return PackageItemSerializer(items, many=True).data


class PackageInputSerializer(serializers.Serializer):
    publisher = serializers.IntegerField(
        required=False, help_text=_("Your bureau, if you act for several (create only).")
    )
    kind = serializers.ChoiceField(choices=PackageKind.choices)
    title = serializers.CharField(max_length=200)
    period = serializers.CharField(
        max_length=16, help_text=_("A year (2026), a quarter (2026Q3) or a month (2026-07).")
    )
    batch = serializers.IntegerField(required=False, default=1)
    push_field = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    tech_field = serializers.CharField(max_length=8, required=False, allow_blank=True, default="")
    description = serializers.CharField(required=False, allow_blank=True, default="")

    def to_input(self) -> packages.PackageInput:
        data = dict(self.validated_data)
        data.pop("publisher", None)
        return packages.PackageInput(**data)


class PackageItemsInputSerializer(serializers.Serializer):
    achievement_ids = serializers.ListField(
        child=serializers.IntegerField(), allow_empty=True, help_text=_("The achievements, in their order.")
    )


class PublicationReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, allow_blank=True)


PACKAGE_FILTERS = [
    OpenApiParameter("kind", str, enum=PackageKind.values, required=False),
    OpenApiParameter(
        "period", str, required=False, description=str(_("2026 (every period of the year), 2026Q3 or 2026-07."))
    ),
    OpenApiParameter("batch", int, required=False),
    OpenApiParameter("push_field", str, required=False, description=str(_("Code of the push field list."))),
    OpenApiParameter("tech_field", str, required=False, description=str(_("Code of the technology field list."))),
    OpenApiParameter("unit", str, required=False, description=str(_("Assessment unit code, or the province's."))),
]
PACKAGE_TRANSITION_RESPONSES = {200: PackageDetailSerializer, **ERRORS, **CONFLICT}


def _int_or_none(value):
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        raise InvalidInput(_("Enter a whole number."), code="invalid_filter", field="batch") from None


def _publisher_for(request, publisher_id):
    """The bureau a new package is published by: the one given, or the caller's only one."""
    choices = packages.package_publishers(actor=request.user)
    if publisher_id is None:
        own = list(choices[:2])
        if len(own) != 1:
            policies.check(request.user, "package.manage")
            raise InvalidInput(
                _("You act for several bureaus, or for none; say which one."),
                code="publisher_required",
                field="publisher",
            )
        return own[0]
    publisher = choices.filter(pk=publisher_id).first()
    if publisher is None:
        policies.check(request.user, "package.manage")
        raise InvalidInput(_("Publish packages in the name of your own bureau."), field="publisher")
    return publisher


# Views: packages ------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(tags=["packages"], parameters=PACKAGE_FILTERS, responses={200: PackageSerializer(many=True)}),
    retrieve=extend_schema(tags=["packages"], responses={200: PackageDetailSerializer, 404: ErrorSerializer}),
    create=extend_schema(
        tags=["packages"], request=PackageInputSerializer, responses={201: PackageDetailSerializer, **ERRORS}
    ),
    update=extend_schema(
        tags=["packages"],
        request=PackageInputSerializer,
        responses={200: PackageDetailSerializer, **ERRORS, **CONFLICT},
    ),
)
class PackageViewSet(ActionPolicyMixin, BinaryErrorsAsJsonMixin, viewsets.GenericViewSet):
    """Published packages for anyone; the packages they manage for the province and the city bureaus."""

    action_policies = {"create": "package.manage"}

    serializer_class = PackageSerializer
    filter_backends = []  # the selector filters

    def get_permissions(self):
        if self.action in PUBLIC_ACTIONS:
            return [AllowAny()]
        return super().get_permissions()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Package.objects.none()
        params = self.request.query_params
        return packages.package_list(
            actor=self.request.user,
            kind=params.get("kind") or None,
            period=params.get("period") or None,
            batch=_int_or_none(params.get("batch")),
            push_field=params.get("push_field") or None,
            tech_field=params.get("tech_field") or None,
            unit=params.get("unit") or None,
        )

    def get_object(self):
        return packages.package_get(actor=self.request.user, pk=self.kwargs["pk"])

    def _managed(self):
        return packages.package_get_managed(actor=self.request.user, pk=self.kwargs["pk"])

    def _detail(self, package, status_code=status.HTTP_200_OK):
        package = packages.package_get(actor=self.request.user, pk=package.pk)
        manages = policies.may(self.request.user, "package.manage", package)
        return Response(PackageDetailSerializer(package, context={"manages": manages}).data, status=status_code)

    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(PackageSerializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        return self._detail(self.get_object())

    def create(self, request):
        serializer = PackageInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        publisher = _publisher_for(request, serializer.validated_data.get("publisher"))
        package = packages.package_create(actor=request.user, publisher=publisher, data=serializer.to_input())
        return self._detail(package, status.HTTP_201_CREATED)

    def update(self, request, pk=None):
        package = self._managed()
        serializer = PackageInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        package = packages.package_update(actor=request.user, package=package, data=serializer.to_input())
        return self._detail(package)

    @extend_schema(tags=["packages"], responses={200: PackageSerializer(many=True), 403: ErrorSerializer})
    @action(detail=False, methods=["get"])
    def managed(self, request):
        """The packages the caller manages, in every state: all for the province, its own for a city bureau."""
        policies.check(request.user, "package.manage")
        page = self.paginate_queryset(packages.package_list_managed(actor=request.user))
        return self.get_paginated_response(PackageSerializer(page, many=True).data)

    @extend_schema(tags=["packages"], request=PackageItemsInputSerializer, responses=PACKAGE_TRANSITION_RESPONSES)
    @action(detail=True, methods=["put"])
    def items(self, request, pk=None):
        """Set the achievements of a draft package, in order (published achievements of the bureau's area)."""
        package = self._managed()
        serializer = PackageItemsInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        packages.package_items_set(
            actor=request.user, package=package, achievement_ids=serializer.validated_data["achievement_ids"]
        )
        return self._detail(package)

    @extend_schema(tags=["packages"], request=None, responses=PACKAGE_TRANSITION_RESPONSES)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        """Publish a draft package holding at least one achievement; it is frozen from then on."""
        return self._detail(packages.package_publish(actor=request.user, package=self._managed()))

    @extend_schema(tags=["packages"], request=PublicationReasonSerializer, responses=PACKAGE_TRANSITION_RESPONSES)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        """Withdraw a published package (a reason is required)."""
        package = self._managed()
        serializer = PublicationReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        package = packages.package_withdraw(actor=request.user, package=package, **serializer.validated_data)
        return self._detail(package)

    @extend_schema(tags=["packages"], request=None, responses=PACKAGE_TRANSITION_RESPONSES)
    @action(detail=True, methods=["post"])
    def revise(self, request, pk=None):
        """Make a withdrawn package a draft again, to correct and republish it."""
        return self._detail(packages.package_revise(actor=request.user, package=self._managed()))

    @extend_schema(tags=["packages"], responses=XLSX_RESPONSES)
    @action(detail=True, methods=["get"], renderer_classes=[XLSXRenderer, JSONRenderer])
    def export(self, request, pk=None, format=None):
        """The package's achievements as .xlsx (also at ``export.xlsx``)."""
        return _package_file(request, self.get_object())


def _package_file(request, package) -> HttpResponse:
    from apps.achievements.package_exports import package_workbook

    public_only = not policies.may(request.user, "package.manage", package)
    content = package_workbook(package=package, public_only=public_only)
    return download_response(content, filename=f"package-{package.pk}.xlsx")


# Serializers: the catalogue ---------------------------------------------------------------------------


class CatalogueEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = CatalogueEntry
        fields = [
            "id", "number", "name", "tech_field", "push_field", "holder", "summary", "scope", "contact", "achievement",
        ]  # fmt: skip
        read_only_fields = fields


class CatalogueEditionSerializer(serializers.ModelSerializer):
    status = serializers.CharField(read_only=True)
    entry_count = serializers.IntegerField(read_only=True)
    is_current = serializers.SerializerMethodField()

    class Meta:
        model = CatalogueEdition
        fields = [
            "id", "year", "version", "title", "document_number", "status", "published_at", "change_note",
            "based_on", "entry_count", "is_current",
        ]  # fmt: skip
        read_only_fields = fields

    def get_is_current(self, edition) -> bool:
        """Whether the edition is its year's current one (the published edition with the highest version)."""
        current = self.context.get("current_ids")
        if current is None:
            current = self.context["current_ids"] = packages.catalogue_current_ids()
        return edition.pk in current


class CatalogueEditionDetailSerializer(CatalogueEditionSerializer):
    entries = serializers.SerializerMethodField()

    class Meta(CatalogueEditionSerializer.Meta):
        fields = [*CatalogueEditionSerializer.Meta.fields, "entries"]
        read_only_fields = fields

    @extend_schema_field(CatalogueEntrySerializer(many=True))
    def get_entries(self, edition):
        return CatalogueEntrySerializer(packages.catalogue_entries(edition=edition), many=True).data


class CatalogueEditionCreateSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    title = serializers.CharField(max_length=200)
    based_on = serializers.IntegerField(required=False, allow_null=True, default=None)
    change_note = serializers.CharField(required=False, allow_blank=True, default="")


class CatalogueEditionUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    document_number = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    change_note = serializers.CharField(required=False, allow_blank=True, default="")


class CataloguePublishSerializer(serializers.Serializer):
    document_number = serializers.CharField(
        max_length=64, required=False, allow_blank=True, default="", help_text=_("Required unless the edition has one.")
    )


class CatalogueEntryInputSerializer(serializers.Serializer):
    """An entry: ``achievement`` (a published one, whose fields are copied) or the fields typed in."""

    achievement = serializers.IntegerField(required=False, allow_null=True, default=None)
    number = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1)
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    tech_field = serializers.CharField(max_length=8, required=False, allow_blank=True, default="")
    push_field = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    holder = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    summary = serializers.CharField(required=False, allow_blank=True, default="")
    scope = serializers.CharField(required=False, allow_blank=True, default="")
    contact = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("Public once published: an organisation and its office line, never a personal mobile or e-mail."),
    )

    def typed(self) -> packages.CatalogueEntryInput | None:
        data = self.validated_data
        if not any(data[name] for name in packages.ENTRY_FIELDS):
            return None
        return packages.CatalogueEntryInput(**{name: data[name] for name in packages.ENTRY_FIELDS})


EDITION_RESPONSES = {200: CatalogueEditionDetailSerializer, **ERRORS, **CONFLICT}


@extend_schema_view(
    list=extend_schema(
        tags=["catalogue"],
        parameters=[OpenApiParameter("year", int, required=False)],
        responses={200: CatalogueEditionSerializer(many=True)},
    ),
    retrieve=extend_schema(tags=["catalogue"], responses={200: CatalogueEditionDetailSerializer, 404: ErrorSerializer}),
    create=extend_schema(
        tags=["catalogue"],
        request=CatalogueEditionCreateSerializer,
        responses={201: CatalogueEditionDetailSerializer, **ERRORS, **CONFLICT},
    ),
    update=extend_schema(tags=["catalogue"], request=CatalogueEditionUpdateSerializer, responses=EDITION_RESPONSES),
)
class CatalogueEditionViewSet(BinaryErrorsAsJsonMixin, viewsets.GenericViewSet):
    """Editions of the catalogue of advanced applicable technologies: the published ones for anyone,
    every edition for the province, which compiles and publishes them."""

    serializer_class = CatalogueEditionSerializer
    filter_backends = []

    def get_permissions(self):
        if self.action in PUBLIC_ACTIONS:
            return [AllowAny()]
        return super().get_permissions()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return CatalogueEdition.objects.none()
        queryset = packages.catalogue_editions(actor=self.request.user)
        year = _int_or_none(self.request.query_params.get("year"))
        return queryset.filter(year=year) if year else queryset

    def get_object(self):
        return packages.catalogue_edition_get(actor=self.request.user, pk=self.kwargs["pk"])

    def _managed(self):
        policies.check(self.request.user, "catalogue.manage")
        return self.get_object()

    def _detail(self, edition, status_code=status.HTTP_200_OK):
        edition = packages.catalogue_edition_get(actor=self.request.user, pk=edition.pk)
        return Response(CatalogueEditionDetailSerializer(edition).data, status=status_code)

    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        context = {"current_ids": packages.catalogue_current_ids()}
        return self.get_paginated_response(CatalogueEditionSerializer(page, many=True, context=context).data)

    def retrieve(self, request, pk=None):
        return self._detail(self.get_object())

    def create(self, request):
        policies.check(request.user, "catalogue.manage")
        serializer = CatalogueEditionCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        based_on = None
        if data.pop("based_on") is not None:
            based_on = CatalogueEdition.objects.filter(pk=serializer.validated_data["based_on"]).first()
            if based_on is None:
                raise InvalidInput(_("No such edition."), field="based_on")
        edition = packages.catalogue_edition_create(actor=request.user, based_on=based_on, **data)
        return self._detail(edition, status.HTTP_201_CREATED)

    def update(self, request, pk=None):
        edition = self._managed()
        serializer = CatalogueEditionUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        edition = packages.catalogue_edition_update(actor=request.user, edition=edition, **serializer.validated_data)
        return self._detail(edition)

    @extend_schema(tags=["catalogue"], request=CataloguePublishSerializer, responses=EDITION_RESPONSES)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        """Publish a draft edition (document number and at least one entry); it becomes its year's current one."""
        edition = self._managed()
        serializer = CataloguePublishSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        edition = packages.catalogue_edition_publish(
            actor=request.user, edition=edition, document_number=serializer.validated_data["document_number"]
        )
        return self._detail(edition)

    @extend_schema(tags=["catalogue"], request=PublicationReasonSerializer, responses=EDITION_RESPONSES)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        """Withdraw a draft, or a published edition issued in error (a reason is required)."""
        edition = self._managed()
        serializer = PublicationReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        edition = packages.catalogue_edition_withdraw(actor=request.user, edition=edition, **serializer.validated_data)
        return self._detail(edition)

    @extend_schema(
        tags=["catalogue"],
        request=CatalogueEntryInputSerializer,
        responses={201: CatalogueEntrySerializer, **ERRORS, **CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def entries(self, request, pk=None):
        """Add an entry to a draft edition: from a published achievement, or typed in."""
        edition = self._managed()
        serializer = CatalogueEntryInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        achievement = None
        if serializer.validated_data["achievement"] is not None:
            achievement = (
                Achievement.objects.select_related("publisher")
                .filter(pk=serializer.validated_data["achievement"])
                .first()
            )
            if achievement is None:
                raise InvalidInput(_("Only published achievements can enter the catalogue."), field="achievement")
        entry = packages.catalogue_entry_add(
            actor=request.user,
            edition=edition,
            achievement=achievement,
            data=serializer.typed(),
            number=serializer.validated_data["number"],
        )
        return Response(CatalogueEntrySerializer(entry).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        tags=["catalogue"],
        request=CatalogueEntryInputSerializer,
        responses={200: CatalogueEntrySerializer, 204: None, **ERRORS, **CONFLICT},
        parameters=[OpenApiParameter("entry_pk", int, OpenApiParameter.PATH)],
    )
    @action(detail=True, methods=["put", "delete"], url_path=r"entries/(?P<entry_pk>\d+)", url_name="entry")
    def entry(self, request, pk=None, entry_pk=None):
        """Edit (PUT, every field) or remove (DELETE) an entry of a draft edition."""
        edition = self._managed()
        entry = packages.catalogue_entry_get(actor=request.user, edition=edition, pk=int(entry_pk))
        if request.method == "DELETE":
            packages.catalogue_entry_remove(actor=request.user, entry=entry)
            return Response(status=status.HTTP_204_NO_CONTENT)
        serializer = CatalogueEntryInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.typed()
        if data is None:
            raise InvalidInput(_("Enter the technology's name."), field="name")
        entry = packages.catalogue_entry_update(
            actor=request.user, entry=entry, data=data, number=serializer.validated_data["number"]
        )
        return Response(CatalogueEntrySerializer(entry).data)

    @extend_schema(tags=["catalogue"], responses=XLSX_RESPONSES)
    @action(detail=True, methods=["get"], renderer_classes=[XLSXRenderer, JSONRenderer])
    def export(self, request, pk=None, format=None):
        """The edition's entries as .xlsx (also at ``export.xlsx``)."""
        return _edition_file(self.get_object())


def _edition_file(edition) -> HttpResponse:
    from apps.achievements.package_exports import catalogue_workbook

    name = f"catalogue-{edition.year}-v{edition.version}.xlsx"
    return download_response(catalogue_workbook(edition=edition), filename=name)


__all__ = ["CatalogueEditionViewSet", "PackageViewSet"]
