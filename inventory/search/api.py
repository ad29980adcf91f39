"""/api/v1/search/?q=: the full-text search of inventory.search.services, ranked, limited by visible_to."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import serializers, viewsets
from rest_framework.response import Response

from inventory.search import services as search

MAX_LIMIT = 100
MAX_OFFSET = 1000


class SearchHitSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="patent.pk")
    application_number = serializers.CharField(source="patent.application_number")
    title = serializers.CharField(source="patent.title")
    patent_type = serializers.CharField(source="patent.patent_type")
    grant_date = serializers.DateField(source="patent.grant_date")
    patentees = serializers.ListField(source="patent.patentees", child=serializers.CharField())
    inventors = serializers.ListField(source="patent.inventors", child=serializers.CharField())
    rank = serializers.FloatField()
    title_highlighted = serializers.CharField(source="title_html", help_text="HTML,检索词以 <mark> 标出")
    abstract_highlighted = serializers.CharField(source="abstract_html", help_text="HTML,摘要片段")


@extend_schema_serializer(many=False)  # the list action answers one object, not a list of them
class SearchResultsSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="匹配的专利数,最多计到 1000")
    count_capped = serializers.BooleanField(help_text="实际匹配数超过 count")
    words = serializers.ListField(child=serializers.CharField())
    results = SearchHitSerializer(many=True)


def _bounded(value: str | None, default: int, upper: int) -> int:
    try:
        return min(max(int(value), 0), upper)
    except (TypeError, ValueError):
        return default


class SearchViewSet(viewsets.ViewSet):
    """Chinese full-text search over title, abstract, inventors and patentees of the patents the
    caller may see. `q`: the words (all must match), or an application or patent number in any
    written form, or its first digits (the patents whose number starts with it, in number order);
    `limit` (≤ 100) and `offset` (≤ 1000) page the ranked hits. Answers `{"count", "count_capped",
    "words", "results"}` (`words`: the number looked up, for a number); without `q`, no results."""

    @extend_schema(
        parameters=[
            OpenApiParameter("q", OpenApiTypes.STR, description="检索词"),
            OpenApiParameter("limit", OpenApiTypes.INT, description="每页条数(≤100)"),
            OpenApiParameter("offset", OpenApiTypes.INT, description="跳过条数(≤1000)"),
        ],
        responses=SearchResultsSerializer,
    )
    def list(self, request, format=None):
        q = (request.query_params.get("q") or "").strip()[:200]
        limit = _bounded(request.query_params.get("limit"), 20, MAX_LIMIT)
        offset = _bounded(request.query_params.get("offset"), 0, MAX_OFFSET)
        results = search.search_results(request.user, q, limit=limit, offset=offset)
        # A number (CN201310291010.0, or its first digits) is looked up as the one term it is.
        words = [results.number] if results.number else search.query_words(q)
        return Response({
            "count": results.total,
            "count_capped": results.capped,
            "words": words,
            "results": SearchHitSerializer(results.hits, many=True).data,
        })
