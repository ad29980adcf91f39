"""The industries pages: the IPC concordance and the 35 technology fields for everyone signed in
(reference data, not scoped), and the operator's page replacing the concordance from a sheet."""

from django.contrib import messages
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from accounts.decorators import role_required
from accounts.exports import export_response
from accounts.roles import Role, role_of
from ground import imports
from ground.forms import SheetFileForm
from ground.tasks import QueueUnavailable, enqueue
from inventory.classification.concordance import CONCORDANCE, ConcordanceFormat, not_replaced
from inventory.classification.exports import IndustryConcordance
from inventory.classification.services import CLASSIFY_ALL_TASK, concordance_is_provisional
from inventory.models import ImportBatch, Industry, IndustryRule, TechnologyField
from inventory.patents import TOO_LARGE

EVERY_ROLE = tuple(Role.values)


@role_required(*EVERY_ROLE)
def concordance(request: HttpRequest) -> HttpResponse:
    """Sectors, sub-sectors with their rules, and the WIPO fields; a banner while provisional."""
    rules = IndustryRule.objects.order_by("pk")
    sub_sectors = Industry.objects.filter(parent__isnull=False).prefetch_related(Prefetch("rules", queryset=rules))
    sectors = Industry.objects.filter(parent__isnull=True).prefetch_related(
        Prefetch("children", queryset=sub_sectors, to_attr="sub_sectors"))
    context = {
        "sectors": sectors,
        "fields": TechnologyField.objects.all(),
        "provisional": concordance_is_provisional(),
        "rule_count": IndustryRule.objects.count(),
        "source": IndustryRule.objects.order_by("pk").values_list("source", flat=True).first() or "",
        "can_load": role_of(request.user) == Role.OPERATOR,
    }
    return render(request, "inventory/classification/industries_concordance.html", context)


class ConcordanceUploadForm(SheetFileForm):
    file_label = gettext_lazy("参照关系表文件")
    file_help = gettext_lazy("Excel(.xlsx)或 CSV 文件,列为 产业代码、产业名称、IPC、不含、关键词")
    too_large = TOO_LARGE


@role_required(Role.OPERATOR)
@require_http_methods(["GET", "POST"])
def concordance_load(request: HttpRequest) -> HttpResponse:
    """Upload the official table: every row is checked; if all are valid the concordance is
    replaced at once and the patents are re-classified in the background; otherwise the errors
    are listed and nothing changes."""
    batch = None
    form = ConcordanceUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        batch = imports.receive(CONCORDANCE, request, form, one_step=True)
        if batch is not None and batch.status == ImportBatch.Status.COMMITTED:
            try:
                enqueue(CLASSIFY_ALL_TASK)
            except QueueUnavailable:
                messages.warning(request, _("已导入参照关系 %(n)d 条,但后台任务队列暂时无法连接,专利尚未重新分类;"
                                            "请稍后重新导入同一参照关系表以启动重新分类") % {"n": batch.counts["new"]})
            else:
                messages.success(request, _("已导入参照关系 %(n)d 条,正在后台重新分类全部专利")
                                 % {"n": batch.counts["new"]})
            if batch.counts.get("uncovered"):
                messages.warning(request, _("以下产业在表中没有参照关系:%(codes)s") % {
                    "codes": "、".join(batch.counts["uncovered"])})
            return redirect(reverse("inventory:industries"))
    context = {
        "form": form,
        "batch": batch,
        "failure": not_replaced(batch) if batch is not None else "",
        "columns": ConcordanceFormat.columns,
        "provisional": concordance_is_provisional(),
    }
    return render(request, "inventory/classification/industries_load.html", context)


@role_required(*EVERY_ROLE)
@require_GET
def concordance_export(request: HttpRequest) -> HttpResponse:
    return export_response(IndustryConcordance, request)
