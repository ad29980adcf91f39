"""API of the expert library: the platform and every province read the library (a province also
its own pending and rejected recommendations), with phones and e-mails through
evaluation.experts.privacy; an expert reads and changes their own profile at
/api/v1/experts/me/. Writes go through evaluation.experts.services; a broken rule answers 400
with the Chinese message per field, an object out of scope 404."""

import django_filters
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from evaluation.choices import ExpertStatus
from evaluation.experts import library, privacy, services
from evaluation.experts.models import Expert, Unavailability
from ground.api import ScopedViewSetMixin
from ground.filters import BoundedFilterSet


class ExpertSerializer(serializers.ModelSerializer):
    phone = serializers.SerializerMethodField(help_text="手机;平台和推荐省份可见全文,其他读者为掩码如 138****1234")
    email = serializers.SerializerMethodField(help_text="邮箱;平台和推荐省份可见全文,其他读者为掩码如 a***@x.com")
    industry_codes = serializers.ListField(child=serializers.CharField())
    ipc_prefixes = serializers.ListField(child=serializers.CharField())
    load = serializers.IntegerField(read_only=True, help_text="评价任务数(全部状态)")
    on_time_rate = serializers.SerializerMethodField(help_text="按时完成率(%),无到期任务时为 null")
    available_today = serializers.SerializerMethodField()

    class Meta:
        model = Expert
        fields = ["id", "name", "employer_name", "employer", "employer_credit_code", "title", "industry_codes",
                  "ipc_prefixes", "phone", "email", "recommending_province", "status", "decision_reason", "load",
                  "on_time_rate", "available_today", "created_at"]
        read_only_fields = fields

    def get_phone(self, expert: Expert) -> str:
        return privacy.contact(self.context["request"].user, expert)["phone"]

    def get_email(self, expert: Expert) -> str:
        return privacy.contact(self.context["request"].user, expert)["email"]

    def get_on_time_rate(self, expert: Expert) -> float | None:
        return library.on_time_rate(expert)

    def get_available_today(self, expert: Expert) -> bool:
        return not expert.unavailable_today


class AffiliationSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    credit_code = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")


class UnavailabilitySerializer(serializers.ModelSerializer):
    class Meta:
        model = Unavailability
        fields = ["id", "starts_on", "ends_on", "note"]


class ExpertProfileSerializer(serializers.ModelSerializer):
    """专家本人的信息:专业领域、其他任职单位和已知利益冲突由专家本人维护。"""

    industry_codes = serializers.ListField(child=serializers.CharField(max_length=8), required=False, max_length=30)
    ipc_prefixes = serializers.ListField(child=serializers.CharField(max_length=32), required=False, max_length=30)
    affiliations = AffiliationSerializer(many=True, required=False, max_length=services.AFFILIATIONS_MAX)
    declared_conflicts = serializers.CharField(max_length=services.CONFLICTS_MAX, required=False, allow_blank=True)
    unavailabilities = UnavailabilitySerializer(many=True, read_only=True)

    class Meta:
        model = Expert
        fields = ["id", "name", "employer_name", "title", "phone", "email", "recommending_province",
                  *services.PROFILE_FIELDS, "unavailabilities"]
        read_only_fields = ["name", "employer_name", "title", "phone", "email", "recommending_province"]


class ExpertFilterSet(BoundedFilterSet):
    q = django_filters.CharFilter(method="by_query", max_length=50, label="姓名或工作单位")
    industry = django_filters.CharFilter(method="by_query", max_length=8, label="产业代码")
    ipc = django_filters.CharFilter(method="by_query", max_length=32, label="IPC 分类号或前缀")
    province = django_filters.CharFilter(method="by_query", max_length=6, label="推荐省份代码")
    available = django_filters.BooleanFilter(method="by_query", label="今日可用")
    status = django_filters.ChoiceFilter(choices=ExpertStatus.choices)

    class Meta:
        model = Expert
        fields = ["q", "industry", "ipc", "province", "available", "status"]

    def by_query(self, queryset, name, value):
        # Applied once, for the library's filters together (evaluation.experts.library).
        if getattr(self, "_query_done", False):
            return queryset
        self._query_done = True
        data = self.form.cleaned_data
        query = library.LibraryQuery(text=data.get("q") or "", industry=data.get("industry") or "",
                                     ipc=data.get("ipc") or "", province=data.get("province") or "",
                                     available=bool(data.get("available")))
        return library.narrow(queryset, query)


class ExpertViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """专利评价专家库:平台读取全部条目,省级知识产权局读取已入库的专家和本省推荐的全部条目,专家读取本人条目。
    每个条目带评价任务数和按时完成率;手机和邮箱仅对平台和推荐省份显示全文,其他读者为掩码。
    `GET /api/v1/experts/me/` 读取、`PATCH` 修改本人的专业领域、其他任职单位和已知利益冲突(仅已入库的专家)。"""

    queryset = Expert.objects.select_related("recommending_province")
    serializer_class = ExpertSerializer
    filterset_class = ExpertFilterSet

    def get_queryset(self):
        if self.action == "me":
            return Expert.objects.none()
        return library.annotate_load(super().get_queryset())

    def _own(self) -> Expert:
        expert = services.own_entry(self.request.user)
        if expert is None:
            raise PermissionDenied(_("只有已入库的专家可以查看和修改本人的专家信息"))
        return expert

    @extend_schema(methods=["GET"], request=None, responses={200: ExpertProfileSerializer})
    @extend_schema(methods=["PATCH"], request=ExpertProfileSerializer, responses={200: ExpertProfileSerializer})
    @action(detail=False, methods=["get", "patch"], serializer_class=ExpertProfileSerializer, filterset_class=None,
            pagination_class=None)
    def me(self, request, format=None):
        expert = self._own()
        if request.method == "PATCH":
            form = ExpertProfileSerializer(expert, data=request.data, partial=True)
            form.is_valid(raise_exception=True)
            values = {**{name: getattr(expert, name) for name in services.PROFILE_FIELDS}, **form.validated_data}
            try:
                expert = services.update_own_profile(request.user, values, request=request)
            except services.ExpertError as error:
                raise ValidationError({name: [message] for name, message in error.errors.items()}) from None
            except DjangoPermissionDenied:
                raise PermissionDenied from None
        return Response(ExpertProfileSerializer(expert).data)


def register(router: DefaultRouter) -> None:
    """Register this area's viewsets on the project's router."""
    router.register("experts", ExpertViewSet, basename="expert")
