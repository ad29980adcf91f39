"""The notification centre's records: a user's in-app notifications, their e-mail choice, the
organisations' group robots (企业微信 / 钉钉) and one Delivery per message sent outside the site."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.roles import Role
from accounts.scoping import ScopedQuerySet


class NotificationQuerySet(ScopedQuerySet):
    """Every role sees and marks only its own notifications, the operator included."""

    def _own(self, user):
        return self.filter(recipient=user)

    def unread(self):
        return self.filter(read_at__isnull=True)


# One rule per role, all the same: a notification is its recipient's alone.
for _role in Role:
    setattr(NotificationQuerySet, f"_visible_to_{_role.value}", NotificationQuerySet._own)
    setattr(NotificationQuerySet, f"_editable_by_{_role.value}", NotificationQuerySet._own)
del _role


class Notification(models.Model):
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications",
                                  verbose_name=_("接收人"))
    # A short code of what happened ("push.new", "assignment.due"…), chosen by the calling app.
    kind = models.CharField(_("类型"), max_length=50)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    # Where to act on it: a path of this site ("/inventory/…"), never another host.
    url = models.CharField(_("链接"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        indexes = [
            # The list: a user's notifications, newest first.
            models.Index(fields=["recipient", "-id"], name="notification_recipient_list"),
            # The bell: a user's unread count, read from this partial index alone.
            models.Index(fields=["recipient"], condition=Q(read_at__isnull=True), name="notification_unread"),
        ]

    def __str__(self) -> str:
        return self.title


class NotificationPreference(models.Model):
    """A user's channels: in-app is always on; e-mail is on unless switched off here. A user
    without a row has the defaults."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True,
                                related_name="notification_preference", verbose_name=_("用户"))
    email = models.BooleanField(_("邮件通知"), default=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("通知设置")
        verbose_name_plural = _("通知设置")

    def __str__(self) -> str:
        return str(self.user)


class RobotQuerySet(ScopedQuerySet):
    """An organisation's robots, seen and changed by its organisation-level admins only (their
    webhook addresses carry the key that posts to the group). The operator manages the
    platform's own; nobody else's robots are anyone else's business."""

    def _org_admin(self, user):
        if not user.is_org_admin or user.department_id:
            return self.none()
        return self.filter(organization_id=user.organization_id)

    def _visible_to_operator(self, user):
        return self.filter(organization_id=user.organization_id)

    _editable_by_operator = _visible_to_operator
    _visible_to_ministry = _editable_by_ministry = _org_admin
    _visible_to_province = _editable_by_province = _org_admin
    _visible_to_institution = _editable_by_institution = _org_admin
    _visible_to_enterprise = _editable_by_enterprise = _org_admin


class OrganizationRobot(models.Model):
    class Service(models.TextChoices):
        WECOM = "wecom", _("企业微信群机器人")
        DINGTALK = "dingtalk", _("钉钉群机器人")

    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="robots",
                                     verbose_name=_("机构"))
    service = models.CharField(_("类型"), max_length=20, choices=Service.choices)
    name = models.CharField(_("名称"), max_length=100)
    url = models.URLField(_("Webhook 地址"), max_length=1000)
    # DingTalk's signing secret (加签); WeCom has none (its key is in the URL).
    secret = models.CharField(_("加签密钥"), max_length=200, blank=True)
    enabled = models.BooleanField(_("启用"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("添加人"))
    created_at = models.DateTimeField(_("添加时间"), auto_now_add=True)

    objects = RobotQuerySet.as_manager()

    class Meta:
        verbose_name = _("群机器人")
        verbose_name_plural = _("群机器人")
        indexes = [models.Index(fields=["organization", "enabled"], name="robot_org_enabled")]

    def __str__(self) -> str:
        return self.name


class DeliveryQuerySet(ScopedQuerySet):
    """Deliveries are the platform's operations log: the operator reads them (ScopedQuerySet's
    default rule), nobody else."""


class Delivery(models.Model):
    """One message to one target outside the site (an e-mail address or a group robot), with
    what it says copied in, so that sending and retrying read this row alone."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("邮件")
        WECOM = "wecom", _("企业微信")
        DINGTALK = "dingtalk", _("钉钉")

    class Status(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败")

    channel = models.CharField(_("渠道"), max_length=20, choices=Channel.choices)
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True,
                                  related_name="+", verbose_name=_("接收人"))
    robot = models.ForeignKey(OrganizationRobot, on_delete=models.CASCADE, null=True, blank=True,
                              related_name="deliveries", verbose_name=_("群机器人"))
    address = models.CharField(_("邮箱"), max_length=254, blank=True)
    kind = models.CharField(_("类型"), max_length=50)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=500, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    last_error = models.TextField(_("最近错误"), blank=True)
    # When the next attempt is due; empty once sent or given up.
    next_attempt_at = models.DateTimeField(_("下次尝试"), null=True, blank=True)
    # The sender that claimed the row (notifications.sending.claim), so two never send it twice.
    claim = models.UUIDField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        verbose_name = _("外部投递")
        verbose_name_plural = _("外部投递")
        indexes = [
            # What the retry sweep picks up: due and not yet sent.
            models.Index(fields=["next_attempt_at"], condition=Q(next_attempt_at__isnull=False),
                         name="delivery_due"),
            models.Index(fields=["status", "-id"], name="delivery_status_list"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.title}"
