"""The business rules of spot checks (随机抽查), used alike by the pages, the API and the reports.

- The platform or a province office creates a spot check over institutions in its scope and
  draws its sample at once (`create_spot_check`, reporting.spotchecks.draw), or, for a population
  past SPOTCHECK_DRAW_IN_REQUEST_MAX records, by a worker with its progress shown (`draw_sample`);
  the seed and the strata sizes are kept on the spot check and in the audit log, and `replay`
  draws again. A worker's draw that failed (or never reached a worker) is started again with the
  same seed by `retry_draw`.
- Its staff are assigned as reviewers (`assign_reviewer`); a reviewer records one finding per
  sampled record (`record_finding`).
- Once every record is reviewed the organiser asks the institutions to correct
  (`request_corrections`): each institution's admins are notified, and its staff mark each finding
  corrected with a note (`correct`). The institution reads the finding and its reason and the
  organising office, never the reviewer's name: as in the platform's expert evaluations, the
  person who checked is not exposed to the unit checked, the office answers for the finding.
- `results_by_institution` sums a spot check up per institution (one grouped query), for the
  page and for the progress reports.

Every refusal raises SpotCheckError with a Chinese message and writes nothing; every change writes
its audit event in the same transaction.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import record as audit
from accounts.models import Organization, User
from accounts.roles import Role, role_of
from ground.tasks import QueueUnavailable, enqueue
from inventory.models import InventoryRecord
from notifications import notify
from reporting.spotchecks import draw as drawing
from reporting.spotchecks.models import TO_CORRECT, Finding, SampledRecord, SpotCheck, SpotCheckStatus
from reporting.statistics.quarters import FIRST_YEAR, Quarter, QuarterError

logger = logging.getLogger(__name__)

DRAW_TASK = "reporting.draw_spot_check"
MAX_TITLE = 200
MAX_TEXT = 500
MAX_SEED = 64
MAX_SAMPLE = 1000
MAX_INSTITUTIONS = 5000
ORGANISERS = (Role.OPERATOR, Role.PROVINCE)
# The inventory fields a reviewer may name as wrong (数据错误), in the inventory format's order.
ERROR_FIELDS = ("department", "responsible_person", "is_financially_funded", "funding_project_number",
                "implementation_status", "maturity", "scenarios", "prospect", "value_grade", "screening",
                "intents", "license_type", "asking_price", "disposal", "industry_codes", "contact_name",
                "contact_phone", "contact_email", "remarks")


def error_field_choices() -> list[tuple[str, str]]:
    return [(name, str(InventoryRecord._meta.get_field(name).verbose_name)) for name in ERROR_FIELDS]


class SpotCheckError(Exception):
    """A request refused: `message` says why, in Chinese; nothing was written."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def checked_quarter(text: str) -> Quarter:
    """A quarter that exists and has begun (the current one included): QuarterError otherwise."""
    quarter = Quarter.parse(text)
    if quarter.year < FIRST_YEAR:
        raise QuarterError(_("%(quarter)s 早于专项工作开始") % {"quarter": quarter})
    current = Quarter.containing(timezone.localdate())
    if quarter > current:
        raise QuarterError(_("%(quarter)s 还没有开始(当前是 %(current)s)") % {"quarter": quarter, "current": current})
    return quarter


def eligible_institutions(user) -> QuerySet[Organization]:
    """The institutions a spot check of `user` may cover: the platform any, a province its own."""
    institutions = Organization.objects.visible_to(user).filter(kind=Organization.Kind.INSTITUTION)
    if role_of(user) == Role.PROVINCE:
        return institutions.filter(province_id=user.organization.province_id)
    return institutions if role_of(user) == Role.OPERATOR else institutions.none()


@dataclass(frozen=True)
class SpotCheckInput:
    title: str
    quarter: str
    institution_ids: tuple[int, ...]
    sample_size: int | None = None
    sample_rate: str | Decimal | None = None
    seed: str = ""


