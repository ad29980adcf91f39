"""API of conversions and open-licence declarations: read through `visible_to`, written through the
services (inventory.conversions.services, inventory.conversions.open_licences), which check `editable_by` and the rules.
A broken rule answers 400 with the Chinese message per field; a patent or record out of scope 404."""

import django_filters
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from ground.api import IdField, ScopedViewSetMixin
from ground.api_schema import ApiErrorSerializer
from ground.filters import BoundedFilterSet, IntegerFilter, YearFilter
from inventory.choices import ConversionKind
from inventory.conversions.open_licences import FIELDS as OPEN_LICENCE_FIELDS
from inventory.conversions.open_licences import OpenLicenceError, declare_open_licence, withdraw_open_licence
from inventory.conversions.services import FIELDS as CONVERSION_FIELDS
from inventory.conversions.services import ConversionError, delete_conversion, record_conversion, update_conversion
from inventory.models import Conversion, InventoryChange, OpenLicenseDeclaration, Patent


class ConversionSerializer(serializers.ModelSerializer):
    application_number = serializers.CharField(source="patent.application_number", read_only=True)
    # Looked up by the view among the patents the user records for (404 otherwise); fixed once recorded.
    patent = IdField(source="patent_id")

    class Meta:
        model = Conversion
        fields = ["id", "patent", "application_number", "institution", *CONVERSION_FIELDS, "created_at", "updated_at"]
        read_only_fields = ["institution", "created_at", "updated_at"]

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None:
            fields["patent"].read_only = True
        return fields


class OpenLicenceSerializer(serializers.ModelSerializer):
    application_number = serializers.CharField(source="patent.application_number", read_only=True)
    patent = IdField(source="patent_id")

    class Meta:
        model = OpenLicenseDeclaration
        fields = ["id", "patent", "application_number", "institution", *OPEN_LICENCE_FIELDS, "declared_at",
                  "withdrawn_at"]
        read_only_fields = ["institution", "declared_at", "withdrawn_at"]


class ConversionFilterSet(BoundedFilterSet):
    kind = django_filters.ChoiceFilter(choices=ConversionKind.choices)
    year = YearFilter(field_name="effective_date")
    patent = IntegerFilter(field_name="patent_id")

    class Meta:
        model = Conversion
        fields = ["kind", "year", "patent", "industrialised"]


def _editable_patent(user, patent_id):
    patent = Patent.objects.editable_by(user, "record_conversion").filter(pk=patent_id).first()
    if patent is None:
        raise Http404
    return patent


class ConversionViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    """Conversions in scope (the patent's owners, their ministry and province, the platform).
    The first institution patentee's staff create, change and delete them."""

    queryset = Conversion.objects.select_related("patent")
    serializer_class = ConversionSerializer
    filterset_class = ConversionFilterSet

    def _run(self, call):
        try:
            return call()
        except ConversionError as error:
            raise ValidationError({name or "non_field_errors": [message] for name, message in error.errors.items()}
                                  ) from None
        except DjangoPermissionDenied:
            raise Http404 from None

    def _editable(self) -> Conversion:
        conversion = Conversion.objects.editable_by(self.request.user).filter(pk=self.kwargs["pk"]).first()
        if conversion is None:
            raise Http404
        return conversion

    def create(self, request, *args, **kwargs):
        form = self.get_serializer(data=request.data)
        form.is_valid(raise_exception=True)
        patent = _editable_patent(request.user, form.validated_data["patent_id"])
        conversion = self._run(lambda: record_conversion(request.user, patent, form.validated_data, request=request,
                                                         source=InventoryChange.Source.API))
        return Response(self.get_serializer(conversion).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        conversion = self._editable()
        form = self.get_serializer(conversion, data=request.data, partial=kwargs.get("partial", False))
        form.is_valid(raise_exception=True)
        conversion = self._run(lambda: update_conversion(request.user, conversion, form.validated_data,
                                                         request=request, source=InventoryChange.Source.API))
        return Response(self.get_serializer(conversion).data)

    def destroy(self, request, *args, **kwargs):
        conversion = self._editable()
        self._run(lambda: delete_conversion(request.user, conversion, request=request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class OpenLicenceViewSet(ScopedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Open-licence declarations: standing ones wherever the patent is seen, withdrawn ones on the
    owners' side. The first institution patentee's staff declare (`POST`) and withdraw."""

    queryset = OpenLicenseDeclaration.objects.select_related("patent")
    serializer_class = OpenLicenceSerializer

    def create(self, request, *args, **kwargs):
        form = self.get_serializer(data=request.data)
        form.is_valid(raise_exception=True)
        patent = _editable_patent(request.user, form.validated_data["patent_id"])
        try:
            declaration, warnings = declare_open_licence(request.user, patent, form.validated_data, request=request)
        except OpenLicenceError as error:
            raise ValidationError({name or "non_field_errors": [message] for name, message in error.errors.items()}
                                  ) from None
        return Response({**self.get_serializer(declaration).data, "warnings": warnings},
                        status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: OpenLicenceSerializer, 409: ApiErrorSerializer})
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None, format=None):
        declaration = OpenLicenseDeclaration.objects.editable_by(request.user).filter(pk=pk).first()
        if declaration is None:
            raise Http404
        try:
            declaration = withdraw_open_licence(request.user, declaration, request=request)
        except OpenLicenceError as error:
            return Response({"detail": "; ".join(error.errors.values())}, status=status.HTTP_409_CONFLICT)
        return Response(self.get_serializer(declaration).data)
