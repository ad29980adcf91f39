"""The workbench in the API: patents filtered as on the page (inventory.workbench.query), a
record's assessment changed with PATCH (through inventory.records.assessment.update_assessment), and bulk
actions (inventory.workbench.bulk)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, PermissionDenied, ValidationError
from rest_framework.response import Response

from accounts.roles import role_of
from ground.api import IdField
from inventory.api import InventoryRecordSerializer, InventoryRecordViewSet, PatentViewSet
from inventory.choices import Disposal, Intent
from inventory.models import InventoryChange, InventoryRecord
from inventory.records import (
    ASSESSMENT_FIELDS,
    INDUSTRIES,
    AssessmentError,
    StaleRecord,
    etag,
    parse_version,
    update_assessment,
)
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


class VersionedAssessmentSerializer(AssessmentSerializer):
    """A PATCH's body: the assessment fields to set and the record's version the client read
    (inventory.records.locking; or the header If-Match with the record's ETag)."""

    version = serializers.IntegerField(
        min_value=1, required=False,
        help_text="读取记录时的版本号(记录的 version 字段);也可在请求头 If-Match 中给出 ETag。"
                  "二者都不给时返回 428;记录已被他人修改时返回 409,不写入任何数据")

    class Meta(AssessmentSerializer.Meta):
        fields = [*AssessmentSerializer.Meta.fields, "version"]


StaleAnswer = inline_serializer("StaleRecord", {
    "detail": serializers.CharField(help_text="中文说明,逐项列出期间被修改的字段(您的值 → 当前值)"),
    "version": serializers.IntegerField(help_text="记录的当前版本号"),
    "changes": serializers.ListField(child=inline_serializer("StaleField", {
        "name": serializers.CharField(), "label": serializers.CharField(),
        "theirs": serializers.CharField(), "current": serializers.CharField()})),
    "current": InventoryRecordSerializer(help_text="记录的当前值")})
VersionRequiredAnswer = inline_serializer("VersionRequired", {"detail": serializers.CharField()})


def _read_version(request, data: dict) -> int:
    """The version the client read: the body's `version`, else the If-Match header's ETag."""
    version = data.pop("version", None)
    if version is None:
        version = parse_version(request.headers.get("If-Match"))
    if version is None:
        raise PreconditionRequired(_("请在请求中给出记录的版本号 version(或请求头 If-Match),以免覆盖他人的修改"))
    return version


class PreconditionRequired(APIException):
    status_code = 428
    default_detail = gettext_lazy("须给出记录的版本号")
    default_code = "precondition_required"


class BulkSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=list(bulk.ACTIONS))
    value = serializers.JSONField(required=False, allow_null=True,
                                  help_text="screen_in / set_intent: 转化意愿列表;set_prospect: good/fair/poor")
    ids = serializers.ListField(child=IdField(), required=False, allow_null=True,
                                help_text="盘点记录编号;不给时须给 filter")
    filter = serializers.DictField(child=serializers.CharField(allow_blank=True), required=False, allow_null=True,
                                   help_text="与工作台相同的筛选参数,如 {\"status\": \"pending\", \"ipc\": \"G06F\"}")
    versions = serializers.DictField(
        child=serializers.IntegerField(min_value=1), required=False, allow_null=True,
        help_text="{记录编号: 读取时的版本号};给出时,其后已被他人修改的记录跳过不改,其申请号列在 stale 中")


BulkAnswer = inline_serializer("BulkResult", {
    "selected": serializers.IntegerField(), "changed": serializers.IntegerField(),
    "refused": serializers.IntegerField(),
    "stale": serializers.ListField(child=serializers.CharField(),
                                   help_text="因在读取后被他人修改而跳过的记录的申请号(按 versions 判断)")})


class WorkbenchInventoryRecordViewSet(InventoryRecordViewSet):
    """Inventory records (the institutions' assessments) in the user's scope. The lead institution
    changes a record's assessment with `PATCH` (the §3 rules apply: 400 with each field's message)
    and acts on many with `POST …/bulk/`."""

    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        if "version" in response.data:  # the record's own audience, who may edit it
            response["ETag"] = etag(response.data["version"])
        return response

    @extend_schema(
        request=VersionedAssessmentSerializer,
        parameters=[OpenApiParameter("If-Match", str, OpenApiParameter.HEADER, required=False,
                                     description="读取记录时得到的 ETag(与请求体中的 version 二选一)")],
        responses={200: InventoryRecordSerializer, 409: StaleAnswer, 428: VersionRequiredAnswer})
    def partial_update(self, request, pk=None, format=None):
        """Change the record's assessment. The client gives the version it read (`version` in the
        body, or If-Match with the ETag of GET): when the record changed since, nothing is
        written and the answer is 409 with what changed and the record's current values."""
        record = self.get_object()
        if not InventoryRecord.objects.editable_by(request.user).filter(pk=record.pk).exists():
            raise PermissionDenied(_("只有第一专利权人单位可以修改该专利的盘点信息"))
        form = VersionedAssessmentSerializer(data=request.data, partial=True)
        form.is_valid(raise_exception=True)
        values = dict(form.validated_data)
        version = _read_version(request, values)
        context = self.get_serializer_context()
        try:
            update_assessment(actor=request.user, record=record, values=values,
                              source=InventoryChange.Source.API, request=request, version=version)
        except AssessmentError as error:
            raise ValidationError({name or "non_field_errors": [message]
                                   for name, message in error.errors.items()}) from None
        except StaleRecord as error:
            current = InventoryRecordSerializer(error.record, context=context).data
            return Response({"detail": error.message, "version": error.record.version, "changes": error.changes,
                             "current": current}, status=status.HTTP_409_CONFLICT,
                            headers={"ETag": etag(error.record.version)})
        record.refresh_from_db()
        return Response(InventoryRecordSerializer(record, context=context).data, headers={"ETag": etag(record.version)})

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
            versions = {int(pk): version for pk, version in (data.get("versions") or {}).items() if str(pk).isdigit()}
            result = bulk.apply_bulk_action(actor=request.user, action=data["action"], value=data.get("value"),
                                            ids=data.get("ids"), params=data.get("filter"), request=request,
                                            versions=versions)
        except bulk.BulkError as error:
            raise ValidationError({"value": [str(error)]}) from None
        return Response({"selected": result.selected, "changed": result.changed, "refused": result.refused,
                         "stale": result.stale}, status=status.HTTP_200_OK)

