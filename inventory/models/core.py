from django.conf import settings
from django.db import models
from django.db.models import BigIntegerField, Exists, OuterRef, Q
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from accounts.roles import role_of
from accounts.scoping import ScopedQuerySet, supervised_institutions

from ..choices import (
    ImplementationStatus,
    InventoryStatus,
    LegalStatus,
    LicenseType,
    PatentType,
    Prospect,
    ReviewState,
    Screening,
    ValueGrade,
)


def self_assessment_grants(user):
    """The ids of the patents the user holds the guardian grant `inventory.self_assess_patent` on
    (a subquery)."""
    from guardian.models import UserObjectPermission

    grants = UserObjectPermission.objects.filter(
        user_id=user.pk, permission__codename="self_assess_patent",
        content_type__app_label="inventory", content_type__model="patent",
    )
    return grants.annotate(patent_id=Cast("object_pk", BigIntegerField())).values("patent_id")


# Who browses the national conversion resource library: every role but experts, inventors and
# the three platform administrators (ARCHITECTURE.md: "convertible patents are shared nationally").
LIBRARY_ROLES = frozenset({"operator", "ministry", "province", "institution", "enterprise"})


def _owned_by_any(organizations) -> Q:
    """The patent has an ownership among `organizations` (ids or a queryset), as EXISTS."""
    return Q(Exists(PatentOwnership.objects.filter(patent_id=OuterRef("pk"), organization__in=organizations)))


def _own_department(user) -> Q:
    """Department (二级单位) staff see and edit only their department's patents; others, all."""
    return Q(inventory__department_unit_id=user.department_id) if user.department_id else Q()


def _local_institutions(user):
    return Organization.objects.filter(kind=Organization.Kind.INSTITUTION, province_id=user.organization.province_id)


class PatentQuerySet(ScopedQuerySet):
    def in_library(self) -> "PatentQuerySet":
        """The national conversion resource library: screened in, shared with every role but experts."""
        return self.filter(inventory__in_library=True)

    def owned_by(self, organizations) -> "PatentQuerySet":
        owned = PatentOwnership.objects.filter(organization__in=organizations).values("patent_id")
        return self.filter(pk__in=owned)

    def owned_by_visible(self, user) -> "PatentQuerySet":
        """The patents whose own data (not only their library card) the user sees: what
        conversions, history and open-licence drafts follow. The library-only path is left out."""
        role = role_of(user)
        if role == "operator":
            return self.all()
        if role == "ministry":
            return self.owned_by(supervised_institutions(user))
        if role == "province":
            return self.owned_by(_local_institutions(user))
        if role == "institution":
            return self._owned_by_own_institution(user)
        if role == "inventor":
            return self.visible_to(user)
        return self.none()

    # What a role sees besides the library, as a condition on each patent (EXISTS, not IN): a page
    # of 50 patents or a search's candidates then probe the ownership index row by row, where an IN
    # hashed all 100,000 patents of an institution first; the planner still hashes when it scans.

    def _visible_to_ministry(self, user):
        # The supervised institutions' patents, and the national conversion resource library.
        return self.filter(_owned_by_any(supervised_institutions(user)) | Q(inventory__in_library=True))

    def _visible_to_province(self, user):
        return self.filter(_owned_by_any(_local_institutions(user)) | Q(inventory__in_library=True))

    def _visible_to_institution(self, user):
        # Its own patents (a department's staff: the department's), and the national library.
        own = _owned_by_any([user.organization_id]) & _own_department(user)
        return self.filter(own | Q(inventory__in_library=True))

    def _owned_by_own_institution(self, user):
        # A join rather than `id IN (…)`: one ownership per (patent, organization) keeps the rows
        # unique, and the workbench sorts on this join's copy of the grant date (an annotation on
        # F("ownerships__…") reuses it), which its (organization, grant_date) index serves.
        return self.filter(_own_department(user), ownerships__organization_id=user.organization_id)

    def _visible_to_enterprise(self, user):
        return self.in_library()

    def _editable_by_institution(self, user):
        # Co-owned patents: the first institution patentee edits, co-owners read.
        return self.filter(_own_department(user), inventory__institution_id=user.organization_id)

    def _visible_to_inventor(self, user):
        # Exactly the patents granted to the inventor (django-guardian), in one query.
        return self.filter(pk__in=self_assessment_grants(user), inventory__institution_id=user.organization_id)

    def _editable_by_inventor(self, user):
        # Granted, and only while an invitation naming the patent is open.
        from .self_assessment import SelfAssessmentInvitation

        open_patents = SelfAssessmentInvitation.objects.filter(inventor=user, closed_at__isnull=True).values(
            "patents")
        return self._visible_to_inventor(user).filter(pk__in=open_patents)


