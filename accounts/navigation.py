"""Navigation per role, as data: each app adds its entries here; the base template shows the
entries whose role matches the user and whose URL exists."""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .roles import Role


@dataclass(frozen=True)
class NavEntry:
    label: str | Promise
    url_name: str
    roles: frozenset[str]
    # Only organisation admins (is_org_admin) see the entry.
    admins_only: bool = False


BUSINESS_ROLES = frozenset({Role.OPERATOR, Role.MINISTRY, Role.PROVINCE, Role.INSTITUTION, Role.ENTERPRISE})

ENTRIES: list[NavEntry] = [
    NavEntry(_("工作台"), "home", frozenset(Role.values)),
    NavEntry(_("专利"), "inventory:patent_list", BUSINESS_ROLES),
    NavEntry(_("检索"), "inventory:search", BUSINESS_ROLES),
    NavEntry(_("专利转化资源库"), "inventory:library", BUSINESS_ROLES),
    NavEntry(_("挂牌信息完整度"), "inventory:library_quality", frozenset({Role.INSTITUTION})),
    NavEntry(_("盘点进度"), "inventory:milestones", frozenset({Role.OPERATOR, Role.MINISTRY, Role.PROVINCE})),
    NavEntry(_("里程碑设置"), "inventory:milestone_settings", frozenset({Role.OPERATOR})),
    NavEntry(_("企业注册审核"), "accounts:enterprise_review", frozenset({Role.PROVINCE})),
    NavEntry(_("分配账号"), "accounts:allocation", frozenset({Role.OPERATOR})),
    NavEntry(_("基础库导入"), "inventory:base_library", frozenset({Role.OPERATOR})),
    # 战略性新兴产业与IPC参照关系, WIPO 技术领域: reference data for every business role.
    NavEntry(_("产业与技术领域"), "inventory:industries", BUSINESS_ROLES | {Role.EXPERT}),
    NavEntry(_("上传盘点结果"), "inventory:upload_new", frozenset({Role.INSTITUTION})),
    NavEntry(_("盘点上传记录"), "inventory:upload_list", frozenset({Role.INSTITUTION, Role.OPERATOR})),
    # Conversions and open licences (inventory.conversion_views): institutions record, the operator reads.
    NavEntry(_("转化实施"), "inventory:conversion_list", frozenset({Role.INSTITUTION, Role.OPERATOR})),
    # 建档 → 二级单位审核 → 学校审核 (inventory.review) and the inventor self-assessment.
    NavEntry(_("审核"), "inventory:review_queue", frozenset({Role.INSTITUTION})),
    NavEntry(_("发明人自评"), "inventory:self_assessment_invitations", frozenset({Role.INSTITUTION})),
    NavEntry(_("我的自评专利"), "inventory:self_assessment_mine", frozenset({Role.INVENTOR})),
    NavEntry(_("二级单位"), "accounts:departments", frozenset({Role.INSTITUTION}), admins_only=True),
    NavEntry(
        _("成员管理"),
        "accounts:members",
        frozenset({Role.MINISTRY, Role.PROVINCE, Role.INSTITUTION, Role.ENTERPRISE}),
        admins_only=True,
    ),
    # 三员分立: each platform administrator has its one page (accounts.admin_views).
    NavEntry(_("账号管理"), "accounts:user_admin", frozenset({Role.SYSTEM_ADMIN})),
    NavEntry(_("安全管理"), "accounts:security", frozenset({Role.SECURITY_ADMIN})),
    NavEntry(_("审计日志"), "accounts:audit_log", frozenset({Role.AUDIT_ADMIN})),
]


def entries_for(user, role: str) -> list[dict]:
    items = []
    for entry in ENTRIES:
        if role not in entry.roles or (entry.admins_only and not getattr(user, "is_org_admin", False)):
            continue
        try:
            url = reverse(entry.url_name)
        except NoReverseMatch:
            continue
        items.append({"label": entry.label, "url": url, "url_name": entry.url_name})
    return items
