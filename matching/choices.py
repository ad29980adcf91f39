"""The matching stage's shared vocabulary: cooperation modes, budget bands, push states and the
coded reasons an enterprise gives when it dismisses a push."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from inventory.choices import Intent


class CooperationMode(models.TextChoices):
    """How an enterprise will take a patent (DATA-STANDARD.md §4, 期望合作方式)."""

    ASSIGNMENT = "assignment", _("受让")
    LICENCE = "licence", _("许可")
    JOINT_RD = "joint_rd", _("联合研发")
    EQUITY = "equity", _("作价入股")


# Which institution intents (§3 转化意愿) each enterprise mode can meet. Joint research fits any
# patent whose institution wants it converted at all.
MODE_MEETS_INTENTS: dict[str, frozenset[str]] = {
    CooperationMode.ASSIGNMENT: frozenset({Intent.TRANSFER}),
    CooperationMode.LICENCE: frozenset({Intent.LICENSE}),
    CooperationMode.EQUITY: frozenset({Intent.EQUITY}),
    CooperationMode.JOINT_RD: frozenset({Intent.TRANSFER, Intent.LICENSE, Intent.EQUITY, Intent.SELF}),
}


class BudgetBand(models.TextChoices):
    UNSPECIFIED = "", _("未说明")
    UNDER_10 = "lt10", _("10万元以下")
    FROM_10 = "10-50", _("10–50万元")
    FROM_50 = "50-200", _("50–200万元")
    FROM_200 = "200-1000", _("200–1000万元")
    OVER_1000 = "gt1000", _("1000万元以上")


class PushSource(models.TextChoices):
    CYCLE = "cycle", _("平台匹配推送")
    OFFER = "offer", _("机构响应需求")


class PushStatus(models.TextChoices):
    DELIVERED = "delivered", _("已推送")
    VIEWED = "viewed", _("已查看")
    INTERESTED = "interested", _("有意向")
    DISMISSED = "dismissed", _("不感兴趣")
    EVALUATION_REQUESTED = "evaluation_requested", _("申请评价")


# The states in which the enterprise has answered; an answered push takes no second answer.
ANSWERED = frozenset({PushStatus.INTERESTED, PushStatus.DISMISSED, PushStatus.EVALUATION_REQUESTED})


class DismissReason(models.TextChoices):
    NOT_OUR_FIELD = "not_our_field", _("不属于本企业领域")
    TOO_EARLY = "too_early", _("技术尚不成熟")
    PRICE = "price", _("价格不合适")
    UNCLEAR = "unclear", _("技术描述不清楚")
    OTHER = "other", _("其他")
