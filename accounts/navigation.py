"""The accounts app's navigation entries (ground.registry collects them; orders leave room for
the other apps' entries between them)."""

from django.utils.translation import gettext_lazy as _

from accounts.roles import Role
from ground.registry import NavEntry, NavGroup, site

# The organisation's and the platform's administration (the notifications' failed deliveries join it).
site.add_group(NavGroup("accounts", _("管理"), order=500))

site.add_entry(NavEntry(_("工作台"), "home", frozenset(Role.values), order=0))
site.add_entry(NavEntry(_("企业注册审核"), "accounts:enterprise_review", frozenset({Role.PROVINCE}), order=70))
site.add_entry(NavEntry(_("分配账号"), "accounts:allocation", frozenset({Role.OPERATOR}), order=80))
site.add_entry(NavEntry(_("二级单位"), "accounts:departments", frozenset({Role.INSTITUTION}), order=170,
                        admins_only=True))
site.add_entry(NavEntry(
    _("成员管理"), "accounts:members",
    frozenset({Role.MINISTRY, Role.PROVINCE, Role.INSTITUTION, Role.ENTERPRISE}), order=180, admins_only=True,
))
# 三员分立: each platform administrator has its one page (accounts.admin_views).
site.add_entry(NavEntry(_("账号管理"), "accounts:user_admin", frozenset({Role.SYSTEM_ADMIN}), order=190))
site.add_entry(NavEntry(_("安全管理"), "accounts:security", frozenset({Role.SECURITY_ADMIN}), order=200))
site.add_entry(NavEntry(_("审计日志"), "accounts:audit_log", frozenset({Role.AUDIT_ADMIN}), order=210))
# The two-person rule: the system and security administrators approve each other's requests.
site.add_entry(NavEntry(_("双人审批"), "accounts:approvals", frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN}),
                        order=205))
