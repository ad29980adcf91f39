from patentnavi.scoped_views import ScopedListView

from .models import Patent


class PatentListView(ScopedListView):
    queryset = Patent.objects.select_related("inventory").order_by("-grant_date", "id")
    template_name = "inventory/patent_list.html"
