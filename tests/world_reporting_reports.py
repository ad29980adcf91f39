"""The fixture world's additions for the reporting area 'reports' (called at the end of world.build_world).

One finished .xlsx report per audience, built by the real service on a draft run of 2024Q4 (the
statistics' world does not compute that quarter): the platform's (national), 教育部's, 北京's and
广东's. Expectations, by hand (ARCHITECTURE.md): a report is read by its organisation's staff and
the platform's operator; nobody changes one (the service writes it).
"""

from django.core.files.base import ContentFile
from django.utils import timezone

from accounts.models import AuditEvent
from reporting.reports import services
from reporting.reports.models import JobStatus, ReportJob, ReportKind
from reporting.statistics.definitions import CURRENT_VERSION
from reporting.statistics.models import StatRun

from .isolation.objects import WorldObject

QUARTER = "2024Q4"
AUDIENCES = {"report_platform": "operator", "report_moe": "moe_admin", "report_prov_bj": "prov_bj_admin",
             "report_prov_gd": "prov_gd_admin"}


# The files the service built in this process, by audience: a later world copies them (the same
# figures give the same report, and building four workbooks for every world would slow every test).
BUILT: dict[str, tuple[bytes, dict]] = {}


def _finish(job: ReportJob, key: str) -> ReportJob:
    """Build the job (the first world of the process) or give it the file built then."""
    if key not in BUILT:
        job = services.build_report(job.pk)
        assert job.status == JobStatus.DONE, job.error
        with job.file.open("rb") as handle:
            BUILT[key] = (handle.read(), {"filename": job.filename, "size": job.size})
        return job
    content, fields = BUILT[key]
    job.file.save(f"{job.organization_id}-{job.pk}-world.xlsx", ContentFile(content), save=False)
    ReportJob.objects.filter(pk=job.pk).update(status=JobStatus.DONE, progress=100, file=job.file.name,
                                               finished_at=timezone.now(), **fields)
    job.refresh_from_db()
    return job


def extend(world) -> dict[str, list]:
    StatRun.objects.get_or_create(quarter=QUARTER, revision=1, defaults={"definition_version": CURRENT_VERSION})
    objects = []
    for key, username in AUDIENCES.items():
        user = world.users[username]
        # Asked through the service (its build is queued on commit, which a test's transaction never
        # reaches; where it does, the job is already built and _finish leaves it).
        job = services.request_report(user, kind=ReportKind.XLSX, quarter=QUARTER)
        job.refresh_from_db()
        if job.status == JobStatus.QUEUED:
            job = _finish(job, key)
        viewers = {"operator", username}
        objects.append(WorldObject(key, job, frozenset(viewers), frozenset(), {}))
    # The audit event of a request: the audit administrator alone reads the log (the world's first
    # events are these requests; the scoping rules of the log are checked on them).
    event = AuditEvent.objects.filter(action="report.request").order_by("pk").first()
    return {"reporting.reportjob": objects,
            "accounts.auditevent": [WorldObject("audit_report_request", event, frozenset({"auditor"}), frozenset())]}


def fingerprint() -> tuple:
    """What a forbidden request might change in this area (compared around each one)."""
    return tuple(ReportJob.objects.order_by("pk").values_list("pk", "status", "file", "progress"))


def grow(world) -> None:
    """One round of tests/world_growth.py for this area: one more finished report per audience."""
    for key, username in AUDIENCES.items():
        job = services.request_report(world.users[username], kind=ReportKind.XLSX, quarter=QUARTER)
        job.refresh_from_db()
        if job.status == JobStatus.QUEUED:
            _finish(job, key)
