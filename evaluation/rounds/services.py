"""Requests, rounds and assignments: the business rules of expert evaluation.

- An enterprise asks for an expert evaluation of a patent pushed to it or in the library
  (`request_expert_evaluation`); a push answered "申请评价" in matching becomes a request too
  (`collect_push_requests`, run by beat).
- A province organises a round (`create_round`) of its institutions' patents and of patents its
  enterprises asked about, then draws the experts (`draw_round`, evaluation.rounds.draw).
- An expert declares no conflict before the patent opens (`declare`), or declares one
  (`recuse`), or declines with a reason (`decline`); each closing draws a replacement. The
  province reassigns an open assignment (`reassign`), to a named expert or by a new draw.
- Reminders before and after the due date, at most once a day per assignment (`send_reminders`).

Every refusal raises RoundError with a Chinese message and writes nothing; every change writes its
audit event in the same transaction.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import record as audit
from accounts.roles import Role, role_of
from evaluation.choices import AssignmentStatus, ExpertStatus, RoundStatus
from evaluation.experts.models import Expert
from evaluation.rounds import draw as drawing
from evaluation.rounds.conflicts import LABELS as CONFLICT_LABELS
from evaluation.rounds.conflicts import conflicts_of
from evaluation.rounds.models import Assignment, Draw, EvaluationRound, ExpertRequest, RoundPatent
from inventory.models import InventoryRecord, Patent
from inventory.patents import InvalidPatentNumber, normalize_application_number
from matching.choices import ANSWERED, PushStatus
from matching.models import Push
from matching.pushes import services as pushes
from matching.pushes.services import PushError
from notifications import notify

MAX_TITLE = 200
MAX_REASON = 500
MAX_ROUND_PATENTS = 20_000
MIN_EXPERTS, MAX_EXPERTS = 1, 7
OPEN = drawing.OPEN_STATUSES


class RoundError(Exception):
    """A request refused: `message` says why, in Chinese; nothing was written."""

    def __init__(self, message: str, *, conflict: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.conflict = conflict


def today() -> dt.date:
    return timezone.localdate()


# Requests ---------------------------------------------------------------------------------------


def request_expert_evaluation(user, patent: Patent, *, push: Push | None = None, note: str = "",
                              request=None) -> ExpertRequest:
    """专家评价申请 by an enterprise, for a patent pushed to it or in the conversion resource library.
    A push not answered yet is answered "申请评价" in the same transaction (matching's service); an
    answered one (dismissed, interest) keeps its answer, the request is made all the same."""
    if role_of(user) != Role.ENTERPRISE:
        raise RoundError(_("只有企业可以申请专家评价"))
    note = (note or "").strip()
    if len(note) > MAX_REASON:
        raise RoundError(_("说明不能超过 %(n)d 字") % {"n": MAX_REASON})
    if push is not None and (push.enterprise_id != user.organization_id or push.patent_id != patent.pk):
        raise Http404
    in_library = InventoryRecord.objects.visible_to(user, "library").filter(patent_id=patent.pk).exists()
    if push is None and not in_library:
        raise RoundError(_("只能对推送给本企业的专利或专利转化资源库中的专利申请专家评价"))
    if ExpertRequest.objects.filter(enterprise_id=user.organization_id, patent_id=patent.pk).exists():
        raise RoundError(_("本企业已经申请过该专利的专家评价"), conflict=True)
    with transaction.atomic():
        # A push not answered yet is answered "申请评价"; one already answered keeps its answer.
        if push is not None and push.status not in ANSWERED:
            try:
                push = pushes.request_evaluation(user, push, request=request)
            except PushError as error:
                raise RoundError(error.message, conflict=error.conflict) from error
        try:
            with transaction.atomic():
                made = ExpertRequest.objects.create(enterprise_id=user.organization_id, patent=patent, push=push,
                                                    note=note, requested_by=user)
        except IntegrityError as error:  # a concurrent request of the same enterprise
            raise RoundError(_("本企业已经申请过该专利的专家评价"), conflict=True) from error
        audit("expert_request.create", actor=user, request=request, target=made, organization=user.organization,
              after={"patent": patent.pk, "push": push.pk if push else None})
    return made


def collect_push_requests() -> int:
    """A request for every push answered "申请评价" in matching that has none yet (one INSERT);
    the number made. Matching knows nothing of evaluation, so evaluation reads its answers."""
    waiting = (Push.objects.filter(status=PushStatus.EVALUATION_REQUESTED)
               .exclude(Exists(ExpertRequest.objects.filter(enterprise_id=OuterRef("enterprise_id"),
                                                            patent_id=OuterRef("patent_id"))))
               .values_list("pk", "enterprise_id", "patent_id", "answered_by_id", "answered_at"))
    made = [ExpertRequest(push_id=pk, enterprise_id=e, patent_id=p, requested_by_id=u,
                          created_at=at or timezone.now()) for pk, e, p, u, at in waiting]
    ExpertRequest.objects.bulk_create(made, ignore_conflicts=True, batch_size=1000)
    return len(made)


def open_requests(user) -> QuerySet[ExpertRequest]:
    """The requests the user sees that no round of the user took yet (a province's to choose from)."""
    taken = RoundPatent.objects.filter(request_id=OuterRef("pk"))
    return (ExpertRequest.objects.visible_to(user).exclude(Exists(taken))
            .select_related("enterprise", "patent").order_by("-created_at", "-pk"))


# Rounds -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RoundInput:
    title: str
    due_on: dt.date | None
    experts_per_patent: int | None
    application_numbers: tuple[str, ...] = ()
    request_ids: tuple[int, ...] = ()


def _round_patents(user, data: RoundInput) -> list[tuple[int, int | None]]:
    """(patent id, request id or None) of the round, checked against the province's scope."""
    numbers, bad = [], []
    for raw in data.application_numbers:
        if not str(raw).strip():
            continue
        try:
            numbers.append(normalize_application_number(raw))
        except InvalidPatentNumber:
            bad.append(str(raw).strip())
    if bad:
        raise RoundError(_("以下申请号格式不正确:%(numbers)s") % {"numbers": "、".join(bad[:10])})
    own = dict(Patent.objects.visible_to(user, "own").filter(application_number__in=numbers)
               .values_list("application_number", "pk"))
    missing = [n for n in dict.fromkeys(numbers) if n not in own]
    if missing:
        raise RoundError(_("以下专利不属于本省高校和科研机构,不能纳入评价:%(numbers)s")
                         % {"numbers": "、".join(missing[:10])})
    requests = dict(open_requests(user).filter(pk__in=list(data.request_ids)).values_list("pk", "patent_id"))
    if len(requests) != len(set(data.request_ids)):
        raise RoundError(_("所选的专家评价申请不存在或已纳入其他评价轮次"))
    chosen: dict[int, int | None] = dict.fromkeys(own.values())
    for request_id, patent_id in sorted(requests.items()):
        if chosen.get(patent_id) is None:
            chosen[patent_id] = request_id
    return sorted(chosen.items())


def create_round(user, data: RoundInput, *, request=None) -> EvaluationRound:
    """组织评价: a round in preparation (DRAFT) with its patents; the experts are drawn next."""
    if role_of(user) != Role.PROVINCE:
        raise RoundError(_("只有省级知识产权局可以组织专家评价"))
    title = (data.title or "").strip()
    if not title:
        raise RoundError(_("请填写评价轮次名称"))
    if len(title) > MAX_TITLE:
        raise RoundError(_("名称不能超过 %(n)d 字") % {"n": MAX_TITLE})
    if data.due_on is None or data.due_on <= today():
        raise RoundError(_("截止日期须晚于今天"))
    if data.experts_per_patent is None or not MIN_EXPERTS <= data.experts_per_patent <= MAX_EXPERTS:
        raise RoundError(_("每件专利专家数须在 %(a)d 到 %(b)d 之间") % {"a": MIN_EXPERTS, "b": MAX_EXPERTS})
    patents = _round_patents(user, data)
    if not patents:
        raise RoundError(_("请至少选择一件专利"))
    if len(patents) > MAX_ROUND_PATENTS:
        raise RoundError(_("一个评价轮次最多 %(n)d 件专利") % {"n": MAX_ROUND_PATENTS})
    with transaction.atomic():
        made = EvaluationRound.objects.create(organiser=user.organization, title=title, due_on=data.due_on,
                                              experts_per_patent=data.experts_per_patent, created_by=user)
        RoundPatent.objects.bulk_create([RoundPatent(round=made, patent_id=p, request_id=r) for p, r in patents],
                                        batch_size=2000)
        audit("evaluation_round.create", actor=user, request=request, target=made, organization=user.organization,
              after={"title": title, "due_on": str(data.due_on), "experts_per_patent": data.experts_per_patent,
                     "patents": len(patents)})
    return made


def editable_round(user, pk: int) -> EvaluationRound:
    found = EvaluationRound.objects.editable_by(user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def _requesters(round_id: int) -> dict[int, set[int]]:
    return drawing.requesters_of(RoundPatent.objects.filter(round_id=round_id)
                                 .values_list("patent_id", "request__enterprise_id"))


def _pool_for(needs: dict, due_on: dt.date) -> drawing.Pool:
    inventors = {name for need in needs.values() if need.parties for name in need.parties.inventors}
    return drawing.load_pool(due_on, today=today(), inventors=inventors)


def draw_round(user, evaluation_round: EvaluationRound, *, request=None) -> int:
    """随机抽取 for every patent of a round in preparation: the Draw records and the assignments,
    written together once every patent found enough experts (DrawRefused otherwise, nothing
    written); the round opens and the drawn experts are told. The number of assignments made."""
    evaluation_round = editable_round(user, evaluation_round.pk)
    if role_of(user) != Role.PROVINCE:
        raise RoundError(_("只有组织评价的省级知识产权局可以抽取专家"))
    if evaluation_round.status != RoundStatus.DRAFT:
        raise RoundError(_("该评价轮次已经抽取过专家"), conflict=True)
    if evaluation_round.due_on <= today():
        raise RoundError(_("截止日期已过,请先修改截止日期"))
    requesters = _requesters(evaluation_round.pk)
    patent_ids = list(RoundPatent.objects.filter(round=evaluation_round).values_list("patent_id", flat=True))
    needs = drawing.load_needs(patent_ids, requesters)
    pool = _pool_for(needs, evaluation_round.due_on)
    try:
        planned = drawing.plan(pool, needs, evaluation_round.experts_per_patent)
    except drawing.DrawRefused as error:
        raise RoundError(error.message) from error
    return _write_draws(user, evaluation_round, planned, request=request)


def _write_draws(user, evaluation_round: EvaluationRound, planned: list[drawing.PlannedDraw], *, request=None,
                 replaces: Assignment | None = None) -> int:
    now = timezone.now()
    with transaction.atomic():
        # Only a round still in preparation opens (a concurrent draw of the same round loses here).
        if replaces is None:
            opened = EvaluationRound.objects.filter(pk=evaluation_round.pk, status=RoundStatus.DRAFT).update(
                status=RoundStatus.OPEN)
            if not opened:
                raise RoundError(_("该评价轮次已经抽取过专家"), conflict=True)
        Draw.objects.bulk_create([Draw(round=evaluation_round, patent_id=p.patent_id, seed=p.seed,
                                       candidates=p.candidates, excluded=p.excluded, drawn=p.drawn,
                                       created_by=user, created_at=now) for p in planned], batch_size=1000)
        made = [Assignment(round=evaluation_round, patent_id=p.patent_id, expert_id=e, due_on=evaluation_round.due_on,
                           replaces=replaces, created_at=now) for p in planned for e in p.drawn]
        Assignment.objects.bulk_create(made, batch_size=2000)
        expert_ids = {e for p in planned for e in p.drawn}
        if replaces is None:
            audit("evaluation_round.draw", actor=user, request=request, target=evaluation_round,
                  organization=evaluation_round.organiser, after={"status": RoundStatus.OPEN},
                  patents=len(planned), assignments=len(made), seeds={str(p.patent_id): p.seed for p in planned[:50]})
        users = list(Expert.objects.filter(pk__in=expert_ids, user__isnull=False).values_list("user_id", flat=True))
        if users:
            notify(users, "evaluation.assignment", _("您有新的专利评价任务"),
                   _("“%(round)s”,截止日期 %(due)s。请先声明无利益冲突,再查看专利并评价。")
                   % {"round": evaluation_round.title, "due": evaluation_round.due_on},
                   url=reverse("evaluation:assignment_list"))
    return len(made)


def attach_progress(rounds: list[EvaluationRound]) -> list[EvaluationRound]:
    """Set `progress` on each round: its patents, its assignments by status, the active total
    (without recused and declined ones), the submitted (and their share) and the overdue. Three
    grouped queries for a page of rounds, whatever their size (no join of patents × assignments)."""
    ids = [r.pk for r in rounds]
    by_round: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(AssignmentStatus.values, 0))
    overdue: dict[int, int] = {}
    patents: dict[int, int] = {}
    if ids:
        for round_id, status, n in (Assignment.objects.filter(round_id__in=ids).order_by()
                                    .values_list("round_id", "status").annotate(n=Count("pk"))):
            by_round[round_id][status] = n
        overdue = dict(Assignment.objects.filter(round_id__in=ids, status__in=OPEN, due_on__lt=today()).order_by()
                       .values_list("round_id").annotate(n=Count("pk")))
        patents = dict(RoundPatent.objects.filter(round_id__in=ids).order_by().values_list("round_id")
                       .annotate(n=Count("pk")))
    for r in rounds:
        counts = by_round[r.pk]
        active = sum(counts[status] for status in (*OPEN, AssignmentStatus.SUBMITTED))
        submitted = counts[AssignmentStatus.SUBMITTED]
        r.progress = {"by_status": dict(counts), "active": active, "submitted": submitted,
                      "percent": round(100 * submitted / active) if active else 0,
                      "overdue": overdue.get(r.pk, 0), "patents": patents.get(r.pk, 0)}
    return rounds


# Assignments --------------------------------------------------------------------------------------


def editable_assignment(user, pk: int) -> Assignment:
    found = (Assignment.objects.editable_by(user).filter(pk=pk)
             .select_related("round", "round__organiser", "expert", "patent").first())
    if found is None:
        raise Http404
    return found


def _closing(user, assignment: Assignment, allowed_roles: tuple) -> Assignment:
    if role_of(user) not in allowed_roles:
        raise Http404
    assignment = editable_assignment(user, assignment.pk)
    return assignment


def _close(assignment: Assignment, status: str, reason: str, *, from_statuses=OPEN) -> None:
    """Close an open assignment (a conditional UPDATE: of two concurrent answers one wins)."""
    done = Assignment.objects.filter(pk=assignment.pk, status__in=list(from_statuses)).update(
        status=status, closed_reason=reason)
    if not done:
        raise RoundError(_("该评价任务已经结束,不能再操作"), conflict=True)
    assignment.status, assignment.closed_reason = status, reason


def declare(user, assignment: Assignment, *, request=None) -> Assignment:
    """声明无利益冲突: the patent's details open (ACCEPTED). The conflict rules run again first: a
    conflict found now (an affiliation declared since the draw, a new co-invention) recuses the
    expert instead and a replacement is drawn; the assignment returned then says RECUSED."""
    assignment = _closing(user, assignment, (Role.EXPERT,))
    if assignment.status != AssignmentStatus.ASSIGNED:
        raise RoundError(_("该评价任务已经声明过或已经结束"), conflict=True)
    found = conflicts_of(assignment.expert, assignment.patent,
                         _requesters(assignment.round_id).get(assignment.patent_id, set()), today=today())
    if found:
        # Detected now: recused instead (the returned assignment says RECUSED, with the reason).
        reason = _("系统检测到利益冲突:%(reasons)s") % {"reasons": "、".join(str(CONFLICT_LABELS[r]) for r in found)}
        recuse(user, assignment, reason, request=request, detected=True)
        return assignment
    with transaction.atomic():
        done = Assignment.objects.filter(pk=assignment.pk, status=AssignmentStatus.ASSIGNED).update(
            status=AssignmentStatus.ACCEPTED, declared_at=timezone.now())
        if not done:
            raise RoundError(_("该评价任务已经声明过或已经结束"), conflict=True)
        assignment.refresh_from_db()
        audit("assignment.declare", actor=user, request=request, target=assignment,
              before={"status": AssignmentStatus.ASSIGNED}, after={"status": AssignmentStatus.ACCEPTED})
    return assignment


def _reason(reason: str, missing: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise RoundError(missing)
    if len(reason) > MAX_REASON:
        raise RoundError(_("原因不能超过 %(n)d 字") % {"n": MAX_REASON})
    return reason


def recuse(user, assignment: Assignment, reason: str, *, request=None, detected: bool = False) -> Assignment | None:
    """回避: the expert declares a conflict (before or after the patent opened), or the system found
    one (`detected`). The assignment is RECUSED with its reason and a replacement is drawn; the
    replacement, or None when no qualified expert is left (the province is told)."""
    if not detected:
        assignment = _closing(user, assignment, (Role.EXPERT,))
    reason = _reason(reason, _("请说明利益冲突的情况"))
    with transaction.atomic():
        before = assignment.status
        _close(assignment, AssignmentStatus.RECUSED, reason)
        audit("assignment.recuse", actor=user, request=request, target=assignment, before={"status": before},
              after={"status": AssignmentStatus.RECUSED, "closed_reason": reason}, detected=detected)
        replacement = replace(user, assignment, request=request)
    return replacement


def decline(user, assignment: Assignment, reason: str, *, request=None) -> Assignment | None:
    """谢绝: the expert declines an assignment not yet opened, with a reason; a replacement is drawn."""
    assignment = _closing(user, assignment, (Role.EXPERT,))
    reason = _reason(reason, _("请填写谢绝原因"))
    if assignment.status != AssignmentStatus.ASSIGNED:
        raise RoundError(_("已声明并开始评价的任务不能谢绝;如存在利益冲突请申请回避"), conflict=True)
    with transaction.atomic():
        _close(assignment, AssignmentStatus.DECLINED, reason, from_statuses=(AssignmentStatus.ASSIGNED,))
        audit("assignment.decline", actor=user, request=request, target=assignment,
              before={"status": AssignmentStatus.ASSIGNED},
              after={"status": AssignmentStatus.DECLINED, "closed_reason": reason})
        replacement = replace(user, assignment, request=request)
    return replacement


def replace(user, closed: Assignment, *, request=None, expert: Expert | None = None) -> Assignment | None:
    """A new assignment of the closed one's patent in its round (Assignment.replaces): `expert` if
    named (every rule checked, RoundError if one fails), else a new random draw among the qualified
    (None, and the province told, when nobody qualifies)."""
    evaluation_round = closed.round
    requesters = _requesters(evaluation_round.pk)
    needs = drawing.load_needs([closed.patent_id], {closed.patent_id: requesters.get(closed.patent_id, set())})
    pool = _pool_for(needs, evaluation_round.due_on)
    already = drawing.assigned_experts(evaluation_round.pk, [closed.patent_id])
    candidates, excluded = drawing.qualify(pool, needs[closed.patent_id], already.get(closed.patent_id, set()))
    if expert is not None:
        refused = drawing.why_not(pool, needs[closed.patent_id], expert.pk, already.get(closed.patent_id, set()))
        if refused is not None:
            raise RoundError(_("不能分配给专家%(name)s:%(reason)s") % {
                "name": expert.name, "reason": drawing.LABELS[refused]})
        planned = drawing.PlannedDraw(closed.patent_id, drawing.new_seed(), [expert.pk], excluded, [expert.pk])
    elif not candidates:
        message = drawing.too_few_message(needs[closed.patent_id].title, 1, 0, excluded, pool.size)
        notify([u for u in [evaluation_round.created_by_id] if u], "evaluation.replacement_failed",
               _("评价任务需要重新分配"), message, url=reverse("evaluation:round_detail", args=[evaluation_round.pk]),
               organizations=[evaluation_round.organiser_id])
        return None
    else:
        seed = drawing.new_seed()
        planned = drawing.PlannedDraw(closed.patent_id, seed, candidates, excluded, drawing.pick(seed, candidates, 1))
    _write_draws(user, evaluation_round, [planned], request=request, replaces=closed)
    made = Assignment.objects.get(round=evaluation_round, patent_id=closed.patent_id, expert_id=planned.drawn[0])
    audit("assignment.replace", actor=user, request=request, target=made, organization=evaluation_round.organiser,
          after={"expert": planned.drawn[0], "replaces": closed.pk})
    return made


def reassign(user, assignment: Assignment, reason: str, *, expert_id: int | None = None,
             request=None) -> Assignment | None:
    """重新分配 by the province that runs the round: the open assignment is closed (RECUSED, with
    the province's reason) and given to `expert_id` (checked like a draw) or to a new draw."""
    if role_of(user) != Role.PROVINCE:
        raise Http404
    assignment = editable_assignment(user, assignment.pk)
    reason = _reason(reason, _("请填写重新分配的原因"))
    expert = None
    if expert_id is not None:
        expert = Expert.objects.filter(pk=expert_id, status=ExpertStatus.APPROVED).first()
        if expert is None:
            raise RoundError(_("所选专家不存在或未入库"))
    with transaction.atomic():
        before = assignment.status
        _close(assignment, AssignmentStatus.RECUSED, _("组织单位重新分配:%(reason)s") % {"reason": reason})
        audit("assignment.reassign", actor=user, request=request, target=assignment, before={"status": before},
              after={"status": AssignmentStatus.RECUSED, "closed_reason": assignment.closed_reason})
        return replace(user, assignment, request=request, expert=expert)


def expert_assignments(user) -> QuerySet[Assignment]:
    return Assignment.objects.visible_to(user).select_related("round", "round__organiser").order_by("due_on", "pk")


def patent_open(assignment: Assignment) -> bool:
    """Whether the assignment's patent may be shown to its expert: only once declared."""
    return assignment.status in (AssignmentStatus.ACCEPTED, AssignmentStatus.SUBMITTED)


# Reminders --------------------------------------------------------------------------------------


def reminder_days() -> int:
    return int(getattr(settings, "EVALUATION_REMINDER_DAYS", 3))


def send_reminders(on: dt.date | None = None) -> dict[str, int]:
    """Remind the experts of their open assignments due within EVALUATION_REMINDER_DAYS days, and
    of the overdue ones; an assignment is reminded at most once a day (reminded_at). One
    notification per expert and kind, listing how many; the counts of assignments reminded."""
    on = on or today()
    start = timezone.make_aware(dt.datetime.combine(on, dt.time.min))
    due = (Assignment.objects.filter(status__in=OPEN, expert__user__isnull=False,
                                     due_on__lte=on + dt.timedelta(days=reminder_days()))
           .filter(Q(reminded_at__isnull=True) | Q(reminded_at__lt=start)))
    rows = list(due.values_list("pk", "expert__user_id", "due_on"))
    soon, late = defaultdict(list), defaultdict(list)
    for pk, user_id, due_on in rows:
        (late if due_on < on else soon)[user_id].append((pk, due_on))
    url = reverse("evaluation:assignment_list")
    with transaction.atomic():
        for user_id, items in soon.items():
            first = min(d for _pk, d in items)
            notify([user_id], "evaluation.due_soon", _("您有 %(n)d 项专利评价任务即将到期") % {"n": len(items)},
                   _("最早的截止日期为 %(due)s,请按时完成评价。") % {"due": first}, url=url)
        for user_id, items in late.items():
            notify([user_id], "evaluation.overdue", _("您有 %(n)d 项专利评价任务已逾期") % {"n": len(items)},
                   _("请尽快完成评价;如无法完成,请谢绝或申请回避,以便重新分配。"), url=url)
        Assignment.objects.filter(pk__in=[pk for pk, _u, _d in rows]).update(reminded_at=timezone.now())
    return {"due_soon": sum(len(v) for v in soon.values()), "overdue": sum(len(v) for v in late.values())}
