"""The review of assessments (建档 → 二级单位审核 → 学校审核): submit, approve, return.

An assessment, whether an inventor's or a department's, goes draft → submitted → department
reviewed → approved (and into the resource library when screened in), or is returned with a
reason at either level. An institution chooses one or two review levels (`Organization.review_levels`):
with one, or for a record that belongs to no department, institution-level staff approve a
submitted record directly.

Who does what:
- submit: whoever may edit the record (inventors, department members and admins, institution staff);
- approve / return at the department level: a department admin (`is_org_admin` with a department),
  for their department's records;
- approve / return at the institution level: institution-level staff (no department).

Only a complete assessment (every required field of §3 filled, `complete`) is submitted. Edits,
changed upload rows and bulk actions move the state too (`state_after_edit`), but never to
approved: approval is the review action (or the explicit 标记为已盘点(审核通过) of the final
reviewers). What follows from a state (`in_library`, `ASSESSED_STATES`, `apply_review_state`) is
written here once. This module is the one review-state machine: the workbench page, the
per-patent form, the API, bulk actions, uploads and the self-assessment all ask it.

Reviewers act on hundreds of records at once: each action is one UPDATE of the eligible records,
their history rows written in bulk, and one audit event, whatever the number of records.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Case, Exists, F, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import record as audit
from accounts.models import Organization
from accounts.roles import Role, role_of
from inventory.choices import InventoryStatus, ReviewState, Screening
from inventory.models import InventoryChange, InventoryRecord
from inventory.records import history
from inventory.records.formats import REQUIRED_FIELDS

DEPARTMENT = "department"
INSTITUTION = "institution"
RETURN_REASON_MAX = InventoryRecord._meta.get_field("return_reason").max_length
# The states a record waits for a reviewer in; an inventor cannot change it meanwhile.
PENDING_STATES = (ReviewState.SUBMITTED, ReviewState.DEPARTMENT_REVIEWED)
# The states an author may submit from.
SUBMITTABLE_STATES = (ReviewState.DRAFT, ReviewState.RETURNED)
# The states in which the assessment counts as done: the record is inventoried.
ASSESSED_STATES = (ReviewState.SUBMITTED, ReviewState.DEPARTMENT_REVIEWED, ReviewState.APPROVED)


class ReviewError(Exception):
    """The action is refused as a whole (a missing reason, an actor who reviews nothing)."""


@dataclass(frozen=True)
class ReviewResult:
    done: int  # records moved to the new state
    skipped: int  # records asked for that the actor may not move (other state, scope or level, incomplete)
    incomplete: int = 0  # of the skipped, those a submission refused for a blank required field
    stale: int = 0  # of the skipped, those changed since the actor read them (the `versions` given)


def reviewer_level(actor) -> str | None:
    """DEPARTMENT for a department admin, INSTITUTION for institution-level staff, else None."""
    if role_of(actor) != Role.INSTITUTION:
        return None
    if actor.department_id:
        return DEPARTMENT if actor.is_org_admin else None
    return INSTITUTION


def may_approve_directly(actor) -> bool:
    """Whether the actor approves records outright, without the review steps (the workbench's
    标记为已盘点(审核通过)): the platform operator and institution-level staff, the final reviewers."""
    return role_of(actor) == Role.OPERATOR or reviewer_level(actor) == INSTITUTION


def is_inventor(actor) -> bool:
    return role_of(actor) == Role.INVENTOR


def locked_for(actor, state: str) -> bool:
    """Whether the record, in `state`, is closed to the actor's edits: an inventor cannot change a
    record under review."""
    return role_of(actor) == Role.INVENTOR and state in PENDING_STATES


def state_after_edit(actor, state: str, *, complete: bool, approve: bool = False, submit: bool = False) -> str:
    """The review state an edit (in-place, per-patent form, API, bulk action, self-assessment,
    a changed upload row) leaves a record in `state` in; `complete`: the record as edited fills
    every required field of §3 (`formats.missing_required`). An edit never approves: approval is
    the review action (`approve`), or the explicit `approve` of 标记为已盘点(审核通过).

    - institution-level staff (the final reviewers): an incomplete record is a draft (a returned
      one stays returned); a complete one they edit keeps its state when approved or waiting for
      review, and otherwise is submitted (inventoried, waiting in the review queue);
    - a department admin amending a complete record submitted to them leaves it submitted;
    - department staff and inventors edit a draft (a returned record stays returned, its reason
      shown, until resubmitted); with `submit` (保存并提交审核, an upload's changed row) a
      complete record is submitted instead;
    - the platform operator leaves the state as it was.

    `approve`: the edit also approves the record (标记为已盘点), which only those who
    `may_approve_directly` do."""
    if approve:
        if not may_approve_directly(actor):
            raise ValueError("only the final reviewers approve records outright")
        return ReviewState.APPROVED
    role = role_of(actor)
    if role not in (Role.INSTITUTION, Role.INVENTOR):
        return state
    draft = ReviewState.RETURNED if state == ReviewState.RETURNED else ReviewState.DRAFT
    if not complete:
        return draft
    level = reviewer_level(actor)
    if level == INSTITUTION:
        return state if state in (ReviewState.APPROVED, *PENDING_STATES) else ReviewState.SUBMITTED
    if level == DEPARTMENT and state == ReviewState.SUBMITTED:
        return ReviewState.SUBMITTED
    return ReviewState.SUBMITTED if submit else draft


def complete() -> Q:
    """The records whose assessment fills every required field of §3 (`formats.REQUIRED_FIELDS`),
    as a filter: only these may be submitted."""
    condition = Q()
    for name in REQUIRED_FIELDS:
        if InventoryRecord._meta.get_field(name).null:
            condition &= Q(**{f"{name}__isnull": False})
        else:
            condition &= ~Q(**{name: ""})
    return condition


def state_after_approval(level: str) -> str:
    """审核通过 at a level: the department passes records on to the institution, the institution approves."""
    return ReviewState.DEPARTMENT_REVIEWED if level == DEPARTMENT else ReviewState.APPROVED


def in_library(state: str, screening: str) -> bool:
    """A record is in the conversion resource library when approved and screened in."""
    return state == ReviewState.APPROVED and screening == Screening.IN


def apply_review_state(record: InventoryRecord, state: str, now: datetime | None = None) -> None:
    """Set the state on the record and what follows from it: in the library only when approved and
    screened in; inventoried once the assessment is submitted or approved; the return reason kept
    only while returned."""
    now = now or timezone.now()
    record.review_state = state
    record.in_library = in_library(state, record.screening)
    if state in ASSESSED_STATES and record.status != InventoryStatus.INVENTORIED:
        record.status = InventoryStatus.INVENTORIED
        record.inventoried_at = now
    if state != ReviewState.RETURNED:
        record.return_reason = ""


def _two_level_department() -> Q:
    """Records that go through their department first: two-level institution, a department set."""
    return Q(institution__review_levels=2, department_unit__isnull=False)


def approvable(actor) -> QuerySet:
    """The records the actor may approve now."""
    editable = InventoryRecord.objects.editable_by(actor)
    level = reviewer_level(actor)
    if level == DEPARTMENT:
        return editable.filter(_two_level_department(), review_state=ReviewState.SUBMITTED)
    if level == INSTITUTION:
        return editable.filter(
            Q(review_state=ReviewState.DEPARTMENT_REVIEWED)
            | (Q(review_state=ReviewState.SUBMITTED) & ~_two_level_department())
        )
    return editable.none()


def returnable(actor) -> QuerySet:
    """The records the actor may return: what they may approve; institution-level staff, the
    final reviewers, may also return a record still waiting for its department."""
    level = reviewer_level(actor)
    if level == INSTITUTION:
        return InventoryRecord.objects.editable_by(actor).filter(review_state__in=PENDING_STATES)
    return approvable(actor)


def submittable(actor) -> QuerySet:
    return InventoryRecord.objects.editable_by(actor).filter(review_state__in=SUBMITTABLE_STATES)


def review_queue(actor, *, state: str = "", department_id: int | None = None) -> QuerySet:
    """What the reviewer's queue lists: by default the records waiting for them; with `state`,
    the records of that state in their scope (a reviewer checks what they returned or approved)."""
    if state:
        records = InventoryRecord.objects.editable_by(actor).filter(review_state=state)
    else:
        records = returnable(actor) if reviewer_level(actor) == INSTITUTION else approvable(actor)
    if department_id:
        records = records.filter(department_unit_id=department_id)
    return records


def review_scope(actor) -> QuerySet:
    """The records the actor's review pages may show, one by one: whatever the queue lists under
    any state filter (the records the actor may edit)."""
    return InventoryRecord.objects.editable_by(actor)


def actions_on(actor, record_id: int) -> frozenset[str]:
    """What the actor may do to the record now: "approve", "return" (the reviewers), "submit" (a
    complete draft or returned record, its authors). One query."""
    rules = {"submit": submittable(actor).filter(complete())}
    if reviewer_level(actor) is not None:
        rules |= {"approve": approvable(actor), "return": returnable(actor)}
    checks = {name: Exists(rule.filter(pk=OuterRef("pk"))) for name, rule in rules.items()}
    row = InventoryRecord.objects.filter(pk=record_id).values(**checks).first()
    return frozenset(name for name, allowed in (row or {}).items() if allowed)


def _ids(records) -> QuerySet | list[int]:
    if isinstance(records, QuerySet):
        return records.values("pk")
    return [int(pk) for pk in records]


def _requested(records) -> int:
    return records.count() if isinstance(records, QuerySet) else len(set(records))


def _transition(*, actor, eligible: QuerySet, records, state: str, event: str, reason: str = "",
                source: str, request=None, versions: Mapping[int, int] | None = None) -> ReviewResult:
    """Move the eligible records among `records` to `state`: one UPDATE, the history in bulk, one audit
    event (its action `event`). `versions`: {record id: the version the reviewer read}; a record
    changed since is left as it is and counted in `stale` (inventory.records.locking)."""
    requested = _requested(records)
    now = timezone.now()
    versions = versions or {}
    with transaction.atomic():
        rows = list(
            # Lock the records only, not the institution row the level rule joins.
            eligible.filter(pk__in=_ids(records)).select_for_update(of=("self",))
            .values_list("pk", "review_state", "status", "in_library", "screening", "return_reason", "version")
        )
        fresh = [row[:-1] for row in rows if versions.get(row[0], row[-1]) == row[-1]]
        stale = len(rows) - len(fresh)
        rows = fresh
        ids = [row[0] for row in rows]
        if not ids:
            return ReviewResult(0, requested, stale=stale)
        screened_in_library = in_library(state, Screening.IN)
        assessed = state in ASSESSED_STATES
        InventoryRecord.objects.filter(pk__in=ids).update(
            review_state=state,
            return_reason=reason,
            # As apply_review_state, in SQL.
            in_library=Case(When(screening=Screening.IN, then=Value(screened_in_library)), default=Value(False)),
            status=Value(InventoryStatus.INVENTORIED) if assessed else F("status"),
            inventoried_at=Case(When(status=InventoryStatus.PENDING, then=Value(now)), default=F("inventoried_at"))
            if assessed else F("inventoried_at"),
            updated_at=now,
            updated_by=actor,
            version=F("version") + 1,
        )
        entries = []
        for pk, old_state, old_status, old_library, screening, old_reason in rows:
            after = {
                "review_state": state,
                "status": InventoryStatus.INVENTORIED if assessed else old_status,
                "in_library": in_library(state, screening),
                "return_reason": reason,
            }
            before = {"review_state": old_state, "status": old_status, "in_library": old_library,
                      "return_reason": old_reason}
            entries.append(history.change(record_id=pk, changes=history.diff(before, after), actor=actor,
                                          source=source, at=now))
        history.write_changes(entries)
        audit(event, actor=actor, request=request,
              organization=getattr(actor, "organization", None),
              after={"review_state": state, "count": len(ids)}, records=ids[:1000], reason=reason)
    return ReviewResult(len(ids), requested - len(ids), stale=stale)


def submit(actor, records: QuerySet | Iterable[int], *, source: str = InventoryChange.Source.WEB,
           request=None, versions: Mapping[int, int] | None = None) -> ReviewResult:
    """The authors' 提交审核: drafts and returned records go to review, when complete (every
    required field of §3 filled: `complete`); the incomplete ones are skipped and counted."""
    result = _transition(actor=actor, eligible=submittable(actor).filter(complete()), records=records,
                         state=ReviewState.SUBMITTED, event="inventory.review_submit", source=source, request=request,
                         versions=versions)
    if not result.skipped:
        return result
    incomplete = submittable(actor).filter(pk__in=_ids(records)).exclude(complete()).count()
    return ReviewResult(result.done, result.skipped, incomplete, result.stale)


def approve(actor, records: QuerySet | Iterable[int], *, source: str = InventoryChange.Source.WEB,
            request=None, versions: Mapping[int, int] | None = None) -> ReviewResult:
    """审核通过 at the actor's level: a department admin passes records on to the institution
    (department reviewed); institution-level staff approve them (into the library when screened in)."""
    level = reviewer_level(actor)
    if level is None:
        raise ReviewError(_("只有二级单位管理员和学校(院所)管理人员可以审核"))
    return _transition(actor=actor, eligible=approvable(actor), records=records, state=state_after_approval(level),
                       event="inventory.review_approve", source=source, request=request, versions=versions)


def return_(actor, records: QuerySet | Iterable[int], reason: str, *,
            source: str = InventoryChange.Source.WEB, request=None,
            versions: Mapping[int, int] | None = None) -> ReviewResult:
    """退回修改 with a reason the author is shown, at either level."""
    if reviewer_level(actor) is None:
        raise ReviewError(_("只有二级单位管理员和学校(院所)管理人员可以审核"))
    reason = " ".join(str(reason or "").split())
    if not reason:
        raise ReviewError(_("请填写退回原因"))
    if len(reason) > RETURN_REASON_MAX:
        raise ReviewError(_("退回原因过长:最多 %(limit)d 个字") % {"limit": RETURN_REASON_MAX})
    return _transition(actor=actor, eligible=returnable(actor), records=records, state=ReviewState.RETURNED,
                       reason=reason, event="inventory.review_return", source=source, request=request,
                       versions=versions)


def can_set_review_levels(actor) -> bool:
    return (role_of(actor) == Role.INSTITUTION
            and Organization.objects.editable_by(actor).filter(pk=actor.organization_id).exists())


@transaction.atomic
def set_review_levels(actor, levels: int, *, request=None) -> bool:
    """The institution-level admin chooses one or two review levels. False when unchanged."""
    if levels not in (1, 2):
        raise ReviewError(_("审核层级须为 1 或 2"))
    try:
        org = Organization.objects.editable_by(actor).select_for_update().get(
            pk=actor.organization_id, kind=Organization.Kind.INSTITUTION)
    except Organization.DoesNotExist:
        raise ReviewError(_("只有学校(院所)管理员可以设置审核层级")) from None
    if org.review_levels == levels:
        return False
    before = org.review_levels
    org.review_levels = levels
    org.save(update_fields=["review_levels"])
    audit("organization.review_levels", actor=actor, request=request, target=org, organization=org,
          before={"review_levels": before}, after={"review_levels": levels})
    return True
