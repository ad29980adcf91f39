"""API of the reporting area 'spotchecks': spot checks and their sampled records, read through
`visible_to` (a ministry: the records about its institutions; an institution: the findings it is
asked to correct), and the reviewer's finding (`POST /api/spot-check-records/<id>/finding/`),
refused with the reason in Chinese (400) or 404 outside the reviewer's assignments."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from ground.api import KeysetPagination, ScopedViewSetMixin
from ground.api_schema import ApiErrorSerializer
from reporting.spotchecks import services
from reporting.spotchecks.models import Finding, SampledRecord, SpotCheck


class SpotCheckSerializer(serializers.ModelSerializer):
    organiser = serializers.CharField(source="organiser.name", read_only=True)
    sample_size = serializers.IntegerField(read_only=True, allow_null=True)
    population = serializers.IntegerField(read_only=True)

    class Meta:
        model = SpotCheck
        fields = ["id", "title", "quarter", "organiser", "seed", "sample_size", "sample_rate", "population",
                  "strata", "status", "draw_progress", "draw_error", "correction_requested_at", "created_at"]
        read_only_fields = fields


class InstitutionResultSerializer(serializers.Serializer):
    institution_id = serializers.IntegerField()
    institution = serializers.CharField()
    sampled = serializers.IntegerField()
    checked = serializers.IntegerField()
    agreed = serializers.IntegerField()
    agree_rate = serializers.FloatField(allow_null=True)
    disagreed = serializers.IntegerField()
    data_errors = serializers.IntegerField()
    corrected = serializers.IntegerField()


class SampledRecordSerializer(serializers.ModelSerializer):
    application_number = serializers.CharField(source="record.patent.application_number", read_only=True)
    institution = serializers.CharField(source="institution.name", read_only=True)
    spot_check = serializers.IntegerField(source="spot_check_id", read_only=True)

    class Meta:
        model = SampledRecord
        # The reviewer is not named: institutions read these too (reporting.spotchecks.services).
        fields = ["id", "spot_check", "application_number", "institution", "stratum", "finding", "reason",
                  "error_field", "reviewed_at", "correction_note", "corrected_at"]
        read_only_fields = fields


class FindingSerializer(serializers.Serializer):
    finding = serializers.ChoiceField(choices=Finding.choices)
    reason = serializers.CharField(max_length=services.MAX_TEXT, required=False, allow_blank=True, default="")
    error_field = serializers.ChoiceField(choices=services.ERROR_FIELDS, required=False, allow_blank=True,
                                          default="")


class SpotCheckViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Spot checks in the user's scope (platform: all; province office: its own; ministry: those
    covering institutions it supervises), with their seed and strata."""

    queryset = SpotCheck.objects.select_related("organiser")
    serializer_class = SpotCheckSerializer
    pagination_class = KeysetPagination

    @extend_schema(responses={200: InstitutionResultSerializer(many=True)})
    @action(detail=True, methods=["get"], pagination_class=None)
    def results(self, request, pk=None, format=None):
        """Per institution the user reads: sampled, checked, agreed and the agree rate, disagreed,
        data errors, corrected."""
        check = self.get_object()
        rows = services.results_by_institution(check, SampledRecord.objects.visible_to(request.user))
        data = [{**row.__dict__, "agree_rate": row.agree_rate} for row in rows]
        return Response(InstitutionResultSerializer(data, many=True).data)


class SampledRecordViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Sampled records and their findings in the user's scope; `?spot_check=<id>` narrows to one."""

    queryset = SampledRecord.objects.select_related("record__patent", "institution")
    serializer_class = SampledRecordSerializer
    pagination_class = KeysetPagination

    def get_queryset(self):
        rows = super().get_queryset()
        raw = self.request.query_params.get("spot_check")
        if raw is not None:
            if not raw.isdigit() or len(raw) > 18:
                raise ValidationError({"spot_check": [_("请给出抽查的编号")]})
            rows = rows.filter(spot_check_id=int(raw))
        return rows

    @extend_schema(request=FindingSerializer,
                   responses={200: SampledRecordSerializer, 400: ApiErrorSerializer, 404: ApiErrorSerializer})
    @action(detail=True, methods=["post"])
    def finding(self, request, pk=None, format=None):
        """The assigned reviewer's finding: agree; disagree with a reason; data_error naming the field.
        404 for a record the user is not assigned to review (before the body is read)."""
        if not SampledRecord.objects.editable_by(request.user).filter(pk=int(pk)).exists():
            raise NotFound()
        form = FindingSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            row = services.record_finding(request.user, int(pk), form.validated_data["finding"],
                                          reason=form.validated_data["reason"],
                                          error_field=form.validated_data["error_field"], request=request)
        except services.SpotCheckError as error:
            raise ValidationError({"finding": [error.message]}) from None
        except (Http404, PermissionDenied):
            raise NotFound() from None
        return Response(SampledRecordSerializer(row).data)


def register(router: DefaultRouter) -> None:
    """Registers the area's viewsets on the project's router."""
    router.register("spot-checks", SpotCheckViewSet, basename="spot-checks")
    router.register("spot-check-records", SampledRecordViewSet, basename="spot-check-records")
