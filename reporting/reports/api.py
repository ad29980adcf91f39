"""API of the progress reports (registered by reporting/api_routes.py):

- GET /api/v1/reports/: the reports of the user's organisation (the operator: all), newest first,
  with their status and progress; GET /api/v1/reports/<id>/ one of them (another's: 404);
- POST /api/v1/reports/ {"quarter": "2025Q4", "kind": "xlsx" | "pdf" | "docx"}: asks for a report
  of the user's scope (ministries, provinces, the operator); built by a Celery task, poll the job;
  a quarter that does not exist, has not ended or has no statistics answers 400 in Chinese;
- GET /api/v1/reports/<id>/download/: the finished file, audited like the page's download.
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from accounts.exports import export_response
from ground.api import KeysetPagination, ScopedViewSetMixin
from ground.api_schema import ApiErrorSerializer
from reporting.reports import services
from reporting.reports.data import audience_of
from reporting.reports.exports import ProgressReport
from reporting.reports.models import ReportJob, ReportKind


class ReportJobSerializer(serializers.ModelSerializer):
    organization = serializers.CharField(source="organization.name", read_only=True)
    # Declared, not read off the model: a model's integer range differs between SQLite and PostgreSQL.
    progress = serializers.IntegerField(read_only=True, min_value=0, max_value=100)
    size = serializers.IntegerField(read_only=True, min_value=0)

    class Meta:
        model = ReportJob
        fields = ["id", "kind", "quarter", "scope", "province", "organization", "status", "progress", "message",
                  "filename", "size", "error", "created_at", "finished_at"]
        read_only_fields = fields


class ReportRequestSerializer(serializers.Serializer):
    quarter = serializers.CharField(max_length=20)
    kind = serializers.ChoiceField(choices=ReportKind.choices)


class ReportJobPagination(KeysetPagination):
    ordering = "-id"
    page_size = 50


class ReportJobViewSet(ScopedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Progress reports: a ministry, a provincial office or the platform's operator asks for one of
    a quarter; its organisation reads it (the operator every one)."""

    queryset = ReportJob.objects.select_related("organization")
    serializer_class = ReportJobSerializer
    pagination_class = ReportJobPagination

    @extend_schema(request=ReportRequestSerializer,
                   responses={201: ReportJobSerializer, 400: ApiErrorSerializer, 403: ApiErrorSerializer})
    def create(self, request, *args, **kwargs):
        try:
            audience_of(request.user)
        except DjangoPermissionDenied as error:
            raise PermissionDenied(str(error)) from None
        form = ReportRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            job = services.request_report(request.user, **form.validated_data)
        except services.ReportError as error:
            return Response({"detail": str(error)}, status=status.HTTP_400_BAD_REQUEST)
        job.refresh_from_db()
        return Response(ReportJobSerializer(job).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY, 404: ApiErrorSerializer})
    @action(detail=True, methods=["get"], pagination_class=None)
    def download(self, request, pk=None, format=None):
        """The finished report's file (.xlsx, .pdf or .docx); a job not finished answers 404."""
        job = self.get_object()
        suffix = job.filename.rsplit(".", 1)[-1] if job.filename else "bin"
        return export_response(ProgressReport, request, pk=pk, filename=f"report-{job.quarter}-{job.pk}.{suffix}")


def register(router: DefaultRouter) -> None:
    """Registers the area's viewsets on the project's router."""
    router.register("reports", ReportJobViewSet, basename="report-job")