def _title(text: str) -> str:
    title = (text or "").strip()
    if not title:
        raise SpotCheckError(_("请填写抽查名称"))
    if len(title) > MAX_TITLE:
        raise SpotCheckError(_("抽查名称不能超过 %(n)d 字") % {"n": MAX_TITLE})
    return title


def _institutions(user, institution_ids: tuple[int, ...]) -> dict[int, str]:
    """id → name of the chosen institutions, each in the user's scope (SpotCheckError otherwise)."""
    ids = sorted(set(institution_ids))
    if not ids:
        raise SpotCheckError(_("请选择至少一个抽查机构"))
    if len(ids) > MAX_INSTITUTIONS:
        raise SpotCheckError(_("一次抽查最多 %(n)d 个机构") % {"n": MAX_INSTITUTIONS})
    names = dict(eligible_institutions(user).filter(pk__in=ids).values_list("pk", "name"))
    outside = [pk for pk in ids if pk not in names]
    if outside:
        others = dict(Organization.objects.filter(pk__in=outside).values_list("pk", "name"))
        label = "、".join(others.get(pk, str(pk)) for pk in outside[:5])
        raise SpotCheckError(_("不能抽查本辖区以外的机构:%(names)s") % {"names": label})
    return names


def _rate(raw: str | Decimal) -> Decimal:
    """A rate written 0.05 or 5%, in (0, 1]."""
    text = str(raw).strip()
    try:
        rate = Decimal(text.rstrip("%")) / (100 if text.endswith("%") else 1)
    except InvalidOperation:
        raise SpotCheckError(_("抽取比例“%(value)s”不是数字") % {"value": text[:20]}) from None
    if not rate.is_finite() or not Decimal("0") < rate <= Decimal("1"):
        raise SpotCheckError(_("抽取比例应大于 0 且不超过 100%"))
    rate = rate.quantize(Decimal("0.0001"))
    if rate == 0:
        raise SpotCheckError(_("抽取比例应大于 0 且不超过 100%"))
    return rate


def _sample(size: int | None, rate) -> tuple[int | None, Decimal | None]:
    if (size is None) == (rate in (None, "")):
        raise SpotCheckError(_("请填写每个机构的抽取件数或抽取比例(二者选一)"))
    if size is not None:
        if not 1 <= size <= MAX_SAMPLE:
            raise SpotCheckError(_("每个机构的抽取件数应在 1 到 %(n)d 之间") % {"n": MAX_SAMPLE})
        return size, None
    return None, _rate(rate)


def _parameters(user, data: SpotCheckInput) -> tuple[str, Quarter, dict[int, str], int | None, Decimal | None, str]:
    if role_of(user) not in ORGANISERS:
        raise SpotCheckError(_("只有平台或省级知识产权局可以组织随机抽查"))
    title = _title(data.title)
    try:
        quarter = checked_quarter(data.quarter)
    except QuarterError as error:
        raise SpotCheckError(str(error)) from None
    names = _institutions(user, data.institution_ids)
    size, rate = _sample(data.sample_size, data.sample_rate)
    seed = (data.seed or "").strip() or secrets.token_hex(16)
    if len(seed) > MAX_SEED or not seed.isprintable():
        raise SpotCheckError(_("随机种子应为不超过 %(n)d 个可打印字符") % {"n": MAX_SEED})
    return title, quarter, names, size, rate, seed


