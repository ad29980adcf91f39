"""The platform operator's base library pages: upload a file, follow its validation, read the
preview (counts, every problem by row and column, the error report, the unmatched patentees),
confirm or cancel it (ground.imports), follow the commit, and add an alias for a patentee that
matched no institution.

Only the operator (role "operator") reaches them; everyone else gets 403. Batches are read
through `ImportBatch.objects.visible_to(user)`, so a batch outside the scope is a 404.
"""


from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from accounts.decorators import role_required
from accounts.exports import export_response
from accounts.identifiers import is_valid_credit_code, normalize_credit_code
from accounts.models import Organization
from accounts.roles import Role
from ground import imports
from ground.forms import SheetFileForm
from ground.imports.problems import has_error_report
from ground.uploads import UploadError, check_upload_size
from inventory.models import ImportBatch
from inventory.patents import patentees
from inventory.patents.base_library import BASE_LIBRARY, TOO_LARGE, base_library_batches, batches_to_act_on
from inventory.patents.base_library_format import BaseLibraryFormat
from inventory.patents.exports import BaseLibraryErrorReport

RECENT_BATCHES = 10
ERRORS_PER_PAGE = 100
RUNNING = (ImportBatch.Status.UPLOADED, ImportBatch.Status.VALIDATING, ImportBatch.Status.COMMITTING)


class UploadForm(SheetFileForm):
    file_label = gettext_lazy("基础库文件")
    file_help = gettext_lazy("Excel(.xlsx)或 CSV 文件,格式见数据标准第 2 节")
    too_large = TOO_LARGE


def _upload_form(request: HttpRequest) -> UploadForm:
    """The bound form; a body announced as larger than the limit is refused before it is read,
    so a 2 GB file is not first spooled to disk to be refused afterwards."""
    declared = request.META.get("CONTENT_LENGTH", "")
    # The multipart envelope adds a little to the file itself.
    if declared.isdigit() and int(declared) > settings.UPLOAD_MAX_BYTES + 64 * 1024:
        form = UploadForm(data={})
        form.full_clean()
        form.errors.clear()  # not "required": the file was there, only too large
        try:
            check_upload_size(int(declared), too_large=TOO_LARGE)
        except UploadError as error:
            form.add_error("file", ValidationError(str(error), code="too_large"))
        return form
    return UploadForm(request.POST, request.FILES)


def _batches(user):
    return base_library_batches().visible_to(user)


def _url(batch_id: int) -> str:
    return f"{reverse('inventory:base_library')}?batch={batch_id}"


@role_required(Role.OPERATOR)
@require_http_methods(["GET", "POST"])
def base_library(request: HttpRequest) -> HttpResponse:
    """GET: the upload form, recent batches and (?batch=) one batch's progress, preview or result;
    POST: keep the file and validate it (a task above the threshold: the page polls)."""
    if request.method == "POST":
        form = _upload_form(request)
        if form.is_valid() and (batch := imports.receive(BASE_LIBRARY, request, form)) is not None:
            return redirect(_url(batch.pk))
    else:
        form = UploadForm()
    batch = None
    if request.GET.get("batch", "").isdigit():
        batch = get_object_or_404(_batches(request.user), pk=int(request.GET["batch"]))
        if request.GET.get("download") == "report":
            # Served by the view, not /media/: the report names patents and patentees.
            return export_response(BaseLibraryErrorReport, request, pk=batch.pk)
        if request.GET.get("partial") == "progress":
            can_act = base_library_batches().editable_by(request.user).filter(pk=batch.pk).exists()
            response = render(request, "inventory/patents/base_library_progress.html",
                              {"batch": batch, "can_retry": can_act})
            if batch.status not in RUNNING:
                response["HX-Refresh"] = "true"  # done: reload the page to show the preview or the result
            return response
    return render(request, "inventory/patents/base_library_import.html", _context(request, form, batch))


def _context(request: HttpRequest, form: UploadForm, batch: ImportBatch | None) -> dict:
    counts = (batch.counts or {}) if batch else {}
    errors = Paginator(batch.errors or [] if batch else [], ERRORS_PER_PAGE).get_page(request.GET.get("errors"))
    return {
        "form": form,
        "batch": batch,
        "counts": counts,
        "running": batch is not None and batch.status in RUNNING,
        "errors_page": errors,
        "unmatched": [{"value": name, "count": count, "row": row}
                      for name, count, row in counts.get("unmatched_names", [])],
        "has_report": batch is not None and has_error_report(batch),
        "can_act": batch is not None and batch.status == ImportBatch.Status.VALIDATED
        and base_library_batches().editable_by(request.user).filter(pk=batch.pk).exists(),
        "can_retry": batch is not None and batch.status in RUNNING
        and base_library_batches().editable_by(request.user).filter(pk=batch.pk).exists(),
        **_batch_list(request),
        "columns": BaseLibraryFormat.columns,
    }


