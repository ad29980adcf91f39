"""The national / provincial / ministry view of progress against the milestones."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.decorators import role_required
from accounts.roles import Role
from inventory.milestones import services as milestones

SORTS = {
    "name": (lambda row: row.institution.name, False),
    "percent": (lambda row: row.percent, False),
    "total": (lambda row: row.total, True),
    "overdue": (lambda row: row.new_overdue, True),
    "sleeping": (lambda row: row.sleeping, True),
    "behind": (lambda row: (not row.behind, row.percent), False),
}
FILTERS = {"all", "behind", "on_track"}


@role_required(Role.OPERATOR, Role.MINISTRY, Role.PROVINCE)
def milestone_progress(request: HttpRequest) -> HttpResponse:
    result = milestones.progress_overview(request.user)
    sort = request.GET.get("sort") if request.GET.get("sort") in SORTS else "behind"
    shown = request.GET.get("show") if request.GET.get("show") in FILTERS else "all"
    key, descending = SORTS[sort]
    rows = sorted(result.rows, key=key, reverse=descending)
    if shown == "behind":
        rows = [row for row in rows if row.behind]
    elif shown == "on_track":
        rows = [row for row in rows if not row.behind]
    names = list(result.by_milestone)
    chart = {
        "names": names,
        "met": [result.by_milestone[name]["met"] for name in names],
        "behind": [result.by_milestone[name]["behind"] for name in names],
        "pending": [result.by_milestone[name]["pending"] for name in names],
    }
    return render(request, "inventory/milestones/milestones_progress.html", {
        "overview": result,
        "rows": rows,
        "sort": sort,
        "show": shown,
        "chart": chart,
        "milestones": milestones.active_milestones(),
    })
