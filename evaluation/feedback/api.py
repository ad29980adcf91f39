"""API of the feedback loop: the institutions' answers to evaluations (read through `visible_to`;
created by the owning institution through evaluation.feedback.services, which refuses an
evaluation outside its scope, a withdrawn or draft one, and contact where the enterprise did not
agree, with the reason in Chinese), and the summaries per patent of the submitted evaluations in
the user's scope, one patent's with `?patent=<id>` (registered by evaluation/api_routes.py)."""

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from accounts.roles import Role, role_of
from evaluation.choices import FeedbackAction
from evaluation.feedback import services
from evaluation.feedback.models import FeedbackAnswer
from ground.api import NotesBulkReads, ScopedViewSetMixin
from ground.api_schema import ApiErrorSerializer

ID_MAX = 10**18 - 1


class FeedbackAnswerSerializer(serializers.ModelSerializer):
    evaluation = serializers.IntegerField(source="evaluation_id", min_value=1, max_value=ID_MAX)
    action = serializers.ChoiceField(choices=FeedbackAction.choices)
    note = serializers.CharField(max_length=services.NOTE_MAX, required=False, allow_blank=True, default="")
    patent = serializers.IntegerField(source="evaluation.patent_id", read_only=True)
    application_number = serializers.CharField(source="evaluation.patent.application_number", read_only=True)

    class Meta:
        model = FeedbackAnswer
        fields = ["id", "evaluation", "patent", "application_number", "action", "note", "created_at"]
        read_only_fields = ["created_at"]


class FeedbackCountSerializer(serializers.Serializer):
    label = serializers.CharField()
    count = serializers.IntegerField()


class FeedbackDimensionMeanSerializer(serializers.Serializer):
    name = serializers.CharField()
    mean = serializers.FloatField(allow_null=True)


class FeedbackSummarySerializer(serializers.Serializer):
    """One patent's submitted evaluations in the user's scope, summed up."""

    patent = serializers.IntegerField(source="patent_id")
    application_number = serializers.CharField(source="patent__application_number")
    title = serializers.CharField(source="patent__title")
    evaluations = serializers.IntegerField()
    enterprises = serializers.IntegerField()
    experts = serializers.IntegerField()
    overall_mean = serializers.FloatField(allow_null=True)
    dimension_means = serializers.SerializerMethodField()
    prospects = serializers.SerializerMethodField()
    cooperation_modes = serializers.SerializerMethodField(method_name="get_modes")
    reasons = serializers.SerializerMethodField()
    improvement_needs = serializers.ListField(child=serializers.CharField())

    @staticmethod
    def _counts(pairs) -> list[dict]:
        return [{"label": str(label), "count": count} for label, count in pairs]

    @extend_schema_field(FeedbackDimensionMeanSerializer(many=True))
    def get_dimension_means(self, summary) -> list[dict]:
        return [{"name": name, "mean": mean} for name, mean in summary["dimension_means"]]

    @extend_schema_field(FeedbackCountSerializer(many=True))
    def get_prospects(self, summary) -> list[dict]:
        return self._counts(summary["prospects"])

    @extend_schema_field(FeedbackCountSerializer(many=True))
    def get_modes(self, summary) -> list[dict]:
        return self._counts(summary["modes"])

    @extend_schema_field(FeedbackCountSerializer(many=True))
    def get_reasons(self, summary) -> list[dict]:
        return self._counts(summary["reasons"])


class SummaryPagination(NotesBulkReads, PageNumberPagination):
    """Pages of summaries (a grouped query has no key to keep a cursor on)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class FeedbackAnswerViewSet(ScopedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """The institutions' answers to evaluations: whoever sees an evaluation reads its answers (an
    enterprise, those to its own evaluations). An institution answers a submitted evaluation of its
    patent (`POST {"evaluation": id, "action": "improve" | "joint_rd" | "contact", "note": ...}`):
    a refusal answers 400 with the reason in Chinese."""

    queryset = FeedbackAnswer.objects.select_related("evaluation__patent")
    serializer_class = FeedbackAnswerSerializer

    @extend_schema(responses={201: FeedbackAnswerSerializer, 400: ApiErrorSerializer, 403: ApiErrorSerializer})
    def create(self, request, *args, **kwargs):
        if role_of(request.user) != Role.INSTITUTION:
            raise PermissionDenied(_("只有专利权人机构可以答复评价"))
        form = self.get_serializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        try:
            created = services.answer(request.user, data["evaluation_id"], data["action"], data.get("note", ""),
                                      request=request)
        except services.FeedbackError as error:
            raise ValidationError({"evaluation": [error.message]}) from None
        return Response(self.get_serializer(created).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[OpenApiParameter("patent", OpenApiTypes.INT, OpenApiParameter.QUERY, required=False,
                                     description="Only this patent (its id)")],
        responses={200: FeedbackSummarySerializer(many=True), 400: ApiErrorSerializer})
    @action(detail=False, methods=["get"], pagination_class=SummaryPagination, filter_backends=[])
    def summaries(self, request, format=None):
        """Per patent, over the submitted evaluations in the user's scope (an institution: of its
        patents): counts by kind, mean overall and dimension scores, prospects, cooperation
        intents, coded reasons and the improvement needs; newest evaluated patent first.
        `?patent=<id>` gives one patent's summary (none when the user sees no evaluation of it)."""
        evaluations = services.feedback_evaluations(request.user)
        dimensions = services.dimension_labels()
        rows = services.patent_summaries(evaluations, dimensions)
        raw = request.query_params.get("patent")
        if raw is not None:
            if not raw.isdigit() or len(raw) > 18:
                raise ValidationError({"patent": [_("请给出专利的编号")]})
            rows = rows.filter(patent_id=int(raw))
        page = self.paginate_queryset(rows)
        described = services.describe(list(page), evaluations, dimensions)
        return self.get_paginated_response(FeedbackSummarySerializer(described, many=True).data)


def register(router: DefaultRouter) -> None:
    """Register this area's viewsets on the project's router."""
    router.register("evaluation-feedback", FeedbackAnswerViewSet, basename="evaluation-feedback")
