from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import connections, models, router, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.models import SideChannelDevice

from accounts.audit_hash import CHAIN_LOCK, HASHED_FIELDS, event_hash, json_value
from accounts.roles import Role
from accounts.scoping import NamedInAuditLog, ScopedQuerySet


class Province(models.Model):
    """A provincial-level unit, keyed by its GB/T 2260 code (660000 for 新疆生产建设兵团)."""
    code = models.CharField(_("行政区划代码"), max_length=6, primary_key=True)
    name = models.CharField(_("名称"), max_length=32, unique=True)
    short_name = models.CharField(_("简称"), max_length=16, unique=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("省份")
        verbose_name_plural = _("省份")

    def __str__(self) -> str:
        return self.name


class OrganizationQuerySet(NamedInAuditLog, ScopedQuerySet):
    def supervised_by(self, user) -> "OrganizationQuerySet":
        """Institutions a ministry user's ministry supervises; for 国资委 also the central SOEs."""
        ministry = user.organization
        supervised = Q(kind=Organization.Kind.INSTITUTION, supervisor=ministry)
        if ministry.code == "SASAC":
            supervised |= Q(kind=Organization.Kind.ENTERPRISE, is_central_soe=True)
        return self.filter(supervised)

    def _visible_to_ministry(self, user):
        supervised = Organization.objects.supervised_by(user).values("pk")
        return self.filter(Q(pk=user.organization_id) | Q(pk__in=supervised))

    def _visible_to_province(self, user):
        org = user.organization
        local = Q(
            kind__in=[Organization.Kind.INSTITUTION, Organization.Kind.ENTERPRISE],
            province_id=org.province_id,
        )
        return self.filter(Q(pk=org.pk) | local)

    def _visible_to_institution(self, user):
        return self.filter(pk=user.organization_id)

    _visible_to_enterprise = _visible_to_institution
    # An inventor sees their own institution's record, nothing else.
    _visible_to_inventor = _visible_to_institution

    def _editable_by_province(self, user):
        # A provincial office edits (approves, rejects) the enterprises located in its province.
        return self.filter(kind=Organization.Kind.ENTERPRISE, province_id=user.organization.province_id)

    def _editable_by_institution(self, user):
        # The institution's settings (review levels…) are the institution-level admin's, not a department's.
        if not user.is_org_admin or user.department_id:
            return self.none()
        return self.filter(pk=user.organization_id)

    _editable_by_enterprise = _editable_by_institution


class Organization(models.Model):
    class Kind(models.TextChoices):
        PLATFORM = "platform", _("平台")
        MINISTRY = "ministry", _("部委")
        PROVINCE = "province", _("省级知识产权局")
        INSTITUTION = "institution", _("高校和科研机构")
        ENTERPRISE = "enterprise", _("企业")

    class InstitutionType(models.TextChoices):
        UNIVERSITY = "university", _("高校")
        RESEARCH_INSTITUTE = "research_institute", _("科研机构")
        HOSPITAL = "hospital", _("医院")

    class Status(models.TextChoices):
        ACTIVE = "active", _("正常")
        PENDING = "pending", _("待审核")
        REJECTED = "rejected", _("已驳回")
        DISABLED = "disabled", _("已停用")

    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices, db_index=True)
    name = models.CharField(_("名称"), max_length=128, db_index=True)
    code = models.CharField(
        _("代码"), max_length=16, blank=True, help_text=_("部委代码或省级行政区划代码"), db_index=True
    )
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, null=True, blank=True, unique=True)
    province = models.ForeignKey(
        Province, verbose_name=_("所在省份"), null=True, blank=True, on_delete=models.PROTECT
    )
    supervisor = models.ForeignKey(
        "self",
        verbose_name=_("主管部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supervised",
        limit_choices_to={"kind": "ministry"},
        help_text=_("为空表示地方所属"),
    )
    institution_type = models.CharField(
        _("机构类别"), max_length=24, choices=InstitutionType.choices, blank=True
    )
    is_demo_university = models.BooleanField(_("国家知识产权示范高校"), default=False)
    is_pilot_university = models.BooleanField(_("国家知识产权试点高校"), default=False)
    is_ip_advantage = models.BooleanField(_("知识产权优势示范企业"), default=False)
    is_specialized = models.BooleanField(_("专精特新企业"), default=False)
    is_high_tech = models.BooleanField(_("高新技术企业"), default=False)
    is_state_owned = models.BooleanField(_("国有企业"), default=False)
    is_central_soe = models.BooleanField(_("中央企业"), default=False)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.ACTIVE)
    review_note = models.CharField(_("审核意见"), max_length=500, blank=True)
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    contact_name = models.CharField(_("联系人"), max_length=64, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=32, blank=True)
    contact_email = models.EmailField(_("联系邮箱"), blank=True)
    # Institutions: 1 = the institution approves assessments itself; 2 = the department (二级单位)
    # reviews first, then the institution (建档 → 二级单位审核 → 学校审核).
    review_levels = models.PositiveSmallIntegerField(
        _("审核层级"), choices=[(1, _("学校审核")), (2, _("二级单位审核 + 学校审核"))], default=2
    )
    # Every member must sign in with a second factor (accounts.two_factor), beyond the platform's
    # own administrators who always must.
    requires_two_factor = models.BooleanField(_("要求两步验证"), default=False)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("机构")
        verbose_name_plural = _("机构")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "name"],
                condition=~Q(kind="enterprise"),
                name="unique_public_body_name",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    @property
    def is_local(self) -> bool:
        return self.kind == self.Kind.INSTITUTION and self.supervisor_id is None