class Patent(models.Model):
    """A patent of the stock base library (存量专利基础库), keyed by its canonical application number."""

    application_number = models.CharField(_("申请号"), max_length=20, unique=True)
    grant_number = models.CharField(_("授权公告号"), max_length=20, blank=True)
    title = models.CharField(_("专利名称"), max_length=500)
    patent_type = models.CharField(_("专利类型"), max_length=16, choices=PatentType.choices, db_index=True)
    application_date = models.DateField(_("申请日"))
    grant_date = models.DateField(_("授权公告日"), null=True, blank=True, db_index=True)
    legal_status = models.CharField(
        _("法律状态"), max_length=8, choices=LegalStatus.choices, default=LegalStatus.VALID, db_index=True
    )
    main_ipc = models.CharField(_("主分类号"), max_length=32, blank=True, db_index=True)
    ipc_codes = models.JSONField(_("分类号"), default=list, blank=True)
    inventors = models.JSONField(_("发明人"), default=list, blank=True)
    patentees = models.JSONField(_("专利权人"), default=list, blank=True)
    patentee_credit_codes = models.JSONField(_("专利权人统一社会信用代码"), default=list, blank=True)
    abstract = models.TextField(_("摘要"), blank=True)
    funding_project_number = models.CharField(_("财政资助项目编号"), max_length=200, blank=True)
    funding_source = models.CharField(_("资助来源"), max_length=200, blank=True)
    is_sleeping = models.BooleanField(_("沉睡专利"), default=False, db_index=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)

    objects = PatentQuerySet.as_manager()

    class Meta:
        ordering = ["-grant_date", "id"]
        # On PostgreSQL, migration 0008 adds the index of the workbench's default order.
        verbose_name = _("专利")
        verbose_name_plural = _("专利")
        # django-guardian object permission: an inventor invited to self-assess this patent.
        permissions = [("self_assess_patent", _("发明人自评该专利"))]

    def __str__(self) -> str:
        return f"{self.application_number} {self.title}"

    @property
    def is_financially_funded(self) -> bool:
        return bool(self.funding_project_number)


# The patent's fields an ownership repeats (see PatentOwnership).
COPIED_FIELDS = ("grant_date", "is_sleeping", "main_ipc")


def fill_copied_fields(ownerships: list["PatentOwnership"]) -> None:
    """New ownerships written without the copies take them from their patents (one query)."""
    missing = {o.patent_id for o in ownerships if o.grant_date is None and o.patent_id}
    if not missing:
        return
    copied = {pk: values for pk, *values in Patent.objects.filter(pk__in=missing).values_list("pk", *COPIED_FIELDS)}
    for ownership in ownerships:
        if ownership.grant_date is None and ownership.patent_id in copied:
            for name, value in zip(COPIED_FIELDS, copied[ownership.patent_id], strict=True):
                setattr(ownership, name, value)


class PatentOwnershipQuerySet(models.QuerySet):
    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        fill_copied_fields(objs)
        return super().bulk_create(objs, *args, **kwargs)


class PatentOwnership(models.Model):
    """Links a patent to each institution among its patentees, in patentee order."""

    patent = models.ForeignKey(Patent, on_delete=models.CASCADE, related_name="ownerships")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="patent_ownerships")
    position = models.PositiveSmallIntegerField(_("权利人顺序"), default=1)
    # The ownership is an institution's row in its workbench: what the workbench sorts and narrows
    # by first is repeated here from the patent, so that an institution's patents list newest first
    # from one index, (organization, grant_date, patent) on PostgreSQL (migration 0009), instead of
    # walking every patent in grant order and probing its owners.
    # Kept equal to Patent.grant_date by the base-library import, the only writer of grant dates.
    grant_date = models.DateField(null=True, blank=True, editable=False)
    # Kept equal to Patent.is_sleeping by inventory.sleeping (its own partial index: sleeping
    # patents are the old ones, which a newest-first walk of all patents reaches last).
    is_sleeping = models.BooleanField(default=False, editable=False)
    # Kept equal to Patent.main_ipc by the base-library import, as grant_date (IPC prefix filter).
    main_ipc = models.CharField(max_length=32, blank=True, editable=False)

    objects = PatentOwnershipQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["patent", "organization"], name="unique_ownership")]
        indexes = [models.Index(fields=["organization", "patent"])]

    def __str__(self) -> str:
        return f"{self.patent_id} #{self.position} {self.organization_id}"

    def save(self, *args, **kwargs) -> None:
        if self._state.adding:
            fill_copied_fields([self])
        super().save(*args, **kwargs)


