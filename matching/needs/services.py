"""The rules of enterprise profiles and technology needs: what a value may be, who may change
what, and the changes themselves, each with its audit event in the same transaction.

    update_profile(actor, enterprise, values)          # the enterprise's admin
    need = create_need(actor, enterprise, values)      # the enterprise, or its province's office
    update_need(actor, need, values); set_need_status(actor, need, TechnologyNeed.Status.CLOSED)

Values are checked by `profile_errors` / `need_errors` ({field: Chinese message}), used alike by
the forms, the API and the needs sheet; a service refuses (ProfileError / NeedError) and writes
nothing when any check fails.
"""

import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import record as audit
from accounts.models import Organization, Province
from accounts.roles import Role, role_of
from inventory.classification.models import Industry
from inventory.patents import normalize_ipc_prefix
from matching.choices import BudgetBand, CooperationMode
from matching.needs.models import EnterpriseProfile, TechnologyNeed

DESCRIPTION_MIN = 20
KEYWORDS_MAX = 20
KEYWORD_MAX_LENGTH = 32
LIST_MAX = 30
# IPC at any depth: section; class; subclass; main group; group/subgroup (the stored form of
# inventory.patents.identifiers.normalize_ipc_prefix: "G06F 16/30").
IPC_PREFIX = re.compile(r"^[A-H](\d{2}([A-Z]( \d{1,4}(/\d{1,6})?)?)?)?$")
_PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(-\d{1,6})?)$")
PROFILE_FIELDS = ("industry_codes", "ipc_prefixes", "province_codes", "modes", "budget_band", "allow_direct_contact")
NEED_FIELDS = ("title", "description", "keywords", "industry_codes", "ipc_prefixes", "modes", "budget", "deadline",
               "contact_name", "contact_phone", "allow_direct_contact")


class ProfileError(Exception):
    """A profile change refused: {field: Chinese message}; nothing was written."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = dict(errors)


class NeedError(ProfileError):
    """A need change refused: {field: Chinese message}; nothing was written."""


# --- single values ---------------------------------------------------------------------------------

def ipc_prefix(value: object) -> str:
    """The stored form of an IPC prefix at any depth (`h01m10/05` → `H01M 10/05`); ValueError with
    a Chinese message for anything that is not one."""
    text = str(value or "").strip()
    normalized = normalize_ipc_prefix(text)
    if not IPC_PREFIX.match(normalized):
        raise ValueError(_("“%(value)s”不是 IPC 分类号或其前缀,应写作如 H01M、G06F 16 或 G06F 16/30")
                         % {"value": text[:40]})
    return normalized


def ipc_prefixes(values: Iterable[object]) -> list[str]:
    """Each value as an IPC prefix, in order, without repeats; ValueError at the first bad one."""
    return list(dict.fromkeys(ipc_prefix(value) for value in values if str(value or "").strip()))


def unknown_industries(codes: Iterable[str]) -> list[str]:
    codes = list(dict.fromkeys(codes))
    known = set(Industry.objects.filter(code__in=codes).values_list("code", flat=True))
    return [code for code in codes if code not in known]


def unknown_provinces(codes: Iterable[str]) -> list[str]:
    codes = list(dict.fromkeys(codes))
    known = set(Province.objects.filter(code__in=codes).values_list("code", flat=True))
    return [code for code in codes if code not in known]


def _list_errors(values: Mapping[str, Any], errors: dict[str, str]) -> None:
    """The list fields common to profiles and needs: industries, IPC prefixes, modes."""
    for name in ("industry_codes", "ipc_prefixes", "modes"):
        if len(values.get(name) or []) > LIST_MAX:
            errors[name] = _("最多 %(n)d 项") % {"n": LIST_MAX}
    if "industry_codes" not in errors:
        unknown = unknown_industries(values.get("industry_codes") or [])
        if unknown:
            errors["industry_codes"] = _("“%(codes)s”不是战略性新兴产业分类代码(如 1.5、4.1)") % {
                "codes": "、".join(unknown[:5])}
    if "ipc_prefixes" not in errors:
        try:
            ipc_prefixes(values.get("ipc_prefixes") or [])
        except ValueError as error:
            errors["ipc_prefixes"] = str(error)
    if "modes" not in errors:
        bad = [mode for mode in values.get("modes") or [] if mode not in CooperationMode.values]
        if bad:
            errors["modes"] = _("“%(value)s”不是可选的合作方式") % {"value": "、".join(map(str, bad[:5]))}


# --- profiles --------------------------------------------------------------------------------------

def profile_errors(values: Mapping[str, Any]) -> dict[str, str]:
    errors: dict[str, str] = {}
    _list_errors(values, errors)
    if len(values.get("province_codes") or []) > LIST_MAX:
        errors["province_codes"] = _("最多 %(n)d 项") % {"n": LIST_MAX}
    else:
        unknown = unknown_provinces(values.get("province_codes") or [])
        if unknown:
            errors["province_codes"] = _("“%(codes)s”不是省级行政区划代码") % {"codes": "、".join(unknown[:5])}
    if (values.get("budget_band") or "") not in BudgetBand.values:
        errors["budget_band"] = _("不是可选的预算区间")
    return errors


def profile_of(enterprise: Organization) -> EnterpriseProfile:
    """The enterprise's profile, created empty on first use (not saved until it changes)."""
    profile = EnterpriseProfile.objects.filter(enterprise=enterprise).first()
    return profile or EnterpriseProfile(enterprise=enterprise)