class OrganizationAlias(models.Model):
    """Former names and common variants under which an organisation appears as a patentee."""
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(_("别名"), max_length=128, unique=True)

    class Meta:
        verbose_name = _("机构别名")
        verbose_name_plural = _("机构别名")

    def __str__(self) -> str:
        return self.name


class UserQuerySet(NamedInAuditLog, ScopedQuerySet):
    def _visible_to_security_admin(self, user):
        return self.all()

    _visible_to_system_admin = _visible_to_security_admin

    def _visible_to_operator(self, user):
        # Operators see the accounts of the organisations they serve, not the platform's own staff.
        return self.filter(~Q(organization__kind=Organization.Kind.PLATFORM) | Q(pk=user.pk))

    def _own_organization(self, user):
        if user.is_org_admin and user.department_id:
            # A department (二级单位) admin sees the accounts of their department only.
            return self.filter(organization_id=user.organization_id, department_id=user.department_id)
        if user.is_org_admin:
            return self.filter(organization_id=user.organization_id)
        return self.filter(pk=user.pk)

    _visible_to_ministry = _own_organization
    _visible_to_province = _own_organization
    _visible_to_institution = _own_organization
    _visible_to_enterprise = _own_organization

    def _visible_to_audit_admin(self, user):
        return self.filter(pk=user.pk)

    def _visible_to_expert(self, user):
        return self.filter(pk=user.pk)

    def _visible_to_inventor(self, user):
        return self.filter(pk=user.pk)

    def _editable_by_system_admin(self, user):
        # The system administrator manages accounts; the security administrator handles
        # permissions and lockouts (see accounts.services); neither edits the other's own account.
        return self.exclude(pk=user.pk)

    def _editable_by_security_admin(self, user):
        return self.exclude(pk=user.pk)

    def _editable_by_operator(self, user):
        return self.none()

    def _editable_members_of_own_organization(self, user):
        if not user.is_org_admin:
            return self.none()
        members = self.filter(organization_id=user.organization_id).exclude(pk=user.pk)
        return members.filter(department_id=user.department_id) if user.department_id else members

    _editable_by_ministry = _editable_members_of_own_organization
    _editable_by_province = _editable_members_of_own_organization
    _editable_by_institution = _editable_members_of_own_organization
    _editable_by_enterprise = _editable_members_of_own_organization


class ScopedUserManager(UserManager.from_queryset(UserQuerySet)):
    pass


