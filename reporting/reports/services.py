"""Progress reports: asking for one, building it (in a Celery task) and what the pages list.

`request_report` checks what is asked (a format, a quarter that exists, has ended and has a run)
and refuses anything else with a Chinese message before anything is written; it records the job
and its audit event together and queues the build once they are committed. `build_report` is the
task's work: the figures read in the asker's scope (data.collect), written in the asked format,
stored privately on the job with the progress kept for the page to poll.
"""

from __future__ import annotations

import datetime
import logging
import time
from collections.abc import Sequence
from tempfile import TemporaryFile

from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import record
from ground.tasks import QueueUnavailable, enqueue
from inventory.milestones import progress_overview
from reporting.cases.models import CaseReport
from reporting.cases.services import cases_for_bulletin
from reporting.reports import bulletin, pdf, xlsx
from reporting.reports.bulletin import BulletinCase, Laggard
from reporting.reports.data import ReportData, audience_of, collect
from reporting.reports.models import JobStatus, ReportJob, ReportKind
from reporting.statistics.models import StatRun
from reporting.statistics.quarters import Quarter, QuarterError

logger = logging.getLogger(__name__)

BUILD_TASK = "reporting.build_report"
# Progress is written at most this often (seconds): a fast build does not write on every step.
PROGRESS_EVERY = 0.5
# A case's text as the bulletin quotes it (the full text stays on the case's page).
CASE_SUMMARY = 400
SUFFIX = {ReportKind.XLSX: "xlsx", ReportKind.PDF: "pdf", ReportKind.DOCX: "docx"}
NAME = {ReportKind.XLSX: "统计报表", ReportKind.PDF: "数据看板", ReportKind.DOCX: "进展通报"}


class ReportError(ValueError):
    """What was asked cannot be built; the message is Chinese and names what is wrong."""


def request_report(user, *, kind: str, quarter: str) -> ReportJob:
    """Record a report of `quarter` in format `kind` for `user`'s scope and queue its build.
    PermissionDenied for a role without reports; ReportError (nothing written) for a format that
    does not exist, a quarter that does not exist, has not ended or has no statistics."""
    audience = audience_of(user)
    if kind not in ReportKind.values:
        raise ReportError(_("“%(value)s”不是可以生成的报告类型,应为统计报表、数据看板或进展通报") % {"value": kind})
    try:
        asked = Quarter.ended(quarter)
    except QuarterError as error:
        raise ReportError(str(error)) from None
    run = StatRun.objects.current(str(asked))
    if run is None:
        raise ReportError(_("%(quarter)s 还没有季度统计,暂不能生成报告;请待平台完成该季度统计后再试")
                          % {"quarter": asked})
    with transaction.atomic():
        job = ReportJob.objects.create(kind=kind, quarter=str(asked), run=run, scope=audience.scope,
                                       province=audience.province, organization=audience.organization,
                                       created_by=user, message=_("排队等待生成"))
        record("report.request", actor=user, target=job, after={"kind": kind, "quarter": str(asked)})
        transaction.on_commit(lambda: _queue(job.pk))
    return job


def _queue(job_id: int) -> None:
    """Hand the build to a worker; a broker out of reach fails the job with a message the page shows."""
    try:
        enqueue(BUILD_TASK, job_id)
    except QueueUnavailable:
        ReportJob.objects.filter(pk=job_id).update(
            status=JobStatus.FAILED, error=_("后台任务队列暂时无法连接,报告没有生成;请稍后重新生成"), message="")


class _Progress:
    """Keeps a job's progress, at most every PROGRESS_EVERY seconds (and always at 100)."""

    def __init__(self, job_id: int) -> None:
        self.job_id = job_id
        self.last = 0.0

    def __call__(self, percent: int, message: str) -> None:
        now = time.monotonic()
        if now - self.last < PROGRESS_EVERY and percent < 100:
            return
        self.last = now
        ReportJob.objects.filter(pk=self.job_id).update(progress=max(0, min(100, percent)), message=str(message)[:200])


