"""Home-page cards of expert evaluation's rounds: an expert's assignments, a province's requests
waiting for a round and its open rounds. Counts over visible_to(user) only."""

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Role
from evaluation.choices import AssignmentStatus, RoundStatus
from evaluation.rounds.models import Assignment, EvaluationRound
from evaluation.rounds.services import OPEN, open_requests
from evaluation.rounds.views import OPEN_FILTER
from ground.registry import Card, site


@site.cards({Role.EXPERT}, order=10)
def expert_tasks(user) -> list[Card]:
    counts = Assignment.objects.visible_to(user).aggregate(
        open=Count("pk", filter=Q(status__in=OPEN)),
        waiting=Count("pk", filter=Q(status=AssignmentStatus.ASSIGNED)),
        overdue=Count("pk", filter=Q(status__in=OPEN, due_on__lt=timezone.localdate())))
    hint = _("其中待声明利益冲突 %(waiting)d 项,已逾期 %(overdue)d 项") % counts
    # The number is the list the link opens: the open assignments (待声明 and 评价中).
    url = f"{reverse('evaluation:assignment_list')}?status={OPEN_FILTER}"
    return [Card(_("评价任务"), counts["open"], hint, url, _("查看评价任务"))]


@site.cards({Role.PROVINCE}, order=60)
def province_rounds(user) -> list[Card]:
    rounds = EvaluationRound.objects.visible_to(user).aggregate(
        total=Count("pk"), running=Count("pk", filter=Q(status__in=[RoundStatus.DRAFT, RoundStatus.OPEN])))
    waiting = open_requests(user).count()
    hint = _("其中进行中 %(running)d 个;另有 %(n)d 项企业专家评价申请待纳入评价") % {
        "running": rounds["running"], "n": waiting}
    return [Card(_("专家评价"), rounds["total"], hint, reverse("evaluation:round_list"), _("组织评价"))]
