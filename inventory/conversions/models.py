"""Conversions (转化实施情况): transfers, licences, equity and own implementation, with the
product filing of an industrialisation; and open-licence declarations (开放许可)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from accounts.scoping import ScopedQuerySet
from inventory.choices import EXCLUSIVE_LICENCES, ConversionKind, LicenseType, PaymentMode
from inventory.patents.models import Patent


class ConversionQuerySet(ScopedQuerySet):
    """Conversions follow their patent: whoever sees the patent's own data (not only its library card)."""

    def exclusive_licences_in_force(self, on=None) -> "ConversionQuerySet":
        """Exclusive (独占) or sole (排他) licences still running on `on` (today): while one is, the
        patent cannot be openly licensed (DOMAIN.md, open licensing)."""
        on = on or timezone.localdate()
        return self.filter(kind=ConversionKind.LICENSE, license_type__in=EXCLUSIVE_LICENCES).filter(
            models.Q(license_end_date__isnull=True) | models.Q(license_end_date__gte=on))

    def _visible_to_ministry(self, user):
        return self.filter(patent__in=Patent.objects.visible_to(user, "own").values("pk"))

    _visible_to_province = _visible_to_ministry
    _visible_to_institution = _visible_to_ministry

    def _editable_by_operator(self, user):
        return self.none()

    def _editable_by_institution(self, user):
        return self.filter(patent__in=Patent.objects.editable_by(user, "record_conversion").values("pk"))


class Conversion(models.Model):
    patent = models.ForeignKey(Patent, on_delete=models.CASCADE, related_name="conversions", verbose_name=_("专利"))
    institution = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="conversions", verbose_name=_("专利权人")
    )
    kind = models.CharField(_("转化方式"), max_length=16, choices=ConversionKind.choices, db_index=True)
    license_type = models.CharField(_("许可方式"), max_length=16, choices=LicenseType.choices, blank=True)
    counterparty = models.CharField(_("受让方或被许可方"), max_length=200, blank=True)
    counterparty_credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    amount = models.DecimalField(_("合同金额(万元)"), max_digits=14, decimal_places=2, null=True, blank=True)
    payment_mode = models.CharField(_("支付方式"), max_length=24, choices=PaymentMode.choices, blank=True)
    effective_date = models.DateField(_("合同生效日"), null=True, blank=True)
    # 转让登记号 or 许可合同备案号, and the date of that registration or filing (the statistics count by it).
    registration_number = models.CharField(_("登记或备案号"), max_length=64, blank=True)
    registration_date = models.DateField(_("登记或备案日"), null=True, blank=True, db_index=True)
    license_end_date = models.DateField(_("许可期限至"), null=True, blank=True)
    industrialised = models.BooleanField(_("是否产业化"), default=False)
    product_filing_number = models.CharField(_("专利产品备案号"), max_length=64, blank=True)
    product_filing_date = models.DateField(_("专利产品备案日"), null=True, blank=True, db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)

    objects = ConversionQuerySet.as_manager()

    class Meta:
        ordering = ["-effective_date", "-id"]
        verbose_name = _("转化记录")
        verbose_name_plural = _("转化记录")
        indexes = [models.Index(fields=["institution", "kind"])]

    def __str__(self) -> str:
        return f"{self.patent_id} {self.get_kind_display()} {self.counterparty}"


class OpenLicenseQuerySet(ScopedQuerySet):
    """A standing open-licence declaration is public (the national office publishes it): whoever
    sees the patent, its library card included, sees it; the owner's side (conversion scope) also
    sees withdrawn ones. Experts and the platform's three administrators see none."""

    def standing(self) -> "OpenLicenseQuerySet":
        return self.filter(withdrawn_at__isnull=True)

    def _visible_to_ministry(self, user):
        public = models.Q(withdrawn_at__isnull=True, patent__in=Patent.objects.visible_to(user).values("pk"))
        return self.filter(public | models.Q(patent__in=Patent.objects.visible_to(user, "own").values("pk")))

    _visible_to_province = _visible_to_ministry
    _visible_to_institution = _visible_to_ministry
    _visible_to_enterprise = _visible_to_ministry

    def _editable_by_operator(self, user):
        return self.none()

    def _editable_by_institution(self, user):
        return self.filter(patent__in=Patent.objects.editable_by(user, "record_conversion").values("pk"))


class OpenLicenseDeclaration(models.Model):
    """A declaration that anyone may license the patent (Patent Law Art. 50–52)."""

    patent = models.ForeignKey(
        Patent, on_delete=models.CASCADE, related_name="open_licenses", verbose_name=_("专利")
    )
    institution = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    fee_standard = models.CharField(_("许可使用费标准"), max_length=500)
    payment_mode = models.CharField(_("支付方式"), max_length=24, choices=PaymentMode.choices)
    term_start = models.DateField(_("许可期限起"))
    term_end = models.DateField(_("许可期限止"))
    # Utility models and designs need a patent evaluation report (专利权评价报告).
    evaluation_report_number = models.CharField(_("专利权评价报告编号"), max_length=64, blank=True)
    declared_at = models.DateTimeField(_("声明时间"), default=timezone.now)
    declared_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)

    objects = OpenLicenseQuerySet.as_manager()

    class Meta:
        ordering = ["-declared_at", "-id"]
        verbose_name = _("开放许可声明")
        verbose_name_plural = _("开放许可声明")
        constraints = [
            models.UniqueConstraint(
                fields=["patent"], condition=models.Q(withdrawn_at__isnull=True), name="one_standing_open_licence"
            )
        ]

    def __str__(self) -> str:
        return f"{self.patent_id} {self.fee_standard}"
