"""Assessment values and change history as people read them: Chinese labels, choice names,
是/否, the readiness level's name, — for empty."""

from django.db.models import Field
from django.utils.translation import gettext as _

from accounts.roles import Role, role_of
from inventory.choices import TECHNOLOGY_READINESS, Disposal, Intent, ReviewState
from inventory.models import InventoryChange, InventoryRecord
from inventory.patents import shown_value

EMPTY = "—"
HISTORY_LIMIT = 200
_CHOICES_OF_LISTS = {"intents": dict(Intent.choices)}
# Fields stored as plain text whose values are nonetheless enumerations.
_EXTRA_CHOICES = {"disposal": dict(Disposal.choices), "review_state": dict(ReviewState.choices)}


def _model_field(name: str) -> Field | None:
    try:
        return InventoryRecord._meta.get_field(name)
    except Exception:  # a field named in an older history entry may no longer exist
        return None


def label(name: str) -> str:
    field = _model_field(name)
    return str(field.verbose_name) if field is not None else name


def value_text(name: str, value: object) -> str:
    if value is None or value == "" or value == []:
        return EMPTY
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if name == "maturity":
        level = int(value)
        return f"{level} {TECHNOLOGY_READINESS.get(level, '')}".strip()
    if name in _CHOICES_OF_LISTS or isinstance(value, list):
        names = _CHOICES_OF_LISTS.get(name, {})
        return "、".join(str(names.get(item, item)) for item in value)
    choices = _EXTRA_CHOICES.get(name)
    if choices is None:
        field = _model_field(name)
        choices = dict(field.choices) if field is not None and field.choices else None
    if choices:
        return str(choices.get(value, value))
    return str(value)


def group_items(record: InventoryRecord, names, *, contacts: bool = True) -> list[dict]:
    """The fields `names` of the record as shown; personal data masked unless `contacts`."""
    return [{"name": name, "label": label(name),
             "value": value_text(name, shown_value(name, getattr(record, name), contacts=contacts))}
            for name in names]


def _actor_text(entry: InventoryChange, viewer) -> str:
    """The person who made the change, for the staff of the same institution; others (inventors,
    supervisors, co-owners) see the organisation only: personal data goes to those who need it."""
    actor = entry.changed_by
    if actor is None:
        return _("系统")
    colleague = role_of(viewer) == Role.INSTITUTION and actor.organization_id == viewer.organization_id
    if colleague:
        return actor.get_full_name() or actor.get_username()
    if role_of(actor) not in (Role.INSTITUTION, Role.INVENTOR):
        return _("平台")
    return actor.organization.name if actor.organization_id else EMPTY


def history_items(record: InventoryRecord, viewer) -> list[dict]:
    entries = (InventoryChange.objects.filter(record=record)
               .select_related("changed_by__organization").order_by("-changed_at", "-id")[:HISTORY_LIMIT])
    sources = dict(InventoryChange.Source.choices)
    return [{
        "at": entry.changed_at,
        "who": _actor_text(entry, viewer),
        "source": sources.get(entry.source, entry.source),
        "changes": [{"label": label(name), "old": value_text(name, pair[0]), "new": value_text(name, pair[1])}
                    for name, pair in (entry.changes or {}).items()
                    if isinstance(pair, list | tuple) and len(pair) == 2],
    } for entry in entries]
