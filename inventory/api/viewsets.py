from rest_framework import viewsets

from patentnavi.api import ScopedViewSetMixin

from ..models import Patent
from .serializers import PatentSerializer


class PatentViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Patent.objects.all()
    serializer_class = PatentSerializer
    filterset_fields = ["patent_type", "legal_status", "is_sleeping"]
