"""Matchmaking events (对接活动 / 路演): patents presented to invited enterprises, with outcomes."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from accounts.scoping import NamedInAuditLog, ScopedQuerySet
from inventory.conversions.models import Conversion
from inventory.patents.models import Patent


class EventQuerySet(NamedInAuditLog, ScopedQuerySet):
    """The platform sees every event; a province the events it organises and the platform's; an
    enterprise the published events it is invited to or registered for, and the published events
    of the platform and of its province; an institution the events presenting its patents."""

    def _visible_to_province(self, user):
        return self.filter(Q(organizer_id=user.organization_id) | Q(organizer__kind=Organization.Kind.PLATFORM))

    def _visible_to_enterprise(self, user):
        invited = EventEnterprise.objects.filter(enterprise_id=user.organization_id).values("event_id")
        open_to_it = (Q(organizer__kind=Organization.Kind.PLATFORM)
                      | Q(organizer__province_id=user.organization.province_id))
        return self.filter(status=MatchEvent.Status.PUBLISHED).filter(Q(pk__in=invited) | open_to_it)

    def _visible_to_institution(self, user):
        presenting = EventPatent.objects.filter(patent__ownerships__organization_id=user.organization_id)
        return self.filter(pk__in=presenting.values("event_id"))

    def _editable_by_province(self, user):
        return self.filter(organizer_id=user.organization_id)

    def _editable_by_operator(self, user):
        return self.filter(organizer__kind=Organization.Kind.PLATFORM)


class MatchEvent(models.Model):
    class Mode(models.TextChoices):
        ONLINE = "online", _("线上")
        ON_SITE = "on_site", _("线下")

    class Status(models.TextChoices):
        DRAFT = "draft", _("筹备中")
        PUBLISHED = "published", _("已发布")
        CLOSED = "closed", _("已结束")

    organizer = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+", verbose_name=_("主办方"))
    title = models.CharField(_("活动名称"), max_length=200)
    mode = models.CharField(_("形式"), max_length=8, choices=Mode.choices, default=Mode.ON_SITE)
    venue = models.CharField(_("地点或链接"), max_length=300, blank=True)
    starts_at = models.DateTimeField(_("活动时间"))
    registration_deadline = models.DateTimeField(_("报名截止"))
    industry_codes = models.JSONField(_("所属产业"), default=list, blank=True)
    description = models.TextField(_("活动介绍"), blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at", "-pk"]
        indexes = [
            models.Index(fields=["organizer", "-starts_at"], name="event_organizer_list"),
            models.Index(fields=["status", "-starts_at"], name="event_status_list"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(registration_deadline__lte=F("starts_at")),
                                   name="event_deadline_before_start"),
        ]
        verbose_name = _("对接活动")
        verbose_name_plural = _("对接活动")

    def __str__(self) -> str:
        return self.title


class EventPatent(models.Model):
    """A patent presented at an event, and what came of it."""

    class Outcome(models.TextChoices):
        NONE = "", _("暂无结果")
        INTEREST = "interest", _("有意向")
        NEGOTIATION = "negotiation", _("洽谈中")
        DEAL = "deal", _("已成交")

    event = models.ForeignKey(MatchEvent, on_delete=models.CASCADE, related_name="patents")
    patent = models.ForeignKey(Patent, on_delete=models.CASCADE, related_name="+", verbose_name=_("专利"))
    outcome = models.CharField(_("对接结果"), max_length=16, choices=Outcome.choices, blank=True)
    enterprise = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("对接企业")
    )
    conversion = models.ForeignKey(
        Conversion, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("转化记录")
    )
    note = models.CharField(_("备注"), max_length=500, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["event", "patent"], name="unique_event_patent")]
        indexes = [models.Index(fields=["event", "outcome"], name="event_patent_outcome")]

    def __str__(self) -> str:
        return f"{self.event_id}/{self.patent_id}"


class EventEnterprise(models.Model):
    """An enterprise invited to an event (by profile match or by hand) and whether it registered."""

    event = models.ForeignKey(MatchEvent, on_delete=models.CASCADE, related_name="enterprises")
    enterprise = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+", verbose_name=_("企业"))
    invited = models.BooleanField(_("受邀"), default=True)
    invited_by_match = models.BooleanField(_("按画像匹配邀请"), default=False)
    registered_at = models.DateTimeField(_("报名时间"), null=True, blank=True)
    attendees = models.PositiveSmallIntegerField(_("参会人数"), default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["event", "enterprise"], name="unique_event_enterprise")]

    def __str__(self) -> str:
        return f"{self.event_id}/{self.enterprise_id}"
