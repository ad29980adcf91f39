"""/api/v1/match-events/: matchmaking events (对接活动 / 路演), read through `visible_to`, written
through matching.events.services, which check `editable_by` and the rules. A broken rule answers
400 with the Chinese message per field; an event out of scope 404.

    GET/POST            match-events/                       list (with counts) / create (province, platform)
    GET/PUT/PATCH       match-events/{id}/                  read / change a draft
    POST                match-events/{id}/publish/, close/
    GET/POST            match-events/{id}/patents/          the event's patents / add library patents
    POST                match-events/{id}/patents/remove/
    GET/POST            match-events/{id}/invitations/      the organiser's invitees / invite (by profile or ids)
    POST                match-events/{id}/outcomes/         record a patent's outcome
    POST                match-events/register/              an enterprise registers (event id in the body)
"""

import django_filters
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from ground.api import IdField, ScopedViewSetMixin
from ground.filters import BoundedFilterSet
from matching.events import services
from matching.events.models import EventEnterprise, EventPatent, MatchEvent
from matching.events.services import EventError


def _refused(error: EventError) -> ValidationError:
    return ValidationError({name or "non_field_errors": [message] for name, message in error.errors.items()})


class EventSerializer(serializers.ModelSerializer):
    # Checked by the service (a Chinese message); text here, so that its values make no enum
    # component clashing with the import batches' "mode".
    mode = serializers.CharField(max_length=8, required=False, help_text="形式:online 线上;on_site 线下")
    organizer_name = serializers.CharField(source="organizer.name", read_only=True)
    industry_codes = serializers.ListField(child=serializers.CharField(max_length=8), max_length=60, required=False)
    patents = serializers.IntegerField(source="n_patents", read_only=True, help_text="路演专利数(机构:本单位的)")
    invited = serializers.IntegerField(source="n_invited", read_only=True)
    registered = serializers.IntegerField(source="n_registered", read_only=True)
    interest = serializers.IntegerField(source="n_interest", read_only=True)
    negotiation = serializers.IntegerField(source="n_negotiation", read_only=True)
    deal = serializers.IntegerField(source="n_deal", read_only=True)

    class Meta:
        model = MatchEvent
        fields = ["id", "organizer", "organizer_name", "title", "mode", "venue", "starts_at", "registration_deadline",
                  "industry_codes", "description", "status", "created_at", "patents", "invited", "registered",
                  "interest", "negotiation", "deal"]
        read_only_fields = ["organizer", "status", "created_at"]


class EventPatentSerializer(serializers.ModelSerializer):
    application_number = serializers.CharField(source="patent.application_number", read_only=True)
    title = serializers.CharField(source="patent.title", read_only=True)
    enterprise = serializers.SerializerMethodField(help_text="对接企业 id(您可见的企业)")
    enterprise_name = serializers.SerializerMethodField()

    class Meta:
        model = EventPatent
        fields = ["id", "patent", "application_number", "title", "outcome", "enterprise", "enterprise_name",
                  "conversion", "updated_at"]
        read_only_fields = fields

    def _shown(self, item: EventPatent) -> bool:
        return item.enterprise_id is not None and item.enterprise_id in self.context.get("shown", set())

    def get_enterprise(self, item: EventPatent) -> int | None:
        return item.enterprise_id if self._shown(item) else None

    def get_enterprise_name(self, item: EventPatent) -> str | None:
        return item.enterprise.name if self._shown(item) else None


class EventInvitationSerializer(serializers.ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)

    class Meta:
        model = EventEnterprise
        fields = ["enterprise", "enterprise_name", "invited", "invited_by_match", "registered_at", "attendees"]
        read_only_fields = fields


class PatentIdsSerializer(serializers.Serializer):
    patents = serializers.ListField(child=IdField(), min_length=1, max_length=services.MAX_PATENTS_PER_CALL)


class PatentIdSerializer(serializers.Serializer):
    patent = IdField()


class InviteSerializer(serializers.Serializer):
    by_profile = serializers.BooleanField(default=False, help_text="按企业画像邀请全部相符企业")
    enterprises = serializers.ListField(child=IdField(), required=False, max_length=1000,
                                        help_text="手工邀请的企业 id")


class OutcomeSerializer(serializers.Serializer):
    patent = IdField(help_text="路演专利的专利 id")
    outcome = serializers.ChoiceField(choices=EventPatent.Outcome.choices, allow_blank=True)
    enterprise = IdField(required=False, allow_null=True)
    conversion = IdField(required=False, allow_null=True, help_text="成交时关联的转化记录 id(该专利的)")
    note = serializers.CharField(max_length=500, required=False, allow_blank=True)


class RegistrationSerializer(serializers.Serializer):
    event = IdField()
    attendees = serializers.IntegerField(min_value=1, max_value=services.MAX_ATTENDEES, default=1)


class RegistrationResultSerializer(serializers.Serializer):
    event = serializers.IntegerField()
    registered_at = serializers.DateTimeField()
    attendees = serializers.IntegerField()
    created = serializers.BooleanField(help_text="false:此前已报名,未作改动")


class EventFilterSet(BoundedFilterSet):
    status = django_filters.ChoiceFilter(choices=MatchEvent.Status.choices)

    class Meta:
        model = MatchEvent
        fields = ["status"]


