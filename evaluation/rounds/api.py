"""API of expert evaluation's rounds (registered by evaluation/api_routes.py).

- /api/v1/evaluation-rounds/: the rounds a province runs (the operator: all), with their progress;
  a province creates one (POST) and draws its experts (POST …/draw/).
- /api/v1/assignments/: an expert's assignments (nothing of the patent before the declaration:
  `patent` is null until then), a province's in its rounds; the expert declares (…/declare/),
  declines (…/decline/) or recuses (…/recuse/); the province reassigns (…/reassign/).
- /api/v1/expert-requests/: an enterprise's requests for expert evaluation (POST to ask), a
  province's of its enterprises and about its institutions' patents. The enterprise's name is
  shown to itself, the operator and its own province; "某企业" to anyone else.

Refusals answer 400 (bad input) or 409 (the object's state forbids it) with the reason in Chinese.
"""

import django_filters
from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from accounts.roles import Role, role_of
from evaluation.choices import AssignmentStatus, RoundStatus
from evaluation.rounds import services
from evaluation.rounds.models import Assignment, EvaluationRound, ExpertRequest
from evaluation.rounds.services import RoundError
from evaluation.rounds.views import enterprise_label
from ground.api import KeysetPagination, ScopedViewSetMixin
from ground.api_schema import ApiErrorSerializer
from ground.filters import BoundedFilterSet, IntegerFilter
from inventory.models import Patent
from matching.models import Push


def _refused(error: RoundError) -> Response:
    code = status.HTTP_409_CONFLICT if error.conflict else status.HTTP_400_BAD_REQUEST
    return Response({"detail": error.message}, status=code)


# Rounds ---------------------------------------------------------------------------------------------


class ProgressSerializer(serializers.Serializer):
    patents = serializers.IntegerField()
    active = serializers.IntegerField(help_text="有效任务数(不含回避、谢绝)")
    submitted = serializers.IntegerField()
    percent = serializers.IntegerField()
    overdue = serializers.IntegerField()
    by_status = serializers.DictField(child=serializers.IntegerField(), help_text="按任务状态计数")


class RoundSerializer(serializers.ModelSerializer):
    organiser_name = serializers.CharField(source="organiser.name", read_only=True)
    progress = serializers.SerializerMethodField()

    class Meta:
        model = EvaluationRound
        fields = ["id", "title", "organiser", "organiser_name", "experts_per_patent", "due_on", "status",
                  "created_at", "progress"]
        read_only_fields = fields

    @extend_schema_field(ProgressSerializer)
    def get_progress(self, obj: EvaluationRound) -> dict:
        if not hasattr(obj, "progress"):
            services.attach_progress([obj])
        return obj.progress


class RoundCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=services.MAX_TITLE)
    due_on = serializers.DateField()
    experts_per_patent = serializers.IntegerField(min_value=services.MIN_EXPERTS, max_value=services.MAX_EXPERTS)
    application_numbers = serializers.ListField(child=serializers.CharField(max_length=40), required=False,
                                                default=list, max_length=services.MAX_ROUND_PATENTS,
                                                help_text="本省高校和科研机构专利的申请号")
    request_ids = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=10**17),
                                        required=False, default=list, max_length=services.MAX_ROUND_PATENTS,
                                        help_text="纳入评价的企业专家评价申请 id")


class RoundFilterSet(BoundedFilterSet):
    status = django_filters.ChoiceFilter(choices=RoundStatus.choices)

    class Meta:
        model = EvaluationRound
        fields = ["status"]


class RoundPagination(KeysetPagination):
    ordering = ("-created_at", "-id")
    page_size = 20
    max_page_size = 100


