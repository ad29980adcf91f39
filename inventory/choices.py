from django.db import models
from django.utils.translation import gettext_lazy as _


class PatentType(models.TextChoices):
    INVENTION = "invention", _("发明")
    UTILITY_MODEL = "utility_model", _("实用新型")
    DESIGN = "design", _("外观设计")


class LegalStatus(models.TextChoices):
    VALID = "valid", _("有效")
    INVALID = "invalid", _("失效")


class InventoryStatus(models.TextChoices):
    PENDING = "pending", _("待盘点")
    INVENTORIED = "inventoried", _("已盘点")


class ReviewState(models.TextChoices):
    DRAFT = "draft", _("建档中")
    SUBMITTED = "submitted", _("待二级单位审核")
    DEPARTMENT_REVIEWED = "department_reviewed", _("待学校审核")
    APPROVED = "approved", _("已审核通过")
    RETURNED = "returned", _("已退回")


class ImplementationStatus(models.TextChoices):
    NONE = "none", _("未实施")
    SELF = "self", _("自行实施")
    LICENSED = "licensed", _("许可实施")
    TRANSFERRED = "transferred", _("转让实施")
    EQUITY = "equity", _("作价入股")
    INDUSTRIALISED = "industrialised", _("已产业化")


class Prospect(models.TextChoices):
    GOOD = "good", _("较好")
    FAIR = "fair", _("一般")
    POOR = "poor", _("较差")


class ValueGrade(models.TextChoices):
    A = "A", _("A 高价值")
    B = "B", _("B 一般")
    C = "C", _("C 较低")


class Screening(models.TextChoices):
    IN = "in", _("入库")
    OUT = "out", _("不入库")


class Intent(models.TextChoices):
    TRANSFER = "transfer", _("转让")
    LICENSE = "license", _("许可")
    EQUITY = "equity", _("作价入股")
    SELF = "self", _("自行实施")
    NONE = "none", _("暂无")


class LicenseType(models.TextChoices):
    ORDINARY = "ordinary", _("普通许可")
    # 独占许可: only the licensee may exploit (not even the patentee) = exclusive licence;
    # 排他许可: the licensee and the patentee = sole licence.
    EXCLUSIVE = "exclusive", _("独占许可")
    SOLE = "sole", _("排他许可")
    OPEN = "open", _("开放许可")


# An open licence is barred while one of these is recorded (DOMAIN.md, open licensing).
EXCLUSIVE_LICENCES = frozenset({LicenseType.SOLE, LicenseType.EXCLUSIVE})


class Disposal(models.TextChoices):
    PROMOTE = "promote", _("重点推广")
    GENERAL = "general", _("一般推广")
    OBSERVE = "observe", _("继续观察")
    ABANDON = "abandon", _("放弃维持")


TECHNOLOGY_READINESS = {
    1: _("基本原理发现"),
    2: _("技术概念或方案形成"),
    3: _("关键功能验证"),
    4: _("实验室环境验证"),
    5: _("相关环境验证"),
    6: _("相关环境系统样机演示"),
    7: _("真实环境样机演示"),
    8: _("系统完成并通过验证"),
    9: _("实际运行成功"),
}


class ConversionKind(models.TextChoices):
    TRANSFER = "transfer", _("转让")
    LICENSE = "license", _("许可")
    EQUITY = "equity", _("作价入股")
    SELF = "self", _("自行实施")


class PaymentMode(models.TextChoices):
    LUMP_SUM = "lump_sum", _("一次性")
    ENTRY_FEE_ROYALTY = "entry_fee_royalty", _("入门费加提成")
    ROYALTY = "royalty", _("提成")
    INSTALMENTS = "instalments", _("分期")
