"""/api/v1/library/: the national conversion resource library, read only, with the page's filters,
and /api/v1/library/facets/: the counts beside each filter option.

Entries are read through `inventory.library.services.library_records(user, …)`. Contacts are personal data:
the API, a bulk channel, masks them; the library's pages show them to signed-in library users.
"""

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from ground.api import NotesBulkReads
from ground.privacy import mask_email, mask_phone
from inventory.choices import TECHNOLOGY_READINESS
from inventory.library.services import cached_facets, library_records, may_browse, parse_params, with_card_data
from inventory.models import InventoryRecord

FILTER_PARAMETERS = [
    OpenApiParameter("industry", OpenApiTypes.STR, description="战略性新兴产业代码(门类 1–9 或小类 1.1–9.2)"),
    OpenApiParameter("maturity", OpenApiTypes.INT, description="技术成熟度 1–9"),
    OpenApiParameter("prospect", OpenApiTypes.STR, enum=["good", "fair", "poor"], description="产业化前景"),
    OpenApiParameter("intent", OpenApiTypes.STR, enum=["transfer", "license", "equity", "self"],
                     description="转化意愿"),
    OpenApiParameter("license_type", OpenApiTypes.STR, enum=["ordinary", "exclusive", "sole", "open"],
                     description="许可方式"),
    OpenApiParameter("province", OpenApiTypes.STR, description="单位所在省份(GB/T 2260 代码)"),
    OpenApiParameter("institution", OpenApiTypes.INT, description="单位 id"),
    OpenApiParameter("patent_type", OpenApiTypes.STR, enum=["invention", "utility_model", "design"],
                     description="专利类型"),
    OpenApiParameter("q", OpenApiTypes.STR, description="关键词(名称、摘要、发明人、专利权人)"),
]


class BrowsesLibrary(BasePermission):
    message = "专利转化资源库仅向部委、省级知识产权局、高校和科研机构、企业及平台运营开放"

    def has_permission(self, request, view) -> bool:
        return may_browse(request.user)


class LibraryPagination(NotesBulkReads, PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class LibraryEntrySerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(source="patent_id", help_text="专利 id(资源库条目以专利为键)")
    application_number = serializers.CharField(source="patent.application_number")
    title = serializers.CharField(source="patent.title")
    patent_type = serializers.CharField(source="patent.patent_type")
    grant_date = serializers.DateField(source="patent.grant_date", allow_null=True)
    main_ipc = serializers.CharField(source="patent.main_ipc")
    abstract = serializers.CharField(source="patent.abstract")
    institution_name = serializers.CharField(source="institution.name")
    province = serializers.CharField(source="institution.province_id", allow_null=True)
    province_name = serializers.CharField(source="institution.province.name", allow_null=True, default=None)
    maturity_name = serializers.SerializerMethodField()
    industries = serializers.SerializerMethodField()
    contact_phone = serializers.SerializerMethodField(help_text="已脱敏")
    contact_email = serializers.SerializerMethodField(help_text="已脱敏")
    url = serializers.SerializerMethodField(help_text="资源库页面地址")

    class Meta:
        model = InventoryRecord
        fields = [
            "id", "application_number", "title", "patent_type", "grant_date", "main_ipc", "abstract",
            "institution", "institution_name", "province", "province_name", "maturity", "maturity_name",
            "scenarios", "prospect", "intents", "license_type", "asking_price", "industries", "contact_name",
            "contact_phone", "contact_email", "url",
        ]
        read_only_fields = fields

    def get_maturity_name(self, record: InventoryRecord) -> str | None:
        name = TECHNOLOGY_READINESS.get(record.maturity)
        return str(name) if name else None

    def get_industries(self, record: InventoryRecord) -> list[str]:
        return [link.industry_id for link in record.patent.industry_links.all()]

    def get_contact_phone(self, record: InventoryRecord) -> str:
        return mask_phone(record.contact_phone) if record.contact_phone else ""

    def get_contact_email(self, record: InventoryRecord) -> str:
        return mask_email(record.contact_email) if record.contact_email else ""

    def get_url(self, record: InventoryRecord) -> str:
        url = reverse("inventory:library_detail", args=[record.patent_id])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


class LibraryViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The conversion resource library (专利转化资源库): the entries of every institution, best
    described first (listing-quality score, then grant date). Filters as the library page; an
    invalid value is refused (400) with a message naming it. Experts, inventors and the three
    platform administrators are refused (403)."""

    serializer_class = LibraryEntrySerializer
    pagination_class = LibraryPagination
    permission_classes = [*viewsets.GenericViewSet.permission_classes, BrowsesLibrary]
    filter_backends: list = []

    def _params(self):
        params = parse_params(self.request.query_params)
        if params.errors:
            raise ValidationError(params.errors)
        return params

    def get_queryset(self):
        return library_records(self.request.user, self._params())

    @extend_schema(parameters=FILTER_PARAMETERS)
    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(with_card_data(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(parameters=FILTER_PARAMETERS, responses={200: inline_serializer("LibraryFacets", {
        "count": serializers.IntegerField(),
        "facets": serializers.DictField(child=serializers.ListField(child=serializers.DictField())),
    })})
    @action(detail=False, methods=["get"], pagination_class=None)
    def facets(self, request, format=None):
        """Counts of the filtered entries by industry sector, maturity, prospect, intent, licence
        type, patent type, province and institution (the 20 largest): `{value, label, count}`."""
        params = self._params()
        records = library_records(request.user, params)
        counts = cached_facets(params, records)
        return Response({
            "count": records.count(),
            "facets": {name: [{"value": o.value, "label": o.label, "count": o.count} for o in options]
                       for name, options in counts.items()},
        })
