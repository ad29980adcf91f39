"""The demo world's evaluation stage, written through the real services so that every role's
evaluation pages show something on a fresh `make demo`:

- every demo expert login is an approved entry of the expert library (recommended by 北京, 广东 or
  上海), with IPC specialties covering the library patents of 北京's institutions;
- 北京's office (demo_province) has run a round for four of those patents, two experts each, drawn
  at random; a second round of one patent that only the demo expert covers gives demo_expert a
  task for certain: declared, evaluated and submitted;
- the demo enterprise evaluated two patents pushed to it: one with a licence intent, one with no
  cooperation and a coded reason; the institution's feedback page reads them.
Removed with the demo world (experts with their accounts, the rest cascades with organisations)."""

import datetime as dt
import random

from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from evaluation.assessments import services as assessments
from evaluation.assessments.models import Evaluation
from evaluation.choices import AssignmentStatus, ExpertStatus, NonConversionReason
from evaluation.experts.models import Expert
from evaluation.indicators.models import Indicator, IndicatorSystem
from evaluation.rounds import services as rounds
from evaluation.rounds.models import Assignment, EvaluationRound
from inventory.models import InventoryRecord
from matching.models import Push

PROVINCES = ("110000", "440000", "310000")
TITLES = ("教授", "研究员", "高级工程师", "副教授", "主任医师")


def build(seed: int, operator: User, province_user: User, enterprise_user: User) -> int:
    """The library entries, two rounds and the evaluations; returns how many evaluations were submitted."""
    rng = random.Random(seed + 16)
    records = list(InventoryRecord.objects.filter(in_library=True, institution__province_id="110000")
                   .exclude(patent__main_ipc="").select_related("patent").order_by("patent_id")[:5])
    if len(records) < 5:
        return 0
    patents = [record.patent for record in records]
    subclass = {p.pk: p.main_ipc.replace(" ", "")[:4] for p in patents}
    special, shared = patents[-1], patents[:-1]
    # The last patent's subclass is the demo expert's alone (unless another patent shares it).
    others_cover = sorted({subclass[p.pk] for p in shared} - {subclass[special.pk]}) or [subclass[shared[0].pk]]
    now = timezone.now()
    experts = []
    for user in User.objects.filter(is_expert=True, organization__isnull=True, username__startswith="demo_expert"
                                    ).order_by("username"):
        mine = user.username == "demo_expert"
        experts.append(Expert(
            name=user.full_name or user.username, employer_name="演示专家工作单位", title=rng.choice(TITLES),
            ipc_prefixes=sorted(set(subclass.values())) if mine else others_cover, industry_codes=[],
            phone=user.phone or f"1390000{len(experts):04d}", email=f"{user.username}@expert.example.cn",
            recommending_province_id="110000" if mine else rng.choice(PROVINCES),
            recommended_by=province_user, status=ExpertStatus.APPROVED, decided_by=operator, decided_at=now,
            user=user))
    Expert.objects.bulk_create(experts)
    due = timezone.localdate() + dt.timedelta(days=21)
    main = rounds.create_round(province_user, rounds.RoundInput(
        title="北京高校存量专利专家评价(第一批)", due_on=due, experts_per_patent=2,
        application_numbers=tuple(p.application_number for p in shared)))
    rounds.draw_round(province_user, main)
    own = rounds.create_round(province_user, rounds.RoundInput(
        title="北京高校存量专利专项评价", due_on=due, experts_per_patent=1,
        application_numbers=(special.application_number,)))
    rounds.draw_round(province_user, own)
    demo_expert = User.objects.get(username="demo_expert")
    submitted = 0
    task = Assignment.objects.filter(round=own, expert__user=demo_expert, status=AssignmentStatus.ASSIGNED).first()
    declared = rounds.declare(demo_expert, task) if task is not None else None
    if declared is not None and declared.status == AssignmentStatus.ACCEPTED:
        draft = assessments.start_expert_evaluation(demo_expert, declared)
        system = IndicatorSystem.objects.get(is_current=True)
        indicators = Indicator.objects.filter(dimension__system=system)
        scores = {str(i.pk): str(rng.choice([5, 6, 7, 8, 9])) for i in indicators}
        draft, _problems, _computation = assessments.save_draft(demo_expert, draft, {
            "scores": scores, "comments": {"technical": "技术路线清晰,实验数据较充分"},
            "summary": "技术先进,建议以许可方式推进转化"})
        assessments.submit(demo_expert, draft)
        submitted += 1
    pushed = list(Push.objects.filter(enterprise=enterprise_user.organization, patent__inventory__in_library=True,
                                      status__in=["delivered", "viewed"]).order_by("pk")[:2])
    answers = [
        {"prospect": "good", "cooperation_modes": ["licence"], "improvement_needs": "希望提供中试数据"},
        {"prospect": "fair", "cooperation_modes": [], "reasons": [NonConversionReason.MARKET_UNCLEAR],
         "improvement_needs": "需要量产成本测算"},
    ]
    for push, values in zip(pushed, answers, strict=False):
        draft = assessments.start_enterprise_evaluation(enterprise_user, push.patent)
        draft, _problems, _computation = assessments.save_draft(enterprise_user, draft, values)
        assessments.submit(enterprise_user, draft)
        submitted += 1
    return submitted


def remove(user_ids: list[int]) -> None:
    """What `build` wrote, before the demo patents and accounts go: the rounds the demo province
    ran (their assignments and draws go with them), the demo accounts' evaluations and the experts
    whose accounts are demo accounts (an expert is protected while an assignment names them)."""
    EvaluationRound.objects.filter(created_by_id__in=user_ids).delete()
    Evaluation.objects.filter(Q(created_by_id__in=user_ids) | Q(expert__user_id__in=user_ids)).delete()
    Expert.objects.filter(user_id__in=user_ids).delete()
