"""An audit event as a person reads it, for the audit log's page and its export alike.

Each row names who acted (name and username), the action (accounts.audit_labels), the object
(accounts.audit_objects, named for the viewer in a few queries per kind for the whole page) and what
changed, field by field (the field's Chinese name, the old and the new value), then the event's
other details. Everything shown is read from the event as accounts.audit.payload kept it: a value
it withheld or masked stays withheld or masked here.
"""

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import IO, Any

from django.apps import apps as django_apps
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.db import models
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from accounts.audit import WITHHELD
from accounts.audit_labels import ACTIONS, CATEGORIES, KEYS, action_label, category_of, choice_label
from accounts.audit_objects import VALUES, ObjectName, model_of, name_objects, person, register_values
from accounts.models import AuditEvent
from ground.sheets.report import HEADER_FILL, printable, text_cell

# A list longer than this shows its first items and how many there are.
LIST_SHOWN = 10
_MISSING = object()

register_values("action", {
    **ACTIONS, **{f"{namespace}.*": lazy(choice_label, str)(f"{namespace}.*") for namespace in CATEGORIES},
})


@dataclass(frozen=True)
class Change:
    """One field of a before / after: its name, its old and its new value (as text)."""

    field: str
    old: str
    new: str


@dataclass(frozen=True)
class AuditRow:
    event: AuditEvent
    actor: str
    action: str
    category: str
    object: ObjectName | None
    changes: list[Change]
    # The fields that changed whose values the event does not keep (business data).
    withheld: list[str]
    details: list[tuple[str, str]]

    def withheld_text(self) -> str:
        return withheld_text(self.withheld) if self.withheld else ""

    def changes_text(self) -> str:
        """The changes as lines of "字段:旧值 → 新值", then the fields changed whose values are withheld."""
        lines = [f"{c.field}:{c.old} → {c.new}" for c in self.changes]
        if self.withheld:
            lines.append(self.withheld_text())
        return "\n".join(lines)

    def details_text(self) -> str:
        return "\n".join(f"{label}:{value}" for label, value in self.details)


def _field(model: type[models.Model] | None, key: str) -> models.Field | None:
    if model is None:
        return None
    try:
        field = model._meta.get_field(key)
    except FieldDoesNotExist:
        return None
    return field if isinstance(field, models.Field) else None


def key_label(key: str, model: type[models.Model] | None = None) -> str:
    """A payload key by its Chinese name: the object's field, else accounts.audit_labels.KEYS, else
    a model's name when the key is a model's label ("inventory.inventoryrecord", as the access
    events count the objects they read)."""
    field = _field(model, key)
    if field is not None:
        return str(field.verbose_name)
    label = KEYS.get(key)
    if label is not None:
        return str(label)
    named = _model_named(key)
    return str(named._meta.verbose_name) if named is not None else key


def _model_named(label: str) -> type[models.Model] | None:
    if label.count(".") != 1:
        return None
    try:
        return django_apps.get_model(label)
    except (LookupError, ValueError):
        return None


def _choices(key: str, model: type[models.Model] | None) -> Mapping[str, Any] | None:
    field = _field(model, key)
    if field is not None and field.choices:
        return dict(field.flatchoices)
    return VALUES.get(key)


def value_text(key: str, value: Any, model: type[models.Model] | None = None) -> str:
    """A payload value as text: yes / no, a state by its name, a list joined, "—" for nothing."""
    if value is _MISSING or value is None or value in ("", [], {}):
        return "—"
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, list | tuple):
        shown = "、".join(value_text(key, item, model) for item in value[:LIST_SHOWN])
        more = len(value) - LIST_SHOWN
        return shown + (_(" 等共 %(n)d 项") % {"n": len(value)} if more > 0 else "")
    if isinstance(value, dict):
        filled = [(k, v) for k, v in value.items() if v not in (None, "", [], {})]
        return ";".join(f"{key_label(k, model)}:{value_text(k, v, model)}" for k, v in filled) or "—"
    if value == WITHHELD:
        return WITHHELD
    choices = _choices(key, model)
    if choices and isinstance(value, str | int) and value in choices:
        return str(choices[value])
    return str(value)


def withheld_text(fields: Sequence[str]) -> str:
    return _("已变更(值属业务数据,不记入审计日志):%(fields)s") % {"fields": "、".join(fields)}


def _as_dict(value: Any) -> dict:
    if value is None:
        return {}
    return value if isinstance(value, dict) else {_("内容"): value}