def create_spot_check(user, data: SpotCheckInput, *, request=None) -> SpotCheck:
    """A spot check and its drawn sample (reporting.spotchecks.draw), or SpotCheckError with nothing
    written. A population of more than settings.SPOTCHECK_DRAW_IN_REQUEST_MAX records (a national
    check) is drawn by a worker (`draw_sample`): the check is returned 抽取中 and its page shows
    the progress."""
    title, quarter, names, size, rate, seed = _parameters(user, data)
    sizes = drawing.strata_sizes(names)
    try:
        drawing.check_sizes(sizes, names, size, rate)
    except drawing.SampleTooLarge as error:
        raise SpotCheckError(error.message) from None
    population = sum(sum(by_key.values()) for by_key in sizes.values())
    in_request = population <= settings.SPOTCHECK_DRAW_IN_REQUEST_MAX
    result = drawing.draw(seed, names, size, rate, sizes) if in_request else None
    with transaction.atomic():
        check = SpotCheck.objects.create(organiser_id=user.organization_id, title=title, quarter=str(quarter),
                                         seed=seed, sample_size=size, sample_rate=rate, population=population,
                                         status=SpotCheckStatus.DRAWING, draw_progress=0, created_by=user)
        check.institutions.set(list(names))
        audit("spot_check.create", actor=user, request=request, target=check, organization=user.organization,
              after={"title": title, "quarter": str(quarter), "institutions": len(names),
                     "sample_size": size, "sample_rate": str(rate) if rate is not None else None})
        if result is not None:
            _keep_sample(check, result, actor=user, request=request)
        else:
            transaction.on_commit(lambda: _queue_draw(check.pk))
    return check


def _keep_sample(check: SpotCheck, result: drawing.DrawResult, *, actor, request=None) -> None:
    """The drawn records kept and the check opened for review, with the draw's audit event (inside
    the caller's transaction: the sample lands whole or not at all)."""
    strata = [s.as_json() for s in result.strata]
    SampledRecord.objects.bulk_create(
        [SampledRecord(spot_check=check, record_id=pk, institution_id=inst, stratum=key)
         for pk, inst, key in result.records], batch_size=2000)
    check.strata, check.population, check.status = strata, result.population, SpotCheckStatus.REVIEWING
    check.draw_progress, check.draw_error = 100, ""
    check.save(update_fields=["strata", "population", "status", "draw_progress", "draw_error"])
    audit("spot_check.draw", actor=actor, request=request, target=check, organization=check.organiser,
          after={"seed": check.seed, "population": result.population, "sampled": len(result.records),
                 "strata": strata})


def _queue_draw(check_id: int) -> None:
    """Hand the draw to a worker; a broker out of reach fails the check with a message its page shows."""
    try:
        enqueue(DRAW_TASK, check_id)
    except QueueUnavailable:
        SpotCheck.objects.filter(pk=check_id, status=SpotCheckStatus.DRAWING).update(
            status=SpotCheckStatus.DRAW_FAILED,
            draw_error=_("后台任务队列暂时无法连接,样本没有抽取;请稍后点击“重新抽取”"))


def draw_sample(check_id: int) -> SpotCheck:
    """The worker's draw of a large spot check: its progress kept as it reads the population, the
    sample written in one transaction. Delivered twice (a worker lost mid-draw): drawn once; a
    failure leaves no record drawn and says why on the check."""
    check = SpotCheck.objects.select_related("organiser", "created_by").get(pk=check_id)
    if check.status != SpotCheckStatus.DRAWING:
        return check

    def progress(percent: int) -> None:
        SpotCheck.objects.filter(pk=check_id, status=SpotCheckStatus.DRAWING).update(draw_progress=percent)

    try:
        ids = list(check.institutions.values_list("pk", flat=True))
        result = drawing.draw(check.seed, ids, check.sample_size, check.sample_rate, progress=progress)
        with transaction.atomic():
            locked = SpotCheck.objects.select_for_update().select_related("organiser").get(pk=check_id)
            if locked.status == SpotCheckStatus.DRAWING:
                _keep_sample(locked, result, actor=check.created_by)
    except Exception:  # the check tells what failed; the worker goes on
        logger.exception("spot check %s: the draw failed", check_id)
        SpotCheck.objects.filter(pk=check_id, status=SpotCheckStatus.DRAWING).update(
            status=SpotCheckStatus.DRAW_FAILED, draw_error=_("抽取样本时出错,没有抽取任何记录;请点击“重新抽取”"))
    return SpotCheck.objects.get(pk=check_id)


