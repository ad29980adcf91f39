from rest_framework import serializers

from accounts.models import Organization, Province


class ProvinceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Province
        fields = ["code", "name", "short_name"]


class OrganizationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = [
            "id", "kind", "name", "code", "credit_code", "province", "supervisor", "institution_type",
            "is_demo_university", "is_pilot_university", "is_ip_advantage", "is_specialized",
            "is_high_tech", "is_state_owned", "is_central_soe", "status",
        ]
