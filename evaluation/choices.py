"""The evaluation stage's shared vocabulary (work plan 市场评价; DATA-STANDARD.md §4 评价反馈)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class EvaluatorKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("企业")
    EXPERT = "expert", _("专家")


class Prospect(models.TextChoices):
    """产业化前景, as the work plan asks it of an enterprise."""

    GOOD = "good", _("较好")
    FAIR = "fair", _("一般")
    POOR = "poor", _("较差")


class NonConversionReason(models.TextChoices):
    """Why an enterprise sees no cooperation: the coded reasons the ministries aggregate."""

    TOO_EARLY = "too_early", _("技术尚不成熟")
    ADVANTAGE_UNCLEAR = "advantage_unclear", _("相对现有技术的优势不明确")
    MARKET_UNCLEAR = "market_unclear", _("市场化路径不清晰")
    DESCRIPTION_UNCLEAR = "description_unclear", _("专利描述不清楚")
    PRICE = "price", _("价格不合适")
    NOT_OUR_FIELD = "not_our_field", _("不属于本企业领域")
    OTHER = "other", _("其他")


class EvaluationStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已提交")
    WITHDRAWN = "withdrawn", _("已撤回")


class EvaluationSource(models.TextChoices):
    FORM = "form", _("在线填写")
    UPLOAD = "upload", _("评价反馈表上传")


class ExpertStatus(models.TextChoices):
    RECOMMENDED = "recommended", _("待审核")
    APPROVED = "approved", _("已入库")
    REJECTED = "rejected", _("未通过")


class RoundStatus(models.TextChoices):
    DRAFT = "draft", _("筹备中")
    OPEN = "open", _("评价中")
    CLOSED = "closed", _("已结束")


class AssignmentStatus(models.TextChoices):
    ASSIGNED = "assigned", _("待声明")  # drawn; the expert has not yet declared on conflicts
    ACCEPTED = "accepted", _("评价中")  # declared no conflict: the patent's details open
    SUBMITTED = "submitted", _("已提交")
    RECUSED = "recused", _("已回避")
    DECLINED = "declined", _("已谢绝")


class FeedbackAction(models.TextChoices):
    """How an institution answers an evaluation of its patent."""

    IMPROVE = "improve", _("计划改进")
    JOINT_RD = "joint_rd", _("提议联合研发")
    CONTACT = "contact", _("联系企业")
