"""The enterprise's answers to its pushes, and the reads behind the inbox and the response pages.

An answer (dismiss, interest, evaluation request) is one conditional UPDATE … WHERE status NOT IN
the answered states, with its audit event in the same transaction: of two concurrent answers to
one push exactly one wins, the other is refused with PushError and writes nothing. Every member of
the enterprise may answer (not only its admin): answering a push is the enterprise's technology
work, done by whoever reads the inbox; managing accounts stays with the admin. Pushes are looked up
through `Push.objects.editable_by(user)`, so another enterprise's push is "not found".
"""

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, F, Max, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.audit import record as audit
from accounts.roles import Role, role_of
from inventory.library import card
from inventory.models import InventoryRecord, Patent
from matching.choices import ANSWERED, DismissReason, PushStatus
from matching.needs.suggestions import refresh_suggestions
from matching.pushes import notices, tally
from matching.pushes.models import Push, PushSectorTally, PushTally

MAX_NOTE_CHARS = 500
ANONYMOUS_ENTERPRISE = gettext_lazy("某企业")


class PushError(Exception):
    """An answer refused: `message` says why, in Chinese; nothing was written."""

    def __init__(self, message: str, *, conflict: bool = False) -> None:
        super().__init__(message)
        self.message = message
        # The push's state forbids the answer (already answered, left the library), as opposed to bad input.
        self.conflict = conflict


def editable_push(user, pk: int) -> Push:
    """The push `pk` if `user` may answer it; Http404 otherwise (another enterprise's push, or none)."""
    push = Push.objects.editable_by(user).filter(pk=pk).select_related("patent").first()
    if push is None:
        raise Http404
    return push


def mark_viewed(user, push: Push) -> bool:
    """Note that the enterprise opened the push: its first viewing time, and VIEWED if it was
    DELIVERED (an answered push keeps its answer). Only the enterprise's own users mark it; True
    when something changed."""
    if role_of(user) != Role.ENTERPRISE or push.enterprise_id != user.organization_id:
        return False
    now = timezone.now()
    with transaction.atomic():
        before = _locked_state(push.pk)
        changed = Push.objects.filter(pk=push.pk, viewed_at__isnull=True).update(viewed_at=now)
        changed += Push.objects.filter(pk=push.pk, status=PushStatus.DELIVERED).update(status=PushStatus.VIEWED)
        if changed and before is not None:
            push.refresh_from_db(fields=["status", "viewed_at"])
            tally.move(push.pk, before, {"status": push.status, "dismiss_reason": push.dismiss_reason,
                                         "viewed_at": push.viewed_at})
    return bool(changed)


def _locked_state(pk: int) -> dict | None:
    """The push's bucket in the tally, read under its row lock (the transaction's until it ends)."""
    return Push.objects.select_for_update().filter(pk=pk).values("status", "dismiss_reason", "viewed_at").first()


def _in_library(push: Push) -> bool:
    return InventoryRecord.objects.filter(patent_id=push.patent_id, in_library=True).exists()


def _answer(user, push: Push, status: str, **fields) -> tuple[Push, dict, dict]:
    """Write one answer if the push has none yet (a conditional UPDATE); PushError otherwise. Runs
    inside the caller's transaction, which writes the audit event: (push, before, after)."""
    now = timezone.now()
    before = {"status": push.status}
    state = _locked_state(push.pk)
    won = state is not None and state["status"] not in ANSWERED and (
        Push.objects.filter(pk=push.pk).exclude(status__in=list(ANSWERED))
        .update(status=status, answered_at=now, answered_by=user, viewed_at=Coalesce(F("viewed_at"), now), **fields))
    if not won:
        raise PushError(_("该推送已经响应过,不能重复响应"), conflict=True)
    push.refresh_from_db()
    tally.move(push.pk, state, {"status": push.status, "dismiss_reason": push.dismiss_reason,
                                "viewed_at": push.viewed_at})
    return push, before, {"status": status, **fields}


def dismiss(user, push: Push, reason: str, note: str = "", *, request=None) -> Push:
    """不感兴趣, with a coded reason (DismissReason); the reason OTHER needs a note."""
    note = (note or "").strip()
    if reason not in DismissReason.values:
        raise PushError(_("请选择不感兴趣的原因"))
    if reason == DismissReason.OTHER and not note:
        raise PushError(_("选择“其他”时请填写说明"))
    if len(note) > MAX_NOTE_CHARS:
        raise PushError(_("说明不能超过 %(n)d 字") % {"n": MAX_NOTE_CHARS})
    push = editable_push(user, push.pk)
    with transaction.atomic():
        push, before, after = _answer(user, push, PushStatus.DISMISSED, dismiss_reason=reason, dismiss_note=note)
        audit("push.dismiss", actor=user, request=request, target=push, organization=user.organization,
              before=before, after=after)
    return push


