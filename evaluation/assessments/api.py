"""API of evaluations: read through `visible_to`; written by their evaluator through the services
(evaluation.assessments.services). `POST` starts a draft (an enterprise names a patent pushed to it
or in the library, an expert an accepted assignment), `PUT` / `PATCH` replace its values (all or
nothing: 400 with the Chinese message per field), `submit` and `withdraw` as the pages do. An
evaluation out of scope is 404; one whose state forbids the change (submitted, withdrawn) is 409."""

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from accounts.roles import Role, role_of
from evaluation.assessments import services
from evaluation.assessments.models import Evaluation
from evaluation.choices import NonConversionReason, Prospect
from evaluation.rounds.models import Assignment
from ground.api import IdField, ScopedViewSetMixin
from ground.api_schema import ApiErrorSerializer
from ground.filters import BoundedFilterSet
from matching.choices import CooperationMode


class ScoreSerializer(serializers.Serializer):
    indicator = IdField()
    score = serializers.DecimalField(max_digits=4, decimal_places=1)


class EvaluationSerializer(serializers.ModelSerializer):
    """An evaluation as its readers see it; `evaluator_name` is null for a reader it is not
    disclosed to (an institution, a ministry)."""

    evaluator_name = serializers.SerializerMethodField()
    system_version = serializers.IntegerField(source="system.version", read_only=True, allow_null=True)
    scores = serializers.SerializerMethodField()
    dimension_scores = serializers.DictField(child=serializers.FloatField(), read_only=True)
    comments = serializers.DictField(child=serializers.CharField(), read_only=True)
    cooperation_modes = serializers.ListField(child=serializers.ChoiceField(choices=CooperationMode.choices),
                                              read_only=True)
    reasons = serializers.ListField(child=serializers.ChoiceField(choices=NonConversionReason.choices),
                                    read_only=True)

    class Meta:
        model = Evaluation
        fields = ["id", "patent", "owner", "evaluator_kind", "evaluator_name", "round", "assignment", "push", "system",
                  "system_version", "status", "prospect", "improvement_needs", "cooperation_modes", "reasons",
                  "reason_other", "scores", "dimension_scores", "overall", "comments", "summary", "evaluated_on",
                  "created_at", "updated_at", "submitted_at", "withdrawn_at", "withdraw_reason"]
        read_only_fields = fields

    def get_evaluator_name(self, evaluation: Evaluation) -> str | None:
        request = self.context.get("request")
        if request is None or not services.discloses_evaluator(request.user, evaluation):
            return None
        return services.evaluator_label(request.user, evaluation)

    @extend_schema_field(ScoreSerializer(many=True))
    def get_scores(self, evaluation: Evaluation) -> list[dict]:
        return [{"indicator": s.indicator_id, "score": str(s.score)} for s in evaluation.scores.all()]


class StartSerializer(serializers.Serializer):
    """Start a draft: an enterprise names `patent`, an expert `assignment`."""

    patent = IdField(required=False)
    assignment = IdField(required=False)


class ValuesSerializer(serializers.Serializer):
    """A draft's values. `cooperation_modes` empty means 暂无; `reasons` answer 暂无 only; `scores`
    are 0–10 with one decimal, of the indicators of the evaluation's version."""

    prospect = serializers.ChoiceField(choices=Prospect.choices, required=False, allow_blank=True)
    improvement_needs = serializers.CharField(required=False, allow_blank=True, max_length=services.TEXT_MAX)
    cooperation_modes = serializers.ListField(child=serializers.ChoiceField(choices=CooperationMode.choices),
                                              required=False, max_length=4)
    reasons = serializers.ListField(child=serializers.ChoiceField(choices=NonConversionReason.choices),
                                    required=False, max_length=len(NonConversionReason.values))
    reason_other = serializers.CharField(required=False, allow_blank=True, max_length=services.REASON_MAX)
    scores = ScoreSerializer(many=True, required=False, max_length=200)
    comments = serializers.DictField(child=serializers.CharField(allow_blank=True, max_length=services.TEXT_MAX),
                                     required=False)
    summary = serializers.CharField(required=False, allow_blank=True, max_length=services.TEXT_MAX)


class WithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=services.REASON_MAX)


class EvaluationFilterSet(BoundedFilterSet):
    class Meta:
        model = Evaluation
        fields = ["status", "evaluator_kind"]


def _errors(error: services.EvaluationError) -> dict:
    return {("non_field_errors" if name == "__all__" else name): [message] for name, message in error.errors.items()}


