"""Pages of the progress reports: the list of the user's reports with the form asking for one, a
job's progress (polled by htmx until its file is ready) and the download (audited, scoped).

Every job is read through `ReportJob.objects.visible_to(user)`: another organisation's job is a 404.
"""

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from accounts.decorators import role_required
from accounts.exports import export_response
from accounts.roles import Role
from reporting.reports import services
from reporting.reports.data import audience_of
from reporting.reports.exports import ProgressReport
from reporting.reports.forms import ReportRequestForm
from reporting.reports.models import ReportJob

READERS = (Role.MINISTRY, Role.PROVINCE, Role.OPERATOR)
PAGE_SIZE = 20


@role_required(*READERS)
@require_http_methods(["GET", "POST"])
def report_list(request: HttpRequest) -> HttpResponse:
    """The reports the user's organisation asked for, newest first, and the form asking for one."""
    audience = audience_of(request.user)
    quarters = services.quarters_with_runs()
    form = ReportRequestForm(request.POST or None, initial={"quarter": quarters[0] if quarters else ""})
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            job = services.request_report(request.user, kind=form.cleaned_data["kind"],
                                          quarter=form.cleaned_data["quarter"])
        except services.ReportError as error:
            form.add_error("quarter", str(error))
        else:
            return redirect("reporting:report_job", pk=job.pk)
    if request.method == "POST":
        status = 400
    page = Paginator(services.jobs_for(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "reporting/reports/list.html", {
        "form": form, "quarters": quarters, "audience": audience, "page_obj": page,
    }, status=status)


@role_required(*READERS)
@require_GET
def report_job(request: HttpRequest, pk: int) -> HttpResponse:
    """One job: its progress while it is built (the fragment htmx polls), then its download link."""
    job = get_object_or_404(ReportJob.objects.visible_to(request.user).select_related("created_by"), pk=pk)
    template = "reporting/reports/_progress.html" if request.headers.get("HX-Request") else \
        "reporting/reports/job.html"
    return render(request, template, {"job": job})


@role_required(*READERS)
@require_GET
def report_download(request: HttpRequest, pk: int) -> HttpResponse:
    return export_response(ProgressReport, request, pk=pk)