class RoundViewSet(ScopedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Evaluation rounds with their progress: a province its own, the platform's operations staff
    all. A province creates a round (DRAFT) and draws its experts (…/draw/: too few qualified experts
    for a patent is 400, with how many were found and why the others failed; nothing is written)."""

    queryset = EvaluationRound.objects.select_related("organiser")
    serializer_class = RoundSerializer
    filterset_class = RoundFilterSet
    pagination_class = RoundPagination

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        # The progress of a whole page in three grouped queries, not three per round.
        return services.attach_progress(list(page)) if page is not None else None

    def _shown(self, pk: int) -> Response:
        found = self.get_queryset().filter(pk=pk).first()
        if found is None:
            raise Http404
        return Response(self.get_serializer(found).data)

    @extend_schema(request=RoundCreateSerializer, responses={201: RoundSerializer, 400: ApiErrorSerializer})
    def create(self, request, *args, **kwargs):
        if role_of(request.user) != Role.PROVINCE:
            raise PermissionDenied("仅省级知识产权局可以组织专家评价")
        form = RoundCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        try:
            made = services.create_round(request.user, services.RoundInput(
                title=data["title"], due_on=data["due_on"], experts_per_patent=data["experts_per_patent"],
                application_numbers=tuple(data["application_numbers"]), request_ids=tuple(data["request_ids"])),
                request=request)
        except RoundError as error:
            return _refused(error)
        response = self._shown(made.pk)
        response.status_code = status.HTTP_201_CREATED
        return response

    @extend_schema(request=None, responses={200: RoundSerializer, 400: ApiErrorSerializer, 409: ApiErrorSerializer})
    @action(detail=True, methods=["post"])
    def draw(self, request, pk=None, format=None):
        """随机抽取 the experts of every patent of a round in preparation."""
        found = services.editable_round(request.user, pk)
        try:
            services.draw_round(request.user, found, request=request)
        except RoundError as error:
            return _refused(error)
        return self._shown(found.pk)


# Assignments ------------------------------------------------------------------------------------------


class AssignedPatentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Patent
        fields = ["id", "application_number", "title", "patent_type", "application_date", "main_ipc", "ipc_codes",
                  "inventors", "patentees", "abstract"]
        read_only_fields = fields


class AssignmentSerializer(serializers.ModelSerializer):
    round_title = serializers.CharField(source="round.title", read_only=True)
    organiser_name = serializers.CharField(source="round.organiser.name", read_only=True)
    expert_id = serializers.IntegerField(read_only=True)
    expert_name = serializers.CharField(source="expert.name", read_only=True)
    patent = serializers.SerializerMethodField(
        help_text="专利信息:专家声明无利益冲突前为 null;组织单位和平台运营始终可见")

    class Meta:
        model = Assignment
        fields = ["id", "round", "round_title", "organiser_name", "expert_id", "expert_name", "due_on", "status",
                  "declared_at", "closed_reason", "replaces", "reminded_at", "created_at", "submitted_at", "patent"]
        read_only_fields = fields

    @extend_schema_field(AssignedPatentSerializer(allow_null=True))
    def get_patent(self, obj: Assignment) -> dict | None:
        if role_of(self.context["request"].user) == Role.EXPERT and not services.patent_open(obj):
            return None
        return AssignedPatentSerializer(obj.patent).data


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=services.MAX_REASON)


class ReassignSerializer(ReasonSerializer):
    expert_id = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=10**17,
                                         help_text="指定的专家 id;不填则重新随机抽取")


class AssignmentFilterSet(BoundedFilterSet):
    status = django_filters.ChoiceFilter(choices=AssignmentStatus.choices)
    round = IntegerFilter(field_name="round_id")

    class Meta:
        model = Assignment
        fields = ["status", "round"]


class AssignmentPagination(KeysetPagination):
    ordering = ("due_on", "id")
    page_size = 50
    max_page_size = 200


class AssignmentViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Assignments: the assigned experts read their own (the patent is null until they declare no
    conflict), a province those of its rounds, the platform's operations staff all. Closing one
    (recusal, decline, reassignment) draws a replacement; the answer is the closed assignment."""

    queryset = Assignment.objects.select_related("round", "round__organiser", "expert", "patent")
    serializer_class = AssignmentSerializer
    filterset_class = AssignmentFilterSet
    pagination_class = AssignmentPagination

    def _act(self, call) -> Response:
        assignment = services.editable_assignment(self.request.user, self.kwargs["pk"])
        try:
            call(assignment)
        except RoundError as error:
            return _refused(error)
        found = self.get_queryset().filter(pk=assignment.pk).first()
        if found is None:
            raise Http404
        return Response(self.get_serializer(found).data)

    def _expert_only(self) -> None:
        if role_of(self.request.user) != Role.EXPERT:
            raise PermissionDenied("仅被分配的评价专家可以操作")

    @extend_schema(request=None, responses={200: AssignmentSerializer, 409: ApiErrorSerializer})
    @action(detail=True, methods=["post"])
    def declare(self, request, pk=None, format=None):
        """声明无利益冲突: the patent opens (a conflict detected now recuses instead)."""
        self._expert_only()
        return self._act(lambda a: services.declare(request.user, a, request=request))

    @extend_schema(request=ReasonSerializer, responses={200: AssignmentSerializer, 400: ApiErrorSerializer,
                                                        409: ApiErrorSerializer})
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None, format=None):
        """谢绝, with a reason (before the declaration only)."""
        self._expert_only()
        services.editable_assignment(request.user, pk)
        form = ReasonSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        return self._act(lambda a: services.decline(request.user, a, form.validated_data["reason"], request=request))

    @extend_schema(request=ReasonSerializer, responses={200: AssignmentSerializer, 400: ApiErrorSerializer,
                                                        409: ApiErrorSerializer})
    @action(detail=True, methods=["post"])
    def recuse(self, request, pk=None, format=None):
        """回避: the assigned experts declare a conflict of interest, with what it is."""
        self._expert_only()
        services.editable_assignment(request.user, pk)
        form = ReasonSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        return self._act(lambda a: services.recuse(request.user, a, form.validated_data["reason"], request=request))

    @extend_schema(request=ReassignSerializer, responses={200: AssignmentSerializer, 400: ApiErrorSerializer,
                                                          409: ApiErrorSerializer})
    @action(detail=True, methods=["post"])
    def reassign(self, request, pk=None, format=None):
        """重新分配 by the province running the round: to the experts named by expert_id, or by a new draw."""
        if role_of(request.user) != Role.PROVINCE:
            raise PermissionDenied("仅组织评价的省级知识产权局可以重新分配")
        services.editable_assignment(request.user, pk)
        form = ReassignSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        return self._act(lambda a: services.reassign(request.user, a, form.validated_data["reason"],
                                                     expert_id=form.validated_data.get("expert_id"), request=request))


