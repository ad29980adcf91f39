"""API of the indicator system (read only): every version with its tree, for every role that
evaluates or reads evaluations. The platform publishes new versions on its page."""

from rest_framework import serializers, viewsets
from rest_framework.routers import DefaultRouter

from evaluation.indicators.models import Dimension, Indicator, IndicatorSystem
from evaluation.indicators.services import with_tree
from ground.api import ScopedViewSetMixin


class IndicatorSerializer(serializers.ModelSerializer):
    class Meta:
        model = Indicator
        fields = ["id", "code", "name", "weight", "guidance", "position"]
        read_only_fields = fields


class DimensionSerializer(serializers.ModelSerializer):
    indicators = IndicatorSerializer(many=True, read_only=True)

    class Meta:
        model = Dimension
        fields = ["id", "code", "name", "weight", "position", "indicators"]
        read_only_fields = fields


class IndicatorSystemSerializer(serializers.ModelSerializer):
    dimensions = DimensionSerializer(many=True, read_only=True)

    class Meta:
        model = IndicatorSystem
        fields = ["id", "version", "name", "scenario", "is_current", "note", "created_at", "dimensions"]
        read_only_fields = fields


class IndicatorSystemViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """The versions of the indicator system, newest first, each with its dimensions and indicators
    (weights and scoring guidance). `is_current` marks the version new evaluations are scored with."""

    queryset = IndicatorSystem.objects.order_by("-version")
    serializer_class = IndicatorSystemSerializer

    def get_queryset(self):
        return with_tree(super().get_queryset())


def register(router: DefaultRouter) -> None:
    """Register this area's viewsets on the project's router."""
    router.register("indicator-systems", IndicatorSystemViewSet, basename="indicator-system")