def changes(event: AuditEvent) -> tuple[list[Change], list[str]]:
    """The fields of the event's before / after that changed, in the order the event lists them:
    those whose values it keeps, as changes (old → new), and the names of those whose values it
    withheld (a business object's: only that they changed is known)."""
    model = model_of(event.target_type)
    before, after = _as_dict(event.before), _as_dict(event.after)
    found, withheld = [], []
    for key in [*before, *(k for k in after if k not in before)]:
        old, new = before.get(key, _MISSING), after.get(key, _MISSING)
        if WITHHELD in (old, new) and all(v is _MISSING or v is None or v == WITHHELD for v in (old, new)):
            withheld.append(key_label(key, model))
        elif old != new:
            found.append(Change(key_label(key, model), value_text(key, old, model), value_text(key, new, model)))
    return found, withheld


def details(event: AuditEvent) -> list[tuple[str, str]]:
    model = model_of(event.target_type)
    return [(key_label(key, model), value_text(key, value, model)) for key, value in _as_dict(event.detail).items()]


def _account(event: AuditEvent):
    try:
        return event.actor
    except ObjectDoesNotExist:  # the account has been deleted; the event keeps its id
        return None


def actor_name(event: AuditEvent) -> str:
    """Who acted: the name and username kept on the event (the account's when the event kept no
    name), marked when the account has since been deleted; the name typed at a failed sign-in;
    "—" for the platform itself."""
    account = _account(event) if event.actor_id is not None else None
    full_name = event.actor_name or (account.full_name if account is not None else "")
    username = event.actor_username or (account.username if account is not None else "")
    if not username:
        return f"#{event.actor_id}" if event.actor_id is not None else "—"
    name = person(full_name, username)
    if event.actor_id is not None and account is None:
        return _("%(name)s（账号已删除）") % {"name": name}
    return name


def audit_rows(viewer, events: Sequence[AuditEvent]) -> list[AuditRow]:
    """The events (read with their actor and organisation) as rows, their objects named for
    `viewer` in a few queries per kind of object, however many events."""
    names = name_objects(viewer, ((e.target_type, e.target_id) for e in events))
    rows = []
    for event in events:
        found, withheld = changes(event)
        rows.append(AuditRow(
            event=event,
            actor=actor_name(event),
            action=action_label(event.action),
            category=str(CATEGORIES.get(category_of(event.action), "")),
            object=names.get((event.target_type, event.target_id)) if event.target_type else None,
            changes=found,
            withheld=withheld,
            details=details(event),
        ))
    return rows


# --- the export ------------------------------------------------------------------------------------

SHEET_HEADERS = (
    (_lazy("编号"), 9), (_lazy("时间"), 20), (_lazy("操作人"), 24), (_lazy("IP"), 16), (_lazy("机构"), 26),
    (_lazy("类别"), 12), (_lazy("操作"), 20), (_lazy("对象"), 36), (_lazy("变更内容"), 48), (_lazy("详情"), 40),
)
# Events named per query round: flat memory, one query per kind of object per chunk.
CHUNK = 1000


def _chunks(events: Iterable[AuditEvent]) -> Iterator[list[AuditEvent]]:
    iterator = iter(events)
    while chunk := list(islice(iterator, CHUNK)):
        yield chunk


def _cell(sheet, value: object, *, header: bool = False) -> WriteOnlyCell:
    """A cell of text kept as text (never a formula), control characters (which a sheet cannot
    hold: a name typed at a failed sign-in may carry them) replaced."""
    cell = text_cell(sheet, printable(value))
    cell.alignment = Alignment(wrap_text=True, vertical="top")
    if header:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
    return cell


def write_sheet(target: IO[bytes], *, viewer, events: Iterable[AuditEvent], about: Sequence[tuple[str, str]]) -> int:
    """Write the events as an .xlsx to `target`: the log (Chinese headers, one row per event, its
    object named and its changes as text), then a sheet describing the export (`about`: who, when,
    which filters). Returns the number of events written."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("审计日志"))
    for index, (_header, width) in enumerate(SHEET_HEADERS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    sheet.append([_cell(sheet, str(header), header=True) for header, _width in SHEET_HEADERS])
    count = 0
    for chunk in _chunks(events):
        for row in audit_rows(viewer, chunk):
            event = row.event
            sheet.append([_cell(sheet, value) for value in (
                event.pk, timezone.localtime(event.at).strftime("%Y-%m-%d %H:%M:%S"), row.actor, event.ip or "",
                event.organization.name if event.organization else "", row.category, row.action,
                row.object.text if row.object else "", row.changes_text(), row.details_text(),
            )])
        count += len(chunk)
    notes = workbook.create_sheet(_("导出说明"))
    notes.column_dimensions["A"].width = 16
    notes.column_dimensions["B"].width = 80
    for label, value in [*about, (_("记录数"), str(count)), (_("说明"), _(
            "业务数据(专利、金额、联系人等)不记入审计日志:只记变更了哪些字段,或以“%(withheld)s”表示;"
            "手机号和邮箱已脱敏。")
            % {"withheld": WITHHELD})]:
        notes.append([_cell(notes, label, header=True), _cell(notes, value)])
    workbook.save(target)
    return count
