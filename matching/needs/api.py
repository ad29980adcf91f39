"""API of enterprise profiles, technology needs and institutions' offers: read through
`visible_to`, written through the services (matching.needs.services, matching.needs.offers), which
check `editable_by` and the rules. A broken rule answers 400 with the Chinese message per field; an
object out of scope 404. A need's enterprise and contact are shown by the same rule as the pages
(an institution reads them only when the need allows direct contact)."""

import django_filters
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from accounts.models import Organization
from ground.api import ScopedViewSetMixin
from ground.api_schema import ApiErrorSerializer
from ground.filters import BoundedFilterSet
from matching.choices import BudgetBand, CooperationMode
from matching.needs import offers, services
from matching.needs.board import BoardQuery
from matching.needs.board import board as board_needs
from matching.needs.models import EnterpriseProfile, TechnologyNeed

CONTACT_FIELDS = ("enterprise", "enterprise_name", "contact_name", "contact_phone")


class ProfileSerializer(serializers.ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    industry_codes = serializers.ListField(child=serializers.CharField(max_length=8), required=False, max_length=30)
    ipc_prefixes = serializers.ListField(child=serializers.CharField(max_length=32), required=False, max_length=30)
    province_codes = serializers.ListField(child=serializers.CharField(max_length=6), required=False, max_length=40)
    modes = serializers.ListField(child=serializers.ChoiceField(choices=CooperationMode.choices), required=False)
    budget_band = serializers.ChoiceField(choices=BudgetBand.choices, required=False, allow_blank=True)

    class Meta:
        model = EnterpriseProfile
        fields = ["id", "enterprise", "enterprise_name", *services.PROFILE_FIELDS, "updated_at"]
        read_only_fields = ["enterprise", "updated_at"]


class ProfileViewSet(ScopedViewSetMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Enterprise profiles: an enterprise's own, a province's enterprises', the platform's all. The
    enterprise's admin changes its own (`PUT` / `PATCH`)."""

    queryset = EnterpriseProfile.objects.select_related("enterprise")
    serializer_class = ProfileSerializer

    def update(self, request, *args, **kwargs):
        profile = EnterpriseProfile.objects.editable_by(request.user).filter(pk=kwargs["pk"]).first()
        if profile is None:
            raise Http404
        form = self.get_serializer(profile, data=request.data, partial=kwargs.get("partial", False))
        form.is_valid(raise_exception=True)
        values = {**{name: getattr(profile, name) for name in services.PROFILE_FIELDS}, **form.validated_data}
        try:
            profile = services.update_profile(request.user, profile.enterprise, values, request=request)
        except services.ProfileError as error:
            raise ValidationError({name: [message] for name, message in error.errors.items()}) from None
        except DjangoPermissionDenied:
            raise Http404 from None
        return Response(self.get_serializer(profile).data)


class NeedSerializer(serializers.ModelSerializer):
    # The enterprise and its contact are null for a reader the need hides them from (an
    # institution, when the need does not allow direct contact).
    enterprise = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.none(), required=False,
                                                    allow_null=True)
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True, allow_null=True)
    contact_name = serializers.CharField(max_length=64, required=False, allow_blank=True, allow_null=True)
    contact_phone = serializers.CharField(max_length=32, required=False, allow_blank=True, allow_null=True)
    enterprise_province = serializers.CharField(source="enterprise.province_id", read_only=True)
    keywords = serializers.ListField(child=serializers.CharField(max_length=32), required=False, max_length=20)
    industry_codes = serializers.ListField(child=serializers.CharField(max_length=8), required=False, max_length=30)
    ipc_prefixes = serializers.ListField(child=serializers.CharField(max_length=32), required=False, max_length=30)
    modes = serializers.ListField(child=serializers.ChoiceField(choices=CooperationMode.choices), required=False)

    class Meta:
        model = TechnologyNeed
        fields = ["id", "enterprise", "enterprise_name", "enterprise_province", *services.NEED_FIELDS, "status",
                  "created_at", "updated_at"]
        read_only_fields = ["status", "created_at", "updated_at"]

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None:
            fields["enterprise"].queryset = services.enterprises_for(request.user)
        if self.instance is not None:
            fields["enterprise"].read_only = True
        return fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        if request is not None and not services.shows_contact(request.user, instance):
            for name in CONTACT_FIELDS:
                data[name] = None
        return data


