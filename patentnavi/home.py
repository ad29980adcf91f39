"""What each role should do next, as numbers and links for the home page."""

from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import Organization
from accounts.roles import Role, role_of
from inventory.choices import InventoryStatus
from inventory.models import InventoryRecord, Patent


def summary_for(user) -> list[dict]:
    """A list of cards: {"label", "value", "hint", "url"}, the most pressing first."""
    role = role_of(user)
    cards: list[dict] = []
    if role == Role.INSTITUTION:
        records = InventoryRecord.objects.visible_to(user).filter(institution=user.organization)
        pending = records.filter(status=InventoryStatus.PENDING).count()
        total = records.count()
        cards.append({
            "label": _("待盘点专利"), "value": pending,
            "hint": _("共 %(total)d 件存量专利,已盘点 %(done)d 件") % {"total": total, "done": total - pending},
            "url": reverse("inventory:patent_list"),
        })
    elif role == Role.PROVINCE:
        waiting = Organization.objects.editable_by(user).filter(status=Organization.Status.PENDING).count()
        cards.append({"label": _("待审核企业"), "value": waiting, "hint": _("企业注册后须经本局审核方可登录"), "url": ""})
    elif role in (Role.MINISTRY, Role.OPERATOR):
        patents = Patent.objects.visible_to(user)
        cards.append({"label": _("存量专利"), "value": patents.count(), "hint": "", "url": reverse("inventory:patent_list")})
    elif role == Role.ENTERPRISE:
        cards.append({
            "label": _("转化资源库专利"), "value": Patent.objects.visible_to(user).count(),
            "hint": _("全国高校和科研机构可转化专利"), "url": reverse("inventory:patent_list"),
        })
    return cards
