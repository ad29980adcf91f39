"""Assessment values and change history as people read them: Chinese labels, choice names,
是/否, the readiness level's name, — for empty; and the groups the assessment fields are shown
in (the per-patent page, its edit forms and the review queue's panel)."""

from collections.abc import Iterable, Mapping

from django.db.models import Field
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.roles import Role, role_of
from inventory.choices import TECHNOLOGY_READINESS, Disposal, Intent, ReviewState
from inventory.models import Industry, InventoryChange, InventoryRecord, TechnologyField
from inventory.patents import shown_value

EMPTY = "—"
HISTORY_LIMIT = 200
# group -> (heading, fields): the order the assessment is shown in.
GROUPS: dict[str, tuple[str | Promise, tuple[str, ...]]] = {
    "conversion": (gettext_lazy("入库与转化意愿"),
                   ("screening", "intents", "license_type", "asking_price", "disposal")),
    "assessment": (gettext_lazy("技术与市场评估"),
                   ("implementation_status", "maturity", "prospect", "value_grade", "scenarios")),
    "funding": (gettext_lazy("财政资助"), ("is_financially_funded", "funding_project_number")),
    "contact": (gettext_lazy("负责人与联系方式"), ("department", "responsible_person", "contact_name", "contact_phone",
                                            "contact_email", "remarks")),
}
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


def value_text(name: str, value: object, references: Mapping[str, Mapping] | None = None) -> str:
    """The value as people read it; `references`: the names of the codes a list field holds
    (`reference_names`)."""
    if value is None or value == "" or value == []:
        return EMPTY
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if name == "maturity":
        level = int(value)
        return f"{level} {TECHNOLOGY_READINESS.get(level, '')}".strip()
    if name in _CHOICES_OF_LISTS or isinstance(value, list):
        names = _CHOICES_OF_LISTS.get(name) or (references or {}).get(name, {})
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


def reference_names(changes: Iterable[Mapping[str, object]]) -> dict[str, dict]:
    """The names of the industries (所属产业) and technology fields (技术领域) the changes
    {field: [old, new]} name, as `value_text` takes them: one query for each kind named, none
    when no change names one."""
    codes: dict[str, set] = {"industry_codes": set(), "field_numbers": set()}
    for change in changes:
        for name, found in codes.items():
            for value in change.get(name) or ():
                found.update(value if isinstance(value, list) else ())
    references: dict[str, dict] = {}
    if codes["industry_codes"]:
        industries = Industry.objects.filter(code__in=[str(code) for code in codes["industry_codes"]])
        references["industry_codes"] = {code: f"{code} {name}" for code, name in industries.values_list("code", "name")}
    if codes["field_numbers"]:
        numbers = [number for number in codes["field_numbers"] if isinstance(number, int)]
        fields = TechnologyField.objects.filter(number__in=numbers).values_list("number", "name")
        references["field_numbers"] = {number: f"{number} {name}" for number, name in fields}
    return references


def change_items(changes: Mapping[str, object], *, contacts: bool = True,
                 references: Mapping[str, Mapping] | None = None) -> list[dict]:
    """{field: [old, new]} as people read it: [{"name", "label", "old", "new"}], in the order given;
    personal data masked unless `contacts`; `references` as `value_text` takes them."""
    return [{"name": name, "label": label(name),
             "old": value_text(name, shown_value(name, pair[0], contacts=contacts), references),
             "new": value_text(name, shown_value(name, pair[1], contacts=contacts), references)}
            for name, pair in changes.items() if isinstance(pair, list | tuple) and len(pair) == 2]


def history_items(record: InventoryRecord, viewer) -> list[dict]:
    entries = (InventoryChange.objects.filter(record=record)
               .select_related("changed_by__organization").order_by("-changed_at", "-id")[:HISTORY_LIMIT])
    sources = dict(InventoryChange.Source.choices)
    return [{
        "at": entry.changed_at,
        "who": _actor_text(entry, viewer),
        "source": sources.get(entry.source, entry.source),
        "changes": change_items(entry.changes or {}),
    } for entry in entries]