def express_interest(user, push: Push, *, request=None) -> Push:
    """有意向: the institution is to hear of it; the enterprise's contact is shared with it only where
    the enterprise's profile allows direct contact (`enterprise_contact`). Refused for a patent that
    has left the conversion resource library."""
    push = editable_push(user, push.pk)
    if not _in_library(push):
        raise PushError(_("该专利已退出专利转化资源库,不能再表达意向"), conflict=True)
    with transaction.atomic():
        push, before, after = _answer(user, push, PushStatus.INTERESTED)
        audit("push.interest", actor=user, request=request, target=push, organization=user.organization,
              before=before, after=after)
        notices.interest_expressed(push)
        refresh_suggestions([push.enterprise_id])
    return push


def request_evaluation(user, push: Push, *, request=None) -> Push:
    """申请评价: the evaluation stage picks the push up by its status. Refused, like interest, for a
    patent that has left the library."""
    push = editable_push(user, push.pk)
    if not _in_library(push):
        raise PushError(_("该专利已退出专利转化资源库,不能再申请评价"), conflict=True)
    with transaction.atomic():
        push, before, after = _answer(user, push, PushStatus.EVALUATION_REQUESTED)
        audit("push.request_evaluation", actor=user, request=request, target=push, organization=user.organization,
              before=before, after=after)
        notices.evaluation_requested(push)
        refresh_suggestions([push.enterprise_id])
    return push


# The inbox ---------------------------------------------------------------------------------

INBOX_PAGE_SIZE = 10


@dataclass(frozen=True)
class InboxFilters:
    status: str = ""
    unread: bool = False
    # Keyset position: the (created_at, id) of the last push of the previous page.
    after: tuple[dt.datetime, int] | None = None


def parse_inbox_filters(data) -> InboxFilters:
    """The inbox's query parameters; an unknown status or a malformed position is ignored."""
    status = (data.get("status") or "").strip()
    if status not in PushStatus.values:
        status = ""
    after = None
    raw = (data.get("after") or "").strip()
    if raw:
        stamp, _sep, pk = raw.rpartition("_")
        try:
            after = (dt.datetime.fromisoformat(stamp), int(pk))
        except ValueError:
            after = None
        if after is not None and (timezone.is_naive(after[0]) or not 0 < after[1] < 10**18):
            after = None
    return InboxFilters(status=status, unread=data.get("unread") in ("1", "true", "on"), after=after)


def cursor_of(push: Push) -> str:
    return f"{push.created_at.isoformat()}_{push.pk}"


def inbox(user, filters: InboxFilters) -> QuerySet[Push]:
    """The user's pushes, newest first, filtered; read off the index push_inbox (enterprise, -created_at, -id)."""
    pushes = Push.objects.visible_to(user)
    if filters.status:
        pushes = pushes.filter(status=filters.status)
    if filters.unread:
        pushes = pushes.filter(viewed_at__isnull=True)
    if filters.after:
        stamp, pk = filters.after
        pushes = pushes.filter(Q(created_at__lt=stamp) | Q(created_at=stamp, pk__lt=pk))
    return pushes.order_by("-created_at", "-pk")


