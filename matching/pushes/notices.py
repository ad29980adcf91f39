"""Who hears of what happens to pushes, through the platform's one notification service.

Each function is called inside the transaction of the change it announces: the in-app
notifications are written with it and the e-mails and robot messages leave only once it commits.
"""

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Count
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import User
from matching.pushes.models import Push
from notifications import notify


def _staff_of_institution(push: Push):
    """The institution's organisation-level staff, and the staff of the patent's department."""
    department = getattr(getattr(push.patent, "inventory", None), "department_unit_id", None)
    users = User.objects.filter(organization_id=push.institution_id, is_active=True, is_inventor=False)
    if department:
        return users.filter(department_id__in=[department]) | users.filter(department__isnull=True)
    return users.filter(department__isnull=True)


def _enterprise_label(push: Push) -> str:
    """The enterprise's name only where it allows institutions to contact it directly."""
    profile = getattr(push.enterprise, "matching_profile", None)
    if profile is not None and profile.allow_direct_contact:
        return push.enterprise.name
    return _("某企业")


def interest_expressed(push: Push) -> None:
    title = _("%(enterprise)s对贵单位专利《%(title)s》表达了合作意向") % {
        "enterprise": _enterprise_label(push), "title": push.patent.title}
    notify(_staff_of_institution(push), "push.interest", title[:200],
           url=reverse("matching:push_patent_responses", args=[push.patent_id]),
           organizations=[push.institution_id])


def evaluation_requested(push: Push) -> None:
    title = _("%(enterprise)s申请评价贵单位专利《%(title)s》") % {
        "enterprise": _enterprise_label(push), "title": push.patent.title}
    notify(_staff_of_institution(push), "push.evaluation_requested", title[:200],
           url=reverse("matching:push_patent_responses", args=[push.patent_id]))


def cycle_pushes_written(cycle_id: int, enterprise_ids: Iterable[int]) -> int:
    """Tell each enterprise of a finished chunk how many patents this cycle pushed to it: one
    message per enterprise, however many pushes; one notify per distinct count, not per enterprise."""
    counts = (Push.objects.filter(cycle_id=cycle_id, enterprise_id__in=list(enterprise_ids))
              .values("enterprise_id").annotate(n=Count("id")).values_list("enterprise_id", "n"))
    by_count: dict[int, list[int]] = defaultdict(list)
    for enterprise_id, n in counts:
        by_count[n].append(enterprise_id)
    inbox = reverse("matching:push_inbox")
    for n, enterprises in sorted(by_count.items()):
        users = User.objects.filter(organization_id__in=enterprises, is_active=True)
        notify(users, "push.new", _("平台为您推送了 %(n)d 件匹配的专利") % {"n": n},
               _("请在“推送给本企业的专利”中查看推送理由,并反馈是否感兴趣。"), inbox)
    return sum(len(enterprises) for enterprises in by_count.values())


def offered(pushes: list[Push], institution_name: str, need_title: str) -> None:
    """An institution offered its patents for an enterprise's need: the enterprise hears of it."""
    if not pushes:
        return
    enterprise_id = pushes[0].enterprise_id
    title = _("%(institution)s针对需求“%(need)s”向您推荐了 %(n)d 件专利") % {
        "institution": institution_name, "need": need_title, "n": len(pushes)}
    notify(User.objects.filter(organization_id=enterprise_id, is_active=True), "push.offer", title[:200],
           url=reverse("matching:push_inbox"))
