"""The pull API of the province data interface (DATA-STANDARD.md §9):

    GET /api/v1/province-feed/?cursor=<opaque>&limit=<1..FEED_PULL_MAX_LIMIT>

answers `{"records": [{"kind", "op", "data"}], "next_cursor", "has_more"}`. A provincial office reads
its own province's feed (with an API token of its account: `Authorization: Token pn_…`); the
platform operator names the province with `?province=<code>`; every other role is refused (403),
another province's feed is 404. No cursor starts from the beginning; a cursor the feed did not hand
out answers 400 with the reason in Chinese. Each call is one audit event (feed.pull).
"""

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from accounts.models import Province
from accounts.roles import Role, role_of
from ground.api_schema import ApiErrorSerializer
from reporting.feeds import services
from reporting.feeds.models import Op, RecordKind

READERS = (Role.PROVINCE, Role.OPERATOR)


class FeedRecordSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=RecordKind.choices)
    op = serializers.ChoiceField(choices=Op.choices)
    data = serializers.JSONField(help_text="§9 的专利或评价记录;删除(op=delete)只含记录标识")


class FeedPageSerializer(serializers.Serializer):
    records = FeedRecordSerializer(many=True)
    next_cursor = serializers.CharField(help_text="下一次请求的 cursor")
    has_more = serializers.BooleanField()


class ProvinceFeedViewSet(viewsets.ViewSet):
    """A province's feed from a cursor: the same cursor always gives the same records in the same
    order; deletions travel as tombstones (op=delete)."""

    answers_one_object = True

    @extend_schema(
        parameters=[
            OpenApiParameter("cursor", OpenApiTypes.STR, description="上一次应答的 next_cursor;不带则从头读取"),
            OpenApiParameter("limit", OpenApiTypes.INT, description="每页记录数,1 至 FEED_PULL_MAX_LIMIT"),
            OpenApiParameter("province", OpenApiTypes.STR, description="省份代码(仅平台运营人员使用)"),
        ],
        responses={200: FeedPageSerializer, 400: ApiErrorSerializer, 403: ApiErrorSerializer,
                   404: ApiErrorSerializer},
    )
    def list(self, request, format=None):
        role = role_of(request.user)
        if role not in READERS:
            raise PermissionDenied(_("只有省级知识产权局和平台运营人员可以读取省级数据接口"))
        code = (request.query_params.get("province") or "").strip()
        if code and not Province.objects.filter(code=code).exists():
            raise ValidationError({"province": [_("省份代码 %(code)s 不存在") % {"code": code[:20]}]})
        if not code:
            if role == Role.OPERATOR:
                raise ValidationError({"province": [_("平台运营人员请用 province 参数指定省份代码")]})
            code = request.user.organization.province_id
        try:
            page = services.pull_page(request.user, code, request.query_params.get("cursor"),
                                      request.query_params.get("limit"), request=request)
        except services.FeedError as error:
            raise ValidationError({"cursor": [str(error)]}) from None
        return Response({"records": page.records, "next_cursor": page.next_cursor, "has_more": page.has_more})


def register(router: DefaultRouter) -> None:
    """Registers the area's viewsets on the project's router."""
    router.register("province-feed", ProvinceFeedViewSet, basename="province-feed")