def retry_draw(user, spot_check: SpotCheck, *, request=None) -> SpotCheck:
    """重新抽取: a check whose worker draw failed goes back to 抽取中 with its seed, institutions and
    sample size unchanged, and is handed to a worker again; on an unchanged population the seed
    draws the sample the first attempt would have. Refused, with nothing written, for a check that
    is not 抽取失败: a second click, while the draw runs or once it is drawn, starts nothing (the
    status is read under the row's lock)."""
    if not SpotCheck.objects.editable_by(user).filter(pk=spot_check.pk).exists():
        raise Http404
    with transaction.atomic():
        locked = SpotCheck.objects.select_for_update().get(pk=spot_check.pk)
        if locked.status != SpotCheckStatus.DRAW_FAILED:
            raise SpotCheckError(_("只有抽取失败的抽查才能重新抽取"))
        failed_with = locked.draw_error
        locked.status, locked.draw_progress, locked.draw_error = SpotCheckStatus.DRAWING, 0, ""
        locked.save(update_fields=["status", "draw_progress", "draw_error"])
        audit("spot_check.redraw", actor=user, request=request, target=locked, organization=user.organization,
              before={"draw_error": failed_with}, after={"seed": locked.seed})
        transaction.on_commit(lambda: _queue_draw(locked.pk))
    return locked


def replay(spot_check: SpotCheck) -> list[int]:
    """The record ids the spot check's seed draws today from the same institutions (the same as its
    sample while the population is unchanged)."""
    ids = list(spot_check.institutions.values_list("pk", flat=True))
    rate = spot_check.sample_rate
    return [pk for pk, _inst, _key in drawing.draw(spot_check.seed, ids, spot_check.sample_size, rate).records]


def reviewers_of(spot_check: SpotCheck) -> QuerySet[User]:
    """Who may review: the active staff of the organising office or of the platform's operators."""
    users = User.objects.filter(organization_id=spot_check.organiser_id, is_active=True, is_expert=False)
    if spot_check.organiser.kind == Organization.Kind.PLATFORM:
        users = users.filter(platform_role=Role.OPERATOR)
    return users.order_by("username")


def _refuse_unless_drawn(spot_check: SpotCheck) -> None:
    if spot_check.status == SpotCheckStatus.DRAWING:
        raise SpotCheckError(_("样本仍在抽取中,抽取完成后才能分配核查人或要求整改"))
    if spot_check.status == SpotCheckStatus.DRAW_FAILED:
        raise SpotCheckError(_("本次抽查的样本抽取失败,请先重新抽取"))


def assign_reviewer(user, spot_check: SpotCheck, reviewer_id: int, *, institution_id: int | None = None,
                    request=None) -> int:
    """The reviewer given the sampled records not reviewed yet (of one institution, or all); how many."""
    if not SpotCheck.objects.editable_by(user).filter(pk=spot_check.pk).exists():
        raise Http404
    _refuse_unless_drawn(spot_check)
    if spot_check.status != SpotCheckStatus.REVIEWING:
        raise SpotCheckError(_("已要求整改的抽查不能再分配核查人"))
    reviewer = reviewers_of(spot_check).filter(pk=reviewer_id).first()
    if reviewer is None:
        raise SpotCheckError(_("核查人应是本单位的在岗人员"))
    rows = SampledRecord.objects.filter(spot_check=spot_check, finding="")
    if institution_id is not None:
        if not spot_check.institutions.filter(pk=institution_id).exists():
            raise SpotCheckError(_("该机构不在本次抽查范围内"))
        rows = rows.filter(institution_id=institution_id)
    with transaction.atomic():
        count = rows.update(reviewer=reviewer)
        audit("spot_check.assign", actor=user, request=request, target=spot_check, organization=user.organization,
              after={"reviewer": reviewer.get_username(), "institution": institution_id, "records": count})
        if count and reviewer.pk != user.pk:  # who assigns records to oneself needs no message
            notify([reviewer], "reporting.spot_check_assigned",
                   _("随机抽查“%(title)s”有待您核查的记录") % {"title": spot_check.title[:150]},
                   body=_("%(person)s 分配给您 %(count)d 条抽查记录,请在“我的核查任务”中逐条填写核查结论。")
                   % {"person": user.full_name or user.get_username(), "count": count},
                   url=reverse("reporting:spotcheck_review_queue"))
    return count


