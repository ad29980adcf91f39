"""The roles a signed-in user can hold, derived from their organisation and flags.

Roles are data (organisation kind, admin flag, platform duty), never ad-hoc checks in views:
everything that decides what a user may see asks `role_of(user)`, and compares its answer
with `Role` members only.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    OPERATOR = "operator", _("平台运营")
    SYSTEM_ADMIN = "system_admin", _("系统管理员")
    SECURITY_ADMIN = "security_admin", _("安全管理员")
    AUDIT_ADMIN = "audit_admin", _("审计管理员")
    MINISTRY = "ministry", _("部委")
    PROVINCE = "province", _("省级知识产权局")
    INSTITUTION = "institution", _("高校和科研机构")
    INVENTOR = "inventor", _("发明人")
    ENTERPRISE = "enterprise", _("企业")
    EXPERT = "expert", _("评价专家")


# The platform's own administration is split three ways (三员分立); each of these sees no
# business data, and none can do another's work.
THREE_ADMINS = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})

# The roles that work with patents: they use the workbench, the search and the resource library.
BUSINESS_ROLES = frozenset({Role.OPERATOR, Role.MINISTRY, Role.PROVINCE, Role.INSTITUTION, Role.ENTERPRISE})


def role_of(user) -> Role | None:
    """The role of a user, or None for anonymous, inactive or unattached users (who see nothing).

    The one way to obtain a role. It reads only the user and their organisation, which Django
    keeps on the user object once loaded, so a request computes it without a second query."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if user.is_expert:
        return Role.EXPERT
    org = user.organization
    if org is None or not org.is_active:
        return None
    if org.kind == "platform":
        return Role(user.platform_role) if user.platform_role else None
    if org.kind == "institution" and user.is_inventor:
        return Role.INVENTOR
    return Role(org.kind)


def loads_platform_data(actor) -> bool:
    """Whether `actor` may load the platform's own sheets (the base library, the concordance, the
    account allocation): the operator, or a management command acting as the platform (None)."""
    return actor is None or role_of(actor) == Role.OPERATOR
