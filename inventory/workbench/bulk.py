"""Bulk actions of the workbench on a selection of records or on everything a filter selects:
screen into or out of the resource library, set the intent or the prospect, mark inventoried.

Set-based: one read of the affected rows, a handful of UPDATEs (one per distinct outcome, over id
chunks), the history in one COPY, the listing scores in SQL, one audit event. The rules are
those of every other edit: the review state after an edit is `inventory.records.review`'s, the §3
cross-field rules are `inventory.records.formats.cross_field_errors`; rows an action would leave
breaking a rule, and incomplete rows that 标记为已盘点(审核通过) would approve, are refused and counted.

Optimistic locking (inventory.records.locking): every changed row's version goes up by one. Ticked
records come with the versions the list showed (`versions`); those changed since are skipped,
left as they are, and named in the result (`stale`); the others are acted on. A selection by
filter is read when the action runs, so it has no older version to hold to.
"""

from collections.abc import Iterable, Mapping, Sequence

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.audit import record as audit
from accounts.roles import Role, role_of
from inventory.choices import Intent, InventoryStatus, Prospect, ReviewState, Screening
from inventory.library import listing
from inventory.models import InventoryChange, InventoryRecord
from inventory.records import cross_field_errors, history, missing_required, review
from inventory.workbench.query import filtered_patents

# Who runs bulk actions (within editable_by): the page, the API and this service ask this one set.
BULK_ROLES = frozenset({Role.OPERATOR, Role.INSTITUTION})

ACTIONS = {
    "screen_in": gettext_lazy("入库"),
    "screen_out": gettext_lazy("不入库"),
    "set_intent": gettext_lazy("设置转化意愿"),
    "set_prospect": gettext_lazy("设置产业化前景"),
    "mark_inventoried": gettext_lazy("标记为已盘点(审核通过)"),
}
# Ids per UPDATE statement.
CHUNK = 5000
# What is read of each row: the fields the actions set or follow, and those the §3 rules read.
_READ = ("id", "version", "status", "review_state", "in_library", "screening", "intents", "license_type", "disposal",
         "prospect", "return_reason", "is_financially_funded", "funding_project_number", "maturity",
         "implementation_status", "scenarios")
# Read texts that count only by their presence (the rules and the completeness ask no more of them).
_BY_PRESENCE = frozenset({"funding_project_number", "scenarios"})
# The actions that can leave a row breaking a §3 rule, or approve one that does: their rows are checked.
CHECKED = frozenset({"screen_in", "set_intent", "mark_inventoried"})


class BulkError(ValueError):
    """The action or its value is not acceptable (a Chinese message)."""


class BulkResult(int):
    """The number of records changed, carrying how many were selected and how many refused, and
    the application numbers of the ticked records skipped because they changed since (`stale`)."""

    selected: int
    refused: int
    stale: list[str]

    def __new__(cls, changed: int, *, selected: int, refused: int, stale: list[str] | None = None) -> "BulkResult":
        result = super().__new__(cls, changed)
        result.selected = selected
        result.refused = refused
        result.stale = stale or []
        return result

    @property
    def changed(self) -> int:
        return int(self)


def parse_intents(value: object) -> list[str]:
    items = value if isinstance(value, list | tuple) else [v for v in str(value or "").replace(";", ",").split(",")]
    intents = list(dict.fromkeys(str(item).strip() for item in items if str(item).strip()))
    if not intents:
        raise BulkError(_("请选择转化意愿:转让、许可、作价入股、自行实施,或只选 暂无"))
    allowed = set(Intent.values)
    bad = [item for item in intents if item not in allowed]
    if bad:
        raise BulkError(_("转化意愿“%(value)s”无效:可选 转让、许可、作价入股、自行实施,或只选 暂无")
                        % {"value": ",".join(bad) or ""})
    rule = cross_field_errors({"intents": intents}).get("intents")
    if rule:
        raise BulkError(rule)
    return intents


def _field_values(action: str, value: object) -> dict[str, object]:
    """The assessment fields the action sets, the same on every row (value checked)."""
    if action == "screen_in":
        return {"screening": Screening.IN, **({"intents": parse_intents(value)} if value else {})}
    if action == "screen_out":
        return {"screening": Screening.OUT}
    if action == "set_intent":
        return {"intents": parse_intents(value or [])}
    if action == "set_prospect":
        if value not in Prospect.values:
            raise BulkError(_("产业化前景“%(value)s”无效:可选 较好、一般、较差") % {"value": value or ""})
        return {"prospect": value}
    if action == "mark_inventoried":
        return {}
    raise BulkError(_("未知的批量操作“%(action)s”") % {"action": action})


def selection(actor, *, ids: Iterable[int] | None = None, params: Mapping[str, str] | None = None):
    """The records the actor may change among the ids given or the patents the filter selects."""
    if ids is None and params is None:
        raise BulkError(_("请选择专利,或选择“全部符合筛选条件的专利”"))
    records = InventoryRecord.objects.editable_by(actor)
    if ids is not None:
        try:
            ids = [int(pk) for pk in ids]
        except (TypeError, ValueError):
            raise BulkError(_("所选记录编号无效")) from None
        records = records.filter(pk__in=ids)
    if params is not None:
        records = records.filter(patent__in=filtered_patents(actor, params).values("pk"))
    return records


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start:start + CHUNK]


