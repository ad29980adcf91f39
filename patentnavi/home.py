"""What each role should do next, as numbers and links for the home page.

Every number is a count over `visible_to(user)`, so a card can never show more than the user may
see. Roles whose work has no number yet (experts before evaluation opens, the three
administrators) get a card without one rather than an invented figure.
"""

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from accounts.models import AuditEvent, Organization, User
from accounts.roles import Role, role_of
from inventory.choices import InventoryStatus
from inventory.milestones import progress_for
from inventory.models import InventoryRecord, Patent


def _url(name: str) -> str:
    # Pages owned by apps still being written may not exist yet; a card without a link beats a 500.
    try:
        return reverse(name)
    except NoReverseMatch:
        return ""


def _card(label, value=None, hint="", url="", action="") -> dict:
    return {"label": label, "value": value, "hint": hint, "url": url, "action": action or _("查看")}


def _institution(user) -> list[dict]:
    records = InventoryRecord.objects.visible_to(user).filter(institution=user.organization)
    total = records.count()
    pending = records.filter(status=InventoryStatus.PENDING).count()
    in_library = records.filter(in_library=True).count()
    return [
        _card(
            _("待盘点专利"),
            pending,
            _("共 %(total)d 件存量专利,已盘点 %(done)d 件") % {"total": total, "done": total - pending},
            _url("inventory:patent_list"),
            _("开始盘点"),
        ),
        _card(_("已入库专利"), in_library, _("已筛选进入全国转化资源库的专利"), _url("inventory:patent_list")),
        *_review_card(user),
        *_milestone_card(user),
    ]


def _review_card(user) -> list[dict]:
    """Reviewers (a department admin, institution-level staff): what waits for their review."""
    from inventory import review

    if review.reviewer_level(user) is None:
        return []
    waiting = review.review_queue(user).count()
    return [_card(_("待我审核"), waiting, _("已提交、等待本级审核的盘点结果"), _url("inventory:review_queue"),
                  _("去审核"))]


def _inventor(user) -> list[dict]:
    from inventory.self_assessment import granted_records

    records = granted_records(user)
    return [_card(_("待自评专利"), records.filter(review_state__in=["draft", "returned"]).count(),
                  _("邀请您自评的专利共 %(total)d 件") % {"total": records.count()},
                  _url("inventory:self_assessment_mine"), _("填写自评"))]


def _milestone_card(user) -> list[dict]:
    """Progress against the national milestones (inventory.milestones), for institution-level staff:
    the numbers cover the whole institution, which a department's (二级单位) staff do not see."""
    if user.department_id:
        return []
    progress = progress_for(user.organization)
    card = _card(
        _("盘点进度"),
        hint=_("已盘点 %(done)d / %(total)d 件(%(percent)s%%)") % {
            "done": progress.inventoried, "total": progress.total, "percent": progress.percent},
    )
    card["progress"] = progress
    return [card]


def _province(user) -> list[dict]:
    orgs = Organization.objects.visible_to(user)
    waiting = orgs.filter(kind=Organization.Kind.ENTERPRISE, status=Organization.Status.PENDING).count()
    institutions = orgs.filter(kind=Organization.Kind.INSTITUTION).count()
    return [
        _card(
            _("待审核企业"),
            waiting,
            _("企业注册后须经本局审核方可登录"),
            _url("accounts:enterprise_review"),
            _("去审核"),
        ),
        _card(_("本省高校和科研机构"), institutions, _("所在地为本省的高校、科研机构和医院")),
    ]


def _supervisor(user) -> list[dict]:
    patents = Patent.objects.owned_by_visible(user).count()
    institutions = Organization.objects.visible_to(user).filter(kind=Organization.Kind.INSTITUTION).count()
    hint = _("平台内全部存量专利") if role_of(user) == Role.OPERATOR else _("所属高校和科研机构的存量专利")
    return [
        _card(_("存量专利"), patents, hint, _url("inventory:patent_list")),
        _card(_("高校和科研机构"), institutions, _("参与存量专利盘点的单位")),
    ]


def _enterprise(user) -> list[dict]:
    return [
        _card(
            _("转化资源库专利"),
            Patent.objects.visible_to(user).count(),
            _("全国高校和科研机构可转化专利"),
            _url("inventory:library"),
            _("浏览资源库"),
        )
    ]


def _expert(user) -> list[dict]:
    return [_card(_("评价任务"), hint=_("专利评价工作启动后,分配给您的评价任务将显示在这里。"))]


def _system_admin(user) -> list[dict]:
    return [
        _card(
            _("用户管理"),
            User.objects.visible_to(user).count(),
            _("平台账号总数;分配、停用账号和重置密码"),
            _url("accounts:user_admin"),
            _("管理账号"),
        )
    ]


def _security_admin(user) -> list[dict]:
    return [
        _card(
            _("安全管理"),
            hint=_("登录锁定、权限分配和密码策略"),
            url=_url("accounts:security"),
            action=_("进入安全管理"),
        )
    ]


def _audit_admin(user) -> list[dict]:
    return [
        _card(
            _("审计日志"),
            AuditEvent.objects.visible_to(user).count(),
            _("登录、变更和导出的全部记录"),
            _url("accounts:audit_log"),
            _("查阅日志"),
        )
    ]


BUILDERS = {
    Role.INSTITUTION: _institution,
    Role.INVENTOR: _inventor,
    Role.PROVINCE: _province,
    Role.MINISTRY: _supervisor,
    Role.OPERATOR: _supervisor,
    Role.ENTERPRISE: _enterprise,
    Role.EXPERT: _expert,
    Role.SYSTEM_ADMIN: _system_admin,
    Role.SECURITY_ADMIN: _security_admin,
    Role.AUDIT_ADMIN: _audit_admin,
}


def summary_for(user) -> list[dict]:
    """A list of cards: {"label", "value", "hint", "url", "action"}, the most pressing first.

    `value` is None for a card that has no number to show.
    """
    builder = BUILDERS.get(role_of(user))
    return builder(user) if builder else []
