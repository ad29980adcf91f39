"""Pages of the indicator system: every role that evaluates or reads evaluations reads the tree;
the platform publishes a new version (evaluation.indicators.services.publish_version)."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.decorators import role_required
from accounts.roles import Role
from evaluation.indicators import services
from evaluation.indicators.models import IndicatorSystem

READERS = (Role.OPERATOR, Role.MINISTRY, Role.PROVINCE, Role.INSTITUTION, Role.ENTERPRISE, Role.EXPERT)


def _page(request: HttpRequest, system: IndicatorSystem | None) -> HttpResponse:
    versions = IndicatorSystem.objects.visible_to(request.user).order_by("-version")[:50]
    return render(request, "evaluation/indicators/system.html", {
        "system": system, "versions": versions, "can_publish": services.may_publish(request.user)})


@role_required(*READERS)
@require_GET
def indicator_current(request: HttpRequest) -> HttpResponse:
    """The current version's tree: dimensions, indicators, weights and guidance."""
    return _page(request, services.current_system())


@role_required(*READERS)
@require_GET
def indicator_system_detail(request: HttpRequest, pk: int) -> HttpResponse:
    system = get_object_or_404(services.with_tree(IndicatorSystem.objects.visible_to(request.user)), pk=pk)
    return _page(request, system)


def values_from_post(post, base: IndicatorSystem) -> dict:
    """The form's fields as the values publish_version takes (the base version's shape)."""
    return {
        "name": post.get("name", ""), "scenario": post.get("scenario", ""), "note": post.get("note", ""),
        "dimensions": [{
            "code": d.code, "name": post.get(f"dimension_{d.code}_name", ""),
            "weight": post.get(f"dimension_{d.code}_weight", ""),
            "indicators": [{
                "code": i.code, "name": post.get(f"indicator_{d.code}_{i.code}_name", ""),
                "weight": post.get(f"indicator_{d.code}_{i.code}_weight", ""),
                "guidance": post.get(f"indicator_{d.code}_{i.code}_guidance", ""),
            } for i in d.indicators.all()],
        } for d in base.dimensions.all()],
    }


@role_required(Role.OPERATOR)
def indicator_publish(request: HttpRequest) -> HttpResponse:
    """A new version, edited from the current one; it becomes current once published."""
    base = services.current_system()
    errors: dict[str, str] = {}
    values = services.tree_values(base) if base else {}
    if request.method == "POST" and base is not None:
        values = values_from_post(request.POST, base)
        try:
            system = services.publish_version(request.user, values, request=request)
        except services.IndicatorError as error:
            errors = error.errors
        else:
            messages.success(request, _("已发布指标体系第 %(v)d 版,新评价将使用该版本") % {"v": system.version})
            return redirect("evaluation:indicator_system_detail", pk=system.pk)
    return render(request, "evaluation/indicators/publish.html",
                  {"base": base, "values": values, "errors": errors}, status=400 if errors else 200)
