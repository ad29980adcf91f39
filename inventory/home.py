"""The inventory app's home-page cards (ground.registry collects them).

Every number is a count over `visible_to(user)`, so a card never shows more than the user may see.
"""

from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.roles import Role, role_of
from ground.registry import Card, site
from inventory.choices import InventoryStatus
from inventory.milestones import progress_for
from inventory.models import InventoryRecord, Patent
from inventory.records import granted_records, review


@site.cards({Role.INSTITUTION}, order=10)
def inventory_to_do(user) -> list[Card]:
    records = InventoryRecord.objects.visible_to(user).filter(institution=user.organization)
    total = records.count()
    pending = records.filter(status=InventoryStatus.PENDING).count()
    in_library = records.filter(in_library=True).count()
    return [
        Card(_("待盘点专利"), pending,
             _("共 %(total)d 件存量专利,已盘点 %(done)d 件") % {"total": total, "done": total - pending},
             reverse("inventory:patent_list"), _("开始盘点")),
        Card(_("已入库专利"), in_library, _("已筛选进入全国转化资源库的专利"), reverse("inventory:patent_list"),
             _("查看")),
    ]


@site.cards({Role.INSTITUTION}, order=20)
def reviews_waiting(user) -> list[Card]:
    """Reviewers (a department admin, institution-level staff): what waits for their review."""
    if review.reviewer_level(user) is None:
        return []
    waiting = review.review_queue(user).count()
    return [Card(_("待我审核"), waiting, _("已提交、等待本级审核的盘点结果"), reverse("inventory:review_queue"),
                 _("去审核"))]


@site.cards({Role.INSTITUTION}, order=30)
def milestone_progress(user) -> list[Card]:
    """Progress against the national milestones, for institution-level staff: the numbers cover
    the whole institution, which a department's (二级单位) staff do not see."""
    if user.department_id:
        return []
    progress = progress_for(user.organization)
    hint = _("已盘点 %(done)d / %(total)d 件(%(percent)s%%)") % {
        "done": progress.inventoried, "total": progress.total, "percent": progress.percent}
    return [Card(_("盘点进度"), hint=hint, template="inventory/milestones/milestones_home_card.html",
                 context={"progress": progress})]


@site.cards({Role.INVENTOR}, order=10)
def self_assessment_to_do(user) -> list[Card]:
    records = granted_records(user)
    return [Card(_("待自评专利"), records.filter(review_state__in=review.SUBMITTABLE_STATES).count(),
                 _("邀请您自评的专利共 %(total)d 件") % {"total": records.count()},
                 reverse("inventory:self_assessment_mine"), _("填写自评"))]


@site.cards({Role.MINISTRY, Role.OPERATOR}, order=10)
def stock_patents(user) -> list[Card]:
    patents = Patent.objects.visible_to(user, "own").count()
    hint = _("平台内全部存量专利") if role_of(user) == Role.OPERATOR else _("所属高校和科研机构的存量专利")
    return [Card(_("存量专利"), patents, hint, reverse("inventory:patent_list"), _("查看"))]


@site.cards({Role.ENTERPRISE}, order=10)
def conversion_library(user) -> list[Card]:
    return [Card(_("转化资源库专利"), Patent.objects.visible_to(user).count(), _("全国高校和科研机构可转化专利"),
                 reverse("inventory:library"), _("浏览资源库"))]
