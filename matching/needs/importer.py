"""Uploading technology needs in the needs sheet (企业技术需求, DATA-STANDARD.md §4), a format of
the one import pipeline (ground.imports):

    batch = imports.stage(NEEDS, actor=user, file=uploaded)          # kept as a NeedsBatch + audit
    batch = imports.start_validation(NEEDS, batch)                   # preview: new / updated / unchanged
    batch = imports.request_commit(NEEDS, actor=user, batch=batch)   # one transaction

An enterprise uploads its own needs (every row carries its own credit code); a province's office
uploads needs for the registered enterprises of its province (matched by credit code). A row is
identified by credit code + 需求名称: a second upload updates the need, and an identical one
changes nothing. Any rejected row blocks the commit (nothing is written); the commit checks the
stored file again inside its transaction.
"""

from django.utils.translation import gettext as _

from accounts.audit import record as audit
from accounts.models import Organization
from accounts.roles import Role, role_of
from ground.imports import Job, ModelBatches, SheetImport, register
from ground.sheets.formats import ParsedRow
from matching.needs import services
from matching.needs.models import NEEDS_BATCH_KIND, NeedsBatch, TechnologyNeed
from matching.needs.sheet_format import HEADERS, NeedsFormat

# Needs sheets are small (an enterprise's needs, a province's collection of them).
MAX_ROWS = 5000


def needs_batches():
    """The batches of this pipeline; callers scope them with visible_to / editable_by."""
    return NeedsBatch.objects.all()


def may_upload(user) -> bool:
    return role_of(user) in (Role.ENTERPRISE, Role.PROVINCE)


class NeedsImport(SheetImport):
    kind = NEEDS_BATCH_KIND
    sheet_format = NeedsFormat()
    batches = ModelBatches(needs_batches)
    events = {"upload": "matching.need_upload", "commit": "matching.need_import",
              "cancel": "matching.need_upload_cancel"}
    upload_prefix = "needs"
    partial = False
    max_rows = MAX_ROWS

    def may_upload(self, actor) -> bool:
        return may_upload(actor)

    def new_batch(self, actor) -> NeedsBatch:
        return NeedsBatch(kind=self.kind, organization=actor.organization, created_by=actor)

    def record(self, event: str, *, actor, request, batch, **detail) -> None:
        audit(self.events[event], actor=actor, request=request, target=batch, organization=batch.organization,
              **detail)

    def unknown_column_message(self) -> str:
        return _("不是企业技术需求格式的列,已忽略")

    def refused_uploader_message(self) -> str:
        return _("上传人已无权导入企业技术需求")

    def plan(self, job: Job, rows: list[ParsedRow]) -> None:
        job.plan = plan_rows(job, rows)

    def apply(self, job: Job) -> dict:
        """Create the new needs and update the changed ones, in bulk (the file was checked again
        in this transaction: `plan_rows`)."""
        new = [TechnologyNeed(enterprise_id=enterprise_id, created_by=job.actor, created_at=job.started,
                              updated_at=job.started, search_text=services.search_text(values), **values)
               for _row, enterprise_id, need, values in job.plan if need is None]
        changed = []
        for _row, _enterprise_id, need, values in job.plan:
            if need is not None:
                for name, value in values.items():
                    setattr(need, name, value)
                need.updated_at, need.search_text = job.started, services.search_text(values)
                changed.append(need)
        created = TechnologyNeed.objects.bulk_create(new, batch_size=500)
        TechnologyNeed.objects.bulk_update(changed, [*services.NEED_FIELDS, "updated_at", "search_text"],
                                           batch_size=500)
        job.plan = {"created": [n.pk for n in created if n.pk], "updated": [n.pk for n in changed]}
        return job.outcome.counts()

    def commit_audit(self, job: Job, counts: dict) -> dict:
        return {"after": {"needs_created": job.plan["created"], "needs_updated": job.plan["updated"]},
                "file": job.batch.original_name, "new": counts.get("new", 0), "updated": counts.get("updated", 0),
                "unchanged": counts.get("unchanged", 0)}

    def committing_message(self, batch) -> str:
        return _("正在写入 %(n)d 条技术需求") % {"n": batch.counts.get("new", 0) + batch.counts.get("updated", 0)}