class EventViewSet(ScopedViewSetMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin,
                   viewsets.ReadOnlyModelViewSet):
    """Matchmaking events in scope: the platform all; a province its own and the platform's; an
    enterprise the published ones it is invited to or that are open to it (the platform's and its
    province's); an institution those presenting its patents (its counts: its own patents).
    Provincial offices and the platform create and organise them."""

    queryset = MatchEvent.objects.select_related("organizer")
    serializer_class = EventSerializer
    filterset_class = EventFilterSet

    def get_queryset(self):
        user = self.request.user
        return services.with_counts(super().get_queryset(), services.own_patents_condition(user)).order_by("-id")

    def _editable(self) -> MatchEvent:
        event = MatchEvent.objects.editable_by(self.request.user).filter(pk=self.kwargs["pk"]).first()
        if event is None:
            raise Http404
        return event

    def _run(self, call):
        try:
            return call()
        except EventError as error:
            raise _refused(error) from None
        except DjangoPermissionDenied:
            raise Http404 from None

    def _read(self, event: MatchEvent) -> dict:
        return self.get_serializer(self.get_queryset().get(pk=event.pk)).data

    def create(self, request, *args, **kwargs):
        if not services.may_organise(request.user):
            raise Http404
        form = self.get_serializer(data=request.data)
        form.is_valid(raise_exception=True)
        event = self._run(lambda: services.create_event(request.user, form.validated_data, request=request))
        return Response(self._read(event), status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        event = self._editable()
        form = self.get_serializer(event, data=request.data, partial=kwargs.get("partial", False))
        form.is_valid(raise_exception=True)
        event = self._run(lambda: services.update_event(request.user, event, form.validated_data, request=request))
        return Response(self._read(event))

    @extend_schema(request=None, responses={200: EventSerializer})
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None, format=None):
        event = self._editable()
        return Response(self._read(self._run(lambda: services.publish_event(request.user, event, request=request))))

    @extend_schema(request=None, responses={200: EventSerializer})
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None, format=None):
        event = self._editable()
        return Response(self._read(self._run(lambda: services.close_event(request.user, event, request=request))))

    @extend_schema(methods=["GET"], request=None, responses={200: EventPatentSerializer(many=True)})
    @extend_schema(methods=["POST"], request=PatentIdsSerializer,
                   responses={200: inline_serializer("PatentsAdded", {"added": serializers.IntegerField()})})
    @action(detail=True, methods=["get", "post"], pagination_class=None, filterset_class=None)
    def patents(self, request, pk=None, format=None):
        """GET: the event's patents as the caller reads them (an institution its own); POST: add
        patents from the conversion resource library (the organiser)."""
        if request.method == "GET":
            event = self.get_object()
            items = list(services.event_patents(request.user, event)[:services.MAX_PATENTS_PER_CALL])
            shown = services.shown_enterprise_ids(request.user, {i.enterprise_id for i in items if i.enterprise_id})
            return Response(EventPatentSerializer(items, many=True, context={"shown": shown}).data)
        event = self._editable()
        form = PatentIdsSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        added = self._run(lambda: services.add_patents(request.user, event, form.validated_data["patents"],
                                                       request=request))
        return Response({"added": added})

    @extend_schema(request=PatentIdSerializer, responses={204: None})
    @action(detail=True, methods=["post"], url_path="patents/remove")
    def remove_patent(self, request, pk=None, format=None):
        event = self._editable()
        form = PatentIdSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        self._run(lambda: services.remove_patent(request.user, event, form.validated_data["patent"], request=request))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(methods=["GET"], request=None, responses={200: EventInvitationSerializer(many=True)})
    @extend_schema(methods=["POST"], request=InviteSerializer,
                   responses={200: inline_serializer("Invited", {"invited": serializers.IntegerField()})})
    @action(detail=True, methods=["get", "post"], pagination_class=None, filterset_class=None)
    def invitations(self, request, pk=None, format=None):
        """The organiser's invitees and registrations (GET, the first 1,000), or invitations (POST):
        `by_profile` invites every enterprise whose profile matches, `enterprises` those listed."""
        event = self._editable()
        if request.method == "GET":
            rows = (EventEnterprise.objects.filter(event=event).select_related("enterprise")
                    .order_by("registered_at", "pk")[:1000])
            return Response(EventInvitationSerializer(rows, many=True).data)
        form = InviteSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        if form.validated_data["by_profile"]:
            invited = self._run(lambda: services.invite_by_profile(request.user, event, request=request))
        else:
            ids = form.validated_data.get("enterprises") or []
            invited = self._run(lambda: services.invite_enterprises(request.user, event, ids, request=request))
        return Response({"invited": invited})

    @extend_schema(request=OutcomeSerializer, responses={200: EventPatentSerializer})
    @action(detail=True, methods=["post"])
    def outcomes(self, request, pk=None, format=None):
        event = self._editable()
        form = OutcomeSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        item = EventPatent.objects.filter(event=event, patent_id=form.validated_data["patent"]).first()
        if item is None:
            raise ValidationError({"patent": ["该专利不在本次活动中"]})
        item = self._run(lambda: services.record_outcome(request.user, item, form.validated_data, request=request))
        shown = services.shown_enterprise_ids(request.user, [item.enterprise_id] if item.enterprise_id else [])
        return Response(EventPatentSerializer(item, context={"shown": shown}).data)

    @extend_schema(request=RegistrationSerializer, responses={200: RegistrationResultSerializer})
    @action(detail=False, methods=["post"])
    def register(self, request, format=None):
        """An enterprise registers for a published event it sees, before the deadline; registering
        again changes nothing (`created`: false)."""
        form = RegistrationSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        event = MatchEvent.objects.visible_to(request.user).filter(pk=form.validated_data["event"]).first()
        if event is None:
            raise Http404
        row, created = self._run(lambda: services.register(
            request.user, event, attendees=form.validated_data["attendees"], request=request))
        return Response({"event": event.pk, "registered_at": row.registered_at, "attendees": row.attendees,
                         "created": created})


def register(router: DefaultRouter) -> None:
    """Register this area's viewsets."""
    router.register("match-events", EventViewSet, basename="matchevent")
