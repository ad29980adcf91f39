"""API of the review (inventory.records.review) and of the inventor self-assessment invitations
(inventory.records.self_assessment): the same services as the pages."""

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from accounts.roles import Role, role_of
from ground.api import IdField, ScopedViewSetMixin
from inventory.models import InventoryChange, Patent, SelfAssessmentInvitation
from inventory.records import review
from inventory.records import self_assessment as sa


class ReviewActionSerializer(serializers.Serializer):
    ids = serializers.ListField(child=IdField(), allow_empty=False, max_length=100000)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500)
    versions = serializers.DictField(
        child=serializers.IntegerField(min_value=1), required=False, allow_null=True,
        help_text="{记录编号: 读取时的版本号};给出时,其后已被他人修改的记录不处理,计入 skipped 和 stale")


ReviewResultSerializer = inline_serializer("ReviewResult", {
    "done": serializers.IntegerField(), "skipped": serializers.IntegerField(),
    "incomplete": serializers.IntegerField(
        help_text="跳过的记录中,因必填项(数据标准第 3 节)未填写而不能提交审核的件数"),
    "stale": serializers.IntegerField(help_text="跳过的记录中,因在读取后被他人修改而未处理的件数")})


class ReviewViewSet(viewsets.ViewSet):
    """Review actions on a list of inventory record ids (`{"ids": [...], "reason": "..."}`):
    `submit/` (authors), `approve/` and `return/` (a department admin for their department,
    institution-level staff at the institution level; a return needs its reason). Records the
    caller may not move are counted in `skipped` and left unchanged; a record submitted with a
    required field of §3 blank is one of them, counted also in `incomplete`, and so is a record
    changed since the version given in `versions`, counted also in `stale`."""

    def _run(self, request, operation):
        if role_of(request.user) not in (Role.INSTITUTION, Role.INVENTOR):
            raise PermissionDenied("只有高校和科研机构的人员可以提交或审核")
        form = ReviewActionSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        versions = {int(pk): version for pk, version in (form.validated_data.get("versions") or {}).items()
                    if str(pk).isdigit()}
        try:
            result = operation(form.validated_data["ids"], form.validated_data.get("reason", ""), versions)
        except review.ReviewError as error:
            raise ValidationError({"detail": str(error)}) from None
        return Response({"done": result.done, "skipped": result.skipped, "incomplete": result.incomplete,
                         "stale": result.stale})

    @extend_schema(request=ReviewActionSerializer, responses={200: ReviewResultSerializer})
    @action(detail=False, methods=["post"])
    def submit(self, request, format=None):
        return self._run(request, lambda ids, reason, versions: review.submit(
            request.user, ids, source=InventoryChange.Source.API, request=request, versions=versions))

    @extend_schema(request=ReviewActionSerializer, responses={200: ReviewResultSerializer})
    @action(detail=False, methods=["post"])
    def approve(self, request, format=None):
        return self._run(request, lambda ids, reason, versions: review.approve(
            request.user, ids, source=InventoryChange.Source.API, request=request, versions=versions))

    @extend_schema(request=ReviewActionSerializer, responses={200: ReviewResultSerializer})
    @action(detail=False, methods=["post"], url_path="return", url_name="return")
    def return_(self, request, format=None):
        return self._run(request, lambda ids, reason, versions: review.return_(
            request.user, ids, reason, source=InventoryChange.Source.API, request=request, versions=versions))


class InvitationSerializer(serializers.ModelSerializer):
    inventor = serializers.CharField(source="inventor.username", read_only=True)
    inventor_name = serializers.CharField(source="inventor.full_name", read_only=True)
    # Only the invitation's patents the reader sees (a department sees its own).
    patents = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    is_open = serializers.SerializerMethodField()

    class Meta:
        model = SelfAssessmentInvitation
        fields = ["id", "inventor", "inventor_name", "patents", "message", "created_at", "closed_at", "is_open"]
        read_only_fields = fields

    def get_is_open(self, invitation) -> bool:
        return invitation.closed_at is None


class InvitationCreateSerializer(serializers.Serializer):
    username = serializers.CharField(required=False, allow_blank=True, help_text="本单位已有的发明人账号")
    email = serializers.CharField(required=False, allow_blank=True,
                                  help_text="没有账号时:发明人邮箱(将创建账号并发送设置密码的链接)")
    full_name = serializers.CharField(required=False, allow_blank=True, max_length=64)
    record_ids = serializers.ListField(child=IdField(), allow_empty=False)
    message = serializers.CharField(required=False, allow_blank=True, max_length=500)


class SelfAssessmentInvitationViewSet(
    ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Self-assessment invitations: staff see their institution's (a department its own), an
    inventor their own. `POST` invites an inventor by account or e-mail for inventory record ids
    the caller may edit; `POST …/close/` closes the invitation and revokes the grants."""

    queryset = SelfAssessmentInvitation.objects.select_related("inventor")
    serializer_class = InvitationSerializer

    def get_queryset(self):
        visible_patents = Patent.objects.visible_to(self.request.user).only("pk")
        return super().get_queryset().prefetch_related(Prefetch("patents", queryset=visible_patents))

    @extend_schema(request=InvitationCreateSerializer, responses={201: InvitationSerializer})
    def create(self, request, *args, **kwargs):
        if not sa.can_invite(request.user):
            raise PermissionDenied("只有本单位的管理人员可以邀请发明人自评")
        form = InvitationCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        try:
            invitation, _created = sa.invite(
                request.user, record_ids=data["record_ids"], username=data.get("username", ""),
                email=data.get("email", ""), full_name=data.get("full_name", ""), message=data.get("message", ""),
                request=request)
        except sa.InvitationError as error:
            raise ValidationError(error.errors) from None
        return Response(InvitationSerializer(self.get_queryset().get(pk=invitation.pk)).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: InvitationSerializer})
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None, format=None):
        invitation = self.get_object()
        if not SelfAssessmentInvitation.objects.editable_by(request.user).filter(pk=invitation.pk).exists():
            raise PermissionDenied("不能关闭该邀请")
        sa.close(request.user, invitation, request=request)
        return Response(InvitationSerializer(self.get_queryset().get(pk=invitation.pk)).data)
