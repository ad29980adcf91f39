from rest_framework import serializers

from ..models import Patent


class PatentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Patent
        fields = [
            "id", "application_number", "grant_number", "title", "patent_type", "application_date",
            "grant_date", "legal_status", "main_ipc", "ipc_codes", "inventors", "patentees", "abstract",
            "funding_project_number", "funding_source", "is_sleeping", "updated_at",
        ]
