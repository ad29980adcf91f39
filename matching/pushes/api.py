"""/api/v1/pushes/: pushes in the reader's scope (an enterprise its own, an institution those of its
patents, a province its territory's, a ministry its institutions'), with the answers as actions
(view, dismiss, interest, request-evaluation) for the enterprise; /api/v1/push-responses/: per
pushed patent, the push, view, interest and dismissal counts; /api/v1/push-territory/: the
territory's counts by industry sector, institution and dismissal reason.

Field rule: the enterprise's id, name, contact and dismissal note are shown only to the enterprise
itself, the platform's operations staff, and the patent's institution where the enterprise's profile allows direct
contact (matching.pushes.services.discloses_enterprise); everyone else reads "某企业" and nulls.
"""

import django_filters
from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from accounts.roles import Role, role_of
from ground.api import KeysetPagination, ScopedViewSetMixin
from ground.api_schema import ApiErrorSerializer
from ground.filters import BoundedFilterSet, IntegerFilter
from matching.choices import DismissReason, PushStatus
from matching.pushes import services
from matching.pushes.models import Push
from matching.pushes.services import PushError


class ContactSerializer(serializers.Serializer):
    name = serializers.CharField()
    phone = serializers.CharField()
    email = serializers.CharField()


class PushSerializer(serializers.ModelSerializer):
    application_number = serializers.CharField(source="patent.application_number", read_only=True)
    title = serializers.CharField(source="patent.title", read_only=True)
    institution_name = serializers.CharField(source="institution.name", read_only=True)
    enterprise = serializers.SerializerMethodField(help_text="企业 id;仅企业本身、平台运营和获准直接联系的专利权人可见")
    enterprise_name = serializers.SerializerMethodField(help_text="企业名称;未获准时为“某企业”")
    contact = serializers.SerializerMethodField(
        help_text="企业联系方式:仅企业表达意向且允许机构直接联系时提供给专利权人")
    dismiss_note = serializers.SerializerMethodField()

    class Meta:
        model = Push
        fields = ["id", "patent", "application_number", "title", "institution", "institution_name", "enterprise",
                  "enterprise_name", "source", "score", "reasons", "status", "dismiss_reason", "dismiss_note",
                  "created_at", "viewed_at", "answered_at", "contact"]
        read_only_fields = fields

    def _disclosed(self, push: Push) -> bool:
        return services.discloses_enterprise(self.context["request"].user, push)

    def get_enterprise(self, push: Push) -> int | None:
        return push.enterprise_id if self._disclosed(push) else None

    def get_enterprise_name(self, push: Push) -> str:
        return services.enterprise_label(self.context["request"].user, push)

    def get_dismiss_note(self, push: Push) -> str:
        return push.dismiss_note if self._disclosed(push) else ""

    @extend_schema_field(ContactSerializer(allow_null=True))
    def get_contact(self, push: Push) -> dict | None:
        contact = services.enterprise_contact(self.context["request"].user, push)
        return None if contact is None else {"name": contact.name, "phone": contact.phone, "email": contact.email}


class PushFilterSet(BoundedFilterSet):
    status = django_filters.ChoiceFilter(choices=PushStatus.choices)
    unread = django_filters.BooleanFilter(field_name="viewed_at", lookup_expr="isnull", label="未读")
    patent = IntegerFilter(field_name="patent_id")

    class Meta:
        model = Push
        fields = ["status", "unread", "patent"]


class PushPagination(KeysetPagination):
    ordering = ("-created_at", "-id")
    page_size = 20
    max_page_size = 200


class DismissSerializer(serializers.Serializer):
    # Checked by the service (a Chinese message for an unknown code): the codes of DismissReason.
    reason = serializers.CharField(max_length=32, help_text="不感兴趣原因代码:" + "、".join(
        f"{value}({label})" for value, label in DismissReason.choices))
    note = serializers.CharField(max_length=services.MAX_NOTE_CHARS, required=False, allow_blank=True, default="")


class PushViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Pushes in the reader's scope, newest first (keyset pages). The enterprise answers its own
    pushes with the actions; another enterprise's push is 404; an answered push, or interest in a
    patent that has left the library, is 409 with the reason in Chinese, and nothing is written."""

    queryset = Push.objects.select_related("patent", "institution", "enterprise", "answered_by")
    serializer_class = PushSerializer
    filterset_class = PushFilterSet
    pagination_class = PushPagination

    def get_queryset(self):
        return services.with_disclosure(super().get_queryset())

    def _answer(self, call) -> Response:
        push = services.editable_push(self.request.user, self.kwargs["pk"])
        try:
            push = call(push)
        except PushError as error:
            code = status.HTTP_409_CONFLICT if error.conflict else status.HTTP_400_BAD_REQUEST
            return Response({"detail": error.message}, status=code)
        return self._shown(push.pk)

    def _shown(self, pk: int) -> Response:
        push = self.get_queryset().filter(pk=pk).first()
        if push is None:
            raise Http404
        return Response(self.get_serializer(push).data)

    @extend_schema(request=None, responses={200: PushSerializer})
    @action(detail=True, methods=["post"])
    def view(self, request, pk=None, format=None):
        """Mark the push viewed (its first viewing time; VIEWED if it was DELIVERED)."""
        push = services.editable_push(request.user, pk)
        services.mark_viewed(request.user, push)
        return self._shown(push.pk)

    @extend_schema(request=DismissSerializer, responses={200: PushSerializer, 409: ApiErrorSerializer})
    @action(detail=True, methods=["post"])
    def dismiss(self, request, pk=None, format=None):
        """不感兴趣, with a coded reason; the reason `other` needs a note."""
        services.editable_push(request.user, pk)
        form = DismissSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        return self._answer(lambda push: services.dismiss(request.user, push, form.validated_data["reason"],
                                                          form.validated_data["note"], request=request))

    @extend_schema(request=None, responses={200: PushSerializer, 409: ApiErrorSerializer})
    @action(detail=True, methods=["post"])
    def interest(self, request, pk=None, format=None):
        """有意向: the patent's institution hears of it (with the contact where the profile allows)."""
        return self._answer(lambda push: services.express_interest(request.user, push, request=request))

    @extend_schema(request=None, responses={200: PushSerializer, 409: ApiErrorSerializer})
    @action(detail=True, methods=["post"], url_path="request-evaluation")
    def request_evaluation(self, request, pk=None, format=None):
        """申请评价: the evaluation stage picks the push up."""
        return self._answer(lambda push: services.request_evaluation(request.user, push, request=request))


COUNTS = {name: serializers.IntegerField() for name in services.RESPONSE_COUNTS}


class PatentResponseSerializer(serializers.Serializer):
    patent = serializers.IntegerField(source="patent_id")
    title = serializers.CharField(source="patent__title")
    application_number = serializers.CharField(source="patent__application_number")
    last_push = serializers.DateTimeField()
    pushes = serializers.IntegerField()
    views = serializers.IntegerField()
    interests = serializers.IntegerField()
    evaluations = serializers.IntegerField()
    dismissals = serializers.IntegerField()


class ResponsesPagination(KeysetPagination):
    ordering = ("-last_push", "-patent_id")
    page_size = 50
    max_page_size = 200


class ReadsResponses:
    """The institution's staff and the platform's operations staff read the responses to its patents."""

    roles = (Role.INSTITUTION, Role.OPERATOR)

    def check_permissions(self, request) -> None:
        super().check_permissions(request)
        if role_of(request.user) not in self.roles:
            raise PermissionDenied("仅专利权人(高校和科研机构)和平台运营可查看推送反馈")


class PatentResponseViewSet(ReadsResponses, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Per pushed patent of the institution (a department's staff: their department's): pushes,
    views, interests, evaluation requests and dismissals, most recently pushed first; one grouped
    query per page. Who answered: /api/v1/pushes/?patent=<id> (enterprise names only where allowed)."""

    serializer_class = PatentResponseSerializer
    pagination_class = ResponsesPagination
    filter_backends: list = []

    def get_queryset(self):
        rows = services.patent_responses(self.request.user)
        patent = self.request.query_params.get("patent", "")
        if patent:
            if not patent.isdigit() or len(patent) > 18:
                raise ValidationError({"patent": ["专利 id 须为正整数"]})
            rows = rows.filter(patent_id=int(patent))
        return rows


class TerritoryViewSet(viewsets.ViewSet):
    """The pushes of the reader's territory (a province: its enterprises' and institutions'; a
    ministry: its institutions'; the platform: all): totals, and counts by industry sector, by
    institution (the 50 with most pushes) and by dismissal reason."""

    answers_one_object = True  # one summary, not a list of rows (ground.api_schema)

    def list(self, request, format=None):
        if role_of(request.user) not in (Role.PROVINCE, Role.MINISTRY, Role.OPERATOR):
            raise PermissionDenied("仅省级知识产权局、部委和平台运营可查看辖区推送情况")
        data = services.territory_breakdown(request.user)
        return Response({
            "totals": data["totals"],
            "sectors": data["sectors"],
            "institutions": [{"institution": r["institution_id"], "name": r["institution__name"],
                              **{key: r[key] for key in services.RESPONSE_COUNTS}} for r in data["institutions"]],
            "reasons": [{"reason": r["dismiss_reason"], "count": r["n"]} for r in data["reasons"]],
        })


TerritoryViewSet.list = extend_schema(responses={200: inline_serializer("PushTerritory", {
    "totals": inline_serializer("PushTotals", COUNTS),
    "sectors": inline_serializer("PushSectorCounts", {
        "sector": serializers.CharField(allow_null=True, help_text="战略性新兴产业代码的产业(两位),无行业为 null"),
        **COUNTS}, many=True),
    "institutions": inline_serializer("PushInstitutionCounts", {
        "institution": serializers.IntegerField(), "name": serializers.CharField(), **COUNTS}, many=True),
    "reasons": inline_serializer("PushDismissalReasonCount", {
        "reason": serializers.CharField(allow_blank=True), "count": serializers.IntegerField()}, many=True),
})})(TerritoryViewSet.list)


def register(router: DefaultRouter) -> None:
    router.register("pushes", PushViewSet, basename="push")
    router.register("push-responses", PatentResponseViewSet, basename="push-response")
    router.register("push-territory", TerritoryViewSet, basename="push-territory")