class User(AbstractUser):
    class PlatformRole(models.TextChoices):
        OPERATOR = Role.OPERATOR.value, Role.OPERATOR.label
        SYSTEM_ADMIN = Role.SYSTEM_ADMIN.value, Role.SYSTEM_ADMIN.label
        SECURITY_ADMIN = Role.SECURITY_ADMIN.value, Role.SECURITY_ADMIN.label
        AUDIT_ADMIN = Role.AUDIT_ADMIN.value, Role.AUDIT_ADMIN.label

    organization = models.ForeignKey(
        Organization,
        verbose_name=_("所属机构"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    full_name = models.CharField(_("姓名"), max_length=64, blank=True)
    phone = models.CharField(_("手机"), max_length=32, blank=True)
    is_org_admin = models.BooleanField(_("机构管理员"), default=False)
    is_expert = models.BooleanField(_("评价专家"), default=False)
    # An inventor invited to self-assess named patents (发明人自评): sees only the patents granted
    # to them object by object (django-guardian), nothing else of the institution.
    is_inventor = models.BooleanField(_("发明人"), default=False)
    # Department (二级单位) staff see and review only their department's patents; institution-level
    # staff (no department) see all of the institution's.
    department = models.ForeignKey(
        "accounts.Department", verbose_name=_("二级单位"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="users",
    )
    platform_role = models.CharField(
        _("平台职责"), max_length=16, choices=PlatformRole.choices, blank=True
    )
    must_change_password = models.BooleanField(_("须修改密码"), default=False)
    password_changed_at = models.DateTimeField(_("密码修改时间"), null=True, blank=True)
    # A confirmed second factor (accounts.two_factor): sign-in asks for a code after the password.
    # Kept on the user so that every request knows it without looking up the devices.
    two_factor_enabled = models.BooleanField(_("已启用两步验证"), default=False)

    objects = ScopedUserManager()

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.full_name or self.username

    def get_full_name(self) -> str:
        return self.full_name or self.username

    def set_password(self, raw_password: str | None) -> None:
        super().set_password(raw_password)
        self.password_changed_at = timezone.now()
        # Once saved, the user's API tokens are revoked (accounts.signals).
        self._password_replaced = True


class AuditEventQuerySet(ScopedQuerySet):
    def _visible_to_audit_admin(self, user):
        return self.all()

    def _visible_to_operator(self, user):
        return self.none()

    def _editable_by_operator(self, user):
        return self.none()  # the log is append-only: nobody changes an event

    # Append-only in bulk too: a queryset update or delete would bypass the model's own refusals.
    def update(self, **kwargs):
        raise PermissionError("audit events are append-only")

    def delete(self):
        raise PermissionError("audit events cannot be deleted")

    def bulk_create(self, objs, *args, **kwargs):
        raise PermissionError("audit events are appended one at a time, each chained to the one before")


class AuditEvent(models.Model):
    """An append-only, hash-chained record of who did what, when and from where (等保2.0 安全审计).

    Each event carries its place in the chain (`sequence`), the hash of the event before it
    (`prev_hash`) and its own hash over its fields and `prev_hash` (accounts.audit_hash), filled in
    by `save`; an edit or a removal shows as a broken link (`manage.py verify_audit_chain`). `save` refuses
    updates and `delete` is refused outright; on PostgreSQL a trigger refuses UPDATE and DELETE
    too, except the removal of events older than 180 days by `manage.py archive_audit`.

    The actor is kept by value: `actor` has no database constraint and is left as it is when the
    account is deleted, and `actor_username` / `actor_name` are copied when the event is written.
    """
    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False,
        related_name="+",
    )
    actor_username = models.CharField(_("操作人"), max_length=150, blank=True)
    actor_name = models.CharField(_("操作人姓名"), max_length=150, blank=True)
    ip = models.GenericIPAddressField(_("IP"), null=True, blank=True)
    action = models.CharField(_("操作"), max_length=64, db_index=True)
    target_type = models.CharField(_("对象类型"), max_length=64, blank=True)
    target_id = models.CharField(_("对象"), max_length=64, blank=True)
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    before = models.JSONField(_("变更前"), null=True, blank=True)
    after = models.JSONField(_("变更后"), null=True, blank=True)
    detail = models.JSONField(_("详情"), default=dict, blank=True)
    sequence = models.BigIntegerField(_("序号"), unique=True, null=True, editable=False)
    prev_hash = models.CharField(_("前一事件哈希"), max_length=64, blank=True, editable=False)
    hash = models.CharField(_("哈希"), max_length=64, blank=True, editable=False)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_username} {self.action}"

    def save(self, *args, **kwargs) -> None:
        """Append the event at the head of the chain; an event once written is never saved again."""
        if self.pk is not None:
            raise PermissionError("audit events are append-only")
        self.before, self.after, self.detail = json_value(self.before), json_value(self.after), json_value(self.detail)
        if self.ip:
            self.ip = self._meta.get_field("ip").get_prep_value(self.ip)
        # No savepoint of its own: a failed append fails the transaction that records it.
        with transaction.atomic(using=kwargs.get("using"), savepoint=False):
            sequence, prev_hash = self.chain_head(kwargs.get("using"))
            self.sequence, self.prev_hash = sequence + 1, prev_hash
            self.hash = event_hash({name: getattr(self, name) for name in HASHED_FIELDS})
            super().save(*args, **{**kwargs, "force_insert": True})

    @classmethod
    def chain_head(cls, using: str | None = None) -> tuple[int, str]:
        """(sequence, hash) of the chain's last event, or of the last archived one, or (0, "") for
        an empty chain; taken under the append lock (on PostgreSQL an advisory lock held until the
        transaction ends). Call inside the transaction that appends."""
        connection = connections[using or router.db_for_write(cls)]
        events, archives = (connection.ops.quote_name(m._meta.db_table) for m in (cls, AuditArchive))
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK])
            # One query whether or not the chain has events: its last one, or the last archived one.
            cursor.execute(
                f"SELECT s, h FROM (SELECT sequence AS s, hash AS h FROM {events} WHERE sequence IS NOT NULL "
                f"ORDER BY sequence DESC LIMIT 1) e UNION ALL SELECT s, h FROM (SELECT last_sequence AS s, "
                f"last_hash AS h FROM {archives} ORDER BY last_sequence DESC LIMIT 1) a ORDER BY 1 DESC LIMIT 1"
            )
            last = cursor.fetchone()
        return (last[0], last[1]) if last else (0, "")

    def delete(self, *args, **kwargs):
        raise PermissionError("audit events cannot be deleted")


