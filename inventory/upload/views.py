"""Pages of the institution's standard-format upload: upload, follow the validation, read the
preview (counts, changes, every error), commit or cancel; the list and detail of every upload;
template downloads and "my patents pre-filled".

Batches are read through `ImportBatch.objects.visible_to(user)` (the institution its own, the
operator all): anything else is a 404. Commit and cancel go through
`ImportBatch.objects.editable_by(user)`: the uploader, or an admin over the uploader. The steps are
those of the one import pipeline (ground.imports) with the format inventory.upload.importer.INVENTORY.
"""


from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import role_required
from accounts.exports import export_response
from accounts.roles import Role
from ground import imports
from ground.forms import SheetFileForm
from ground.imports import problems as upload_errors
from inventory.choices import Disposal, Intent, ReviewState
from inventory.models import ImportBatch, InventoryChange, InventoryRecord
from inventory.patents import BaseLibraryTemplate
from inventory.records import INDUSTRIES, InventoryFormat
from inventory.upload import plan as upload_plan
from inventory.upload import services as upload
from inventory.upload.exports import ImportErrorReport, ImportFile, InventoryPrefilled, InventoryTemplate
from inventory.upload.importer import INVENTORY

RUNNING = (ImportBatch.Status.UPLOADED, ImportBatch.Status.VALIDATING, ImportBatch.Status.COMMITTING)
PAGE_SIZE = 50
CHANGES_PAGE_SIZE = 20  # a record's changes take a few lines each


def _batches(user):
    return upload.inventory_batches().visible_to(user)


class InventoryUploadForm(SheetFileForm):
    file_label = gettext_lazy("盘点结果文件")
    file_help = gettext_lazy("Excel(.xlsx)或 CSV 文件,格式见数据标准第 3 节;可先下载模板或“我的专利”预填表")