class EvaluationViewSet(ScopedViewSetMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin,
                        viewsets.ReadOnlyModelViewSet):
    """Evaluations in scope: an enterprise's own, an expert's own, an institution the submitted
    evaluations of its patents, a province those of its rounds and parties, a ministry those of its
    institutions' patents, the platform all. Their evaluator starts, edits, submits and withdraws."""

    queryset = Evaluation.objects.select_related("system", "enterprise", "expert", "round").prefetch_related(
        "scores").order_by("-pk")
    serializer_class = EvaluationSerializer
    filterset_class = EvaluationFilterSet

    def _editable(self) -> Evaluation:
        evaluation = Evaluation.objects.editable_by(self.request.user).filter(pk=self.kwargs["pk"]).first()
        if evaluation is None:
            raise Http404
        return evaluation

    def _answer(self, evaluation: Evaluation, code: int = status.HTTP_200_OK) -> Response:
        evaluation = self.get_queryset().get(pk=evaluation.pk)
        return Response(EvaluationSerializer(evaluation, context=self.get_serializer_context()).data, status=code)

    @staticmethod
    def _conflict(error: services.EvaluationError) -> Response:
        return Response({"detail": str(error)}, status=status.HTTP_409_CONFLICT)

    @extend_schema(request=StartSerializer, responses={201: EvaluationSerializer, 400: ApiErrorSerializer})
    def create(self, request, *args, **kwargs):
        form = StartSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        role = role_of(request.user)
        try:
            if role == Role.ENTERPRISE and form.validated_data.get("patent"):
                patent = services.evaluable_patents(request.user).filter(pk=form.validated_data["patent"]).first()
                if patent is None:
                    raise ValidationError({"patent": [_("该专利既未推送给本企业,也不在专利转化资源库中,不能评价")]})
                evaluation = services.start_enterprise_evaluation(request.user, patent, request=request)
            elif role == Role.EXPERT and form.validated_data.get("assignment"):
                assignment = Assignment.objects.visible_to(request.user).select_related("expert", "patent", "round") \
                    .filter(pk=form.validated_data["assignment"]).first()
                evaluation = services.start_expert_evaluation(request.user, assignment, request=request)
            else:
                hint = _("企业请指定专利(patent),专家请指定评价任务(assignment)")
                raise ValidationError({"non_field_errors": [hint]})
        except services.EvaluationError as error:
            raise ValidationError(_errors(error)) from None
        return self._answer(evaluation, status.HTTP_201_CREATED)

    @extend_schema(request=ValuesSerializer, responses={200: EvaluationSerializer, 400: ApiErrorSerializer,
                                                        409: ApiErrorSerializer})
    def update(self, request, *args, **kwargs):
        evaluation = self._editable()
        form = ValuesSerializer(data=request.data, partial=kwargs.get("partial", False))
        form.is_valid(raise_exception=True)
        values = {**services.values_of(evaluation), **form.validated_data}
        if "scores" in form.validated_data:
            values["scores"] = {item["indicator"]: item["score"] for item in form.validated_data["scores"]}
        try:
            evaluation = services.update_draft(request.user, evaluation, values, request=request)
        except services.EvaluationError as error:
            if error.locked:
                return self._conflict(error)
            raise ValidationError(_errors(error)) from None
        return self._answer(evaluation)

    @extend_schema(request=None, responses={200: EvaluationSerializer, 400: ApiErrorSerializer,
                                            409: ApiErrorSerializer})
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None, format=None):
        evaluation = self._editable()
        try:
            evaluation = services.submit(request.user, evaluation, request=request)
        except services.EvaluationError as error:
            if error.locked:
                return self._conflict(error)
            raise ValidationError(_errors(error)) from None
        return self._answer(evaluation)

    @extend_schema(request=WithdrawSerializer, responses={200: EvaluationSerializer, 400: ApiErrorSerializer,
                                                          409: ApiErrorSerializer})
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None, format=None):
        evaluation = self._editable()
        form = WithdrawSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            evaluation = services.withdraw(request.user, evaluation, form.validated_data["reason"], request=request)
        except services.EvaluationError as error:
            if error.locked:
                return self._conflict(error)
            raise ValidationError(_errors(error)) from None
        return self._answer(evaluation)


def register(router: DefaultRouter) -> None:
    """Register this area's viewsets on the project's router."""
    router.register("evaluations", EvaluationViewSet, basename="evaluation")
