"""Uploading evaluations in the evaluation-feedback sheet (评价反馈, DATA-STANDARD.md §4), a format
of the one import pipeline (ground.imports), as matching.needs.importer does:

    batch = imports.stage(FEEDBACK, actor=user, file=uploaded)        # kept as an EvaluationsBatch + audit
    batch = imports.start_validation(FEEDBACK, batch)                 # preview: new / updated / unchanged
    batch = imports.request_commit(FEEDBACK, actor=user, batch=batch) # one transaction

The uploader's scope decides the patents: a province's office gives feedback on the patents of its
province's institutions (it collects the evaluations offline from enterprises), an enterprise on
the patents pushed to it or in the national conversion resource library, and only its own. A row is
identified by 申请号 + 评价主体类型 + the evaluator (a platform enterprise by its credit code, any
other by 评价主体名称) + 评价日期: uploading it again updates that evaluation, an identical one
changes nothing. Uploaded rows are submitted evaluations (source "upload"); their overall value is
weighted with the current indicator system's dimension weights (the mean without one). Any rejected
row blocks the commit; the commit checks the stored file again inside its transaction.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from accounts.audit import record as audit
from accounts.models import Organization
from accounts.roles import Role, role_of
from evaluation.assessments.models import LIVE, Evaluation
from evaluation.choices import EvaluationSource, EvaluationStatus, EvaluatorKind
from evaluation.feedback import services
from evaluation.feedback.models import EVALUATIONS_BATCH_KIND, EvaluationsBatch
from evaluation.feedback.sheet_format import HEADERS, VALUE_COLUMNS, FeedbackFormat
from ground.imports import Job, ModelBatches, SheetImport, register
from ground.sheets.formats import ParsedRow
from inventory.patents.models import Patent, PatentOwnership
from matching.pushes.models import Push

# Feedback sheets are a province's or an enterprise's collection of evaluations.
MAX_ROWS = 5000
UPLOADERS = (Role.ENTERPRISE, Role.PROVINCE)
# What an uploaded row sets, compared with the stored evaluation to tell unchanged rows.
ROW_FIELDS = ("evaluator_name", "prospect", "improvement_needs", "cooperation_modes", "dimension_scores",
              "overall", "summary")


def feedback_batches():
    """The batches of this pipeline; callers scope them with visible_to / editable_by."""
    return EvaluationsBatch.objects.all()


def may_upload(user) -> bool:
    return role_of(user) in UPLOADERS


class FeedbackImport(SheetImport):
    kind = EVALUATIONS_BATCH_KIND
    sheet_format = FeedbackFormat()
    batches = ModelBatches(feedback_batches)
    events = {"upload": "evaluation.feedback_upload", "commit": "evaluation.feedback_import",
              "cancel": "evaluation.feedback_upload_cancel"}
    upload_prefix = "evaluations"
    partial = False
    max_rows = MAX_ROWS

    def may_upload(self, actor) -> bool:
        return may_upload(actor)

    def new_batch(self, actor) -> EvaluationsBatch:
        return EvaluationsBatch(kind=self.kind, organization=actor.organization, created_by=actor)

    def record(self, event: str, *, actor, request, batch, **detail) -> None:
        audit(self.events[event], actor=actor, request=request, target=batch, organization=batch.organization,
              **detail)

    def unknown_column_message(self) -> str:
        return _("不是评价反馈格式的列,已忽略")

    def refused_uploader_message(self) -> str:
        return _("上传人已无权导入评价反馈")

    def plan(self, job: Job, rows: list[ParsedRow]) -> None:
        job.plan = plan_rows(job, rows)

    def apply(self, job: Job) -> dict:
        """Create the new evaluations and update the changed ones, in bulk (the file was checked
        again in this transaction: `plan_rows`)."""
        new, changed = [], []
        for _row, evaluation, values in job.plan:
            if evaluation is None:
                new.append(Evaluation(**values, status=EvaluationStatus.SUBMITTED, source=EvaluationSource.UPLOAD,
                                      created_by=job.actor, created_at=job.started, submitted_at=job.started,
                                      batch_id=job.batch.pk))
            else:
                for name in ROW_FIELDS:
                    setattr(evaluation, name, values[name])
                evaluation.system_id, evaluation.batch_id = values["system_id"], job.batch.pk
                evaluation.updated_at = job.started  # bulk_update leaves auto_now alone
                changed.append(evaluation)
        created = Evaluation.objects.bulk_create(new, batch_size=500)
        Evaluation.objects.bulk_update(changed, [*ROW_FIELDS, "system", "batch", "updated_at"], batch_size=500)
        job.plan = {"created": [e.pk for e in created if e.pk], "updated": [e.pk for e in changed]}
        return job.outcome.counts()

    def commit_audit(self, job: Job, counts: dict) -> dict:
        return {"after": {"evaluations_created": job.plan["created"], "evaluations_updated": job.plan["updated"]},
                "file": job.batch.original_name, "new": counts.get("new", 0), "updated": counts.get("updated", 0),
                "unchanged": counts.get("unchanged", 0)}

    def committing_message(self, batch) -> str:
        return _("正在写入 %(n)d 条评价") % {"n": batch.counts.get("new", 0) + batch.counts.get("updated", 0)}


# --- the rows against the database ------------------------------------------------------------------

def _owners(patent_ids: set[int]) -> dict[int, tuple[int, str | None]]:
    """Each patent's first institution patentee: (organisation id, its province), one query."""
    owners: dict[int, tuple[int, str | None]] = {}
    for patent_id, org_id, province_id in (
            PatentOwnership.objects.filter(patent_id__in=patent_ids, organization__kind=Organization.Kind.INSTITUTION)
            .order_by("patent_id", "position", "pk")
            .values_list("patent_id", "organization_id", "organization__province_id")):
        owners.setdefault(patent_id, (org_id, province_id))
    return owners