def record_finding(user, sampled_id: int, finding: str, *, reason: str = "", error_field: str = "",
                   request=None) -> SampledRecord:
    """The assigned reviewer's finding on one sampled record (it may be changed until corrections
    are requested): 一致; 不一致 with its reason; 数据错误 naming the field (and, optionally, why)."""
    row = SampledRecord.objects.editable_by(user).filter(pk=sampled_id).first()
    if row is None:
        if SampledRecord.objects.visible_to(user).filter(pk=sampled_id).exists():
            raise PermissionDenied(_("只有分配的核查人可以在整改前填写核查结论"))
        raise Http404
    reason, error_field = (reason or "").strip(), (error_field or "").strip()
    if finding not in Finding.values:
        raise SpotCheckError(_("核查结论应为一致、不一致或数据错误"))
    if len(reason) > MAX_TEXT:
        raise SpotCheckError(_("原因不能超过 %(n)d 字") % {"n": MAX_TEXT})
    if finding == Finding.DISAGREE and not reason:
        raise SpotCheckError(_("核查结论为不一致时必须填写原因"))
    if finding == Finding.DATA_ERROR and error_field not in ERROR_FIELDS:
        raise SpotCheckError(_("核查结论为数据错误时必须选择错误字段"))
    if finding != Finding.DATA_ERROR:
        error_field = ""
    if finding == Finding.AGREE:
        reason = ""
    before = {"finding": row.finding, "reason": row.reason, "error_field": row.error_field}
    with transaction.atomic():
        row.finding, row.reason, row.error_field, row.reviewed_at = finding, reason, error_field, timezone.now()
        row.save(update_fields=["finding", "reason", "error_field", "reviewed_at"])
        audit("spot_check.finding", actor=user, request=request, target=row, organization=user.organization,
              before=before, after={"finding": finding, "reason": reason, "error_field": error_field})
    return row


def request_corrections(user, spot_check: SpotCheck, *, request=None) -> int:
    """要求整改: once every sampled record has its finding, the institutions with findings to
    correct are told (their admins notified) and read them; how many institutions."""
    if not SpotCheck.objects.editable_by(user).filter(pk=spot_check.pk).exists():
        raise Http404
    _refuse_unless_drawn(spot_check)
    if spot_check.status != SpotCheckStatus.REVIEWING:
        raise SpotCheckError(_("本次抽查已经要求过整改"))
    waiting = SampledRecord.objects.filter(spot_check=spot_check, finding="").count()
    if waiting:
        raise SpotCheckError(_("还有 %(n)d 条抽查记录未核查,核查完毕后才能要求整改") % {"n": waiting})
    institutions = list(SampledRecord.objects.filter(spot_check=spot_check, finding__in=TO_CORRECT)
                        .order_by().values_list("institution_id", flat=True).distinct())
    with transaction.atomic():
        spot_check.status, spot_check.correction_requested_at = SpotCheckStatus.CORRECTING, timezone.now()
        spot_check.save(update_fields=["status", "correction_requested_at"])
        admins = User.objects.filter(organization_id__in=institutions, is_org_admin=True, is_active=True)
        if institutions:
            notify(admins, "reporting.spot_check_correction",
                   _("随机抽查“%(title)s”发现需要整改的盘点记录") % {"title": spot_check.title[:150]},
                   body=_("%(organiser)s 的随机抽查发现贵单位的盘点记录与核查结论不一致或存在数据错误,"
                          "请逐条整改并填写说明。") % {"organiser": spot_check.organiser.name},
                   url=reverse("reporting:spotcheck_corrections"), organizations=institutions)
        audit("spot_check.request_corrections", actor=user, request=request, target=spot_check,
              organization=user.organization, after={"institutions": len(institutions)})
    return len(institutions)


