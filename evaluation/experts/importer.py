"""Recommending experts in bulk through the expert-recommendation sheet (专家推荐, DATA-STANDARD.md
§4), a format of the one import pipeline (ground.imports):

    batch = imports.stage(EXPERTS, actor=user, file=uploaded)          # kept as an ExpertsBatch + audit
    batch = imports.start_validation(EXPERTS, batch)                   # preview: new / updated / unchanged
    batch = imports.request_commit(EXPERTS, actor=user, batch=batch)   # one transaction

A province's office uploads the experts it recommends: every row names its own province as
推荐省份. A row is identified by mobile phone: a phone the province already recommended updates
that entry (a rejected one goes back to the platform's review), an identical row changes nothing,
and a phone another province recommended is refused by row and column. Any rejected row blocks
the commit (nothing is written); the commit checks the stored file again inside its transaction.
"""

from django.utils.translation import gettext as _

from accounts.audit import record as audit
from accounts.roles import Role, role_of
from evaluation.choices import ExpertStatus
from evaluation.experts import services
from evaluation.experts.models import EXPERTS_BATCH_KIND, Expert, ExpertsBatch
from evaluation.experts.sheet_format import HEADERS, ExpertsFormat
from ground.imports import Job, ModelBatches, SheetImport, register
from ground.sheets.formats import ParsedRow

# A province's recommendations: hundreds of experts at most.
MAX_ROWS = 5000
# What a re-upload compares (the employer follows its credit code).
COMPARED = (*services.RECOMMENDATION_FIELDS, "employer_id")


def experts_batches():
    """The batches of this pipeline; callers scope them with visible_to / editable_by."""
    return ExpertsBatch.objects.all()


def may_upload(user) -> bool:
    return role_of(user) == Role.PROVINCE


class ExpertsImport(SheetImport):
    kind = EXPERTS_BATCH_KIND
    sheet_format = ExpertsFormat()
    batches = ModelBatches(experts_batches)
    events = {"upload": "evaluation.expert_upload", "commit": "evaluation.expert_import",
              "cancel": "evaluation.expert_upload_cancel"}
    upload_prefix = "experts"
    partial = False
    max_rows = MAX_ROWS

    def may_upload(self, actor) -> bool:
        return may_upload(actor)

    def new_batch(self, actor) -> ExpertsBatch:
        return ExpertsBatch(kind=self.kind, organization=actor.organization, created_by=actor)

    def record(self, event: str, *, actor, request, batch, **detail) -> None:
        audit(self.events[event], actor=actor, request=request, target=batch, organization=batch.organization,
              **detail)

    def unknown_column_message(self) -> str:
        return _("不是专家推荐表格式的列,已忽略")

    def refused_uploader_message(self) -> str:
        return _("上传人已无权导入专家推荐表")

    def plan(self, job: Job, rows: list[ParsedRow]) -> None:
        job.plan = plan_rows(job, rows)

    def apply(self, job: Job) -> dict:
        """Create the new entries and update the changed ones, in bulk (the file was checked again
        in this transaction: `plan_rows`)."""
        actor, province_id = job.actor, job.actor.organization.province_id
        new = [Expert(recommending_province_id=province_id, recommended_by=actor, created_at=job.started,
                      **values) for _row, expert, values in job.plan if expert is None]
        changed = []
        for _row, expert, values in job.plan:
            if expert is not None:
                for name, value in values.items():
                    setattr(expert, name, value)
                if expert.status == ExpertStatus.REJECTED:  # corrected: back to the platform's review
                    expert.status, expert.decision_reason, expert.decided_at = ExpertStatus.RECOMMENDED, "", None
                expert.updated_at = job.started
                changed.append(expert)
        created = Expert.objects.bulk_create(new, batch_size=500)
        Expert.objects.bulk_update(changed, [*COMPARED, "status", "decision_reason", "decided_at", "updated_at"],
                                   batch_size=500)
        job.plan = {"created": [e.pk for e in created if e.pk], "updated": [e.pk for e in changed]}
        if created:
            services.notify_operators(len(created), actor.organization.name)
        return job.outcome.counts()

    def commit_audit(self, job: Job, counts: dict) -> dict:
        return {"after": {"experts_created": job.plan["created"], "experts_updated": job.plan["updated"]},
                "file": job.batch.original_name, "new": counts.get("new", 0), "updated": counts.get("updated", 0),
                "unchanged": counts.get("unchanged", 0)}

    def committing_message(self, batch) -> str:
        return _("正在写入 %(n)d 位专家") % {"n": batch.counts.get("new", 0) + batch.counts.get("updated", 0)}


def _values(row: ParsedRow, employers: dict[str, int]) -> dict:
    values = services.clean_expert(row.values)
    values["employer_id"] = employers.get(values["employer_credit_code"])
    return values


def _existing(job: Job, phones: set[str]) -> tuple[dict[str, Expert], set[str]]:
    """The uploading province's own entries with these phones (locked when committing), and the
    phones another province's entries hold (known only as taken)."""
    own = Expert.objects.editable_by(job.actor).filter(phone__in=phones)
    if job.committing:
        own = own.select_for_update()
    mine = {expert.phone: expert for expert in own}
    taken = set(Expert.objects.filter(phone__in=phones - set(mine)).values_list("phone", flat=True))
    return mine, taken


def plan_rows(job: Job, rows: list[ParsedRow]) -> list[tuple[int, Expert | None, dict]]:
    """The rows whose cells passed, against the database (a few queries in all): each new or
    changed entry as (row, entry or None, values); the others unchanged or rejected."""
    actor, outcome = job.actor, job.outcome
    own_province = actor.organization.province_id
    mine, taken = _existing(job, {row.values["phone"] for row in rows})
    employers = services.employers_by_code({row.values.get("employer_credit_code") or "" for row in rows})
    plan = []
    for row in rows:
        province = row.values["province"]
        if province != own_province:
            outcome.reject(row.row_number, HEADERS["province"], province,
                           _("只能上传本省推荐的专家:推荐省份应为 %(own)s") % {"own": actor.organization.name},
                           raw=row.raw)
            continue
        phone = row.values["phone"]
        if phone in taken:
            outcome.reject(row.row_number, HEADERS["phone"], phone, _("该手机号已是其他省份推荐的专家,不能重复推荐"),
                           raw=row.raw)
            continue
        values = _values(row, employers)
        expert = mine.get(phone)
        if expert is not None:
            if all(getattr(expert, name) == values[name] for name in COMPARED):
                outcome.unchanged += 1
                continue
            outcome.updated += 1
        else:
            outcome.new += 1
        plan.append((row.row_number, expert, values))
    return plan


EXPERTS = register(ExpertsImport())