def _in_scope(actor, patent_ids: set[int], owners: dict[int, tuple[int, str | None]]) -> set[int]:
    """The patents the uploader may give feedback on: a province's office, those whose first
    institution patentee is of its province; an enterprise, those pushed to it or in the library."""
    if not patent_ids:
        return set()
    if role_of(actor) == Role.PROVINCE:
        province = actor.organization.province_id
        return {pk for pk in patent_ids if pk in owners and owners[pk][1] == province}
    library = set(Patent.objects.in_library().filter(pk__in=patent_ids).values_list("pk", flat=True))
    pushed = set(Push.objects.filter(enterprise_id=actor.organization_id, patent_id__in=patent_ids)
                 .values_list("patent_id", flat=True))
    return library | pushed


def _out_of_scope_message(actor, number: str) -> str:
    if role_of(actor) == Role.PROVINCE:
        return _("专利 %(number)s 的专利权人不是本省的高校或科研机构,不在本局的反馈范围内") % {"number": number}
    return _("专利 %(number)s 既未推送给本企业,也不在国家转化资源库中,不在本企业的反馈范围内") % {"number": number}


def _values(row: ParsedRow, patent_id: int, owner_id: int, enterprise_id: int | None,
            weights: services.DimensionWeights) -> dict:
    values = row.values
    scores = {weights.codes[header]: values[key] for header, key in VALUE_COLUMNS if values.get(key) is not None}
    return {
        "patent_id": patent_id, "owner_id": owner_id, "evaluator_kind": values["evaluator_kind"],
        "enterprise_id": enterprise_id, "evaluator_name": values["evaluator_name"],
        "prospect": values.get("prospect") or "", "improvement_needs": values.get("improvement_needs") or "",
        "cooperation_modes": values.get("cooperation_modes") or [],
        # JSON numbers, as the evaluation forms store them.
        "dimension_scores": {code: float(score) for code, score in scores.items()},
        "overall": weights.overall(scores), "summary": values.get("summary") or "",
        "evaluated_on": values["evaluated_on"], "system_id": weights.system_id,
    }


def _key(patent_id: int, kind: str, enterprise_id: int | None, name: str, day) -> tuple:
    # A platform enterprise by its id (its credit code), any other evaluator by the name written.
    return (patent_id, kind, enterprise_id, "" if enterprise_id else name, day)


def _snapshot(values: dict) -> tuple:
    overall = values["overall"]
    return tuple(
        (None if overall is None else f"{overall:.2f}") if name == "overall" else values[name] for name in ROW_FIELDS)


@dataclass
class _Context:
    """What the rows are checked against, read in a few queries for the whole file."""

    actor: object
    outcome: object
    is_enterprise: bool
    patents: dict[str, int]  # application number → patent id
    owners: dict[int, tuple[int, str | None]]
    allowed: set[int]
    enterprises: dict[str, int]  # credit code → platform enterprise id
    uploaded: dict[tuple, Evaluation]  # identity key → a live uploaded evaluation
    live_by_enterprise: dict[tuple[int, int], Evaluation]  # (patent, enterprise) → its live evaluation
    first_row_of: dict[tuple, int]
    enterprise_row_of: dict[tuple, int]


def _context(job: Job, rows: list[ParsedRow]) -> _Context:
    actor = job.actor
    numbers = {row.values["application_number"] for row in rows}
    patents = dict(Patent.objects.filter(application_number__in=numbers).values_list("application_number", "pk"))
    owners = _owners(set(patents.values()))
    allowed = _in_scope(actor, set(patents.values()), owners)
    codes = {row.values["credit_code"] for row in rows if row.values.get("credit_code")}
    enterprises = dict(Organization.objects.filter(
        kind=Organization.Kind.ENTERPRISE, status=Organization.Status.ACTIVE, credit_code__in=codes)
        .values_list("credit_code", "pk")) if codes else {}
    stored = Evaluation.objects.filter(patent_id__in=allowed).filter(LIVE)
    if job.committing:
        stored = stored.select_for_update()
    uploaded, live_by_enterprise = {}, {}
    for evaluation in stored:
        if evaluation.source == EvaluationSource.UPLOAD:
            uploaded[_key(evaluation.patent_id, evaluation.evaluator_kind, evaluation.enterprise_id,
                          evaluation.evaluator_name, evaluation.evaluated_on)] = evaluation
        if evaluation.enterprise_id and evaluation.round_id is None:
            live_by_enterprise[(evaluation.patent_id, evaluation.enterprise_id)] = evaluation
    return _Context(actor, job.outcome, role_of(actor) == Role.ENTERPRISE, patents, owners, allowed, enterprises,
                    uploaded, live_by_enterprise, {}, {})


