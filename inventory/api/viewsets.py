from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from accounts.exports import export_response
from ground import imports
from ground.api import ObjectsContextMixin, ScopedViewSetMixin
from inventory.api.filters import ImportBatchFilterSet, InventoryRecordFilterSet, PatentFilterSet
from inventory.api.serializers import (
    BatchProblemSerializer,
    CommitSerializer,
    ImportBatchSerializer,
    InventoryRecordSerializer,
    PatentSerializer,
    UploadSerializer,
)
from inventory.models import ImportBatch, InventoryRecord, Patent
from inventory.patents import own_patent_ids
from inventory.upload import INVENTORY, ImportErrorReport
from inventory.upload import services as upload

MAX_PROBLEMS_PAGE = 1000
# 409: the batch is not in a state that allows the action.
IMPORT_REFUSED = inline_serializer("ImportRefused", {"detail": serializers.CharField()})


class PatentViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Patents in the user's scope. Filters: type, legal_status, grant_year, ipc (main IPC prefix),
    inventory_status, in_library, is_sleeping."""

    queryset = Patent.objects.select_related("inventory")
    serializer_class = PatentSerializer
    filterset_class = PatentFilterSet


class InventoryRecordViewSet(ObjectsContextMixin, ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Inventory records (the institutions' assessments) in the user's scope; read only."""

    queryset = InventoryRecord.objects.select_related("patent")
    serializer_class = InventoryRecordSerializer
    filterset_class = InventoryRecordFilterSet

    def objects_context(self, records: list) -> dict:
        # Which of the records being serialised the reader reads in full (their own audience).
        return {"own_patent_ids": own_patent_ids(self.request.user, [r.patent_id for r in records])}


class ImportBatchViewSet(
    ObjectsContextMixin, ScopedViewSetMixin, mixins.CreateModelMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Uploads kept as import batches: an institution sees its own, platform operators see all.

    An institution's system uploads its inventory results with `POST` (multipart, field `file`),
    polls the batch until `status` is `validated` (or `failed`), reads the counts and `problems/`,
    then confirms with `POST …/commit/` (or `…/cancel/`): the same services as the pages.
    """

    queryset = ImportBatch.objects.select_related("created_by")
    serializer_class = ImportBatchSerializer
    filterset_class = ImportBatchFilterSet

    def objects_context(self, batches: list) -> dict:
        # The uploaders the reader may see, for the batches being serialised (one query).
        return {"visible_creators": upload.visible_creators(self.request.user, batches)}

    def get_parsers(self):
        if getattr(self, "action", None) == "create":
            return [MultiPartParser(), FormParser()]
        return super().get_parsers()

    @extend_schema(request={"multipart/form-data": UploadSerializer}, responses={201: ImportBatchSerializer})
    def create(self, request, *args, **kwargs):
        if not upload.can_upload(request.user):
            raise PermissionDenied("只有高校和科研机构可以上传盘点结果")
        form = UploadSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            batch = imports.stage(INVENTORY, actor=request.user, file=form.validated_data["file"], request=request)
        except upload.UploadError as error:
            raise ValidationError({"file": [str(error)]}) from None
        batch = imports.start_validation(INVENTORY, batch)
        return Response(self.get_serializer(batch).data, status=status.HTTP_201_CREATED)

    def _committable(self, pk) -> ImportBatch:
        batch = upload.inventory_batches().editable_by(self.request.user).filter(pk=pk).first()
        if batch is None:
            raise Http404
        return batch

    @extend_schema(request=CommitSerializer, responses={
        200: ImportBatchSerializer, 202: ImportBatchSerializer, 409: IMPORT_REFUSED,
    })
    @action(detail=True, methods=["post"])
    def commit(self, request, pk=None, format=None):
        """Commit a validated batch: `mode` valid_only (default) or all_or_nothing. A large batch is
        committed by a task: the answer is 202 with status `committing`; poll the batch."""
        batch = self._committable(pk)
        form = CommitSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            batch = imports.request_commit(INVENTORY, actor=request.user, batch=batch,
                                           all_or_nothing=form.validated_data["mode"] == "all_or_nothing",
                                           request=request)
        except upload.UploadError as error:
            return Response({"detail": str(error)}, status=status.HTTP_409_CONFLICT)
        code = status.HTTP_200_OK if batch.status == ImportBatch.Status.COMMITTED else status.HTTP_202_ACCEPTED
        return Response(self.get_serializer(batch).data, status=code)

    @extend_schema(request=None, responses={200: ImportBatchSerializer, 409: IMPORT_REFUSED})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None, format=None):
        batch = self._committable(pk)
        try:
            batch = imports.cancel(INVENTORY, actor=request.user, batch=batch, request=request)
        except upload.UploadError as error:
            return Response({"detail": str(error)}, status=status.HTTP_409_CONFLICT)
        return Response(self.get_serializer(batch).data)

    @extend_schema(
        parameters=[OpenApiParameter("offset", int), OpenApiParameter("limit", int),
                    OpenApiParameter("level", str, enum=["error", "warning"])],
        responses={200: inline_serializer("BatchProblems", {
            "count": serializers.IntegerField(), "results": BatchProblemSerializer(many=True)})},
    )
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def problems(self, request, pk=None, format=None):
        """Every error and warning of the batch: row, column, value, Chinese message (offset/limit)."""
        batch = self.get_object()
        found = batch.errors or []
        level = request.query_params.get("level")
        if level:
            found = [p for p in found if p.get("level") == level]
        try:
            offset = max(0, int(request.query_params.get("offset", 0)))
            limit = min(MAX_PROBLEMS_PAGE, max(1, int(request.query_params.get("limit", 100))))
        except ValueError:
            raise ValidationError({"offset": ["offset 和 limit 须为整数"]}) from None
        return Response({"count": len(found), "results": found[offset:offset + limit]})

    @extend_schema(responses={(200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"):
                              OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def report(self, request, pk=None, format=None):
        """The error report (.xlsx): the rows with problems, bad cells in red, messages in the last column."""
        return export_response(ImportErrorReport, request, pk=pk, filename=f"import-{pk}-errors.xlsx")