class AuditArchive(models.Model):
    """One run of `manage.py archive_audit`: the events it moved to a signed file and removed.

    The last archived event's sequence and hash anchor the chain: the first remaining event
    follows it (accounts.audit_chain.verify).
    """
    archived_at = models.DateTimeField(_("归档时间"), default=timezone.now)
    before = models.DateTimeField(_("归档截止时间"))
    count = models.PositiveIntegerField(_("事件数"))
    first_sequence = models.BigIntegerField(_("首个序号"))
    last_sequence = models.BigIntegerField(_("末个序号"), unique=True)
    last_hash = models.CharField(_("末个事件哈希"), max_length=64)
    file_name = models.CharField(_("归档文件"), max_length=255)
    file_sha256 = models.CharField(_("文件SHA-256"), max_length=64)
    signature = models.CharField(_("签名"), max_length=64)

    class Meta:
        ordering = ["-last_sequence"]
        verbose_name = _("审计日志归档")
        verbose_name_plural = _("审计日志归档")

    def __str__(self) -> str:
        return f"{self.file_name} ({self.first_sequence}–{self.last_sequence})"


class DepartmentQuerySet(NamedInAuditLog, ScopedQuerySet):
    def _visible_to_institution(self, user):
        departments = self.filter(organization_id=user.organization_id)
        return departments.filter(pk=user.department_id) if user.department_id else departments

    def _editable_by_institution(self, user):
        if not user.is_org_admin or user.department_id:
            return self.none()
        return self.filter(organization_id=user.organization_id)


class Department(models.Model):
    """A department (二级单位: 学院, 研究所, 科室) of an institution."""
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="departments", verbose_name=_("所属机构")
    )
    name = models.CharField(_("名称"), max_length=100)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    objects = DepartmentQuerySet.as_manager()

    class Meta:
        ordering = ["organization", "name"]
        verbose_name = _("二级单位")
        verbose_name_plural = _("二级单位")
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="unique_department_name")]

    def __str__(self) -> str:
        return self.name


class SMSDevice(SideChannelDevice):
    """A second factor whose one-time codes are sent on demand to the user's phone through the
    configured delivery backend (accounts.otp_delivery)."""
    number = models.CharField(_("手机"), max_length=32)

    class Meta:
        verbose_name = _("短信验证码设备")
        verbose_name_plural = _("短信验证码设备")


