"""The workbench in the API: patents filtered as on the page (inventory.workbench.query), a
record's assessment changed with PATCH (through inventory.records.assessment.update_assessment), and bulk
actions (inventory.workbench.bulk)."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from accounts.roles import role_of
from ground.api import IdField
from inventory.api import InventoryRecordSerializer, InventoryRecordViewSet, PatentViewSet
from inventory.choices import Disposal, Intent
from inventory.models import InventoryChange, InventoryRecord
from inventory.records import ASSESSMENT_FIELDS, INDUSTRIES, AssessmentError, update_assessment
from inventory.workbench import bulk
from inventory.workbench.query import apply_filters, parse_filters

# Filters the patents endpoint already has under the same name (PatentFilterSet).
_FILTERSET_PARAMS = {"type", "grant_year", "ipc", "in_library"}
WORKBENCH_PARAMETERS = [
    OpenApiParameter("scope", str, enum=["inventory", "lead"],
                     description="范围:inventory 盘点范围(第一权利人为用户所属或所管单位、已授权的有效专利),"
                                 "lead 第一权利人为这些单位的全部专利(含失效)"),
    OpenApiParameter("status", str, enum=["pending", "inventoried"], description="盘点状态"),
    OpenApiParameter("review", str, description="审核状态 draft/submitted/department_reviewed/approved/returned"),
    OpenApiParameter("industry", str, description="战略性新兴产业代码;大类代码(如 1)含其子类"),
    OpenApiParameter("field", int, description="WIPO 技术领域编号 1–35"),
    OpenApiParameter("maturity", int, description="技术成熟度 1–9"),
    OpenApiParameter("prospect", str, enum=["good", "fair", "poor"], description="产业化前景"),
    OpenApiParameter("screening", str, enum=["in", "out"], description="是否入库"),
    OpenApiParameter("intent", str, enum=list(Intent.values), description="转化意愿(包含)"),
    OpenApiParameter("implemented", str, enum=["yes", "no"], description="是否已实施"),
    OpenApiParameter("sleeping", str, enum=["yes", "no"], description="沉睡专利"),
    OpenApiParameter("department", int, description="二级单位编号"),
    OpenApiParameter("q", str, description="关键词(名称、摘要、发明人、专利权人)"),
]


@extend_schema(parameters=WORKBENCH_PARAMETERS)
class WorkbenchPatentViewSet(PatentViewSet):
    """Patents in the user's scope, with the filters of the workbench page besides those of the
    patents list: scope, status, review, industry, field, maturity, prospect, screening, intent,
    implemented, sleeping, department, q."""

    def get_queryset(self):
        queryset = super().get_queryset()
        if getattr(self, "action", None) != "list":
            return queryset
        filters = parse_filters({k: v for k, v in self.request.query_params.items() if k not in _FILTERSET_PARAMS})
        if filters.errors:
            raise ValidationError(filters.errors)
        return apply_filters(queryset, filters.values, user=self.request.user)


class AssessmentSerializer(serializers.ModelSerializer):
    """The assessment fields a PATCH may set (the inventory format's, DATA-STANDARD.md §3)."""

    intents = serializers.ListField(child=serializers.ChoiceField(choices=Intent.choices), required=False)
    industry_codes = serializers.ListField(
        child=serializers.ChoiceField(choices=sorted(INDUSTRIES)), required=False)
    field_numbers = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=35), required=False)
    maturity = serializers.IntegerField(min_value=1, max_value=9, required=False, allow_null=True)
    disposal = serializers.ChoiceField(choices=Disposal.choices, allow_blank=True, required=False)

    class Meta:
        model = InventoryRecord
        fields = list(ASSESSMENT_FIELDS)
        extra_kwargs = {name: {"required": False} for name in ASSESSMENT_FIELDS}


class BulkSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=list(bulk.ACTIONS))
    value = serializers.JSONField(required=False, allow_null=True,
                                  help_text="screen_in / set_intent: 转化意愿列表;set_prospect: good/fair/poor")
    ids = serializers.ListField(child=IdField(), required=False, allow_null=True,
                                help_text="盘点记录编号;不给时须给 filter")
    filter = serializers.DictField(child=serializers.CharField(allow_blank=True), required=False, allow_null=True,
                                   help_text="与工作台相同的筛选参数,如 {\"status\": \"pending\", \"ipc\": \"G06F\"}")


BulkAnswer = inline_serializer("BulkResult", {
    "selected": serializers.IntegerField(), "changed": serializers.IntegerField(),
    "refused": serializers.IntegerField()})


class WorkbenchInventoryRecordViewSet(InventoryRecordViewSet):
    """Inventory records (the institutions' assessments) in the user's scope. The lead institution
    changes a record's assessment with `PATCH` (the §3 rules apply: 400 with each field's message)
    and acts on many with `POST …/bulk/`."""

    @extend_schema(request=AssessmentSerializer, responses={200: InventoryRecordSerializer})
    def partial_update(self, request, pk=None, format=None):
        record = self.get_object()
        if not InventoryRecord.objects.editable_by(request.user).filter(pk=record.pk).exists():
            raise PermissionDenied(_("只有第一专利权人单位可以修改该专利的盘点信息"))
        form = AssessmentSerializer(data=request.data, partial=True)
        form.is_valid(raise_exception=True)
        try:
            update_assessment(actor=request.user, record=record, values=form.validated_data,
                              source=InventoryChange.Source.API, request=request)
        except AssessmentError as error:
            raise ValidationError({name or "non_field_errors": [message]
                                   for name, message in error.errors.items()}) from None
        record.refresh_from_db()
        return Response(InventoryRecordSerializer(record, context=self.get_serializer_context()).data)

    @extend_schema(request=BulkSerializer, responses={200: BulkAnswer})
    @action(detail=False, methods=["post"], filterset_class=None, pagination_class=None)
    def bulk(self, request, format=None):
        """A bulk action on the records `ids` or on every record whose patent the `filter` selects,
        within what the user may change: screen_in, screen_out, set_intent, set_prospect,
        mark_inventoried. Rows the §3 rules refuse are counted in `refused`."""
        if role_of(request.user) not in bulk.BULK_ROLES:
            raise PermissionDenied(_("您没有执行该批量操作的权限"))
        form = BulkSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        if data.get("ids") is None and data.get("filter") is None:
            raise ValidationError({"ids": [_("请给出记录编号 ids,或给出筛选条件 filter")]})
        try:
            result = bulk.apply_bulk_action(actor=request.user, action=data["action"], value=data.get("value"),
                                            ids=data.get("ids"), params=data.get("filter"), request=request)
        except bulk.BulkError as error:
            raise ValidationError({"value": [str(error)]}) from None
        return Response({"selected": result.selected, "changed": result.changed, "refused": result.refused},
                        status=status.HTTP_200_OK)