@login_required
@require_GET
def upload_list(request: HttpRequest) -> HttpResponse:
    """Every inventory upload in the user's scope: an institution its own, the operator all; with
    `?show=attention`, those that failed lately or stalled."""
    attention = request.GET.get("show") == "attention"
    batches = upload.batches_needing_attention(request.user) if attention else _batches(request.user)
    page = Paginator(batches.select_related("organization", "created_by"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "inventory/upload/batch_list.html", {
        "page_obj": page, "attention": attention, "total": page.paginator.count, "batches": page.object_list,
        "can_upload": upload.can_upload(request.user),
        "visible_creators": upload.visible_creators(request.user, page.object_list),
    })


@role_required(Role.INSTITUTION)
@never_cache
def upload_new(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = InventoryUploadForm(request.POST, request.FILES)
        if form.is_valid() and (batch := imports.receive(INVENTORY, request, form)) is not None:
            return redirect("inventory:upload_detail", pk=batch.pk)
    else:
        form = InventoryUploadForm()
    return render(request, "inventory/upload/upload_new.html", {
        "form": form, "columns": InventoryFormat().columns,
        "recent": _batches(request.user).select_related("created_by")[:5],
    })


def _display(field: str, value: object) -> str:
    """A record field's value as the preview shows it."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if field == "intents":
        return "、".join(str(Intent(v).label) if v in Intent.values else str(v) for v in value)
    if field == "industry_codes":
        return "、".join(f"{code} {INDUSTRIES.get(code, '')}".strip() for code in value)
    if field == "disposal":  # stored as its code, without model choices
        return str(Disposal(value).label) if value in Disposal.values else str(value)
    if field in {"status", "in_library"} or isinstance(value, str):
        choices = dict(InventoryRecord._meta.get_field(field).flatchoices)
        return str(choices.get(value, value))
    return str(value)


def _label(field: str) -> str:
    return str(InventoryRecord._meta.get_field(field).verbose_name)


def _change_items(changes: dict) -> list[dict]:
    return [{"field": _label(name), "old": _display(name, old), "new": _display(name, new),
             "was_blank": old in (None, "", [])}
            for name, (old, new) in changes.items()]


class _PlanPages:
    """A stand-in sequence of the plan's length, so that Paginator can page it without reading it."""
    def __init__(self, length: int) -> None:
        self.length = length

    def __len__(self) -> int:
        return self.length

    def __getitem__(self, index) -> list:
        return []


def _planned_changes(batch: ImportBatch, user, page_number) -> tuple[object, list[dict]]:
    """Before the commit: the plan's lines (field, old value → new value), one page of them."""
    counts = batch.counts or {}
    paginator = Paginator(_PlanPages(counts.get("new", 0) + counts.get("updated", 0)), CHANGES_PAGE_SIZE)
    page = paginator.get_page(page_number)
    lines = upload_plan.plan_page(batch, page.start_index() - 1, page.end_index()) if paginator.count else []
    fields = counts.get("fields", [])
    current = {
        values["id"]: values
        for values in InventoryRecord.objects.visible_to(user).filter(pk__in=[line["id"] for line in lines])
        .values("id", "patent__title", "status", "in_library", "review_state", *fields)
    }
    items = []
    for line in lines:
        old = current.get(line["id"])
        if old is None:
            continue
        items.append({"row": line["row"], "number": line["number"], "title": old["patent__title"],
                      "new": line["status_before"] != "inventoried",
                      "changes": _change_items(upload_plan.planned_changes(fields, old, line))})
    return page, items


def _committed_changes(batch: ImportBatch, page_number) -> tuple[object, list[dict]]:
    """After the commit: the history rows the batch wrote."""
    changes = InventoryChange.objects.filter(batch=batch).select_related("record__patent").order_by("id")
    page = Paginator(changes, CHANGES_PAGE_SIZE).get_page(page_number)
    items = [{"row": None, "number": c.record.patent.application_number, "title": c.record.patent.title,
              "new": "status" in c.changes, "changes": _change_items(c.changes)} for c in page.object_list]
    return page, items


def _review_moves(counts: dict) -> list[dict]:
    """What the commit does (or did) to review states, as the preview lists it: before, after, how many."""
    labels = dict(ReviewState.choices)
    moves = []
    for move, n in sorted((counts.get("review_moves") or {}).items()):
        before, _sep, after = move.partition(">")
        moves.append({"before": labels.get(before, before), "after": labels.get(after, after), "n": n})
    return moves


@login_required
@require_GET
def upload_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(_batches(request.user).select_related("organization", "created_by"), pk=pk)
    running = batch.status in RUNNING
    context = {
        "batch": batch,
        "running": running,
        "can_act": upload.inventory_batches().editable_by(request.user).filter(pk=batch.pk).exists(),
        "creator_visible": bool(upload.visible_creators(request.user, [batch])),
        "has_report": batch.status != ImportBatch.Status.FAILED and upload_errors.has_error_report(batch),
        "counts": batch.counts or {},
        "review_moves": _review_moves(batch.counts or {}),
        # The file may be gone (removed from the volume, or a restored database without its media).
        "has_file": bool(batch.file) and batch.file.storage.exists(batch.file.name),
    }
    if not running and batch.status not in {ImportBatch.Status.FAILED}:
        if batch.status == ImportBatch.Status.COMMITTED:
            changes_page, changes = _committed_changes(batch, request.GET.get("changes"))
        elif batch.status == ImportBatch.Status.VALIDATED:
            changes_page, changes = _planned_changes(batch, request.user, request.GET.get("changes"))
        else:
            changes_page, changes = None, []
        errors_page = Paginator(batch.errors or [], PAGE_SIZE).get_page(request.GET.get("errors"))
        context.update(changes_page=changes_page, changes=changes, errors_page=errors_page,
                       show_changes=changes_page is not None)
    return render(request, "inventory/upload/batch_detail.html", context)


@login_required
@require_GET
@never_cache
def upload_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress partial the detail page polls (htmx, every second); when the work is done it
    asks the page to reload and show the preview."""
    batch = get_object_or_404(_batches(request.user), pk=pk)
    response = render(request, "inventory/upload/upload_progress.html", {
        "batch": batch, "running": batch.status in RUNNING,
        "can_act": upload.inventory_batches().editable_by(request.user).filter(pk=batch.pk).exists()})
    if batch.status not in RUNNING:
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_POST
def upload_commit(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(upload.inventory_batches().editable_by(request.user), pk=pk)
    all_or_nothing = request.POST.get("mode") == "all_or_nothing"
    try:
        batch = imports.request_commit(INVENTORY, actor=request.user, batch=batch, all_or_nothing=all_or_nothing,
                                       request=request)
    except upload.UploadError as error:
        messages.error(request, str(error))
    except ImportBatch.DoesNotExist:
        raise Http404 from None
    else:
        if batch.status == ImportBatch.Status.COMMITTED:
            counts = batch.counts
            messages.success(request, _("已导入:新盘点 %(new)d 条,更新 %(updated)d 条,未变化 %(unchanged)d 条") % {
                "new": counts.get("new", 0), "updated": counts.get("updated", 0),
                "unchanged": counts.get("unchanged", 0)})
    return redirect("inventory:upload_detail", pk=pk)


@login_required
@require_POST
def upload_retry(request: HttpRequest, pk: int) -> HttpResponse:
    """Validate again a kept upload whose validation could not be queued."""
    batch = get_object_or_404(upload.inventory_batches().editable_by(request.user), pk=pk)
    try:
        imports.retry(INVENTORY, actor=request.user, batch=batch, request=request)
    except upload.UploadError as error:
        messages.error(request, str(error))
    return redirect("inventory:upload_detail", pk=pk)


@login_required
@require_POST
def upload_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(upload.inventory_batches().editable_by(request.user), pk=pk)
    try:
        imports.cancel(INVENTORY, actor=request.user, batch=batch, request=request)
    except upload.UploadError as error:
        messages.error(request, str(error))
    else:
        messages.info(request, _("已取消该批次,没有写入任何数据"))
    return redirect("inventory:upload_detail", pk=pk)


@login_required
@require_GET
def upload_report(request: HttpRequest, pk: int) -> HttpResponse:
    """The error report (.xlsx), served by the view (not /media/): it names patents."""
    return export_response(ImportErrorReport, request, pk=pk)


@login_required
@require_GET
def upload_file(request: HttpRequest, pk: int) -> HttpResponse:
    """The file as uploaded, for review."""
    return export_response(ImportFile, request, pk=pk)


@login_required
@require_GET
def template_inventory(request: HttpRequest) -> HttpResponse:
    return export_response(InventoryTemplate, request)


@login_required
@require_GET
def template_base_library(request: HttpRequest) -> HttpResponse:
    """The base library format's blank template (DATA-STANDARD.md §2)."""
    return export_response(BaseLibraryTemplate, request)


@role_required(Role.INSTITUTION)
@require_GET
def export_prefilled(request: HttpRequest) -> HttpResponse:
    return export_response(InventoryPrefilled, request)