def correct(user, sampled_id: int, note: str, *, request=None) -> SampledRecord:
    """The institution marks a finding corrected (已整改) with its note; a later call updates the note."""
    row = SampledRecord.objects.editable_by(user, "correct").filter(pk=sampled_id).first()
    if row is None:
        raise Http404
    note = (note or "").strip()
    if not note:
        raise SpotCheckError(_("请填写整改说明"))
    if len(note) > MAX_TEXT:
        raise SpotCheckError(_("整改说明不能超过 %(n)d 字") % {"n": MAX_TEXT})
    before = {"correction_note": row.correction_note}
    with transaction.atomic():
        row.correction_note, row.corrected_at, row.corrected_by = note, timezone.now(), user
        row.save(update_fields=["correction_note", "corrected_at", "corrected_by"])
        audit("spot_check.correct", actor=user, request=request, target=row, organization=user.organization,
              before=before, after={"correction_note": note})
    return row


@dataclass(frozen=True)
class InstitutionResult:
    institution_id: int
    institution: str
    sampled: int
    checked: int
    agreed: int
    disagreed: int
    data_errors: int
    corrected: int

    @property
    def agree_rate(self) -> float | None:
        """一致率: agreed over checked, None before any check."""
        return round(100 * self.agreed / self.checked, 1) if self.checked else None

    @property
    def to_correct(self) -> int:
        return self.disagreed + self.data_errors


def _grouped(rows: QuerySet[SampledRecord], *by: str):
    return (rows.order_by().values(*by, "institution_id", "institution__name")
            .annotate(sampled=Count("pk"), checked=Count("pk", filter=~Q(finding="")),
                      agreed=Count("pk", filter=Q(finding=Finding.AGREE)),
                      disagreed=Count("pk", filter=Q(finding=Finding.DISAGREE)),
                      data_errors=Count("pk", filter=Q(finding=Finding.DATA_ERROR)),
                      corrected=Count("pk", filter=Q(corrected_at__isnull=False))))


def _result(row: dict) -> InstitutionResult:
    return InstitutionResult(row["institution_id"], row["institution__name"], row["sampled"], row["checked"],
                             row["agreed"], row["disagreed"], row["data_errors"], row["corrected"])


def results_by_institution(spot_check: SpotCheck, records: QuerySet[SampledRecord] | None = None
                           ) -> list[InstitutionResult]:
    """Per institution of the spot check (within `records`, e.g. what a viewer sees; all its
    records by default): sampled, checked, agreed, disagreed, data errors, corrected; by name.
    One grouped query."""
    rows = (records if records is not None else SampledRecord.objects.all()).filter(spot_check=spot_check)
    return sorted((_result(row) for row in _grouped(rows)), key=lambda r: (r.institution, r.institution_id))


@dataclass
class QuarterSpotCheck:
    """A spot check of a quarter as the progress reports show it: its results per institution."""

    title: str
    organiser: str
    status: str
    results: list[InstitutionResult]

    @property
    def total(self) -> InstitutionResult:
        return InstitutionResult(0, "", *(sum(getattr(r, name) for r in self.results) for name in (
            "sampled", "checked", "agreed", "disagreed", "data_errors", "corrected")))


def quarter_results(user, quarter: str) -> list[QuarterSpotCheck]:
    """The drawn spot checks of `quarter` that `user` reads, each with its results per institution
    among the sampled records `user` reads (a ministry its institutions'), oldest first: one query
    for the checks, one grouped query for every result."""
    checks = list(SpotCheck.objects.visible_to(user).filter(
        quarter=quarter, status__in=[SpotCheckStatus.REVIEWING, SpotCheckStatus.CORRECTING])
        .select_related("organiser").order_by("created_at", "pk"))
    grouped: dict[int, list[InstitutionResult]] = {check.pk: [] for check in checks}
    for row in _grouped(SampledRecord.objects.visible_to(user).filter(spot_check__in=checks), "spot_check_id"):
        grouped[row["spot_check_id"]].append(_result(row))
    return [QuarterSpotCheck(check.title, check.organiser.name, str(check.get_status_display()),
                             sorted(grouped[check.pk], key=lambda r: (r.institution, r.institution_id)))
            for check in checks if grouped[check.pk]]