class InventoryRecordQuerySet(ScopedQuerySet):
    def library_visible_to(self, user) -> "InventoryRecordQuerySet":
        """The national conversion resource library (专利转化资源库) as `user` browses it: every
        entry, wherever its institution is, for the roles in LIBRARY_ROLES; nothing for experts,
        inventors and the three platform administrators."""
        if role_of(user) not in LIBRARY_ROLES:
            return self.none()
        return self.filter(in_library=True)

    def _visible_to_ministry(self, user):
        return self.filter(patent__in=Patent.objects.visible_to(user).values("pk"))

    _visible_to_province = _visible_to_ministry
    _visible_to_institution = _visible_to_ministry
    _visible_to_inventor = _visible_to_ministry

    def _visible_to_enterprise(self, user):
        return self.filter(in_library=True)

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
    # 建档 → 二级单位审核 → 学校审核 (inventory.review); a staff upload counts as approved.
    review_state = models.CharField(
        _("审核状态"), max_length=24, choices=ReviewState.choices, default=ReviewState.DRAFT
    )
    return_reason = models.CharField(_("退回原因"), max_length=500, blank=True)
    # Staff's technology-field override (WIPO field numbers); empty = derived from IPC.
    field_numbers = models.JSONField(_("技术领域"), default=list, blank=True)
    # Listing quality (inventory.listing), kept for sorting the resource library.
    listing_score = models.PositiveSmallIntegerField(_("挂牌信息完整度"), default=0)
    inventoried_at = models.DateTimeField(_("盘点时间"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)
    # Informational; no database constraint or index (each would cost a check or an index entry per
    # row of a 100,000-row upload). Django still applies on_delete=SET_NULL when a user is deleted.
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        db_constraint=False, db_index=False,
    )

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


class ImportBatchQuerySet(ScopedQuerySet):
    def _visible_to_institution(self, user):
        # An institution-wide upload carries every department's patents: department staff see
        # only their department's own uploads. Inventors upload nothing and see none.
        batches = self.filter(organization_id=user.organization_id)
        return batches.filter(created_by__department_id=user.department_id) if user.department_id else batches

    _editable_by_institution = _visible_to_institution


class ImportBatch(models.Model):
    """Every upload, kept: who, when, the file, its status, counts and row errors."""

    class Kind(models.TextChoices):
        BASE_LIBRARY = "base_library", _("存量专利基础库")
        INVENTORY = "inventory", _("盘点结果")
        CONVERSIONS = "conversions", _("转化实施情况")

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("已上传")
        VALIDATING = "validating", _("校验中")
        VALIDATED = "validated", _("待确认")
        COMMITTING = "committing", _("导入中")
        COMMITTED = "committed", _("已导入")
        FAILED = "failed", _("失败")
        CANCELLED = "cancelled", _("已取消")

    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="import_batches", verbose_name=_("上传单位")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("上传人")
    )
    created_at = models.DateTimeField(_("上传时间"), default=timezone.now, db_index=True)
    file = models.FileField(_("文件"), upload_to="imports/%Y/%m/")
    original_name = models.CharField(_("文件名"), max_length=255)
    sha256 = models.CharField(max_length=64, db_index=True)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.UPLOADED)
    all_or_nothing = models.BooleanField(_("全部或不导入"), default=False)
    progress = models.PositiveSmallIntegerField(_("进度"), default=0)
    progress_message = models.CharField(max_length=200, blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    total_rows = models.PositiveIntegerField(_("总行数"), default=0)
    # {"new": n, "updated": n, "unchanged": n, "rejected": n, "unmatched": n, ...}
    counts = models.JSONField(_("统计"), default=dict, blank=True)
    # [{"row", "column", "value", "message", "level"}], every problem found
    errors = models.JSONField(_("错误"), default=list, blank=True)
    error_report = models.FileField(_("错误报告"), upload_to="import-reports/%Y/%m/", blank=True)
    failure = models.TextField(_("失败原因"), blank=True)
    validated_at = models.DateTimeField(null=True, blank=True)
    committed_at = models.DateTimeField(null=True, blank=True)

    objects = ImportBatchQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("导入批次")
        verbose_name_plural = _("导入批次")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.original_name}"
