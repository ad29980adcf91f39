from django.urls import reverse
from rest_framework import serializers

from ground.imports import problems as upload_errors
from ground.reads import note_personal_read
from inventory.models import ImportBatch, InventoryRecord, Patent
from inventory.patents import PERSONAL_FIELDS, own_patent_ids, sees_contacts, shown_value


class PatentSerializer(serializers.ModelSerializer):
    inventory_status = serializers.CharField(source="inventory.status", read_only=True, allow_null=True)
    in_library = serializers.BooleanField(source="inventory.in_library", read_only=True, allow_null=True)

    class Meta:
        model = Patent
        fields = [
            "id", "application_number", "grant_number", "title", "patent_type", "application_date",
            "grant_date", "legal_status", "main_ipc", "ipc_codes", "inventors", "patentees", "abstract",
            "funding_project_number", "funding_source", "is_sleeping", "inventory_status", "in_library",
            "updated_at",
        ]


class LibraryRecordSerializer(serializers.ModelSerializer):
    """A record as a library viewer reads it: the library card's fields only
    (inventory.patents.audiences.LIBRARY_FIELDS), contacts masked."""

    application_number = serializers.CharField(source="patent.application_number", read_only=True)
    title = serializers.CharField(source="patent.title", read_only=True)

    class Meta:
        model = InventoryRecord
        fields = [
            "id", "patent", "application_number", "title", "institution", "implementation_status", "maturity",
            "scenarios", "prospect", "screening", "intents", "license_type", "asking_price", "industry_codes",
            "contact_name", "contact_phone", "contact_email", "in_library", "updated_at",
        ]
        read_only_fields = fields

    def to_representation(self, record: InventoryRecord) -> dict:
        data = super().to_representation(record)
        contacts = sees_contacts(self.context["request"].user, own=False) if "request" in self.context else False
        return _shown(data, contacts, self.context.get("request"))


class InventoryRecordSerializer(LibraryRecordSerializer):
    """A record as its own audience reads it (every field); to anyone else, the library card
    (`LibraryRecordSerializer`). Which audience the reader is for each record comes from the
    view (`own_patent_ids` in the context, one query per page)."""

    class Meta(LibraryRecordSerializer.Meta):
        fields = [
            "id", "patent", "application_number", "title", "institution", "status", "department",
            "responsible_person", "is_financially_funded", "funding_project_number", "implementation_status",
            "maturity", "scenarios", "prospect", "value_grade", "screening", "intents", "license_type",
            "asking_price", "disposal", "industry_codes", "contact_name", "contact_phone", "contact_email",
            "remarks", "in_library", "inventoried_at", "updated_at",
            # The version an edit sends back (PATCH `version`, or If-Match): inventory.records.locking.
            "version",
        ]
        read_only_fields = fields

    @property
    def schema_optional_fields(self) -> set[str]:
        """The fields only the record's own audience gets (ground.api_schema)."""
        return set(self.Meta.fields) - set(LibraryRecordSerializer.Meta.fields)

    def to_representation(self, record: InventoryRecord) -> dict:
        request = self.context.get("request")
        user = request.user if request is not None else None
        own = self.context.get("own_patent_ids")
        if own is None:
            own = own_patent_ids(user, [record.patent_id]) if user is not None else set()
        if record.patent_id not in own:
            return LibraryRecordSerializer(record, context=self.context).data
        every_field = serializers.ModelSerializer.to_representation(self, record)
        return _shown(every_field, user is not None and sees_contacts(user, own=True), request)


def _shown(data: dict, contacts: bool, request=None) -> dict:
    """The record's personal fields masked unless `contacts`; a record shown with them unmasked is
    noted as a read of personal data (ground.reads)."""
    for name in PERSONAL_FIELDS:
        if name in data:
            data[name] = shown_value(name, data[name], contacts=contacts)
    if contacts and any(data.get(name) for name in PERSONAL_FIELDS):
        note_personal_read(request, InventoryRecord._meta.label_lower)
    return data


class ImportBatchSerializer(serializers.ModelSerializer):
    created_by = serializers.SerializerMethodField()
    error_count = serializers.SerializerMethodField()
    error_report = serializers.SerializerMethodField()

    class Meta:
        model = ImportBatch
        fields = [
            "id", "kind", "organization", "created_by", "created_at", "original_name", "sha256", "status",
            "all_or_nothing", "progress", "progress_message", "total_rows", "counts", "error_count",
            "error_report", "failure", "validated_at", "committed_at",
        ]
        read_only_fields = fields

    def get_created_by(self, batch: ImportBatch) -> str | None:
        """The uploader's username, when the reader may see that account (else null)."""
        if batch.created_by_id is None or batch.created_by_id not in self.context.get("visible_creators", set()):
            return None
        return batch.created_by.username

    def get_error_count(self, batch: ImportBatch) -> int:
        return len(batch.errors or [])

    def get_error_report(self, batch: ImportBatch) -> str | None:
        """The error report's address (an .xlsx), when there is one."""
        if not upload_errors.has_error_report(batch):
            return None
        url = reverse("importbatch-report", args=[batch.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


class UploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="盘点结果文件(.xlsx 或 .csv,DATA-STANDARD.md §3)")


class CommitSerializer(serializers.Serializer):
    mode = serializers.ChoiceField(
        choices=[("valid_only", "只导入正确的行"), ("all_or_nothing", "全部或不导入")], default="valid_only"
    )


class BatchProblemSerializer(serializers.Serializer):
    row = serializers.IntegerField()
    column = serializers.CharField()
    value = serializers.CharField(allow_blank=True)
    message = serializers.CharField()
    level = serializers.ChoiceField(choices=["error", "warning", "unmatched"])