def inbox_page(user, filters: InboxFilters, size: int = INBOX_PAGE_SIZE) -> tuple[list[Push], str]:
    """One page of the inbox and the cursor of the next page ("" on the last page)."""
    rows = list(inbox(user, filters).select_related("patent", "institution")[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return rows, (cursor_of(rows[-1]) if more and rows else "")


def library_records(user, pushes: list[Push]) -> dict[int, InventoryRecord]:
    """The library entries of the pushed patents that are still in the library, by patent id, with
    what their cards show (one query, and one for their industries)."""
    ids = [push.patent_id for push in pushes]
    records = (InventoryRecord.objects.visible_to(user, "library").filter(patent_id__in=ids)
               .select_related("patent", "institution", "institution__province")
               .prefetch_related("patent__industry_links__industry"))
    return {record.patent_id: record for record in records}


def library_card(user, record: InventoryRecord):
    """The library's card of an entry as the enterprise reads it (inventory.library's `card`; an
    enterprise never owns the patent)."""
    return card(user, record, own=False)


def status_counts(pushes: QuerySet[Push]) -> dict[str, int]:
    """Counts by status and the unread count, in one aggregate."""
    aggregates = {status: Count("pk", filter=Q(status=status)) for status in PushStatus.values}
    return pushes.order_by().aggregate(total=Count("pk"), unread=Count("pk", filter=Q(viewed_at__isnull=True)),
                                       **aggregates)


# What institutions and provinces see --------------------------------------------------------

RESPONSE_COUNTS = {
    "pushes": Count("pk"),
    "views": Count("pk", filter=Q(viewed_at__isnull=False)),
    "interests": Count("pk", filter=Q(status=PushStatus.INTERESTED)),
    "evaluations": Count("pk", filter=Q(status=PushStatus.EVALUATION_REQUESTED)),
    "dismissals": Count("pk", filter=Q(status=PushStatus.DISMISSED)),
}


def patent_responses(user) -> QuerySet:
    """Per pushed patent in the user's scope: its pushes, views, interests, evaluation requests and
    dismissals, most recently pushed first: one grouped query per page."""
    patent = Patent.objects.filter(pk=OuterRef("patent_id"))
    # The title and number are read per row of the page only: PostgreSQL evaluates these subqueries
    # after the sort and limit, instead of joining every pushed patent before grouping.
    return (Push.objects.visible_to(user).order_by().values("patent_id")
            .annotate(last_push=Max("created_at"), **RESPONSE_COUNTS).order_by("-last_push", "-patent_id")
            .annotate(patent__title=Subquery(patent.values("title")[:1]),
                      patent__application_number=Subquery(patent.values("application_number")[:1])))


def discloses_enterprise(user, push: Push) -> bool:
    """Whether `user` may read the enterprise's name on `push`: the enterprise itself and the
    platform operator always; the patent's institution only where the enterprise's profile allows
    direct contact (`push.contact_allowed`, annotated by `with_disclosure`); nobody else."""
    role = role_of(user)
    if role == Role.OPERATOR or (role == Role.ENTERPRISE and push.enterprise_id == user.organization_id):
        return True
    return role == Role.INSTITUTION and bool(getattr(push, "contact_allowed", False))


def with_disclosure(pushes: QuerySet[Push]) -> QuerySet[Push]:
    """The pushes with `contact_allowed`: whether the enterprise's profile allows direct contact."""
    return pushes.annotate(contact_allowed=Coalesce(F("enterprise__matching_profile__allow_direct_contact"), False))


@dataclass(frozen=True)
class Contact:
    name: str
    phone: str
    email: str


def enterprise_contact(user, push: Push) -> Contact | None:
    """The enterprise's contact as shown to `user` for an interested push: the organisation's
    contact, or else the person who answered; None where the enterprise's name is not disclosed to
    `user` or the enterprise has not expressed interest."""
    if push.status != PushStatus.INTERESTED or not discloses_enterprise(user, push):
        return None
    org, person = push.enterprise, push.answered_by
    if org.contact_name or org.contact_phone or org.contact_email:
        return Contact(org.contact_name, org.contact_phone, org.contact_email)
    if person is None:
        return None
    return Contact(person.full_name, person.phone, person.email)


def enterprise_label(user, push: Push) -> str:
    return push.enterprise.name if discloses_enterprise(user, push) else str(ANONYMOUS_ENTERPRISE)


def responses_of_patent(user, patent_id: int) -> QuerySet[Push]:
    """The pushes of one patent in the user's scope, with what the disclosure rule reads."""
    return (with_disclosure(Push.objects.visible_to(user).filter(patent_id=patent_id))
            .select_related("enterprise", "answered_by").order_by("-created_at", "-pk"))


TOP_INSTITUTIONS = 50


def territory_breakdown(user) -> dict[str, list[dict]]:
    """The pushes in the user's scope (a province's territory, a ministry's institutions, the
    operator's nation): totals, and counts by industry sector, by institution (the 50 with most
    pushes) and by dismissal reason; two grouped sums over the pushes' tally (PushTally,
    PushSectorTally), a few thousand rows for a province."""
    groups = (PushTally.objects.in_territory(user).order_by()
              .values("institution_id", "institution__name", "status", "dismiss_reason")
              .annotate(pushes=Coalesce(Sum("n"), 0), views=Coalesce(Sum("n", filter=Q(viewed=True)), 0)))
    keys = {PushStatus.INTERESTED: "interests", PushStatus.EVALUATION_REQUESTED: "evaluations",
            PushStatus.DISMISSED: "dismissals"}
    empty = dict.fromkeys(RESPONSE_COUNTS, 0)
    totals, institutions, reasons = dict(empty), {}, {}
    for row in groups:
        if not row["pushes"]:
            continue
        institution = institutions.setdefault(row["institution_id"], {
            "institution_id": row["institution_id"], "institution__name": row["institution__name"], **empty})
        for counts in (totals, institution):
            counts["pushes"] += row["pushes"]
            counts["views"] += row["views"]
            if row["status"] in keys:
                counts[keys[row["status"]]] += row["pushes"]
        if row["status"] == PushStatus.DISMISSED:
            reasons[row["dismiss_reason"]] = reasons.get(row["dismiss_reason"], 0) + row["pushes"]
    sector_sums = {
        "pushes": Sum("n"), "views": Sum("n", filter=Q(viewed=True)),
        "interests": Sum("n", filter=Q(status=PushStatus.INTERESTED)),
        "evaluations": Sum("n", filter=Q(status=PushStatus.EVALUATION_REQUESTED)),
        "dismissals": Sum("n", filter=Q(status=PushStatus.DISMISSED)),
    }
    sectors = [
        {**row, "sector": row["sector"] or None, **{key: row[key] or 0 for key in sector_sums}}
        for row in PushSectorTally.objects.in_territory(user).order_by().values("sector")
        .annotate(**sector_sums).order_by("-pushes", "sector") if row["pushes"]]
    top = sorted(institutions.values(), key=lambda r: (-r["pushes"], r["institution_id"]))[:TOP_INSTITUTIONS]
    return {"totals": totals, "sectors": sectors, "institutions": top,
            "reasons": [{"dismiss_reason": reason, "n": n} for reason, n in
                        sorted(reasons.items(), key=lambda item: (-item[1], item[0]))]}
