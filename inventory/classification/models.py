"""Strategic emerging industries (DATA-STANDARD.md §5), their IPC concordance as rules, the 35
WIPO technology fields, and each patent's classification in both."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from inventory.patents.models import Patent


class Industry(models.Model):
    """A sector (`1`–`9`) or sub-sector (`1.1`–`9.2`) of 战略性新兴产业分类 (2018)."""

    code = models.CharField(_("代码"), max_length=8, primary_key=True)
    name = models.CharField(_("名称"), max_length=64)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children", verbose_name=_("上级")
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("战略性新兴产业")
        verbose_name_plural = _("战略性新兴产业")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def is_sector(self) -> bool:
        return self.parent_id is None


class IndustryRule(models.Model):
    """One row of the IPC concordance: a sub-sector, its IPC patterns (`*` wildcards), exclusions
    (不含 …) and, for some rows, keywords the title or abstract must contain."""

    industry = models.ForeignKey(Industry, on_delete=models.CASCADE, related_name="rules", verbose_name=_("产业"))
    ipc_patterns = models.JSONField(_("IPC"), default=list)
    exclusions = models.JSONField(_("不含"), default=list, blank=True)
    keywords = models.JSONField(_("关键词"), default=list, blank=True)
    # True for the shipped provisional concordance; rows loaded from the official table are False.
    provisional = models.BooleanField(_("临时参照"), default=True)
    source = models.CharField(_("来源"), max_length=200, blank=True)

    class Meta:
        ordering = ["industry_id", "id"]
        verbose_name = _("产业与IPC参照规则")
        verbose_name_plural = _("产业与IPC参照规则")

    def __str__(self) -> str:
        return f"{self.industry_id}: {', '.join(self.ipc_patterns)}"


class TechnologyField(models.Model):
    """One of the 35 fields of WIPO's IPC–technology concordance."""

    number = models.PositiveSmallIntegerField(_("编号"), primary_key=True)
    name = models.CharField(_("名称"), max_length=64)
    name_en = models.CharField(_("英文名称"), max_length=64)
    sector = models.CharField(_("领域大类"), max_length=64)
    ipc_patterns = models.JSONField(_("IPC"), default=list)

    class Meta:
        ordering = ["number"]
        verbose_name = _("技术领域")
        verbose_name_plural = _("技术领域")

    def __str__(self) -> str:
        return f"{self.number} {self.name}"


class PatentIndustry(models.Model):
    """A patent's industry, derived from its IPC codes or set by the institution (is_manual)."""

    patent = models.ForeignKey(Patent, on_delete=models.CASCADE, related_name="industry_links")
    industry = models.ForeignKey(Industry, on_delete=models.CASCADE, related_name="+")
    is_manual = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["patent", "industry"], name="unique_patent_industry")]
        indexes = [models.Index(fields=["industry", "patent"])]

    def __str__(self) -> str:
        return f"{self.patent_id} → {self.industry_id}"


class PatentTechField(models.Model):
    """A patent's WIPO technology field, derived from IPC or set by the institution (is_manual)."""

    patent = models.ForeignKey(Patent, on_delete=models.CASCADE, related_name="field_links")
    field = models.ForeignKey(TechnologyField, on_delete=models.CASCADE, related_name="+")
    is_manual = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["patent", "field"], name="unique_patent_field")]
        indexes = [models.Index(fields=["field", "patent"])]

    def __str__(self) -> str:
        return f"{self.patent_id} → {self.field_id}"
