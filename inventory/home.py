"""The inventory app's home-page cards (ground.registry collects them).

Every number is one figure of inventory.records.scope, inventory.milestones or the import batches,
computed over `visible_to(user)`, so a card never shows more than the user may see; and every
card's link opens the list that its number counts (the workbench with the same filters, the
progress page's "进度滞后", the uploads that need attention).
"""

from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.roles import Role, role_of
from ground.registry import Card, site
from inventory.milestones import progress_for, progress_overview
from inventory.models import Patent
from inventory.patents import batches_to_act_on
from inventory.records import granted_records, inventory_figures, review
from inventory.upload import batches_needing_attention


def workbench_url(**params: str) -> str:
    """The workbench list narrowed by `params` (its filter parameters)."""
    return f"{reverse('inventory:patent_list')}?{urlencode(params)}"


@site.cards({Role.INSTITUTION}, order=10)
def inventory_to_do(user) -> list[Card]:
    """The patents the user answers for: the institution's, a department's staff their department's."""
    figures = inventory_figures(user)
    return [
        Card(_("待盘点专利"), figures.pending,
             _("盘点范围内共 %(total)d 件有效专利,已盘点 %(done)d 件") % {
                 "total": figures.total, "done": figures.inventoried},
             workbench_url(scope="inventory", status="pending"), _("开始盘点")),
        Card(_("已入库专利"), figures.in_library, _("由本单位盘点、已进入全国专利转化资源库的专利"),
             workbench_url(scope="lead", in_library="yes"), _("查看")),
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


@site.cards({Role.OPERATOR, Role.MINISTRY, Role.PROVINCE}, order=20)
def supervised_progress(user) -> list[Card]:
    """What the user has to do about the institutions it follows: those behind the national
    milestones (and for the operator, imports that failed or wait), then how many institutions
    there are and the inventory scope of their patents."""
    progress = progress_overview(user)
    figures = inventory_figures(user)
    milestones = reverse("inventory:milestones")
    coverage = "—" if figures.percent is None else f"{figures.percent}%"
    behind = Card(_("进度滞后的单位"), progress.behind, _("已到期的国家时间节点未达标,或有新授权专利超期未盘点"),
                  f"{milestones}?{urlencode({'show': 'behind'})}", _("查看滞后单位"))
    return [
        behind,
        *(imports_to_watch(user) if role_of(user) == Role.OPERATOR else []),
        Card(_("高校和科研机构"), len(progress.rows), _("参与存量专利盘点的单位,按期推进 %(count)d 个") % {
            "count": progress.on_track}, milestones, _("查看盘点进度")),
        Card(_("盘点范围专利"), figures.total,
             _("第一权利人为这些单位的有效专利;已盘点 %(done)d 件,覆盖率 %(coverage)s") % {
                 "done": figures.inventoried, "coverage": coverage},
             workbench_url(scope="inventory"), _("查看")),
    ]


def imports_to_watch(user) -> list[Card]:
    """The operator's imports to look at: inventory uploads that failed lately or stalled, and
    base-library imports waiting for it."""
    base_library = f"{reverse('inventory:base_library')}?{urlencode({'show': 'attention'})}"
    uploads = f"{reverse('inventory:upload_list')}?{urlencode({'show': 'attention'})}"
    return [
        Card(_("需处理的盘点上传"), batches_needing_attention(user).count(),
             _("近 7 天校验失败,或上传后超过 1 小时仍未校验完成的盘点结果"), uploads, _("查看")),
        Card(_("待处理的基础库导入"), batches_to_act_on(user).count(),
             _("待确认导入、近 7 天校验失败或长时间未完成的基础库批次"), base_library, _("去处理")),
    ]


@site.cards({Role.ENTERPRISE}, order=10)
def conversion_library(user) -> list[Card]:
    return [Card(_("转化资源库专利"), Patent.objects.visible_to(user).count(), _("全国高校和科研机构可转化专利"),
                 reverse("inventory:library"), _("浏览资源库"))]