# Requests -------------------------------------------------------------------------------------------


class ExpertRequestSerializer(serializers.ModelSerializer):
    application_number = serializers.CharField(source="patent.application_number", read_only=True)
    title = serializers.CharField(source="patent.title", read_only=True)
    enterprise = serializers.SerializerMethodField(help_text="企业 id;仅企业本身、本省知识产权局和平台运营可见")
    enterprise_name = serializers.SerializerMethodField(help_text="企业名称;其他读者为“某企业”")

    class Meta:
        model = ExpertRequest
        fields = ["id", "patent", "application_number", "title", "enterprise", "enterprise_name", "push", "note",
                  "created_at"]
        read_only_fields = fields

    def _named(self, obj: ExpertRequest) -> bool:
        return enterprise_label(self.context["request"].user, obj) == obj.enterprise.name

    def get_enterprise(self, obj: ExpertRequest) -> int | None:
        return obj.enterprise_id if self._named(obj) else None

    def get_enterprise_name(self, obj: ExpertRequest) -> str:
        return enterprise_label(self.context["request"].user, obj)


class ExpertRequestCreateSerializer(serializers.Serializer):
    patent = serializers.IntegerField(min_value=1, max_value=10**17, required=False,
                                      help_text="专利转化资源库中的专利 id(与 push 二选一)")
    push = serializers.IntegerField(min_value=1, max_value=10**17, required=False, help_text="推送给本企业的推送 id")
    note = serializers.CharField(max_length=services.MAX_REASON, required=False, allow_blank=True, default="")

    def validate(self, attrs: dict) -> dict:
        if not attrs.get("patent") and not attrs.get("push"):
            raise serializers.ValidationError("请指定专利或推送")
        return attrs


class ExpertRequestViewSet(ScopedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Requests for evaluation by experts: an enterprise's own (it asks with POST: a push of its own,
    or a patent of the conversion resource library), a province's, an institution's about its
    patents, the platform's operations staff all."""

    queryset = ExpertRequest.objects.select_related("enterprise", "patent")
    serializer_class = ExpertRequestSerializer
    pagination_class = RoundPagination

    @extend_schema(request=ExpertRequestCreateSerializer,
                   responses={201: ExpertRequestSerializer, 400: ApiErrorSerializer, 409: ApiErrorSerializer})
    def create(self, request, *args, **kwargs):
        if role_of(request.user) != Role.ENTERPRISE:
            raise PermissionDenied("仅企业可以申请专家评价")
        form = ExpertRequestCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        push = None
        if form.validated_data.get("push"):
            push = Push.objects.visible_to(request.user).filter(pk=form.validated_data["push"]).first()
            if push is None:
                raise Http404
            patent = push.patent
        else:
            patent = Patent.objects.visible_to(request.user).filter(pk=form.validated_data["patent"]).first()
            if patent is None:
                raise Http404
        try:
            made = services.request_expert_evaluation(request.user, patent, push=push,
                                                      note=form.validated_data["note"], request=request)
        except RoundError as error:
            return _refused(error)
        found = self.get_queryset().get(pk=made.pk)
        return Response(self.get_serializer(found).data, status=status.HTTP_201_CREATED)


def register(router: DefaultRouter) -> None:
    """Register this area's viewsets on the project's router."""
    router.register("evaluation-rounds", RoundViewSet, basename="evaluation-round")
    router.register("assignments", AssignmentViewSet, basename="assignment")
    router.register("expert-requests", ExpertRequestViewSet, basename="expert-request")
