"""The indicator system's rules: reading the current tree, and publishing a new version.

The platform never rewrites a version in use: it publishes a copy of the current one with edited
names, weights and guidance (`publish_version`), which becomes current; every evaluation keeps the
version it was scored with (Evaluation.system). Weights are kept with three decimals, so equal
weights of seven indicators (0.143 each) sum to 1.001: a sum within WEIGHT_TOLERANCE of 1 is
accepted, and the computation (evaluation.assessments.services.compute) divides by the sum.
"""

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max, Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import record as audit
from accounts.roles import Role, role_of
from evaluation.indicators.models import Dimension, Indicator, IndicatorSystem

WEIGHT_TOLERANCE = Decimal("0.005")
NAME_MAX = 50
GUIDANCE_MAX = 2000
NOTE_MAX = 500


class IndicatorError(Exception):
    """A new version refused: {field: Chinese message}; nothing was written."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = dict(errors)


def with_tree(systems):
    """The systems with their dimensions and indicators (three queries whatever their number)."""
    return systems.prefetch_related(Prefetch("dimensions", queryset=Dimension.objects.prefetch_related(
        Prefetch("indicators", queryset=Indicator.objects.order_by("position", "pk"))).order_by("position", "pk")))


def current_system() -> IndicatorSystem | None:
    """The current version with its tree, or None before any is shipped."""
    return with_tree(IndicatorSystem.objects.filter(is_current=True)).first()


def may_publish(user) -> bool:
    return role_of(user) == Role.OPERATOR


def tree_values(system: IndicatorSystem) -> dict[str, Any]:
    """A version as the values `publish_version` takes (the starting point of the next one)."""
    return {
        "name": system.name, "scenario": system.scenario, "note": "",
        "dimensions": [{
            "code": d.code, "name": d.name, "weight": d.weight,
            "indicators": [{"code": i.code, "name": i.name, "weight": i.weight, "guidance": i.guidance}
                           for i in d.indicators.all()],
        } for d in system.dimensions.all()],
    }


def _weight(value: object, key: str, label: str, errors: dict[str, str]) -> Decimal | None:
    try:
        weight = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        errors[key] = _("“%(label)s”的权重“%(value)s”不是数字") % {"label": label, "value": str(value)[:20]}
        return None
    if not weight.is_finite() or weight < 0 or weight > 1:
        errors[key] = _("“%(label)s”的权重应在 0 到 1 之间") % {"label": label}
        return None
    if weight != weight.quantize(Decimal("0.001")):
        errors[key] = _("“%(label)s”的权重最多保留三位小数") % {"label": label}
        return None
    return weight


def _name(value: object, key: str, errors: dict[str, str]) -> str:
    name = str(value or "").strip()
    if not name:
        errors[key] = _("请填写名称")
    elif len(name) > NAME_MAX:
        errors[key] = _("名称最多 %(n)d 个字") % {"n": NAME_MAX}
    return name


def _sum_error(total: Decimal, what: str) -> str:
    return _("%(what)s的权重之和应为 1(允许四舍五入产生的 ±0.005 误差),当前为 %(total)s") % {
        "what": what, "total": f"{total:.3f}"}


def tree_errors(values: Mapping[str, Any], base: IndicatorSystem) -> dict[str, str]:
    """Every problem of a new version's values, {field: Chinese message}. The tree's shape (its
    dimension and indicator codes) is the base version's: a new version edits, it does not add."""
    errors: dict[str, str] = {}
    _name(values.get("name"), "name", errors)
    if not str(values.get("scenario") or "").strip():
        errors["scenario"] = _("请填写评价场景")
    if len(str(values.get("note") or "")) > NOTE_MAX:
        errors["note"] = _("修订说明最多 %(n)d 个字") % {"n": NOTE_MAX}
    given = {d.get("code"): d for d in values.get("dimensions") or []}
    dimension_total = Decimal(0)
    for dimension in base.dimensions.all():
        entry = given.get(dimension.code)
        if entry is None:
            errors[f"dimension_{dimension.code}"] = _("缺少维度“%(name)s”") % {"name": dimension.name}
            continue
        _name(entry.get("name"), f"dimension_{dimension.code}_name", errors)
        weight = _weight(entry.get("weight"), f"dimension_{dimension.code}_weight", dimension.name, errors)
        dimension_total += weight or 0
        indicators = {i.get("code"): i for i in entry.get("indicators") or []}
        indicator_total, complete = Decimal(0), True
        for indicator in dimension.indicators.all():
            item = indicators.get(indicator.code)
            key = f"indicator_{dimension.code}_{indicator.code}"
            if item is None:
                errors[key] = _("缺少指标“%(name)s”") % {"name": indicator.name}
                complete = False
                continue
            _name(item.get("name"), f"{key}_name", errors)
            if len(str(item.get("guidance") or "")) > GUIDANCE_MAX:
                errors[f"{key}_guidance"] = _("评分指引最多 %(n)d 个字") % {"n": GUIDANCE_MAX}
            weight = _weight(item.get("weight"), f"{key}_weight", indicator.name, errors)
            complete = complete and weight is not None
            indicator_total += weight or 0
        if complete and abs(indicator_total - 1) > WEIGHT_TOLERANCE:
            errors[f"dimension_{dimension.code}_indicators"] = _sum_error(
                indicator_total, _("维度“%(name)s”内各指标") % {"name": dimension.name})
    if not any(key.endswith("_weight") and key.startswith("dimension_") for key in errors) and \
            abs(dimension_total - 1) > WEIGHT_TOLERANCE:
        errors["dimensions"] = _sum_error(dimension_total, _("各维度"))
    return errors


def publish_version(actor, values: Mapping[str, Any], *, request=None) -> IndicatorSystem:
    """Publish a copy of the current version with the edited names, weights and guidance of
    `values` (the shape of `tree_values`); it becomes current. The platform only; audit event."""
    if not may_publish(actor):
        raise PermissionDenied
    with transaction.atomic():
        base = with_tree(IndicatorSystem.objects.select_for_update().filter(is_current=True)).first()
        if base is None:
            raise IndicatorError({"name": _("尚无当前指标体系,无法发布新版本")})
        errors = tree_errors(values, base)
        if errors:
            raise IndicatorError(errors)
        version = (IndicatorSystem.objects.aggregate(top=Max("version"))["top"] or 0) + 1
        IndicatorSystem.objects.filter(pk=base.pk).update(is_current=False)
        system = IndicatorSystem.objects.create(
            version=version, name=str(values["name"]).strip(), scenario=str(values["scenario"]).strip(),
            note=str(values.get("note") or "").strip(), is_current=True, created_by=actor, created_at=timezone.now())
        given = {d["code"]: d for d in values["dimensions"]}
        for dimension in base.dimensions.all():
            entry = given[dimension.code]
            copy = Dimension.objects.create(system=system, code=dimension.code, name=str(entry["name"]).strip(),
                                            weight=Decimal(str(entry["weight"]).strip()), position=dimension.position)
            items = {i["code"]: i for i in entry["indicators"]}
            Indicator.objects.bulk_create([
                Indicator(dimension=copy, code=i.code, name=str(items[i.code]["name"]).strip(),
                          guidance=str(items[i.code].get("guidance") or "").strip(),
                          weight=Decimal(str(items[i.code]["weight"]).strip()), position=i.position)
                for i in dimension.indicators.all()])
        audit("indicator.publish", actor=actor, request=request, target=system,
              before={"version": base.version}, after={"version": system.version})
    return system