def may_edit_profile(actor, enterprise: Organization) -> bool:
    """The enterprise's own admin (the queryset's rule, which a profile not yet saved cannot ask)."""
    return (role_of(actor) == Role.ENTERPRISE and actor.is_org_admin and actor.organization_id == enterprise.pk)


def _clean_profile(values: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "industry_codes": list(dict.fromkeys(values.get("industry_codes") or [])),
        "ipc_prefixes": ipc_prefixes(values.get("ipc_prefixes") or []),
        "province_codes": list(dict.fromkeys(values.get("province_codes") or [])),
        "modes": [mode for mode in CooperationMode.values if mode in (values.get("modes") or [])],
        "budget_band": values.get("budget_band") or "",
        "allow_direct_contact": bool(values.get("allow_direct_contact")),
    }


def _profile_snapshot(profile: EnterpriseProfile) -> dict[str, Any]:
    return {name: getattr(profile, name) for name in PROFILE_FIELDS}


def update_profile(actor, enterprise: Organization, values: Mapping[str, Any], *, request=None) -> EnterpriseProfile:
    """Set the enterprise's profile (every field of PROFILE_FIELDS); audit event with what changed."""
    if not may_edit_profile(actor, enterprise):
        raise PermissionDenied
    errors = profile_errors(values)
    if errors:
        raise ProfileError(errors)
    cleaned = _clean_profile(values)
    with transaction.atomic():
        profile, _created = EnterpriseProfile.objects.select_for_update().get_or_create(enterprise=enterprise)
        before = _profile_snapshot(profile)
        changed = {name for name, value in cleaned.items() if before[name] != value}
        if not changed:
            return profile
        for name in changed:
            setattr(profile, name, cleaned[name])
        profile.updated_at = timezone.now()
        profile.save()
        audit("matching.profile_update", actor=actor, request=request, target=profile, organization=enterprise,
              before={k: before[k] for k in sorted(changed)}, after={k: cleaned[k] for k in sorted(changed)})
    return profile


# --- needs -----------------------------------------------------------------------------------------

def enterprises_for(actor):
    """The enterprises the actor may create needs for: its own enterprise; a province's office the
    active enterprises of its province."""
    role = role_of(actor)
    enterprises = Organization.objects.filter(kind=Organization.Kind.ENTERPRISE, status=Organization.Status.ACTIVE)
    if role == Role.ENTERPRISE:
        return enterprises.filter(pk=actor.organization_id)
    if role == Role.PROVINCE:
        return enterprises.filter(province_id=actor.organization.province_id)
    return enterprises.none()


