"""Profile suggestions: the IPC subclasses and industries an enterprise keeps answering with
interest, offered for its profile.

    refresh_suggestions(enterprise_ids)        # a few queries for any number of enterprises
    accept_suggestion(user, suggestion)        # added to the profile, audited
    ignore_suggestion(user, suggestion)        # never offered again

A value is suggested when at least MATCHING_SUGGESTION_MIN_ANSWERS of the enterprise's pushes it
answered with interest (有意向, 申请评价; 已查看 too with `include_viewed`) carry it (the patent's
main IPC subclass, or one of its industries) and the profile does not hold it yet. A suggestion
keeps its status: one ignored or accepted is only given its new count.
"""

from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count
from django.db.models.functions import Substr
from django.utils import timezone

from accounts.audit import record as audit
from inventory.classification.models import PatentIndustry
from matching.choices import PushStatus
from matching.needs.models import EnterpriseProfile, ProfileSuggestion
from matching.pushes.models import Push

ANSWERS = (PushStatus.INTERESTED, PushStatus.EVALUATION_REQUESTED)


def min_answers() -> int:
    return getattr(settings, "MATCHING_SUGGESTION_MIN_ANSWERS", 3)


def _covered(profile: EnterpriseProfile | None, kind: str, value: str) -> bool:
    """Whether the profile already holds the value (an IPC prefix covering the subclass counts)."""
    if profile is None:
        return False
    if kind == ProfileSuggestion.Kind.IPC:
        return any(value.startswith(prefix.split(" ")[0]) for prefix in profile.ipc_prefixes)
    return value in profile.industry_codes


def refresh_suggestions(enterprise_ids: Iterable[int], *, include_viewed: bool = False) -> int:
    """Count, for each enterprise, the IPC subclasses and industries of the pushes it answered with
    interest, and upsert a suggestion for each recurring one not in its profile (three queries and
    one upsert in all). Returns how many suggestions were written."""
    ids = list(dict.fromkeys(enterprise_ids))
    if not ids:
        return 0
    statuses = [*ANSWERS, *([PushStatus.VIEWED] if include_viewed else [])]
    answered = Push.objects.filter(enterprise_id__in=ids, status__in=statuses)
    least = min_answers()
    ipc = (answered.exclude(patent__main_ipc="").annotate(value=Substr("patent__main_ipc", 1, 4))
           .order_by().values("enterprise_id", "value").annotate(n=Count("id")).filter(n__gte=least))
    industries = (PatentIndustry.objects.filter(patent__pushes__enterprise_id__in=ids,
                                                patent__pushes__status__in=statuses).order_by()
                  .values("patent__pushes__enterprise_id", "industry_id").annotate(n=Count("id"))
                  .filter(n__gte=least))
    found = [(row["enterprise_id"], ProfileSuggestion.Kind.IPC, row["value"], row["n"]) for row in ipc]
    found += [(row["patent__pushes__enterprise_id"], ProfileSuggestion.Kind.INDUSTRY, row["industry_id"], row["n"])
              for row in industries]
    profiles = {p.enterprise_id: p for p in EnterpriseProfile.objects.filter(enterprise_id__in=ids)}
    now = timezone.now()
    rows = [ProfileSuggestion(enterprise_id=enterprise, kind=kind, value=value, evidence=n, created_at=now)
            for enterprise, kind, value, n in found if not _covered(profiles.get(enterprise), kind, value)]
    ProfileSuggestion.objects.bulk_create(rows, batch_size=1000, update_conflicts=True,
                                          unique_fields=["enterprise", "kind", "value"], update_fields=["evidence"])
    return len(rows)


def pending_suggestions(user, profile: EnterpriseProfile) -> list[ProfileSuggestion]:
    """The enterprise's pending suggestions that its profile does not hold yet."""
    pending = (ProfileSuggestion.objects.visible_to(user).filter(enterprise_id=profile.enterprise_id,
                                                                 status=ProfileSuggestion.Status.PENDING)
               .order_by("kind", "-evidence", "value"))
    return [s for s in pending if not _covered(profile if profile.pk else None, s.kind, s.value)]


def _decide(user, suggestion: ProfileSuggestion, status: str, request) -> ProfileSuggestion:
    with transaction.atomic():
        suggestion = (ProfileSuggestion.objects.editable_by(user).select_for_update()
                      .filter(pk=suggestion.pk, status=ProfileSuggestion.Status.PENDING).first())
        if suggestion is None or not user.is_org_admin:
            raise PermissionDenied
        suggestion.status = status
        suggestion.save(update_fields=["status"])
        detail = {"kind": suggestion.kind, "value": suggestion.value}
        if status == ProfileSuggestion.Status.ACCEPTED:
            profile, _created = EnterpriseProfile.objects.select_for_update().get_or_create(
                enterprise_id=suggestion.enterprise_id)
            field = "ipc_prefixes" if suggestion.kind == ProfileSuggestion.Kind.IPC else "industry_codes"
            before = list(getattr(profile, field))
            if suggestion.value not in before:
                setattr(profile, field, [*before, suggestion.value])
                profile.updated_at = timezone.now()
                profile.save(update_fields=[field, "updated_at"])
            audit("matching.suggestion_accept", actor=user, request=request, target=profile,
                  organization=user.organization, before={field: before}, after={field: getattr(profile, field)},
                  **detail)
        else:
            audit("matching.suggestion_ignore", actor=user, request=request, target=suggestion,
                  organization=user.organization, **detail)
    return suggestion


def accept_suggestion(user, suggestion: ProfileSuggestion, *, request=None) -> ProfileSuggestion:
    """Add the suggested value to the enterprise's profile (its admin only); audit event."""
    return _decide(user, suggestion, ProfileSuggestion.Status.ACCEPTED, request)


def ignore_suggestion(user, suggestion: ProfileSuggestion, *, request=None) -> ProfileSuggestion:
    """Never offer the value again (its admin only); audit event."""
    return _decide(user, suggestion, ProfileSuggestion.Status.IGNORED, request)
