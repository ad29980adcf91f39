"""/api/v1/milestone-progress/: each visible institution's progress against the milestones
(inventory.milestones.services), the same numbers as the home card and the progress page."""

from rest_framework import serializers, viewsets
from rest_framework.response import Response

from accounts.models import Organization
from accounts.roles import Role, role_of
from inventory.milestones import services as milestones

MAX_INSTITUTIONS = 5000


class MilestoneItemSerializer(serializers.Serializer):
    name = serializers.CharField(source="milestone.name")
    deadline = serializers.DateField(allow_null=True)
    days_after_grant = serializers.IntegerField(source="milestone.days_after_grant", allow_null=True)
    target_percent = serializers.IntegerField()
    total = serializers.IntegerField()
    done = serializers.IntegerField()
    percent = serializers.FloatField()
    overdue = serializers.IntegerField()
    due = serializers.BooleanField()
    behind = serializers.BooleanField()


class InstitutionProgressSerializer(serializers.Serializer):
    institution = serializers.IntegerField(source="institution.pk")
    institution_name = serializers.CharField(source="institution.name")
    total = serializers.IntegerField(help_text="盘点范围内的有效专利数(已授权)")
    inventoried = serializers.IntegerField()
    percent = serializers.FloatField()
    behind = serializers.BooleanField()
    current_target = serializers.IntegerField(allow_null=True)
    next_deadline = serializers.DateField(allow_null=True)
    new_total = serializers.IntegerField(help_text="2023-12-31 后授权的专利数")
    new_overdue = serializers.IntegerField(help_text="授权后超过期限仍未盘点的专利数")
    sleeping = serializers.IntegerField()
    milestones = MilestoneItemSerializer(many=True)


class MilestoneProgressViewSet(viewsets.ViewSet):
    """Progress of the institutions the caller may see against the national milestones
    (DATA-STANDARD.md §7). An institution's department (二级单位) staff get none: the numbers
    cover the whole institution."""

    serializer_class = InstitutionProgressSerializer

    def list(self, request, format=None):
        user = request.user
        if role_of(user) == Role.INSTITUTION and user.department_id:
            return Response([])
        institutions = (
            Organization.objects.visible_to(user)
            .filter(kind=Organization.Kind.INSTITUTION, status=Organization.Status.ACTIVE)
            .order_by("name", "pk")[:MAX_INSTITUTIONS]
        )
        rows = milestones.progress_for_many(institutions)
        return Response(InstitutionProgressSerializer(rows, many=True).data)
