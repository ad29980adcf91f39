"""The fixture world's additions for expert evaluation's rounds (called at the end of world.build_world).

广东省知识产权局 runs one open round (rounds_round) of 广东省人民医院's library patent, which
广东专精特新科技有限公司 asked experts to evaluate (rounds_request, from its push gd_gd). The
world's expert (account "expert") was drawn for it (rounds_draw) and holds one assignment
(rounds_assignment) not yet declared: the patent stays hidden from the expert, so no patent
number reaches the expert's pages.

The expert's library entry is the experts area's if it made one for the account; otherwise it is
made here (rounds_expert), approved, recommended by 广东.

Who sees what: a round, its draws and assignments: the province running it and the operator; an
assignment also its expert. A request: the enterprise, its province, the patent's institution
(which never reads the enterprise's name) and the operator; only the enterprise (and the
operator, who runs everything) changes it.
"""

import datetime as dt

from evaluation.choices import AssignmentStatus, ExpertStatus, RoundStatus
from evaluation.experts.models import Expert
from evaluation.rounds.models import Assignment, Draw, EvaluationRound, ExpertRequest, RoundPatent
from matching.models import Push

from .isolation.objects import WorldObject

AUDIT = {"visible_to:audit": frozenset({"auditor"})}


def _expert(world) -> tuple[Expert, bool]:
    user = world.users["expert"]
    found = Expert.objects.filter(user=user).first()
    if found is not None:
        return found, False
    made = Expert.objects.create(
        name="rounds_评价专家", employer_name="rounds_某研究所", title="研究员", industry_codes=["1.1"],
        ipc_prefixes=["G06"], phone="13800013001", email="rounds.expert@experts.example.cn",
        recommending_province=world.orgs["prov_gd"].province, status=ExpertStatus.APPROVED, user=user)
    return made, True


def extend(world) -> dict[str, list]:
    o, users = world.orgs, world.users
    expert, made_here = _expert(world)
    patent = world.patents["gd_library"]
    push = Push.objects.filter(patent=patent, enterprise=o["ent_gd"]).first()
    request = ExpertRequest.objects.create(enterprise=o["ent_gd"], patent=patent, push=push,
                                           note="rounds_申请说明", requested_by=users["ent_gd_admin"])
    due = dt.date.today() + dt.timedelta(days=30)
    evaluation_round = EvaluationRound.objects.create(
        organiser=o["prov_gd"], title="rounds_广东专家评价", experts_per_patent=1, due_on=due,
        status=RoundStatus.OPEN, created_by=users["prov_gd_admin"])
    RoundPatent.objects.create(round=evaluation_round, patent=patent, request=request)
    draw = Draw.objects.create(round=evaluation_round, patent=patent, seed="0" * 32, candidates=[expert.pk],
                               excluded={}, drawn=[expert.pk], created_by=users["prov_gd_admin"])
    assignment = Assignment.objects.create(round=evaluation_round, patent=patent, expert=expert, due_on=due,
                                           status=AssignmentStatus.ASSIGNED)
    runners = frozenset({"operator", "prov_gd_admin"})
    objects = {
        "evaluation.evaluationround": [WorldObject("rounds_round", evaluation_round, runners, runners,
                                                   named=dict(AUDIT))],
        "evaluation.expertrequest": [WorldObject(
            "rounds_request", request,
            frozenset({"operator", "ent_gd_admin", "prov_gd_admin", "inst_gd_local_admin"}),
            frozenset({"operator", "ent_gd_admin"}), named=dict(AUDIT))],
        "evaluation.assignment": [WorldObject("rounds_assignment", assignment, runners | {"expert"},
                                              runners | {"expert"}, named=dict(AUDIT))],
        "evaluation.draw": [WorldObject("rounds_draw", draw, runners, frozenset({"operator"}))],
    }
    if made_here:
        objects["evaluation.expert"] = [WorldObject(
            "rounds_expert", expert, frozenset({"operator", "prov_bj_admin", "prov_gd_admin", "expert"}),
            frozenset({"operator", "prov_gd_admin", "expert"}), named=dict(AUDIT))]
    return objects


def fingerprint() -> tuple:
    """What a forbidden request might change in this area (compared around each one)."""
    return (
        tuple(EvaluationRound.objects.order_by("pk").values_list("pk", "status", "title", "due_on")),
        tuple(Assignment.objects.order_by("pk").values_list("pk", "status", "expert_id", "declared_at",
                                                            "closed_reason")),
        Draw.objects.count(),
        tuple(ExpertRequest.objects.order_by("pk").values_list("pk", "enterprise_id", "patent_id")),
        RoundPatent.objects.count(),
    )


def grow(world, library_patents) -> None:
    """One round of the query-count test's growing world: each new library patent asked about by
    both world enterprises, and a round of 北京's office with one of them, given to the world's
    expert, so that every request, round and assignment list grows."""
    o, users = world.orgs, world.users
    expert = Expert.objects.get(user=users["expert"])
    for patent in library_patents:
        for enterprise in ("ent_gd", "ent_bj_soe"):
            ExpertRequest.objects.create(enterprise=o[enterprise], patent=patent,
                                         requested_by=users[f"{enterprise}_admin"])
    if not library_patents:
        return
    due = dt.date.today() + dt.timedelta(days=20)
    evaluation_round = EvaluationRound.objects.create(
        organiser=o["prov_bj"], title=f"rounds_增长轮次{EvaluationRound.objects.count()}", experts_per_patent=1,
        due_on=due, status=RoundStatus.OPEN, created_by=users["prov_bj_admin"])
    patent = library_patents[0]
    RoundPatent.objects.create(round=evaluation_round, patent=patent)
    Assignment.objects.create(round=evaluation_round, patent=patent, expert=expert, due_on=due)
