"""Patents of the stock base library and the institutions that own them."""

from django.db import models
from django.db.models import BigIntegerField, Exists, OuterRef, Q
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import UserObjectPermission

from accounts.models import Organization
from accounts.roles import Role
from accounts.scoping import ScopedQuerySet
from inventory.choices import LegalStatus, PatentType


def self_assessment_grants(user):
    """The ids of the patents the user holds the guardian grant `inventory.self_assess_patent` on
    (a subquery)."""
    grants = UserObjectPermission.objects.filter(
        user_id=user.pk, permission__codename="self_assess_patent",
        content_type__app_label="inventory", content_type__model="patent",
    )
    return grants.annotate(patent_id=Cast("object_pk", BigIntegerField())).values("patent_id")


# Who browses the national conversion resource library: every role but experts, inventors and
# the three platform administrators (ARCHITECTURE.md: "convertible patents are shared nationally").
LIBRARY_ROLES = frozenset({Role.OPERATOR, Role.MINISTRY, Role.PROVINCE, Role.INSTITUTION, Role.ENTERPRISE})


def _owned_by_any(organizations) -> Q:
    """The patent has an ownership among `organizations` (ids or a queryset), as EXISTS."""
    return Q(Exists(PatentOwnership.objects.filter(patent_id=OuterRef("pk"), organization__in=organizations)))


def _own_department(user) -> Q:
    """Department (二级单位) staff see and edit only their department's patents; others, all."""
    return Q(inventory__department_unit_id=user.department_id) if user.department_id else Q()


def _local_institutions(user):
    return Organization.objects.filter(kind=Organization.Kind.INSTITUTION, province_id=user.organization.province_id)


class PatentQuerySet(ScopedQuerySet):
    """Purposes of `visible_to`:
    - (none): everything the role sees, its own patents and the national conversion resource library;
    - "own": the patents whose own data (not only their library card) the user sees, which
      conversions, history and open-licence drafts follow;
    - "workbench": the patents a workbench lists: the own ones, and for enterprises the library.
    Actions of `editable_by`:
    - (none): whose inventory record the user assesses;
    - "record_conversion": whose conversions and open licences the user records (the first
      institution patentee's staff; the operator reads but does not write what an institution declares).
    """

    purposes = frozenset({"own", "workbench"})
    actions = frozenset({"record_conversion"})

    def in_library(self) -> "PatentQuerySet":
        """The national conversion resource library: screened in, shared with every role but experts."""
        return self.filter(inventory__in_library=True)

    # What a role sees besides the library, as a condition on each patent (EXISTS, not IN): a page
    # of 50 patents or a search's candidates then probe the ownership index row by row, where an IN
    # hashed all 100,000 patents of an institution first; the planner still hashes when it scans.

    def _visible_to_ministry(self, user):
        # The supervised institutions' patents, and the national conversion resource library.
        return self.filter(_owned_by_any(Organization.objects.supervised_by(user)) | Q(inventory__in_library=True))

    def _visible_to_province(self, user):
        return self.filter(_owned_by_any(_local_institutions(user)) | Q(inventory__in_library=True))

    def _visible_to_institution(self, user):
        # Its own patents (a department's staff: the department's), and the national library.
        own = _owned_by_any([user.organization_id]) & _own_department(user)
        return self.filter(own | Q(inventory__in_library=True))

    def _visible_to_enterprise(self, user):
        return self.in_library()

    def _visible_to_inventor(self, user):
        # Exactly the patents granted to the inventor (django-guardian), in one query.
        return self.filter(pk__in=self_assessment_grants(user), inventory__institution_id=user.organization_id)

    # "own": the library-only path left out.

    _visible_to_operator__own = ScopedQuerySet._visible_to_operator

    def _visible_to_ministry__own(self, user):
        owned = PatentOwnership.objects.filter(organization__in=Organization.objects.supervised_by(user))
        return self.filter(pk__in=owned.values("patent_id"))

    def _visible_to_province__own(self, user):
        owned = PatentOwnership.objects.filter(organization__in=_local_institutions(user))
        return self.filter(pk__in=owned.values("patent_id"))

    def _visible_to_institution__own(self, user):
        # A join rather than `id IN (…)`: one ownership per (patent, organization) keeps the rows
        # unique, and the workbench sorts on this join's copy of the grant date (an annotation on
        # F("ownerships__…") reuses it), which its (organization, grant_date) index serves.
        return self.filter(_own_department(user), ownerships__organization_id=user.organization_id)

    _visible_to_inventor__own = _visible_to_inventor

    # "workbench": the own patents; an enterprise's workbench lists the library.

    _visible_to_operator__workbench = _visible_to_operator__own
    _visible_to_ministry__workbench = _visible_to_ministry__own
    _visible_to_province__workbench = _visible_to_province__own
    _visible_to_institution__workbench = _visible_to_institution__own
    _visible_to_inventor__workbench = _visible_to_inventor
    _visible_to_enterprise__workbench = _visible_to_enterprise

    def _editable_by_institution(self, user):
        # Co-owned patents: the first institution patentee edits, co-owners read.
        return self.filter(_own_department(user), inventory__institution_id=user.organization_id)

    def _editable_by_inventor(self, user):
        # Granted, and only while an invitation naming the patent is open (through the invitations'
        # reverse relation: the records area that defines them builds on this one).
        open_patents = self.model.objects.filter(
            self_assessment_invitations__inventor=user, self_assessment_invitations__closed_at__isnull=True
        ).values("pk")
        return self._visible_to_inventor(user).filter(pk__in=open_patents)

    _editable_by_institution__record_conversion = _editable_by_institution


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
    # Kept equal to Patent.is_sleeping by inventory.patents.sleeping (its own partial index: sleeping
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
