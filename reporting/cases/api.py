"""API of the reporting area 'cases': typical cases, practices and problems read through
`visible_to` (the platform all, a province office its own, the ministries every submitted one),
with their attachments named and linked to the scoped, audited download page."""

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers, viewsets
from rest_framework.routers import DefaultRouter

from ground.api import KeysetPagination, ScopedViewSetMixin
from reporting.cases.models import CaseAttachment, CaseReport


class CaseAttachmentSerializer(serializers.ModelSerializer):
    download = serializers.SerializerMethodField()
    size = serializers.IntegerField(read_only=True)

    class Meta:
        model = CaseAttachment
        fields = ["id", "original_name", "size", "sha256", "uploaded_at", "download"]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField())
    def get_download(self, attachment) -> str:
        return reverse("reporting:case_attachment", args=[attachment.pk])


class CaseReportSerializer(serializers.ModelSerializer):
    organization = serializers.CharField(source="organization.name", read_only=True)
    province = serializers.CharField(source="organization.province.code", read_only=True, allow_null=True)
    attachments = CaseAttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = CaseReport
        fields = ["id", "quarter", "kind", "title", "text", "organization", "province", "status", "for_bulletin",
                  "submitted_at", "attachments"]
        read_only_fields = fields


class CaseReportViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Reports in the user's scope; `?quarter=2025Q4` narrows to one quarter."""

    queryset = CaseReport.objects.select_related("organization__province").prefetch_related("attachments")
    serializer_class = CaseReportSerializer
    pagination_class = KeysetPagination

    def get_queryset(self):
        rows = super().get_queryset()
        quarter = self.request.query_params.get("quarter")
        return rows.filter(quarter=quarter.strip().upper()[:7]) if quarter else rows


def register(router: DefaultRouter) -> None:
    """Registers the area's viewsets on the project's router."""
    router.register("case-reports", CaseReportViewSet, basename="case-reports")
