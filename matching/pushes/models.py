"""Pushes (推送): a patent of the conversion resource library delivered to an enterprise, with the
reasons it matched, and the enterprise's answer."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization, Province
from accounts.roles import Role, role_of
from accounts.scoping import NamedInAuditLog, ScopedQuerySet
from inventory.patents.models import Patent
from matching.choices import DismissReason, PushSource, PushStatus
from matching.needs.models import TechnologyNeed


class PushQuerySet(NamedInAuditLog, ScopedQuerySet):
    """An enterprise sees what was pushed to it; an institution the pushes of its patents (a
    department's staff, of their department's); a province those in its territory (its
    enterprises' or its institutions'); a ministry those of the institutions it supervises."""

    def _visible_to_enterprise(self, user):
        return self.filter(enterprise_id=user.organization_id)

    def _visible_to_institution(self, user):
        own = self.filter(institution_id=user.organization_id)
        if user.department_id:
            own = own.filter(patent__inventory__department_unit_id=user.department_id)
        return own

    def _visible_to_province(self, user):
        province = user.organization.province_id
        return self.filter(Q(enterprise_province_id=province) | Q(institution_province_id=province))

    def _visible_to_ministry(self, user):
        return self.filter(institution__in=Organization.objects.supervised_by(user).values("pk"))

    def _editable_by_enterprise(self, user):
        return self.filter(enterprise_id=user.organization_id)

    def _editable_by_operator(self, user):
        # The operator runs the platform but never answers a push in an enterprise's name.
        return self.none()


class Push(models.Model):
    """One patent pushed to one enterprise, at most once: a patent already pushed to an
    enterprise, or dismissed by it, is never pushed to it again (the unique constraint)."""

    patent = models.ForeignKey(Patent, on_delete=models.CASCADE, related_name="pushes", verbose_name=_("专利"))
    enterprise = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="received_pushes", verbose_name=_("企业")
    )
    # The patent's first institution patentee and both parties' provinces, kept on the push so
    # that the institution's and the province's views read one indexed table, not three joins.
    institution = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="sent_pushes", verbose_name=_("专利权人")
    )
    enterprise_province = models.ForeignKey(
        Province, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("企业所在省份")
    )
    institution_province = models.ForeignKey(
        Province, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("机构所在省份")
    )
    source = models.CharField(_("来源"), max_length=8, choices=PushSource.choices, default=PushSource.CYCLE)
    cycle = models.ForeignKey(
        "matching.MatchCycle", null=True, blank=True, on_delete=models.SET_NULL, related_name="pushes",
        verbose_name=_("匹配批次"),
    )
    need = models.ForeignKey(
        TechnologyNeed, null=True, blank=True, on_delete=models.SET_NULL, related_name="pushes",
        verbose_name=_("对应需求"),
    )
    score = models.FloatField(_("匹配分"), default=0)
    # The reasons as a person reads them: [{"kind": "industry", "text": "行业匹配：…"}, …].
    reasons = models.JSONField(_("推送理由"), default=list, blank=True)
    status = models.CharField(
        _("状态"), max_length=24, choices=PushStatus.choices, default=PushStatus.DELIVERED, db_index=True
    )
    dismiss_reason = models.CharField(_("不感兴趣原因"), max_length=16, choices=DismissReason.choices, blank=True)
    dismiss_note = models.CharField(_("说明"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("推送时间"), default=timezone.now)
    viewed_at = models.DateTimeField(_("查看时间"), null=True, blank=True)
    answered_at = models.DateTimeField(_("响应时间"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    offered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("推荐人"),
    )

    objects = PushQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["enterprise", "patent"], name="unique_push")]
        indexes = [
            models.Index(fields=["enterprise", "-created_at", "-id"], name="push_inbox"),
            models.Index(fields=["institution", "-created_at"], name="push_institution"),
            models.Index(fields=["patent"], name="push_patent"),
            models.Index(fields=["enterprise_province", "created_at"], name="push_enterprise_province"),
            models.Index(fields=["institution_province", "created_at"], name="push_institution_province"),
        ]
        verbose_name = _("推送")
        verbose_name_plural = _("推送")

    def __str__(self) -> str:
        return f"{self.patent_id} → {self.enterprise_id}"


class TallyQuerySet(models.QuerySet):
    """The tally's rows of a territory, by the same rules as the pushes' (PushQuerySet): a province
    the rows of its enterprises' or its institutions' pushes, a ministry those of the institutions
    it supervises, the operator all; any other role none."""

    def in_territory(self, user) -> "TallyQuerySet":
        role = role_of(user)
        if role == Role.OPERATOR:
            return self.all()
        if role == Role.PROVINCE:
            province = user.organization.province_id or ""
            return self.filter(Q(enterprise_province=province) | Q(institution_province=province))
        if role == Role.MINISTRY:
            return self.filter(institution__in=Organization.objects.supervised_by(user).values("pk"))
        return self.none()


class PushTally(models.Model):
    """How many pushes share one bucket: their institution, both parties' provinces ("" for none),
    status, dismissal reason and whether viewed. Kept by delta in the transaction of every write to
    the pushes (matching.pushes.tally); `rebuild_push_tally` recomputes it from the pushes."""

    institution = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    enterprise_province = models.CharField(max_length=6, blank=True)
    institution_province = models.CharField(max_length=6, blank=True)
    status = models.CharField(max_length=24, choices=PushStatus.choices)
    dismiss_reason = models.CharField(max_length=16, blank=True)
    viewed = models.BooleanField()
    n = models.BigIntegerField(default=0)

    objects = TallyQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(
            fields=["institution", "enterprise_province", "institution_province", "status", "dismiss_reason",
                    "viewed"], name="unique_push_tally")]
        indexes = [models.Index(fields=["enterprise_province"], name="push_tally_ent_province"),
                   models.Index(fields=["institution_province"], name="push_tally_inst_province")]

    def __str__(self) -> str:
        return f"{self.institution_id} {self.status}: {self.n}"


class PushSectorTally(models.Model):
    """How many (push, industry of the pushed patent) pairs share one bucket: the institution, both
    provinces, the industry sector (the industry's parent, or the industry itself; "" for a patent
    without industry), status and whether viewed. A push counts once per industry of its patent."""

    institution = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    enterprise_province = models.CharField(max_length=6, blank=True)
    institution_province = models.CharField(max_length=6, blank=True)
    sector = models.CharField(max_length=8, blank=True)
    status = models.CharField(max_length=24, choices=PushStatus.choices)
    viewed = models.BooleanField()
    n = models.BigIntegerField(default=0)

    objects = TallyQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(
            fields=["institution", "enterprise_province", "institution_province", "sector", "status", "viewed"],
            name="unique_push_sector_tally")]
        indexes = [models.Index(fields=["enterprise_province"], name="push_sector_ent_province"),
                   models.Index(fields=["institution_province"], name="push_sector_inst_province")]

    def __str__(self) -> str:
        return f"{self.institution_id} {self.sector}: {self.n}"
