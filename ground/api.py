"""API building blocks shared by every app's `api/` package."""

from rest_framework.pagination import CursorPagination

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
