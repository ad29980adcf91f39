"""Inventor self-assessment (发明人自评): staff invite an inventor to assess named patents."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from accounts.scoping import ScopedQuerySet

from .core import Patent


class InvitationQuerySet(ScopedQuerySet):
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