class NeedFilterSet(BoundedFilterSet):
    status = django_filters.ChoiceFilter(choices=TechnologyNeed.Status.choices)
    q = django_filters.CharFilter(method="filter_board", max_length=50, label="关键词")
    industry = django_filters.CharFilter(method="filter_board", max_length=8, label="产业代码")
    province = django_filters.CharFilter(method="filter_board", max_length=6, label="企业所在省份代码")

    class Meta:
        model = TechnologyNeed
        fields = ["status", "q", "industry", "province"]

    def filter_board(self, queryset, name, value):
        # Applied once, for all three board filters together (the board's own rules).
        if getattr(self, "_board_done", False):
            return queryset
        self._board_done = True
        query = BoardQuery.from_params(self.data)
        if not (query.text or query.industry or query.province):
            return queryset
        return queryset.filter(pk__in=board_needs(self.request.user, query).values("pk"))


class NeedViewSet(ScopedViewSetMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Technology needs: an institution reads the open ones, a province its enterprises', an
    enterprise its own. The enterprise (and its province's office) create and change them, and
    close or reopen them; there is no delete."""

    queryset = TechnologyNeed.objects.select_related("enterprise")
    serializer_class = NeedSerializer
    filterset_class = NeedFilterSet

    def _run(self, call):
        try:
            return call()
        except services.NeedError as error:
            raise ValidationError({name: [message] for name, message in error.errors.items()}) from None
        except DjangoPermissionDenied:
            raise Http404 from None

    def _editable(self) -> TechnologyNeed:
        need = TechnologyNeed.objects.editable_by(self.request.user).filter(pk=self.kwargs["pk"]).first()
        if need is None:
            raise Http404
        return need

    def create(self, request, *args, **kwargs):
        form = self.get_serializer(data=request.data)
        form.is_valid(raise_exception=True)
        enterprise = form.validated_data.get("enterprise") or services.enterprises_for(request.user).filter(
            pk=request.user.organization_id).first()
        if enterprise is None:
            raise ValidationError({"enterprise": [_("请指定企业")]})
        need = self._run(lambda: services.create_need(request.user, enterprise, form.validated_data, request=request))
        return Response(self.get_serializer(need).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        need = self._editable()
        form = self.get_serializer(need, data=request.data, partial=kwargs.get("partial", False))
        form.is_valid(raise_exception=True)
        values = {**{name: getattr(need, name) for name in services.NEED_FIELDS}, **form.validated_data}
        need = self._run(lambda: services.update_need(request.user, need, values, request=request))
        return Response(self.get_serializer(need).data)

    def _status(self, request, wanted: str) -> Response:
        need = self._editable()
        try:
            need = services.set_need_status(request.user, need, wanted, request=request)
        except services.NeedError as error:
            return Response({"detail": "; ".join(error.errors.values())}, status=status.HTTP_409_CONFLICT)
        except DjangoPermissionDenied:
            raise Http404 from None
        return Response(self.get_serializer(need).data)

    @extend_schema(request=None, responses={200: NeedSerializer, 409: ApiErrorSerializer})
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None, format=None):
        return self._status(request, TechnologyNeed.Status.CLOSED)

    @extend_schema(request=None, responses={200: NeedSerializer, 409: ApiErrorSerializer})
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None, format=None):
        return self._status(request, TechnologyNeed.Status.OPEN)


class OfferSerializer(serializers.Serializer):
    need = serializers.IntegerField(min_value=1, max_value=10**18 - 1)
    patents = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=10**18 - 1),
                                    min_length=1, max_length=offers.MAX_OFFER)


class OfferResultSerializer(serializers.Serializer):
    pushes = serializers.ListField(child=serializers.IntegerField())


class OfferViewSet(viewsets.GenericViewSet):
    """An institution answers an open need with patents of its own from the resource library
    (`POST {"need": id, "patents": [id, ...]}`): each becomes a push to the need's enterprise. All
    or nothing: 400 with every reason when any patent may not be offered."""

    serializer_class = OfferSerializer

    @extend_schema(request=OfferSerializer, responses={201: OfferResultSerializer, 400: ApiErrorSerializer})
    def create(self, request, *args, **kwargs):
        form = OfferSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        need = TechnologyNeed.objects.visible_to(request.user).filter(pk=form.validated_data["need"]).first()
        if need is None:
            raise Http404
        try:
            pushes = offers.offer_patents(request.user, need, form.validated_data["patents"], request=request)
        except offers.OfferError as error:
            raise ValidationError({"patents": error.problems}) from None
        except DjangoPermissionDenied:
            raise Http404 from None
        return Response({"pushes": [push.pk for push in pushes]}, status=status.HTTP_201_CREATED)


def register(router: DefaultRouter) -> None:
    """Register this area's viewsets."""
    router.register("matching/profiles", ProfileViewSet, basename="matching-profile")
    router.register("matching/needs", NeedViewSet, basename="matching-need")
    router.register("matching/offers", OfferViewSet, basename="matching-offer")
