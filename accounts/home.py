"""The accounts app's home-page cards (ground.registry collects them).

Every number is a count over `visible_to(user)` (or `editable_by(user)`, what waits for the user's
action), so a card never shows more than the user may see. Roles whose work has no number yet get
a card without one rather than an invented figure.
"""

from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import AuditEvent, Organization, User
from accounts.registration import pending_enterprises
from accounts.roles import Role
from ground.registry import Card, site


@site.cards({Role.PROVINCE}, order=10)
def enterprises_to_review(user) -> list[Card]:
    waiting = pending_enterprises(user).count()
    url = f"{reverse('accounts:enterprise_review')}?status={Organization.Status.PENDING}"
    return [Card(_("待审核企业"), waiting, _("企业注册后须经本局审核方可登录"), url, _("去审核"))]


@site.cards({Role.SYSTEM_ADMIN}, order=10)
def user_administration(user) -> list[Card]:
    return [Card(_("用户管理"), User.objects.visible_to(user).count(), _("平台账号总数;分配、停用账号和重置密码"),
                 reverse("accounts:user_admin"), _("管理账号"))]


@site.cards({Role.SECURITY_ADMIN}, order=10)
def security_administration(user) -> list[Card]:
    return [Card(_("安全管理"), hint=_("登录锁定、权限分配和密码策略"), url=reverse("accounts:security"),
                 action=_("进入安全管理"))]


@site.cards({Role.AUDIT_ADMIN}, order=10)
def audit_log(user) -> list[Card]:
    return [Card(_("审计日志"), AuditEvent.objects.visible_to(user).count(), _("登录、变更和导出的全部记录"),
                 reverse("accounts:audit_log"), _("查阅日志"))]