def _outcome(actor, action: str, row: Mapping[str, object], values: Mapping[str, object],
             tracked: Sequence[str]) -> tuple[tuple, dict] | None:
    """What the action does to a row: (update group key, history changes), or None when refused."""
    after = {**row, **values}
    if action in CHECKED and cross_field_errors(after, current_licence=row["license_type"]):
        return None
    complete = not missing_required(after)
    if action == "mark_inventoried" and not complete:
        return None  # approving needs a complete assessment, as submitting does
    state = review.state_after_edit(actor, row["review_state"], complete=complete,
                                    approve=action == "mark_inventoried")
    after["review_state"] = state
    after["in_library"] = review.in_library(state, after["screening"])
    newly_inventoried = state in review.ASSESSED_STATES and row["status"] != InventoryStatus.INVENTORIED
    if newly_inventoried:
        after["status"] = InventoryStatus.INVENTORIED
    changes = history.diff({name: row[name] for name in tracked}, {name: after[name] for name in tracked})
    clears_reason = state != ReviewState.RETURNED and bool(row["return_reason"])
    return (state, after["in_library"], after["status"], newly_inventoried, clears_reason), changes


def _split_stale(rows: list[dict], versions: Mapping[int, int]) -> tuple[list[dict], list[int]]:
    """The rows still at the version the actor saw (or not given one), and the ids of the others."""
    stale = {row["id"] for row in rows if versions.get(row["id"], row["version"]) != row["version"]}
    return [row for row in rows if row["id"] not in stale], sorted(stale)


def check_action(actor, action: str, value: object) -> dict[str, object]:
    """Whether the actor may run the action with this value: the fields it sets, or BulkError."""
    if role_of(actor) not in BULK_ROLES or (action == "mark_inventoried" and not review.may_approve_directly(actor)):
        raise BulkError(_("您没有执行该批量操作的权限"))
    return _field_values(action, value)


def apply_bulk_action(*, actor, action: str, value: object = None, ids: Iterable[int] | None = None,
                      params: Mapping[str, str] | None = None, request=None,
                      record_audit: bool = True, versions: Mapping[int, int] | None = None) -> BulkResult:
    """Apply `action` to the selection within `editable_by(actor)`; returns the number of records
    changed (with `.selected`, `.refused` and `.stale`). Raises BulkError for an unknown action or bad value.
    `versions`: {record id: the version the actor saw}; a record whose version differs now is skipped.
    `record_audit=False` is for a background job that runs the action in chunks and records the
    one audit event itself."""
    values = check_action(actor, action, value)
    tracked = (*values, "status", "in_library", "review_state")
    now = timezone.now()
    with transaction.atomic():
        rows = list(selection(actor, ids=ids, params=params).select_for_update().values(*_READ).order_by("pk"))
        rows, stale_ids = _split_stale(rows, versions or {})
        groups: dict[tuple, list[int]] = {}
        entries = []
        refused = 0
        # Rows alike before the action end alike after it: the outcome is worked out once per
        # distinct state (a handful), not once per row.
        outcomes: dict[tuple, tuple | None] = {}
        for row in rows:
            alike = tuple(tuple(v) if isinstance(v, list) else bool(v) if k in _BY_PRESENCE else v
                          for k, v in row.items() if k not in ("id", "version"))
            if alike not in outcomes:
                outcomes[alike] = _outcome(actor, action, row, values, tracked)
            outcome = outcomes[alike]
            if outcome is None:
                refused += 1
                continue
            key, changes = outcome
            if not changes:
                continue
            groups.setdefault(key, []).append(row["id"])
            entries.append(history.change(record_id=row["id"], changes=changes, actor=actor,
                                          source=InventoryChange.Source.BULK, at=now))
        for (state, in_library, status, newly_inventoried, clears_reason), pks in groups.items():
            update = {**values, "review_state": state, "in_library": in_library, "status": status,
                      "updated_at": now, "updated_by": actor, "version": F("version") + 1}
            if newly_inventoried:
                update["inventoried_at"] = now
            if clears_reason:
                update["return_reason"] = ""
            for chunk in _chunks(pks):
                InventoryRecord.objects.filter(pk__in=chunk).update(**update)
        changed_ids = [entry.record_id for entry in entries]
        history.write_changes(entries)
        for chunk in _chunks(changed_ids):
            listing.refresh_scores(InventoryRecord.objects.filter(pk__in=chunk))
        if record_audit:
            audit("inventory.bulk_action", actor=actor, request=request, organization=actor.organization,
                  action_name=action, value=value if not isinstance(value, tuple) else list(value),
                  filter={k: str(v) for k, v in params.items()} if params is not None else None,
                  selected=len(rows) + len(stale_ids), changed=len(changed_ids), refused=refused,
                  stale=len(stale_ids), record_ids=changed_ids[:100])
    stale = list(InventoryRecord.objects.filter(pk__in=stale_ids).order_by("patent__application_number")
                 .values_list("patent__application_number", flat=True)) if stale_ids else []
    return BulkResult(len(changed_ids), selected=len(rows) + len(stale_ids), refused=refused, stale=stale)
