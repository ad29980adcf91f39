"""Navigation entries of the expert library (ground.registry collects them on import)."""

from django.utils.translation import gettext_lazy as _

from accounts.roles import Role
from ground.registry import NavEntry, site

site.add_entry(NavEntry(_("专家库"), "evaluation:expert_library", frozenset({Role.OPERATOR, Role.PROVINCE}),
                        order=300))
site.add_entry(NavEntry(_("推荐专家"), "evaluation:expert_recommendations", frozenset({Role.PROVINCE}), order=305))
site.add_entry(NavEntry(_("专家审核"), "evaluation:expert_review", frozenset({Role.OPERATOR}), order=305))
site.add_entry(NavEntry(_("我的专家信息"), "evaluation:expert_me", frozenset({Role.EXPERT}), order=300))
