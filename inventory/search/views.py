"""The full-text search page (inventory.search.services does the work)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.decorators import role_required
from accounts.roles import BUSINESS_ROLES
from inventory.search import services as search_service

PAGE_SIZE = 20
MAX_PAGE = 50  # ranked results past the 1,000th are not worth reading; refine the words instead


def _page_number(value: str | None) -> int:
    try:
        return min(max(int(value or 1), 1), MAX_PAGE)
    except ValueError:
        return 1


@role_required(*BUSINESS_ROLES)
def search_page(request: HttpRequest) -> HttpResponse:
    q = (request.GET.get("q") or "").strip()[:200]
    page = _page_number(request.GET.get("page"))
    results = search_service.search_results(request.user, q, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    # A number is looked up as such (search_results), not as words.
    words = [] if results.number else search_service.query_words(q)
    hits, total, capped = results.hits, results.total, results.capped
    last_page = min(MAX_PAGE, max(1, -(-total // PAGE_SIZE)))
    context = {
        "q": q,
        "words": words,
        "number": results.number,
        "hits": hits,
        "total": total,
        "capped": capped,
        "page": page,
        "previous_page": page - 1 if page > 1 else None,
        "next_page": page + 1 if page < last_page else None,
        "last_page": last_page,
        "first_rank": (page - 1) * PAGE_SIZE + 1,
    }
    # htmx swaps only the results when the box is typed into.
    partial = request.headers.get("HX-Request")
    template = "inventory/search/search_results.html" if partial else "inventory/search/search_page.html"
    return render(request, template, context)
