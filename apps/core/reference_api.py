"""Read-only API of the reference data: regions, countries, code lists."""

import django_filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.permissions import AllowAny

from apps.core.models import Code, CodeList, Country, Region


class RegionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["code", "name", "name_en", "level", "parent", "unit", "is_official", "is_active"]


class CountrySerializer(serializers.ModelSerializer):
    class Meta:
        model = Country
        fields = ["code", "alpha3", "numeric", "name", "name_en"]


class CodeSerializer(serializers.ModelSerializer):
    parent = serializers.CharField(source="parent.code", allow_null=True, read_only=True)

    class Meta:
        model = Code
        fields = ["list", "code", "parent", "name", "name_en", "sort", "is_active"]


class RegionFilter(django_filters.FilterSet):
    level = django_filters.ChoiceFilter(choices=Region.Level.choices)
    parent = django_filters.CharFilter(field_name="parent")
    unit = django_filters.CharFilter(field_name="unit")

    class Meta:
        model = Region
        fields = ["level", "parent", "unit", "is_active"]


class CodeFilter(django_filters.FilterSet):
    list = django_filters.ChoiceFilter(choices=CodeList.choices)

    class Meta:
        model = Code
        fields = ["list", "is_active"]


@extend_schema_view(list=extend_schema(tags=["reference"]), retrieve=extend_schema(tags=["reference"]))
class RegionViewSet(viewsets.ReadOnlyModelViewSet):
    """Administrative divisions (GB/T 2260); Hebei's carry their assessment unit."""

    queryset = Region.objects.order_by("code")
    serializer_class = RegionSerializer
    lookup_value_regex = "[0-9]{6}"
    filterset_class = RegionFilter
    permission_classes = [AllowAny]
    pagination_class = None


@extend_schema_view(list=extend_schema(tags=["reference"]), retrieve=extend_schema(tags=["reference"]))
class CountryViewSet(viewsets.ReadOnlyModelViewSet):
    """ISO 3166-1 countries."""

    queryset = Country.objects.order_by("code")
    serializer_class = CountrySerializer
    lookup_value_regex = "[A-Z]{2}"
    permission_classes = [AllowAny]
    pagination_class = None


@extend_schema_view(list=extend_schema(tags=["reference"]), retrieve=extend_schema(tags=["reference"]))
class CodeViewSet(viewsets.ReadOnlyModelViewSet):
    """Entries of the official code lists (contract types, party types, technology fields, ...)."""

    queryset = Code.objects.select_related("parent").order_by("list", "sort", "code")
    serializer_class = CodeSerializer
    filterset_class = CodeFilter
    permission_classes = [AllowAny]
    pagination_class = None