def behind_milestones(user, day: datetime.date | None = None) -> list[Laggard]:
    """The institutions `user` follows (inventory.milestones: a ministry those it supervises, a
    province its own, the platform all) behind a milestone already due on `day` (today when not
    given), as their progress stood at its end, least done first."""
    rows = [row for row in progress_overview(user, day).rows if row.behind]
    return sorted((Laggard(row.institution.name, row.inventoried, row.total, row.percent, row.required_percent)
                   for row in rows), key=lambda item: (item.percent, item.name))


def bulletin_cases(job: ReportJob) -> list[BulletinCase]:
    """The typical cases the platform marked 纳入通报 for the job's quarter, among those its
    requester may read (a province its own; ministries and the platform every submitted one)."""
    marked = cases_for_bulletin(job.quarter)
    readable = set(CaseReport.objects.visible_to(job.created_by).filter(pk__in=[case.pk for case in marked])
                   .values_list("pk", flat=True))
    return [BulletinCase(case.title, case.organization.province.name if case.organization.province_id
                         else case.organization.name, case.text[:CASE_SUMMARY])
            for case in marked if case.pk in readable]


def write_report(job: ReportJob, data: ReportData, target, progress, cases: Sequence[BulletinCase] = ()) -> dict:
    """Write the job's format into `target` (a binary file)."""
    if job.kind == ReportKind.XLSX:
        return xlsx.write_xlsx(data, target, progress)
    if job.kind == ReportKind.PDF:
        return pdf.write_pdf(data, target, progress)
    progress(15, _("正在核对机构里程碑进度"))
    return bulletin.write_bulletin(data, target, behind=behind_milestones(job.created_by, bulletin.progress_day(data)),
                                   cases=cases or bulletin_cases(job),
                                   progress=progress)


def file_name(job: ReportJob, data: ReportData) -> str:
    draft = _("(草稿)") if data.is_draft else ""
    return f"{data.audience.name}{job.quarter}{NAME[job.kind]}{draft}.{SUFFIX[job.kind]}"


def build_report(job_id: int) -> ReportJob:
    """The task's work: build the job's file in its asker's scope and keep it on the job."""
    job = ReportJob.objects.select_related("run", "created_by__organization").get(pk=job_id)
    if job.status != JobStatus.QUEUED:
        return job  # delivered twice by the broker: built once
    started = time.monotonic()
    ReportJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, progress=1, message=_("正在读取统计数据"))
    progress = _Progress(job.pk)
    try:
        if job.created_by is None:
            raise ReportError(_("申请人的账号已不存在,报告没有生成"))
        data = collect(job.created_by, Quarter.parse(job.quarter), job.run)
        progress(10, _("已读取统计数据"))
        with TemporaryFile() as handle:
            detail = write_report(job, data, handle, progress)
            handle.seek(0)
            name = file_name(job, data)
            job.file.save(f"{job.organization_id}-{job.pk}-{timezone.now():%Y%m%d%H%M%S}.{SUFFIX[job.kind]}",
                          File(handle), save=False)
            size = handle.seek(0, 2)
    except Exception as error:  # the job tells what failed; the worker goes on
        logger.exception("report job %s failed", job_id)
        message = str(error) if isinstance(error, ReportError | ValueError) else _("生成报告时出错,请重新生成")
        ReportJob.objects.filter(pk=job.pk).update(status=JobStatus.FAILED, error=message[:500], message="",
                                                   finished_at=timezone.now())
        job.refresh_from_db()
        return job
    ReportJob.objects.filter(pk=job.pk).update(
        status=JobStatus.DONE, progress=100, message=_("已生成"), file=job.file.name, filename=name[:200], size=size,
        seconds=round(time.monotonic() - started, 2), finished_at=timezone.now())
    logger.info("report job %s built: %s", job_id, detail)
    job.refresh_from_db()
    return job


def jobs_for(user):
    """The jobs the list page shows: those the user reads, newest first."""
    return ReportJob.objects.visible_to(user).select_related("created_by", "organization")


def quarters_with_runs() -> list[str]:
    """The quarters a report can be asked for: those with a run, newest first."""
    return list(StatRun.objects.order_by("-quarter").values_list("quarter", flat=True).distinct())