def _batch_list(request: HttpRequest) -> dict:
    """The recent batches, or with `?show=attention` every batch waiting for someone (batches_to_act_on)."""
    if request.GET.get("show") == "attention":
        waiting = list(batches_to_act_on(request.user).select_related("created_by"))
        return {"attention": True, "recent": waiting}
    return {"attention": False, "recent": _batches(request.user).select_related("created_by")[:RECENT_BATCHES]}


def _act(request: HttpRequest, pk: int, action, done: str, **options) -> HttpResponse:
    batch = get_object_or_404(base_library_batches().editable_by(request.user), pk=pk)
    try:
        action(BASE_LIBRARY, actor=request.user, batch=batch, request=request, **options)
    except UploadError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, done)
    return redirect(_url(pk))


@role_required(Role.OPERATOR)
@require_POST
def base_library_commit(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm the preview: the plan is applied in one transaction (a task above the threshold)."""
    return _act(request, pk, imports.request_commit, _("已确认导入基础库"),
                all_or_nothing=request.POST.get("all_or_nothing") == "1")


@role_required(Role.OPERATOR)
@require_POST
def base_library_retry(request: HttpRequest, pk: int) -> HttpResponse:
    """Validate again a kept file whose validation could not be queued."""
    return _act(request, pk, imports.retry, _("已重新开始校验"))


@role_required(Role.OPERATOR)
@require_POST
def base_library_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, imports.cancel, _("已取消该批次,没有写入任何数据"))


class AliasForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("专利权人名称(别名)"), max_length=128,
                           widget=forms.TextInput(attrs={"class": "form-control"}))
    institution = forms.CharField(
        label=gettext_lazy("对应的高校或科研机构"), max_length=128,
        help_text=gettext_lazy("填写机构的正式名称或统一社会信用代码"),
        widget=forms.TextInput(attrs={"class": "form-control", "list": "pn-institution-suggestions"}),
    )
    batch = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def clean_institution(self) -> Organization:
        raw = self.cleaned_data["institution"].strip()
        institutions = patentees.institutions_for_alias()
        found = institutions.filter(name=raw).first()
        if found is None and is_valid_credit_code(raw):
            found = institutions.filter(credit_code=normalize_credit_code(raw)).first()
        if found is None:
            # Typed with other brackets or spaces: compare as the matcher does (a few thousand names).
            key = patentees.normalize_name(raw)
            found = next((org for org in institutions.iterator() if patentees.normalize_name(org.name) == key), None)
        if found is None:
            raise ValidationError(_("没有名称或统一社会信用代码为“%(value)s”的高校或科研机构") % {"value": raw})
        return found


def _common_prefix(a: str, b: str) -> int:
    length = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        length += 1
    return length


def suggestions(name: str, limit: int = 8) -> list[Organization]:
    """Institutions the patentee probably is: names contained in it (北京大学 in 北京大学深圳研究生院)
    first, then those sharing its longest beginning."""
    key = patentees.normalize_name(name)
    scored: list[tuple[int, str, Organization]] = []
    for org in patentees.institutions_for_alias().only("pk", "name", "credit_code").iterator():
        other = patentees.normalize_name(org.name)
        common = _common_prefix(key, other)
        if other in key or key in other:
            scored.append((100 + len(other), org.name, org))
        elif common >= 2:
            scored.append((common, org.name, org))
    scored.sort(key=lambda item: (-item[0], item[1]))
    return [org for _score, _name, org in scored[:limit]]


@role_required(Role.OPERATOR)
@require_http_methods(["GET", "POST"])
def add_alias(request: HttpRequest) -> HttpResponse:
    """Add an OrganizationAlias for an institution, typically from an unmatched patentee of a run."""
    if request.method == "POST":
        form = AliasForm(request.POST)
        if form.is_valid():
            try:
                alias = patentees.add_alias(
                    actor=request.user, institution=form.cleaned_data["institution"],
                    name=form.cleaned_data["name"], request=request,
                )
            except ValidationError as error:
                form.add_error("name", error)
            else:
                messages.success(request, _("已将“%(alias)s”添加为“%(org)s”的别名;重新导入基础库即可关联该专利权人。")
                                 % {"alias": alias.name, "org": alias.organization.name})
                batch = form.cleaned_data.get("batch")
                target = reverse("inventory:base_library") + (f"?batch={batch}" if batch else "")
                return redirect(target)
    else:
        batch = request.GET.get("batch", "")
        form = AliasForm(initial={
            "name": request.GET.get("name", ""), "institution": request.GET.get("institution", ""),
            "batch": batch if batch.isdigit() else None,
        })
    name = form["name"].value() or ""
    return render(request, "inventory/patents/base_library_alias.html", {
        "form": form, "suggestions": suggestions(name) if name else [],
    })