def clean_keywords(values: Iterable[object]) -> list[str]:
    return list(dict.fromkeys(str(v).strip() for v in values if str(v or "").strip()))


def _text_errors(values: Mapping[str, Any], errors: dict[str, str]) -> None:
    """Title, description and keywords."""
    title = (values.get("title") or "").strip()
    if not title:
        errors["title"] = _("请填写需求名称")
    elif len(title) > 200:
        errors["title"] = _("需求名称最多 200 个字符")
    description = (values.get("description") or "").strip()
    if len(description) < DESCRIPTION_MIN:
        errors["description"] = _("需求描述至少 %(min)d 个字(实为 %(n)d 个),请说明要解决的技术问题和应用场景") % {
            "min": DESCRIPTION_MIN, "n": len(description)}
    elif len(description) > 5000:
        errors["description"] = _("需求描述最多 5000 个字")
    keywords = clean_keywords(values.get("keywords") or [])
    if len(keywords) > KEYWORDS_MAX:
        errors["keywords"] = _("关键词最多 %(n)d 个") % {"n": KEYWORDS_MAX}
    elif any(len(k) > KEYWORD_MAX_LENGTH for k in keywords):
        errors["keywords"] = _("每个关键词最多 %(n)d 个字") % {"n": KEYWORD_MAX_LENGTH}


def _budget_error(budget: object) -> str:
    if budget is None or budget == "":
        return ""
    try:
        number = Decimal(str(budget))
    except ArithmeticError:
        return _("预算应为数字(万元)")
    if not number.is_finite() or number < 0:
        return _("预算不能小于 0")
    return _("预算过大") if number >= Decimal("1e12") else ""


def need_errors(values: Mapping[str, Any], *, check_deadline: bool = True) -> dict[str, str]:
    """Every problem of a need's values, {field: Chinese message}."""
    errors: dict[str, str] = {}
    _text_errors(values, errors)
    _list_errors(values, errors)
    if budget := _budget_error(values.get("budget")):
        errors["budget"] = budget
    deadline = values.get("deadline")
    if check_deadline and deadline and deadline < timezone.localdate():
        errors["deadline"] = _("截止日期不能早于今天")
    if len(values.get("contact_name") or "") > 64:
        errors["contact_name"] = _("联系人最多 64 个字符")
    phone = (values.get("contact_phone") or "").replace(" ", "")
    if phone and not _PHONE.match(phone):
        errors["contact_phone"] = _("“%(value)s”不是有效的电话号码(11位手机号,或带区号的固定电话如 010-12345678)") % {
            "value": phone[:32]}
    return errors


def clean_need(values: Mapping[str, Any]) -> dict[str, Any]:
    """The stored form of a need's values (already checked by `need_errors`)."""
    budget = values.get("budget")
    return {
        "title": (values.get("title") or "").strip(),
        "description": (values.get("description") or "").strip(),
        "keywords": clean_keywords(values.get("keywords") or []),
        "industry_codes": list(dict.fromkeys(values.get("industry_codes") or [])),
        "ipc_prefixes": ipc_prefixes(values.get("ipc_prefixes") or []),
        "modes": [mode for mode in CooperationMode.values if mode in (values.get("modes") or [])],
        "budget": None if budget in (None, "") else Decimal(str(budget)).quantize(Decimal("0.01")),
        "deadline": values.get("deadline") or None,
        "contact_name": (values.get("contact_name") or "").strip(),
        "contact_phone": (values.get("contact_phone") or "").replace(" ", ""),
        "allow_direct_contact": bool(values.get("allow_direct_contact")),
    }


def search_text(values: Mapping[str, Any]) -> str:
    """What the board's keyword search reads: title, description and keywords, lower-cased."""
    return "\n".join([values.get("title") or "", values.get("description") or "",
                      " ".join(values.get("keywords") or [])]).lower()


def need_snapshot(need: TechnologyNeed) -> dict[str, Any]:
    snapshot = {name: getattr(need, name) for name in NEED_FIELDS}
    snapshot["budget"] = None if need.budget is None else str(need.budget)
    snapshot["deadline"] = need.deadline.isoformat() if need.deadline else None
    return snapshot


