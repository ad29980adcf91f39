"""Enterprise profiles (企业画像), technology needs (企业技术需求) and the profile suggestions drawn
from an enterprise's answers."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from accounts.scoping import NamedInAuditLog, ScopedQuerySet
from inventory.models import ImportBatch
from matching.choices import BudgetBand

# The kind of the needs sheet's import batches (inventory.ImportBatch rows, read through NeedsBatch).
NEEDS_BATCH_KIND = ImportBatch.Kind.NEEDS


class ProfileQuerySet(NamedInAuditLog, ScopedQuerySet):
    """An enterprise's own profile; a province's enterprises' profiles; the platform all of them."""

    def _visible_to_enterprise(self, user):
        return self.filter(enterprise_id=user.organization_id)

    def _visible_to_province(self, user):
        return self.filter(enterprise__province_id=user.organization.province_id)

    def _editable_by_enterprise(self, user):
        # The enterprise's admin edits its profile; its other members read it.
        return self.filter(enterprise_id=user.organization_id) if user.is_org_admin else self.none()

    def _editable_by_operator(self, user):
        # The platform reads profiles; only the enterprise states what it wants.
        return self.none()


class EnterpriseProfile(models.Model):
    """What an enterprise wants pushed to it: the matcher reads it with the enterprise's open needs."""

    enterprise = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="matching_profile", verbose_name=_("企业")
    )
    industry_codes = models.JSONField(_("关注产业"), default=list, blank=True)
    ipc_prefixes = models.JSONField(_("技术领域(IPC)"), default=list, blank=True)
    province_codes = models.JSONField(_("优先地区"), default=list, blank=True)
    modes = models.JSONField(_("可接受的合作方式"), default=list, blank=True)
    budget_band = models.CharField(_("预算区间"), max_length=16, choices=BudgetBand.choices, blank=True)
    allow_direct_contact = models.BooleanField(_("允许机构直接联系"), default=False)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)

    objects = ProfileQuerySet.as_manager()

    class Meta:
        verbose_name = _("企业画像")
        verbose_name_plural = _("企业画像")

    def __str__(self) -> str:
        return str(self.enterprise)


class NeedQuerySet(NamedInAuditLog, ScopedQuerySet):
    """Institutions browse every open need; a province its enterprises' needs; an enterprise its own."""

    def open(self) -> "NeedQuerySet":
        return self.filter(status=TechnologyNeed.Status.OPEN).filter(
            Q(deadline__isnull=True) | Q(deadline__gte=timezone.localdate()))

    def _visible_to_enterprise(self, user):
        return self.filter(enterprise_id=user.organization_id)

    def _visible_to_province(self, user):
        return self.filter(enterprise__province_id=user.organization.province_id)

    def _visible_to_institution(self, user):
        return self.open()

    def _editable_by_enterprise(self, user):
        return self.filter(enterprise_id=user.organization_id)

    def _editable_by_province(self, user):
        return self.filter(enterprise__province_id=user.organization.province_id)


class TechnologyNeed(models.Model):
    """One technology need of an enterprise. Identified by the enterprise + its title, so that
    uploading the needs sheet again updates the need instead of adding a second one."""

    class Status(models.TextChoices):
        OPEN = "open", _("征集中")
        CLOSED = "closed", _("已关闭")

    enterprise = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="technology_needs", verbose_name=_("企业")
    )
    title = models.CharField(_("需求名称"), max_length=200)
    description = models.TextField(_("需求描述"))
    keywords = models.JSONField(_("关键词"), default=list, blank=True)
    industry_codes = models.JSONField(_("所属产业"), default=list, blank=True)
    ipc_prefixes = models.JSONField(_("技术领域"), default=list, blank=True)
    modes = models.JSONField(_("期望合作方式"), default=list, blank=True)
    budget = models.DecimalField(_("预算(万元)"), max_digits=14, decimal_places=2, null=True, blank=True)
    deadline = models.DateField(_("截止日期"), null=True, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=64, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=32, blank=True)
    allow_direct_contact = models.BooleanField(_("允许机构直接联系"), default=False)
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.OPEN)
    # Title, description and keywords as one lower-cased text: the board's keyword search (a
    # portable icontains; JSON lists are stored escaped on SQLite).
    search_text = models.TextField(blank=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)

    objects = NeedQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["enterprise", "title"], name="unique_need_title")]
        indexes = [models.Index(fields=["status", "-updated_at"], name="need_board")]
        verbose_name = _("企业技术需求")
        verbose_name_plural = _("企业技术需求")

    def __str__(self) -> str:
        return self.title


class SuggestionQuerySet(ScopedQuerySet):
    def _visible_to_enterprise(self, user):
        return self.filter(enterprise_id=user.organization_id)

    def _editable_by_enterprise(self, user):
        # Accepted or ignored by the admin who edits the profile.
        return self.filter(enterprise_id=user.organization_id) if user.is_org_admin else self.none()

    def _editable_by_operator(self, user):
        return self.none()


class ProfileSuggestion(models.Model):
    """An IPC class or industry the enterprise keeps showing interest in, offered for its profile."""

    class Kind(models.TextChoices):
        IPC = "ipc", _("IPC 分类")
        INDUSTRY = "industry", _("产业")

    class Status(models.TextChoices):
        PENDING = "pending", _("待处理")
        ACCEPTED = "accepted", _("已采纳")
        IGNORED = "ignored", _("已忽略")

    enterprise = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+", verbose_name=_("企业"))
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    value = models.CharField(_("建议值"), max_length=32)
    evidence = models.PositiveIntegerField(_("依据的响应数"), default=0)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    objects = SuggestionQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["enterprise", "kind", "value"], name="unique_suggestion")]
        verbose_name = _("画像建议")
        verbose_name_plural = _("画像建议")

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}"


class NeedsBatchQuerySet(NamedInAuditLog, ScopedQuerySet):
    """The needs sheet's uploads: an enterprise's and a province's own organisation's uploads; the
    uploader or its organisation's admin commits or cancels; the operator reads them all."""

    def _visible_to_enterprise(self, user):
        return self.filter(organization_id=user.organization_id)

    _visible_to_province = _visible_to_enterprise

    def _editable_by_enterprise(self, user):
        own = self.filter(organization_id=user.organization_id)
        return own if user.is_org_admin else own.filter(created_by=user)

    _editable_by_province = _editable_by_enterprise

    def _editable_by_operator(self, user):
        return self.none()


class NeedsBatchManager(models.Manager.from_queryset(NeedsBatchQuerySet)):
    def get_queryset(self) -> NeedsBatchQuerySet:
        return super().get_queryset().filter(kind=NEEDS_BATCH_KIND)


class NeedsBatch(ImportBatch):
    """An upload of the needs sheet (企业技术需求): an ImportBatch of kind "needs", with its own scope."""

    objects = NeedsBatchManager()

    class Meta:
        proxy = True
        verbose_name = _("企业技术需求上传")
        verbose_name_plural = _("企业技术需求上传")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.original_name}"
