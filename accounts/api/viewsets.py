from rest_framework import viewsets

from accounts.api.serializers import OrganizationSerializer, ProvinceSerializer
from accounts.models import Organization, Province
from ground.api import ScopedViewSetMixin
from ground.filters import BoundedFilterSet


class ProvinceViewSet(viewsets.ReadOnlyModelViewSet):
    """Reference data: the 32 provincial units, public to every signed-in user."""

    queryset = Province.objects.all()
    serializer_class = ProvinceSerializer
    pagination_class = None


class OrganizationFilterSet(BoundedFilterSet):
    class Meta:
        model = Organization
        fields = ["kind", "province", "status", "institution_type"]


class OrganizationViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Organization.objects.select_related("province")
    serializer_class = OrganizationSerializer
    filterset_class = OrganizationFilterSet
