"""Inventory records (an institution's assessment of its patents), their history, and the
invitations that let an inventor self-assess named patents."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from accounts.scoping import NamedInAuditLog, ScopedQuerySet
from inventory.choices import (
    ImplementationStatus,
    InventoryStatus,
    LicenseType,
    Prospect,
    ReviewState,
    Screening,
    ValueGrade,
)
from inventory.patents.models import Patent


class InventoryRecordQuerySet(ScopedQuerySet):
    """Purposes of `visible_to`: (none) the records of the patents the user sees; "library" the
    national conversion resource library (专利转化资源库) as the user browses it: every entry,
    wherever its institution is, for the roles in patents.models.LIBRARY_ROLES; nothing for experts, inventors
    and the three platform administrators; "led" the records the user answers for in the inventory
    figures (inventory.records.scope): those led by the institutions it watches, an institution's
    staff its own (a department's staff the department's), a ministry the institutions it
    supervises, a provincial office its province's, the operator all; co-owned patents led by
    another institution are read, never counted."""

    purposes = frozenset({"library", "led"})

    def _library(self, user) -> "InventoryRecordQuerySet":
        return self.filter(in_library=True)

    _visible_to_operator__library = _library
    _visible_to_ministry__library = _library
    _visible_to_province__library = _library
    _visible_to_institution__library = _library
    _visible_to_enterprise__library = _library

    def _visible_to_ministry(self, user):
        return self.filter(patent__in=Patent.objects.visible_to(user).values("pk"))

    _visible_to_province = _visible_to_ministry
    _visible_to_institution = _visible_to_ministry
    _visible_to_inventor = _visible_to_ministry

    def _visible_to_enterprise(self, user):
        return self.filter(in_library=True)

    def _visible_to_operator__led(self, user):
        return self.all()

    def _visible_to_institution__led(self, user):
        return self._editable_by_institution(user)

    def _visible_to_ministry__led(self, user):
        supervised = Organization.objects.supervised_by(user).filter(kind=Organization.Kind.INSTITUTION)
        return self._visible_to_ministry(user).filter(institution__in=supervised.values("pk"))

    def _visible_to_province__led(self, user):
        return self._visible_to_province(user).filter(institution__province_id=user.organization.province_id,
                                                      institution__kind=Organization.Kind.INSTITUTION)

    def _editable_by_institution(self, user):
        editable = self.filter(institution_id=user.organization_id)
        return editable.filter(department_unit_id=user.department_id) if user.department_id else editable

    def _editable_by_inventor(self, user):
        return self.filter(patent__in=Patent.objects.editable_by(user).values("pk"))


class InventoryRecord(models.Model):
    """The lead institution's assessment of one patent (the inventory format's columns)."""

    patent = models.OneToOneField(Patent, on_delete=models.CASCADE, related_name="inventory")
    # Indexed by (institution, status) below; a separate index would only slow the upload's UPDATE.
    institution = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="inventory_records", verbose_name=_("盘点单位"),
        db_index=False,
    )
    status = models.CharField(
        _("盘点状态"), max_length=16, choices=InventoryStatus.choices, default=InventoryStatus.PENDING
    )
    department = models.CharField(_("所属二级单位"), max_length=100, blank=True)
    responsible_person = models.CharField(_("盘点负责人"), max_length=64, blank=True)
    is_financially_funded = models.BooleanField(_("是否财政资助"), null=True, blank=True)
    funding_project_number = models.CharField(_("资助项目编号"), max_length=200, blank=True)
    implementation_status = models.CharField(
        _("实施状态"), max_length=16, choices=ImplementationStatus.choices, blank=True
    )
    maturity = models.PositiveSmallIntegerField(_("技术成熟度"), null=True, blank=True)
    scenarios = models.CharField(_("应用场景"), max_length=500, blank=True)
    prospect = models.CharField(_("产业化前景"), max_length=8, choices=Prospect.choices, blank=True)
    value_grade = models.CharField(_("价值分级自评"), max_length=1, choices=ValueGrade.choices, blank=True)
    screening = models.CharField(_("是否入库"), max_length=8, choices=Screening.choices, blank=True)
    intents = models.JSONField(_("转化意愿"), default=list, blank=True)
    license_type = models.CharField(_("许可方式"), max_length=16, choices=LicenseType.choices, blank=True)
    asking_price = models.DecimalField(
        _("意向价格(万元)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    disposal = models.CharField(_("处置建议"), max_length=16, blank=True)
    industry_codes = models.JSONField(_("所属产业"), default=list, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=64, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=32, blank=True)
    contact_email = models.EmailField(_("联系邮箱"), blank=True)
    remarks = models.TextField(_("备注"), blank=True)
    in_library = models.BooleanField(_("已入库"), default=False)
    # The department (二级单位) the 所属二级单位 text names, resolved within the institution. No database
    # constraint: the upload links 100,000 records in one UPDATE joined to the departments themselves,
    # and the constraint re-checked each link at COMMIT (0.3 s); departments are never deleted, and
    # the ORM's SET_NULL would clear the links if one were.
    department_unit = models.ForeignKey(
        "accounts.Department", null=True, blank=True, on_delete=models.SET_NULL, related_name="records",
        verbose_name=_("二级单位"), db_constraint=False,
    )
    # 建档 → 二级单位审核 → 学校审核 (inventory.records.review); only the review action approves.
    review_state = models.CharField(
        _("审核状态"), max_length=24, choices=ReviewState.choices, default=ReviewState.DRAFT
    )
    return_reason = models.CharField(_("退回原因"), max_length=500, blank=True)
    # Staff's technology-field override (WIPO field numbers); empty = derived from IPC.
    field_numbers = models.JSONField(_("技术领域"), default=list, blank=True)
    # Listing quality (inventory.library.listing), kept for sorting the resource library.
    listing_score = models.PositiveSmallIntegerField(_("挂牌信息完整度"), default=0)
    inventoried_at = models.DateTimeField(_("盘点时间"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)
    # Informational; no database constraint or index (each would cost a check or an index entry per
    # row of a 100,000-row upload). Django still applies on_delete=SET_NULL when a user is deleted.
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        db_constraint=False, db_index=False,
    )

    # Optimistic locking (inventory.records.locking): every write adds one, in the ORM or in SQL
    # (`version = version + 1`); an edit carries the version it was read at and is refused when the
    # record has moved on. The database default serves the bulk SQL inserts that do not name it.
    version = models.PositiveIntegerField(_("版本"), default=1, db_default=1)

    objects = InventoryRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("盘点记录")
        verbose_name_plural = _("盘点记录")
        # Every index costs each row of an upload's UPDATE an entry: the library and the review
        # queues are served by partial indexes that hold only their own rows.
        indexes = [
            models.Index(fields=["institution", "status"]),
            models.Index(fields=["-listing_score", "patent"], condition=Q(in_library=True), name="record_library"),
            models.Index(
                fields=["institution", "review_state"], name="record_review_queue",
                condition=Q(review_state__in=[ReviewState.SUBMITTED, ReviewState.DEPARTMENT_REVIEWED,
                                              ReviewState.RETURNED]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.patent.application_number} {self.get_status_display()}"


class InventoryChange(models.Model):
    """One change to an inventory record: who, when, how, and each field's old and new value.

    One row per record per change (not per field) keeps a 100,000-row upload to 100,000 rows.
    """

    class Source(models.TextChoices):
        WEB = "web", _("在线编辑")
        UPLOAD = "upload", _("标准格式上传")
        BULK = "bulk", _("批量操作")
        API = "api", _("数据接口")
        SYSTEM = "system", _("系统")

    # Indexed by (record, -changed_at) below. No link carries a database constraint: the history is
    # append-only, written only with its record (deleted with it by the ORM's cascade), and each
    # constraint would cost a check per row of an upload (100,000 key lookups at COMMIT).
    record = models.ForeignKey(InventoryRecord, on_delete=models.CASCADE, related_name="changes", db_index=False,
                               db_constraint=False)
    changed_at = models.DateTimeField(_("时间"), default=timezone.now)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        db_constraint=False, db_index=False,
    )
    source = models.CharField(_("来源"), max_length=16, choices=Source.choices)
    batch = models.ForeignKey(
        "ImportBatch", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_constraint=False
    )
    # {"field": [old, new], ...} with JSON-serialisable values
    changes = models.JSONField(_("变更内容"))

    class Meta:
        ordering = ["-changed_at", "-id"]
        verbose_name = _("盘点变更记录")
        verbose_name_plural = _("盘点变更记录")
        indexes = [models.Index(fields=["record", "-changed_at"])]

    def __str__(self) -> str:
        return f"{self.record_id} {self.changed_at:%Y-%m-%d %H:%M}"


class InvitationQuerySet(NamedInAuditLog, ScopedQuerySet):
    def _visible_to_institution(self, user):
        invitations = self.filter(institution_id=user.organization_id)
        if user.department_id:
            return invitations.filter(patents__inventory__department_unit_id=user.department_id).distinct()
        return invitations

    _editable_by_institution = _visible_to_institution

    def _visible_to_inventor(self, user):
        return self.filter(inventor=user)


class SelfAssessmentInvitation(models.Model):
    institution = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    inventor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="self_assessment_invitations",
        verbose_name=_("发明人"),
    )
    patents = models.ManyToManyField(Patent, related_name="self_assessment_invitations", verbose_name=_("专利"))
    message = models.CharField(_("说明"), max_length=500, blank=True)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("邀请时间"), default=timezone.now)
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("发明人自评邀请")
        verbose_name_plural = _("发明人自评邀请")

    def __str__(self) -> str:
        return f"{self.inventor} {self.created_at:%Y-%m-%d}"
