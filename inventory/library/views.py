"""Pages of the conversion resource library (专利转化资源库): browse with facet counts and charts,
an entry's detail, and the owning institution's listing-quality page (挂牌信息完整度).

Every entry is read through `library.library_records(user, …)` (the national library scope);
the quality page through `InventoryRecord.objects.editable_by(user)`: the entries the institution lists.
"""

from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.decorators import role_required
from accounts.roles import Role
from ground.reads import note_personal_read
from inventory.library import listing
from inventory.library import services as library
from inventory.models import InventoryRecord
from inventory.patents import own_patent_ids
from inventory.patents.models import LIBRARY_ROLES

PAGE_SIZE = 20
QUALITY_PAGE_SIZE = 50
# The sidebar's filters, in the order a buyer narrows down.
FACET_LABELS = (
    ("industry", _("产业")),
    ("maturity", _("技术成熟度")),
    ("prospect", _("产业化前景")),
    ("intent", _("转化意愿")),
    ("license_type", _("许可方式")),
    ("patent_type", _("专利类型")),
    ("province", _("省份")),
    ("institution", _("单位")),
)


def _page(request: HttpRequest, items, size: int):
    return Paginator(items, size).get_page(request.GET.get("page"))


def _query_without(request: HttpRequest, *names: str) -> str:
    """The current query string without `names` (and without the page), for filter links."""
    query = request.GET.copy()
    for name in (*names, "page"):
        query.pop(name, None)
    return query.urlencode()


@role_required(*LIBRARY_ROLES)
def library_browse(request: HttpRequest) -> HttpResponse:
    params = library.parse_params(request.GET)
    records = library.library_records(request.user, params)
    page = _page(request, library.with_card_data(records), PAGE_SIZE)
    counts = library.cached_facets(params, records)
    facets = [
        {"name": name, "label": label, "options": counts[name], "selected": str(params.active().get(name, "")),
         "base": _query_without(request, name)}
        for name, label in FACET_LABELS
    ]
    chart = {
        "industry": [{"name": o.label, "value": o.count} for o in counts["industry"]],
        "maturity": [{"name": o.label, "value": o.count} for o in counts["maturity"]],
    }
    return render(request, "inventory/library/library_browse.html", {
        "page_obj": page, "cards": _cards(request, page.object_list),
        "facets": facets, "chart": chart, "params": params, "active": params.active(),
        "page_query": _query_without(request), "q_base": _query_without(request, "q"),
    })


@role_required(*LIBRARY_ROLES)
def library_detail(request: HttpRequest, pk: int) -> HttpResponse:
    record = library.with_card_data(library.library_records(request.user)).filter(patent_id=pk).first()
    if record is None:
        raise Http404
    card = library.card(request.user, record)
    note_personal_read(request, InventoryRecord._meta.label_lower, int(card.shows_contacts))
    return render(request, "inventory/library/library_detail.html", {
        "card": card, "record": record, "patent": record.patent, "workbench_url": _workbench_url(record),
        "criteria": listing.CRITERIA,
    })


@role_required(Role.INSTITUTION)
def library_quality(request: HttpRequest) -> HttpResponse:
    """The institution's own library entries, the least complete first, with what each lacks."""
    # Its entries are those it lists and may correct: the records it edits (a department's staff:
    # the department's), not co-owned patents another institution lists.
    own = InventoryRecord.objects.editable_by(request.user).filter(in_library=True)
    summary = own.aggregate(
        total=Count("pk"), complete=Count("pk", filter=Q(listing_score=100)),
        **{f"missing_{c.key}": Count("pk", filter=~c.condition()) for c in listing.CRITERIA},
    )
    page = _page(request, own.select_related("patent").order_by("listing_score", "patent_id"), QUALITY_PAGE_SIZE)
    rows = [{"record": r, "missing": listing.missing(r), "workbench_url": _workbench_url(r)}
            for r in page.object_list]
    lacking = [{"criterion": c, "count": summary[f"missing_{c.key}"]} for c in listing.CRITERIA]
    return render(request, "inventory/library/library_quality.html", {
        "page_obj": page, "rows": rows, "summary": summary, "lacking": lacking, "page_query": "",
    })


def _cards(request: HttpRequest, records) -> list:
    """The records' cards; those showing a contact unmasked are noted as reads of personal data."""
    user = request.user
    own = own_patent_ids(user, [record.patent_id for record in records])
    cards = [library.card(user, record, own=record.patent_id in own) for record in records]
    note_personal_read(request, InventoryRecord._meta.label_lower, sum(card.shows_contacts for card in cards))
    return cards


def _workbench_url(record: InventoryRecord) -> str:
    """The workbench's page of the patent."""
    return reverse("inventory:patent_detail", args=[record.patent_id])
