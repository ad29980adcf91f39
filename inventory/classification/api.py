"""Reference data of §5 for every signed-in user (not scoped): the strategic emerging industries
with their IPC concordance rules, and WIPO's 35 technology fields."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets

from inventory.models import Industry, IndustryRule, TechnologyField


class IndustryRuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = IndustryRule
        fields = ["ipc_patterns", "exclusions", "keywords", "provisional", "source"]


class IndustrySerializer(serializers.ModelSerializer):
    parent = serializers.CharField(source="parent_id", allow_null=True, read_only=True)
    is_sector = serializers.BooleanField(read_only=True)
    rules = IndustryRuleSerializer(many=True, read_only=True)

    class Meta:
        model = Industry
        fields = ["code", "name", "parent", "is_sector", "rules"]


class TechnologyFieldSerializer(serializers.ModelSerializer):
    class Meta:
        model = TechnologyField
        fields = ["number", "name", "name_en", "sector", "ipc_patterns"]
        # Stated, not left to the database's integer range (which differs between SQLite and PostgreSQL).
        extra_kwargs = {"number": {"min_value": 1, "max_value": 35}}


class IndustryViewSet(viewsets.ReadOnlyModelViewSet):
    """战略性新兴产业分类: 9 sectors (`1`–`9`) and 40 sub-sectors (`1.1`–`9.2`), each sub-sector
    with its IPC concordance rules (`provisional` until the official table is loaded)."""

    queryset = Industry.objects.prefetch_related("rules")
    serializer_class = IndustrySerializer
    pagination_class = None
    lookup_value_regex = r"\d(?:\.\d{1,2})?"


@extend_schema_view(retrieve=extend_schema(parameters=[
    OpenApiParameter("number", OpenApiTypes.INT, OpenApiParameter.PATH, description="技术领域编号 1–35"),
]))
class TechnologyFieldViewSet(viewsets.ReadOnlyModelViewSet):
    """WIPO's 35 technology fields and the IPC patterns of each."""

    queryset = TechnologyField.objects.all()
    serializer_class = TechnologyFieldSerializer
    pagination_class = None
