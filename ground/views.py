"""Base classes for pages: a concrete view names its queryset; the scope is applied here."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.views.generic import ListView


class ScopedQuerysetMixin(LoginRequiredMixin):
    """Reads through `visible_to(user)`; an object outside the scope is a 404, like a missing one."""

    queryset = None

    def get_queryset(self):
        return self.queryset.visible_to(self.request.user)


class ScopedListView(ScopedQuerysetMixin, ListView):
    paginate_by = 50