def _enterprises(actor, codes: set[str]) -> dict[str, Organization]:
    """The enterprises the rows may name, by credit code: the actor's own enterprise; for a
    province's office, the active enterprises of its province."""
    return {org.credit_code: org for org in services.enterprises_for(actor).filter(credit_code__in=codes)}


def _enterprise_of(row: ParsedRow, enterprises: dict[str, Organization], is_enterprise: bool, outcome):
    """The row's enterprise, or None with the row rejected (not the uploader's own, not of the
    uploading province, or named with another province)."""
    code = row.values["credit_code"]
    enterprise = enterprises.get(code)
    if enterprise is None:
        message = (_("不是本企业的统一社会信用代码:企业只能上传本企业的需求") if is_enterprise else
                   _("统一社会信用代码 %(code)s 不是本省已注册的企业") % {"code": code})
        outcome.reject(row.row_number, HEADERS["credit_code"], code, message, raw=row.raw)
        return None
    province = row.values.get("province")
    if province and province != enterprise.province_id:
        outcome.reject(row.row_number, HEADERS["province"], province, _("与该企业注册的所在省份不一致"), raw=row.raw)
        return None
    return enterprise


def plan_rows(job: Job, rows: list[ParsedRow]) -> list[tuple[int, int, TechnologyNeed | None, dict]]:
    """The rows whose cells passed, against the database (a few queries in all): each new or
    changed need as (row, enterprise id, need or None, values); the others unchanged or rejected."""
    actor, outcome = job.actor, job.outcome
    enterprises = _enterprises(actor, {row.values["credit_code"] for row in rows})
    is_enterprise = role_of(actor) == Role.ENTERPRISE
    keys = {(enterprises[row.values["credit_code"]].pk, services.clean_need(row.values)["title"])
            for row in rows if row.values["credit_code"] in enterprises}
    existing = {}
    if keys:
        needs = TechnologyNeed.objects.editable_by(actor).filter(
            enterprise_id__in={e for e, _t in keys}, title__in={t for _e, t in keys})
        if job.committing:
            needs = needs.select_for_update()
        existing = {(n.enterprise_id, n.title): n for n in needs}
    first_row_of: dict[tuple, int] = {}
    plan = []
    title_header = HEADERS["title"]
    for row in rows:
        enterprise = _enterprise_of(row, enterprises, is_enterprise, outcome)
        if enterprise is None:
            continue
        values = services.clean_need(row.values)
        key = (enterprise.pk, values["title"])
        if key in first_row_of:
            message = _("与第 %(row)d 行是同一需求(统一社会信用代码和需求名称相同),重复") % {"row": first_row_of[key]}
            outcome.reject(row.row_number, title_header, values["title"], message, raw=row.raw)
            continue
        first_row_of[key] = row.row_number
        name = row.values.get("enterprise_name")
        if name and name != enterprise.name:
            outcome.warn(row.row_number, HEADERS["enterprise_name"], name,
                         _("与平台登记的企业名称“%(name)s”不一致,按统一社会信用代码导入") % {"name": enterprise.name},
                         raw=row.raw)
        need = existing.get(key)
        if need is not None:
            before = services.need_snapshot(need)
            after = services.need_snapshot(TechnologyNeed(**values))
            if before == after:
                outcome.unchanged += 1
                continue
        if values["deadline"] and (need is None or need.deadline != values["deadline"]):
            errors = services.need_errors(values)
            if "deadline" in errors:
                outcome.reject(row.row_number, HEADERS["deadline"], values["deadline"], errors["deadline"],
                               raw=row.raw)
                continue
        plan.append((row.row_number, enterprise.pk, need, values))
        if need is None:
            outcome.new += 1
        else:
            outcome.updated += 1
    return plan


NEEDS = register(NeedsImport())