def _patent_of(ctx: _Context, row: ParsedRow) -> int | None:
    """The row's patent, or None with the row rejected (unknown, outside the uploader's scope, or
    without an institution patentee)."""
    number = row.values["application_number"]
    patent_id = ctx.patents.get(number)
    if patent_id is None:
        message = _("平台基础库中没有申请号为 %(number)s 的专利") % {"number": number}
    elif patent_id not in ctx.allowed:
        message = _out_of_scope_message(ctx.actor, number)
    elif patent_id not in ctx.owners:
        message = _("专利 %(number)s 没有高校或科研机构专利权人,无法反馈") % {"number": number}
    else:
        return patent_id
    ctx.outcome.reject(row.row_number, HEADERS["application_number"], number, message, raw=row.raw)
    return None


def _clash(ctx: _Context, row: ParsedRow, key: tuple, enterprise_id: int | None) -> str:
    """Why the row's evaluation may not be written beside the others (the column named by the
    caller), or "": a repeated row, or a second live evaluation of the patent by the enterprise."""
    if key in ctx.first_row_of:
        return _("与第 %(row)d 行是同一评价(申请号、评价主体和评价日期相同),重复") % {"row": ctx.first_row_of[key]}
    ctx.first_row_of[key] = row.row_number
    if not enterprise_id:
        return ""
    # One live evaluation per enterprise and patent outside rounds (the model's constraint).
    pair = (key[0], enterprise_id)
    if pair in ctx.enterprise_row_of:
        return _("同一企业对同一专利只能有一条有效评价,与第 %(row)d 行冲突") % {"row": ctx.enterprise_row_of[pair]}
    ctx.enterprise_row_of[pair] = row.row_number
    live = ctx.live_by_enterprise.get(pair)
    if live is not None and live is not ctx.uploaded.get(key):
        day = live.evaluated_on.isoformat() if live.evaluated_on else _("未填")
        return (_("该企业对该专利已有一条有效评价(评价日期 %(day)s),同一企业对同一专利只能有一条有效评价")
                % {"day": day})
    return ""


def plan_rows(job: Job, rows: list[ParsedRow]) -> list[tuple[int, Evaluation | None, dict]]:
    """The rows whose cells passed, against the database (a few queries in all): each new or
    changed evaluation as (row, evaluation or None, values); the others unchanged or rejected."""
    ctx, outcome = _context(job, rows), job.outcome
    weights = services.dimension_weights()
    plan = []
    for row in rows:
        values = row.values
        patent_id = _patent_of(ctx, row)
        if patent_id is None:
            continue
        kind = values["evaluator_kind"]
        enterprise_id = ctx.enterprises.get(values.get("credit_code")) if kind == EvaluatorKind.ENTERPRISE else None
        if ctx.is_enterprise and (kind != EvaluatorKind.ENTERPRISE or enterprise_id != ctx.actor.organization_id):
            header = HEADERS["credit_code"] if kind == EvaluatorKind.ENTERPRISE else HEADERS["evaluator_kind"]
            outcome.reject(row.row_number, header, values.get("credit_code") or values["evaluator_kind"],
                           _("企业只能上传本企业的评价(评价主体类型为企业,统一社会信用代码为本企业的)"), raw=row.raw)
            continue
        key = _key(patent_id, kind, enterprise_id, values["evaluator_name"], values["evaluated_on"])
        repeated = key in ctx.first_row_of
        problem = _clash(ctx, row, key, enterprise_id)
        if problem:
            header, shown = ((HEADERS["application_number"], values["application_number"]) if repeated
                             else (HEADERS["evaluated_on"], str(values["evaluated_on"])))
            outcome.reject(row.row_number, header, shown, problem, raw=row.raw)
            continue
        evaluation = ctx.uploaded.get(key)
        row_values = _values(row, patent_id, ctx.owners[patent_id][0], enterprise_id, weights)
        if evaluation is not None and _snapshot(row_values) == _snapshot(
                {name: getattr(evaluation, name) for name in ROW_FIELDS}):
            outcome.unchanged += 1
            continue
        plan.append((row.row_number, evaluation, row_values))
        if evaluation is None:
            outcome.new += 1
        else:
            outcome.updated += 1
    return plan


FEEDBACK = register(FeedbackImport())
