"""The objects audit events are about, named as a person names them.

An event keeps its object as a reference (`target_type`, the model's label, and `target_id`). Each
app registers how the objects of its models are named for a viewer (`register_target`): an
account by its name and username, an organisation by its name, an upload by its file, a patent by
its application number and title. A kind names the ids asked all at once (a few queries, however
many ids): only the objects the viewer sees (`visible_to(user)`, linked to their pages) and those
the audit log names for it (`visible_to(user, "audit")`, accounts.scoping.NamedInAuditLog); the
rest keep a reference name (the kind and the number), so the audit administrator, who sees no
business data (三员分立), reads which record changed but not which patent it is.

`register_values` names the values of a payload key (a state, a role) for events whose object has
no field of that name.
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils.translation import gettext as _

from accounts.models import Department, Organization, User
from ground.privacy import mask_text


@dataclass(frozen=True)
class ObjectName:
    """An event's object as the page and the export show it."""

    text: str
    # Its page, when the viewer may open it.
    url: str = ""
    # Why only a reference is shown (an object since deleted, business data withheld).
    note: str = ""


@dataclass(frozen=True)
class TargetKind:
    """How the objects of one model are named: the values read (`fields`, after the pk), the name
    made of them (`text`) and, for an object the viewer sees, its page (`page`, "" for none)."""

    model: type[models.Model]
    fields: tuple[str, ...]
    text: Callable[..., str]
    page: Callable[..., str] | None = None

    @property
    def named_for_audit(self) -> bool:
        """Whether the audit log names every object of the kind for its reader (the model's "audit"
        purpose): an object left unnamed then has been deleted."""
        return "audit" in type(self.model._default_manager.all()).purposes

    def names(self, viewer, ids: Iterable[str]) -> dict[str, ObjectName]:
        """The names of the objects among `ids` the viewer may name: those the audit log names for it
        and those it sees (linked to their pages)."""
        pks = numeric_ids(ids)
        manager = self.model._default_manager
        seen = set(manager.visible_to(viewer).filter(pk__in=pks).values_list("pk", flat=True))
        rows: dict[int, tuple] = {}
        if self.named_for_audit:
            rows.update((row[0], row[1:]) for row in
                        manager.visible_to(viewer, "audit").filter(pk__in=pks).values_list("pk", *self.fields))
        if missing := seen - rows.keys():
            rows.update((row[0], row[1:]) for row in
                        manager.visible_to(viewer).filter(pk__in=missing).values_list("pk", *self.fields))
        return {
            str(pk): ObjectName(self.text(*row), self.page(pk, *row) if self.page and pk in seen else "")
            for pk, row in rows.items()
        }


TARGETS: dict[str, TargetKind] = {}
VALUES: dict[str, Mapping[str, Any]] = {}


def register_target(model: type[models.Model], fields: tuple[str, ...], text: Callable[..., str],
                    page: Callable[..., str] | None = None) -> None:
    """Name the objects of `model` by `text(*values of fields)`, linked to `page(pk, *values)`."""
    TARGETS[model._meta.label_lower] = TargetKind(model, fields, text, page)


def register_values(key: str, labels: Iterable[tuple[str, Any]] | Mapping[str, Any]) -> None:
    """The names of the values of payload key `key` (choices, or a mapping)."""
    VALUES[key] = dict(labels.items() if isinstance(labels, Mapping) else labels)


def model_of(target_type: str) -> type[models.Model] | None:
    kind = TARGETS.get(target_type)
    return kind.model if kind is not None else None


def numeric_ids(ids: Iterable[str]) -> list[int]:
    """The ids that can be primary keys (an event keeps them as text)."""
    return sorted({int(pk) for pk in ids if pk.isascii() and pk.isdigit() and int(pk) < 2**63})


def person(full_name: str, username: str) -> str:
    """How the log names a person: "张三(zhangsan)", or the username alone."""
    if full_name and full_name != username:
        return mask_text(f"{full_name}({username})")
    return mask_text(username)


def _reference(kind: TargetKind | None, target_type: str, target_id: str) -> ObjectName:
    label = kind.model._meta.verbose_name if kind is not None else target_type
    text = _("%(kind)s(编号 %(id)s)") % {"kind": label, "id": target_id}
    if kind is None:
        return ObjectName(text)
    note = _("已删除") if kind.named_for_audit else _("业务数据不在审计日志中显示")
    return ObjectName(text, note=note)


def name_objects(viewer, references: Iterable[tuple[str, str]]) -> dict[tuple[str, str], ObjectName]:
    """(target_type, target_id) → its name, for every reference given: one query per kind."""
    wanted: dict[str, set[str]] = {}
    for target_type, target_id in references:
        if target_type:
            wanted.setdefault(target_type, set()).add(target_id)
    found: dict[tuple[str, str], ObjectName] = {}
    for target_type, ids in wanted.items():
        kind = TARGETS.get(target_type)
        named = kind.names(viewer, ids) if kind is not None else {}
        for target_id in ids:
            name = named.get(target_id)
            if name is None:
                name = _reference(kind, target_type, target_id)
            found[(target_type, target_id)] = ObjectName(mask_text(name.text), name.url, name.note)
    return found


# --- the accounts app's objects ----------------------------------------------------------------------

register_target(User, ("username", "full_name"), lambda username, full_name: person(full_name, username))
register_target(Organization, ("name",), str)
register_target(Department, ("name", "organization__name"), lambda name, organization: _(
    "%(department)s(%(organization)s)") % {"department": name, "organization": organization})
register_values("platform_role", User.PlatformRole.choices)
register_values("kind", Organization.Kind.choices)
register_values("institution_type", Organization.InstitutionType.choices)