class APITokenQuerySet(ScopedQuerySet):
    """Everyone sees their own tokens; the security administrator sees everyone's (to revoke them)."""

    def _own(self, user):
        return self.filter(user=user)

    _visible_to_operator = _editable_by_operator = _own
    _visible_to_system_admin = _editable_by_system_admin = _own
    _visible_to_audit_admin = _editable_by_audit_admin = _own
    _visible_to_ministry = _editable_by_ministry = _own
    _visible_to_province = _editable_by_province = _own
    _visible_to_institution = _editable_by_institution = _own
    _visible_to_inventor = _editable_by_inventor = _own
    _visible_to_enterprise = _editable_by_enterprise = _own
    _visible_to_expert = _editable_by_expert = _own

    def _visible_to_security_admin(self, user):
        return self.all()

    _editable_by_security_admin = _visible_to_security_admin

    def active(self):
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())


class APIToken(models.Model):
    """A named API token of one user (accounts.tokens): kept as the SHA-256 of its secret, shown
    once at creation; read-only or read-write; expires; revoked by its user, by the security
    administrator, or when the user's password, second factor or account changes."""

    class Scope(models.TextChoices):
        READ = "read", _("只读")
        WRITE = "write", _("读写")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("名称"), max_length=64)
    prefix = models.CharField(_("前缀"), max_length=16, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    scope = models.CharField(_("权限范围"), max_length=8, choices=Scope.choices, default=Scope.READ)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    expires_at = models.DateTimeField(_("到期时间"))
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)

    objects = APITokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()

class PasswordHistory(models.Model):
    """The hash of a password an account has had (accounts.passwords.PasswordHistoryValidator keeps
    the newest PASSWORD_HISTORY_COUNT and refuses them again)."""
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField(_("密码摘要"), max_length=128)
    created_at = models.DateTimeField(_("设置时间"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("历史密码")
        verbose_name_plural = _("历史密码")

    def __str__(self) -> str:
        return f"{self.user_id} {self.created_at:%Y-%m-%d}"


class ApprovalRequestQuerySet(ScopedQuerySet):
    """The two-person rule's requests (accounts.two_person): the system and security administrators
    see them all (to approve the other's, and follow their own); nobody else any."""

    def _visible_to_system_admin(self, user):
        return self.all()

    _visible_to_security_admin = _visible_to_system_admin

    def _visible_to_operator(self, user):
        return self.none()

    def _editable_by_operator(self, user):
        return self.none()


class ApprovalRequest(models.Model):
    """A change to a platform administrator's account, or a grant of a platform role, waiting for a
    second administrator (两人原则, accounts.two_person): it is carried out when approved."""

    class Action(models.TextChoices):
        PASSWORD_RESET = "password_reset", _("重置密码")
        DEACTIVATE = "deactivate", _("停用账号")
        ACTIVATE = "activate", _("启用账号")
        PERMISSION_CHANGE = "permission_change", _("修改权限")
        OTP_RESET = "otp_reset", _("重置双因素认证")

    class Status(models.TextChoices):
        PENDING = "pending", _("待审批")
        APPROVED = "approved", _("已批准")
        REJECTED = "rejected", _("已驳回")

    action = models.CharField(_("操作"), max_length=32, choices=Action.choices)
    target = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("对象账号"), on_delete=models.PROTECT,
                               related_name="+")
    payload = models.JSONField(_("内容"), default=dict, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("申请人"), on_delete=models.PROTECT,
                                     related_name="+")
    created_at = models.DateTimeField(_("申请时间"), default=timezone.now)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PENDING,
                              db_index=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("审批人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    note = models.CharField(_("审批意见"), max_length=500, blank=True)

    objects = ApprovalRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("双人审批申请")
        verbose_name_plural = _("双人审批申请")

    def __str__(self) -> str:
        return f"{self.get_action_display()} · {self.target}"

    @property
    def role_asked(self) -> str:
        """A permission change's platform role by its name ("无" for none), else ""."""
        if self.action != self.Action.PERMISSION_CHANGE:
            return ""
        role = self.payload.get("platform_role", "")
        return str(User.PlatformRole(role).label) if role in User.PlatformRole.values else str(_("无"))
