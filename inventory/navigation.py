"""The inventory app's navigation entries (ground.registry collects them)."""

from django.utils.translation import gettext_lazy as _

from accounts.roles import BUSINESS_ROLES, Role
from ground.registry import NavEntry, NavGroup, site

site.add_group(NavGroup("inventory", _("专利与盘点"), order=100, role_labels=((Role.ENTERPRISE, _("专利资源")),)))

SUPERVISORS = frozenset({Role.OPERATOR, Role.MINISTRY, Role.PROVINCE})
# The workbench is for those who answer for patents; an enterprise browses the resource library,
# which its search also searches (an enterprise sees only the library).
WORKBENCH_ROLES = BUSINESS_ROLES - {Role.ENTERPRISE}

for entry in (
    NavEntry(_("专利"), "inventory:patent_list", WORKBENCH_ROLES, order=10),
    NavEntry(_("检索"), "inventory:search", BUSINESS_ROLES, order=20),
    NavEntry(_("专利转化资源库"), "inventory:library", BUSINESS_ROLES, order=30),
    NavEntry(_("挂牌信息完整度"), "inventory:library_quality", frozenset({Role.INSTITUTION}), order=40),
    NavEntry(_("盘点进度"), "inventory:milestones", SUPERVISORS, order=50),
    NavEntry(_("里程碑设置"), "inventory:milestone_settings", frozenset({Role.OPERATOR}), order=60),
    NavEntry(_("基础库导入"), "inventory:base_library", frozenset({Role.OPERATOR}), order=90),
    # 战略性新兴产业与IPC参照关系, WIPO 技术领域: reference data for every business role.
    NavEntry(_("产业与技术领域"), "inventory:industries", BUSINESS_ROLES | {Role.EXPERT}, order=100),
    NavEntry(_("上传盘点结果"), "inventory:upload_new", frozenset({Role.INSTITUTION}), order=110),
    NavEntry(_("盘点上传记录"), "inventory:upload_list", frozenset({Role.INSTITUTION, Role.OPERATOR}), order=120),
    # Conversions and open licences: institutions record, the operator reads.
    NavEntry(_("转化实施"), "inventory:conversion_list", frozenset({Role.INSTITUTION, Role.OPERATOR}), order=130),
    # 建档 → 二级单位审核 → 学校审核, and the inventor self-assessment.
    NavEntry(_("审核"), "inventory:review_queue", frozenset({Role.INSTITUTION}), order=140),
    NavEntry(_("发明人自评"), "inventory:self_assessment_invitations", frozenset({Role.INSTITUTION}), order=150),
    NavEntry(_("我的自评专利"), "inventory:self_assessment_mine", frozenset({Role.INVENTOR}), order=160),
):
    site.add_entry(entry)
