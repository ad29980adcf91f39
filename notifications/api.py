"""The notification centre's API: the signed-in user's own notifications (list, one, unread
count) and marking them read. Everything reads through Notification.visible_to / editable_by:
another user's notification is a 404."""

import django_filters
from django.http import Http404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from ground.api import ScopedViewSetMixin
from ground.filters import BoundedFilterSet
from notifications import services
from notifications.models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "url", "created_at", "read_at", "read"]

    def get_read(self, notification: Notification) -> bool:
        return notification.read_at is not None


class NotificationFilterSet(BoundedFilterSet):
    unread = django_filters.BooleanFilter(field_name="read_at", lookup_expr="isnull", label="只看未读(true)")

    class Meta:
        model = Notification
        fields = ["kind"]


_COUNT = inline_serializer("NotificationUnreadCount", {"unread": serializers.IntegerField()})
_MARKED = inline_serializer("NotificationsMarkedRead", {"marked": serializers.IntegerField()})


class NotificationViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """The signed-in user's notifications, newest first (`?unread=true`: unread only)."""

    queryset = Notification.objects.all()
    serializer_class = NotificationSerializer
    filterset_class = NotificationFilterSet

    @extend_schema(request=None, responses={200: NotificationSerializer})
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None, format=None):
        """Mark one notification read."""
        try:
            notification = services.mark_read(request.user, pk)
        except Notification.DoesNotExist:
            raise Http404 from None
        return Response(self.get_serializer(notification).data)

    @extend_schema(request=None, responses={200: _MARKED})
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request, format=None):
        """Mark every unread notification read."""
        return Response({"marked": services.mark_all_read(request.user)})

    @extend_schema(responses={200: _COUNT}, filters=False)
    @action(detail=False, methods=["get"], url_path="unread-count", pagination_class=None, filterset_class=None)
    def unread_count(self, request, format=None):
        """The number of unread notifications (the bell's number)."""
        return Response({"unread": services.unread_count(request.user)})


def register(router) -> None:
    router.register("notifications", NotificationViewSet, basename="notification")
