"""The institution's answers to the evaluations of its patents (精准对接): plan an improvement,
propose joint development (the enterprise is notified), or contact the enterprise where it agreed."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.scoping import NamedInAuditLog, ScopedQuerySet
from evaluation.assessments.models import Evaluation
from evaluation.choices import FeedbackAction
from inventory.models import ImportBatch

# The kind of the evaluation-feedback sheet's import batches (inventory.ImportBatch rows, read
# through EvaluationsBatch).
EVALUATIONS_BATCH_KIND = ImportBatch.Kind.EVALUATIONS


class FeedbackAnswerQuerySet(NamedInAuditLog, ScopedQuerySet):
    """Who sees the evaluation sees the answers to it; the institution owning the patent writes them."""

    def _through_evaluation(self, user):
        return self.filter(evaluation__in=Evaluation.objects.visible_to(user).values("pk"))

    _visible_to_institution = _visible_to_enterprise = _visible_to_expert = _through_evaluation
    _visible_to_province = _visible_to_ministry = _through_evaluation

    def _editable_by_institution(self, user):
        return self._through_evaluation(user)

    def _editable_by_operator(self, user):
        return self.none()


class FeedbackAnswer(models.Model):
    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="answers")
    action = models.CharField(_("答复"), max_length=16, choices=FeedbackAction.choices)
    note = models.TextField(_("说明"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(_("答复时间"), default=timezone.now)

    objects = FeedbackAnswerQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("机构答复")
        verbose_name_plural = _("机构答复")

    def __str__(self) -> str:
        return self.get_action_display()


class EvaluationsBatchQuerySet(NamedInAuditLog, ScopedQuerySet):
    """The evaluation-feedback sheet's uploads: an enterprise's and a province's own organisation's
    uploads; the uploader or its organisation's admin commits or cancels; the operator reads them all."""

    def _visible_to_enterprise(self, user):
        return self.filter(organization_id=user.organization_id)

    _visible_to_province = _visible_to_enterprise

    def _editable_by_enterprise(self, user):
        own = self.filter(organization_id=user.organization_id)
        return own if user.is_org_admin else own.filter(created_by=user)

    _editable_by_province = _editable_by_enterprise

    def _editable_by_operator(self, user):
        return self.none()


class EvaluationsBatchManager(models.Manager.from_queryset(EvaluationsBatchQuerySet)):
    def get_queryset(self) -> EvaluationsBatchQuerySet:
        return super().get_queryset().filter(kind=EVALUATIONS_BATCH_KIND)


class EvaluationsBatch(ImportBatch):
    """An upload of the evaluation-feedback sheet (评价反馈): an ImportBatch of kind "evaluations",
    with its own scope."""

    objects = EvaluationsBatchManager()

    class Meta:
        proxy = True
        verbose_name = _("评价反馈上传")
        verbose_name_plural = _("评价反馈上传")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.original_name}"
