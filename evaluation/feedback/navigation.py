"""Navigation entries of the evaluation area 'feedback' (ground.registry collects them on import)."""

from django.utils.translation import gettext_lazy as _

from accounts.roles import Role
from ground.registry import NavEntry, site

site.add_entry(NavEntry(_("评价反馈"), "evaluation:feedback_list", frozenset({Role.INSTITUTION}), order=260))
site.add_entry(NavEntry(_("专利未转化原因"), "evaluation:feedback_reasons",
                        frozenset({Role.PROVINCE, Role.MINISTRY, Role.OPERATOR}), order=262))
site.add_entry(NavEntry(_("机构答复"), "evaluation:feedback_answers", frozenset({Role.ENTERPRISE}), order=264))
site.add_entry(NavEntry(_("上传评价反馈"), "evaluation:feedback_upload", frozenset({Role.PROVINCE, Role.ENTERPRISE}),
                        order=266))
