"""API building blocks shared by every app's `api/` package."""

from rest_framework import serializers
from rest_framework.pagination import CursorPagination
from rest_framework.routers import DefaultRouter

from ground.reads import note_bulk_read


class NotesBulkReads:
    """A pagination that notes a page above API_BULK_READ_THRESHOLD objects as a bulk read
    (ground.reads, written to the audit log at the end of the request)."""

    def paginate_queryset(self, queryset, request, view=None):
        page = super().paginate_queryset(queryset, request, view)
        if page is not None:
            note_bulk_read(request, queryset.model._meta.label_lower, len(page))
        return page


class KeysetPagination(NotesBulkReads, CursorPagination):
    """Keyset (cursor) pagination: constant cost per page however deep, for 1.5 million rows."""

    ordering = "-id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class ScopedViewSetMixin:
    """Every API viewset reads through the model's `visible_to(user)`; out of scope answers 404.

    A concrete viewset declares `queryset` (with its select_related / ordering) and nothing else;
    the scope is applied here, once.
    """

    queryset = None

    def get_queryset(self):
        return self.queryset.visible_to(self.request.user)


class ObjectsContextMixin:
    """Serializer context computed once for the objects a response serialises (one query for a
    page, not one per object): a viewset implements `objects_context(objects) -> dict`."""

    def objects_context(self, objects: list) -> dict:
        return {}

    def get_serializer(self, *args, **kwargs):
        instance = args[0] if args else kwargs.get("instance")
        objects = instance if isinstance(instance, list | tuple) else [instance] if instance is not None else []
        self._objects_context = self.objects_context(list(objects))
        return super().get_serializer(*args, **kwargs)

    def get_serializer_context(self) -> dict:
        return {**super().get_serializer_context(), **getattr(self, "_objects_context", {})}


# A database id in a URL: 1 to 18 digits, which always fits a 64-bit integer column.
ID_PATTERN = r"[0-9]{1,18}"
ID_MAX = 10**18 - 1


class IntegerIdRouter(DefaultRouter):
    """The API's router: a viewset looked up by an integer primary key matches only `ID_PATTERN`
    in its URLs, so `…/abc/` or a 30-digit id is 404 before any view runs, in every route and
    action alike. A viewset with its own `lookup_value_regex` (or a text key) keeps it."""

    def get_lookup_regex(self, viewset, lookup_prefix: str = "") -> str:
        if "lookup_value_regex" in _attributes(viewset) or not _integer_key(viewset):
            return super().get_lookup_regex(viewset, lookup_prefix)
        lookup_url_kwarg = getattr(viewset, "lookup_url_kwarg", None) or getattr(viewset, "lookup_field", "pk")
        return f"(?P<{lookup_prefix}{lookup_url_kwarg}>{ID_PATTERN})"


def _attributes(viewset) -> set[str]:
    return {name for klass in viewset.__mro__ for name in vars(klass)}


def _integer_key(viewset) -> bool:
    queryset = getattr(viewset, "queryset", None)
    if queryset is None:
        return False
    lookup_field = getattr(viewset, "lookup_field", "pk")
    meta = queryset.model._meta
    field = meta.pk if lookup_field == "pk" else meta.get_field(lookup_field)
    return field.get_internal_type() in _INTEGER_TYPES


_INTEGER_TYPES = {"AutoField", "BigAutoField", "SmallAutoField", "IntegerField", "BigIntegerField",
                  "SmallIntegerField", "PositiveIntegerField", "PositiveBigIntegerField", "PositiveSmallIntegerField"}


class IdField(serializers.IntegerField):
    """An object's id in a request body: from 1 to ID_MAX, so that an absurd one is refused (400)
    instead of overflowing the database's integer."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", ID_MAX)
        super().__init__(**kwargs)
