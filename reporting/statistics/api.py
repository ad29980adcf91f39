"""API of the quarterly statistics: the runs (quarters and their revisions), the figures of the
rows the reader may see (counts, rates, breakdowns, the definition version), and the platform's and
offices' actions (compute, publish with the bulletin, sign off). Refusals answer 400 with the Chinese
message; other provinces' or ministries' rows are never listed."""

from __future__ import annotations

import django_filters
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from accounts.roles import Role, role_of
from ground.api import KeysetPagination, ScopedViewSetMixin
from ground.api_schema import ApiErrorSerializer
from ground.filters import BoundedFilterSet
from ground.tasks import QueueUnavailable
from reporting.statistics import services
from reporting.statistics.compute import COUNT_FIELDS
from reporting.statistics.definitions import RATES, rate
from reporting.statistics.models import Bulletin, QuarterlyStat, ScopeKind, SignOff, StatRun
from reporting.statistics.quarters import QuarterError
from reporting.statistics.services import StatisticsError


def _refused(message: str) -> Response:
    return Response({"detail": message}, status=status.HTTP_400_BAD_REQUEST)


class BulletinSerializer(serializers.ModelSerializer):
    class Meta:
        model = Bulletin
        fields = ["title", "summary", "published_at"]
        read_only_fields = fields


class StatRunSerializer(serializers.ModelSerializer):
    class Meta:
        model = StatRun
        fields = ["id", "quarter", "revision", "status", "definition_version", "note", "computed_at", "seconds",
                  "published_at"]
        read_only_fields = fields


class SignOffSerializer(serializers.ModelSerializer):
    class Meta:
        model = SignOff
        fields = ["id", "run", "province", "organization", "note", "signed_at"]
        read_only_fields = fields


class QuarterlyStatSerializer(serializers.ModelSerializer):
    quarter = serializers.CharField(source="run.quarter", read_only=True)
    revision = serializers.IntegerField(source="run.revision", read_only=True)
    rates = serializers.SerializerMethodField(
        help_text="比率(百分数,一位小数);分母为 0 时为 null,显示为“—”")

    class Meta:
        model = QuarterlyStat
        fields = ["id", "run", "quarter", "revision", "definition_version", "scope", "province", "organization",
                  "ministry", *COUNT_FIELDS, "rates", "breakdown"]
        read_only_fields = fields

    def get_rates(self, obj: QuarterlyStat) -> dict[str, float | None]:
        return {figure.key: rate(getattr(obj, figure.numerator), getattr(obj, figure.denominator))
                for figure in RATES}


class StatRunFilterSet(BoundedFilterSet):
    quarter = django_filters.CharFilter()

    class Meta:
        model = StatRun
        fields = ["quarter", "status"]


class QuarterlyStatFilterSet(BoundedFilterSet):
    quarter = django_filters.CharFilter(field_name="run__quarter")
    scope = django_filters.ChoiceFilter(choices=ScopeKind.choices)
    province = django_filters.CharFilter(field_name="province_id")

    class Meta:
        model = QuarterlyStat
        fields = ["run", "quarter", "scope", "province", "organization", "ministry"]


class ComputeSerializer(serializers.Serializer):
    quarter = serializers.CharField(max_length=10, help_text="已结束的季度,如 2025Q4")
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class PublishSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    summary = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


class SignSerializer(serializers.Serializer):
    run = serializers.IntegerField(min_value=1, max_value=10**17, help_text="季度统计(版次)的 id")
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    province = serializers.CharField(max_length=6, required=False, allow_blank=True, default="",
                                     help_text="可不填;填写时必须是本省")
    ministry = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1,
                                        max_value=10**17, help_text="可不填;填写时必须是本部委")


class StatRunViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Quarters and their revisions: a draft until the platform publishes it (frozen); a correction
    of a published quarter is a new revision beside it."""

    queryset = StatRun.objects.order_by("-quarter", "-revision")
    serializer_class = StatRunSerializer
    filterset_class = StatRunFilterSet

    @extend_schema(request=ComputeSerializer, responses={202: None, 400: ApiErrorSerializer})
    @action(detail=False, methods=["post"])
    def compute(self, request, format=None):
        """Count an ended quarter for every scope (a task): a draft, or a correction of a published one."""
        if role_of(request.user) != Role.OPERATOR:  # refused before the body is read
            raise PermissionDenied("仅平台运营可以计算季度统计")
        form = ComputeSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            quarter = services.request_computation(form.validated_data["quarter"], user=request.user,
                                                   note=form.validated_data["note"])
        except QuarterError as error:
            return _refused(str(error))
        except QueueUnavailable:
            return Response({"detail": "任务队列暂时不可用,请稍后再试"}, status=status.HTTP_503_SERVICE_UNAVAILABLE)
        return Response({"quarter": str(quarter)}, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=PublishSerializer, responses={200: BulletinSerializer, 400: ApiErrorSerializer})
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None, format=None):
        """Publish (freeze) a draft with the national bulletin; ministries and provinces are notified."""
        if role_of(request.user) != Role.OPERATOR:
            raise PermissionDenied("仅平台运营可以发布季度统计")
        form = PublishSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            bulletin = services.publish(self.get_object(), user=request.user, **form.validated_data)
        except StatisticsError as error:
            return _refused(str(error))
        return Response(BulletinSerializer(bulletin).data)


class SignOffViewSet(ScopedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Sign-offs (签认): a provincial office or a ministry (its admin) signs off its own figures of a
    run; each reads its own sign-offs, the platform all of them."""

    queryset = SignOff.objects.order_by("-signed_at", "-id")
    serializer_class = SignOffSerializer

    @extend_schema(request=SignSerializer, responses={201: SignOffSerializer, 400: ApiErrorSerializer})
    def create(self, request, *args, **kwargs):
        form = SignSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        run = StatRun.objects.visible_to(request.user).filter(pk=data["run"]).first()
        if run is None:
            raise NotFound
        try:
            signoff = services.sign_off(run, user=request.user, note=data["note"],
                                        province=data["province"] or None, ministry=data["ministry"])
        except DjangoPermissionDenied:
            raise PermissionDenied("只有省级知识产权局和部委的管理员可以签认本单位的统计数据") from None
        except StatisticsError as error:
            return _refused(str(error))
        return Response(SignOffSerializer(signoff).data, status=status.HTTP_201_CREATED)


class QuarterlyStatPagination(KeysetPagination):
    ordering = "id"
    page_size = 100


class QuarterlyStatViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """The figures (DATA-STANDARD.md §8) of the scopes the reader may see: the platform every row; a
    ministry the nation, itself and its institutions; a province the nation, itself and its
    institutions; an institution the nation and itself."""

    queryset = QuarterlyStat.objects.select_related("run")
    serializer_class = QuarterlyStatSerializer
    filterset_class = QuarterlyStatFilterSet
    pagination_class = QuarterlyStatPagination


def register(router: DefaultRouter) -> None:
    """Registers the area's viewsets on the project's router."""
    router.register("statistics/runs", StatRunViewSet, basename="stat-run")
    router.register("statistics/figures", QuarterlyStatViewSet, basename="quarterly-stat")
    router.register("statistics/signoffs", SignOffViewSet, basename="stat-signoff")