def _duplicate_title() -> dict[str, str]:
    return {"title": _("该企业已有同名的技术需求;请修改原需求,或换一个名称")}


def create_need(actor, enterprise: Organization, values: Mapping[str, Any], *, request=None) -> TechnologyNeed:
    """A new open need of `enterprise` (one the actor may create needs for); audit event."""
    if not enterprises_for(actor).filter(pk=enterprise.pk).exists():
        raise PermissionDenied
    errors = need_errors(values)
    if errors:
        raise NeedError(errors)
    cleaned = clean_need(values)
    now = timezone.now()
    try:
        with transaction.atomic():
            need = TechnologyNeed.objects.create(enterprise=enterprise, created_by=actor, created_at=now,
                                                 updated_at=now, search_text=search_text(cleaned), **cleaned)
            audit("matching.need_create", actor=actor, request=request, target=need, organization=enterprise,
                  after=need_snapshot(need))
    except IntegrityError:
        raise NeedError(_duplicate_title()) from None
    return need


def update_need(actor, need: TechnologyNeed, values: Mapping[str, Any], *, request=None) -> TechnologyNeed:
    """Change a need the actor may edit; audit event with what changed (none when nothing did)."""
    errors = need_errors(values, check_deadline=values.get("deadline") != need.deadline)
    if errors:
        raise NeedError(errors)
    cleaned = clean_need(values)
    try:
        with transaction.atomic():
            need = TechnologyNeed.objects.editable_by(actor).select_for_update().get(pk=need.pk)
            before = need_snapshot(need)
            for name, value in cleaned.items():
                setattr(need, name, value)
            after = need_snapshot(need)
            changed = sorted(name for name in NEED_FIELDS if before[name] != after[name])
            if not changed:
                return need
            need.updated_at = timezone.now()
            need.search_text = search_text(cleaned)
            need.save()
            audit("matching.need_update", actor=actor, request=request, target=need, organization=need.enterprise,
                  before={k: before[k] for k in changed}, after={k: after[k] for k in changed})
    except TechnologyNeed.DoesNotExist:
        raise PermissionDenied from None
    except IntegrityError:
        raise NeedError(_duplicate_title()) from None
    return need


def set_need_status(actor, need: TechnologyNeed, status: str, *, request=None) -> TechnologyNeed:
    """Close or reopen a need the actor may edit; reopening an expired need is refused."""
    if status not in TechnologyNeed.Status.values:
        raise NeedError({"status": _("不是可选的状态")})
    with transaction.atomic():
        try:
            need = TechnologyNeed.objects.editable_by(actor).select_for_update().get(pk=need.pk)
        except TechnologyNeed.DoesNotExist:
            raise PermissionDenied from None
        if need.status == status:
            return need
        if status == TechnologyNeed.Status.OPEN and need.deadline and need.deadline < timezone.localdate():
            raise NeedError({"deadline": _("该需求已过截止日期;请先修改截止日期再重新开放")})
        before = need.status
        need.status, need.updated_at = status, timezone.now()
        need.save(update_fields=["status", "updated_at"])
        change = {"actor": actor, "request": request, "target": need, "organization": need.enterprise,
                  "before": {"status": before}, "after": {"status": status}}
        if status == TechnologyNeed.Status.CLOSED:
            audit("matching.need_close", **change)
        else:
            audit("matching.need_reopen", **change)
    return need


def is_open(need: TechnologyNeed) -> bool:
    return need.status == TechnologyNeed.Status.OPEN and (need.deadline is None
                                                         or need.deadline >= timezone.localdate())


def shows_contact(user, need: TechnologyNeed) -> bool:
    """Whether `user` reads the need's enterprise and contact: its enterprise, its province's office
    and the platform always; an institution only when the need allows direct contact."""
    role = role_of(user)
    if role == Role.INSTITUTION:
        return need.allow_direct_contact
    return role in (Role.ENTERPRISE, Role.PROVINCE, Role.OPERATOR)
