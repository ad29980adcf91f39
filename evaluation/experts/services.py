"""The rules of the expert library (专利评价专家库): what a recommendation may hold, who recommends,
who decides, and the expert's own profile; each change with its audit event in the same transaction.

    expert = recommend(province_user, values)             # one by one (the sheet: evaluation.experts.importer)
    expert, password = approve(operator, expert)           # creates the expert's account
    reject(operator, expert, reason)
    update_own_profile(expert_user, values)                 # specialties, affiliations, conflicts
    add_unavailability(expert_user, starts_on, ends_on); remove_unavailability(expert_user, period)

Values are checked by `expert_errors` / `profile_errors` ({field: Chinese message}), used alike by
the form, the sheet and the API; a service refuses (ExpertError) and writes nothing when any fails.
An expert is identified by mobile phone: a second recommendation of a known phone is refused.
"""

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import record as audit
from accounts.identifiers import normalize_credit_code
from accounts.models import Organization, User
from accounts.registration import normalize_contact_phone
from accounts.roles import Role, role_of
from accounts.services import create_account_with_initial_password, suggest_username
from evaluation.choices import ExpertStatus
from evaluation.experts.models import Expert, Unavailability
from ground.privacy import mask_email, mask_phone
from matching.needs.services import LIST_MAX, ipc_prefixes, unknown_industries
from notifications import notify

RECOMMENDATION_FIELDS = ("name", "employer_name", "employer_credit_code", "title", "industry_codes", "ipc_prefixes",
                         "phone", "email")
PROFILE_FIELDS = ("industry_codes", "ipc_prefixes", "affiliations", "declared_conflicts")
REASON_MAX = 500
CONFLICTS_MAX = 2000
AFFILIATIONS_MAX = 20
NOTE_MAX = 200


class ExpertError(Exception):
    """A change of the expert library refused: {field: Chinese message}; nothing was written."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = dict(errors)


# --- single values ---------------------------------------------------------------------------------

def credit_code_or_blank(value: object) -> str:
    """An optional credit code (GB 32100-2015) in its stored form; ValidationError when it fails."""
    text = str(value or "").strip()
    return normalize_credit_code(text) if text else ""


def _specialty_errors(values: Mapping[str, Any], errors: dict[str, str]) -> None:
    """Industries (§5 codes) and IPC prefixes at any depth: the draw qualifies experts by them."""
    industries = list(values.get("industry_codes") or [])
    prefixes = list(values.get("ipc_prefixes") or [])
    if len(industries) > LIST_MAX:
        errors["industry_codes"] = _("最多 %(n)d 项") % {"n": LIST_MAX}
    elif unknown := unknown_industries(industries):
        errors["industry_codes"] = _("“%(codes)s”不是战略性新兴产业分类代码(如 1.5、4.1)") % {
            "codes": "、".join(map(str, unknown[:5]))}
    if len(prefixes) > LIST_MAX:
        errors["ipc_prefixes"] = _("最多 %(n)d 项") % {"n": LIST_MAX}
    else:
        try:
            ipc_prefixes(prefixes)
        except ValueError as error:
            errors["ipc_prefixes"] = str(error)
    if not industries and not prefixes and not {"industry_codes", "ipc_prefixes"} & set(errors):
        errors["industry_codes"] = _("请至少填写所属产业或专业领域之一:抽取专家时按它们匹配")


def expert_errors(values: Mapping[str, Any]) -> dict[str, str]:
    """Every problem of a recommendation's values, {field: Chinese message}."""
    errors: dict[str, str] = {}
    name = str(values.get("name") or "").strip()
    if not name:
        errors["name"] = _("请填写专家姓名")
    elif len(name) > 64:
        errors["name"] = _("姓名最多 64 个字符")
    employer = str(values.get("employer_name") or "").strip()
    if not employer:
        errors["employer_name"] = _("请填写工作单位")
    elif len(employer) > 200:
        errors["employer_name"] = _("工作单位最多 200 个字符")
    try:
        credit_code_or_blank(values.get("employer_credit_code"))
    except ValidationError as error:
        errors["employer_credit_code"] = error.messages[0]
    if len(str(values.get("title") or "").strip()) > 64:
        errors["title"] = _("职称最多 64 个字符")
    _specialty_errors(values, errors)
    try:
        normalize_contact_phone(values.get("phone"), label=_("手机"), mobile_only=True)
    except ValidationError as error:
        errors["phone"] = error.messages[0]
    email = str(values.get("email") or "").strip()
    if email:
        try:
            if len(email) > 254:
                raise ValidationError("")
            validate_email(email)
        except ValidationError:
            errors["email"] = _("邮箱“%(value)s”格式不正确") % {"value": email[:60]}
    return errors


def clean_expert(values: Mapping[str, Any]) -> dict[str, Any]:
    """The stored form of a recommendation's values (already checked by `expert_errors`)."""
    return {
        "name": str(values.get("name") or "").strip(),
        "employer_name": str(values.get("employer_name") or "").strip(),
        "employer_credit_code": credit_code_or_blank(values.get("employer_credit_code")),
        "title": str(values.get("title") or "").strip(),
        "industry_codes": list(dict.fromkeys(values.get("industry_codes") or [])),
        "ipc_prefixes": ipc_prefixes(values.get("ipc_prefixes") or []),
        "phone": normalize_contact_phone(values.get("phone"), mobile_only=True),
        "email": str(values.get("email") or "").strip(),
    }


def employers_by_code(codes: Iterable[str]) -> dict[str, int]:
    """Platform organisations by credit code (one query): an employer known to the platform is
    matched, so that conflicts of interest are checked by organisation, not by name."""
    codes = {code for code in codes if code}
    if not codes:
        return {}
    return dict(Organization.objects.filter(credit_code__in=codes).values_list("credit_code", "pk"))


def snapshot(expert: Expert) -> dict[str, Any]:
    """What an audit event keeps of an entry (the phone and e-mail are kept masked: the audit log
    is read by the audit administrator, who needs to tell entries apart, not to reach the person)."""
    return {"name": expert.name, "employer_name": expert.employer_name,
            "employer_credit_code": expert.employer_credit_code, "employer": expert.employer_id,
            "title": expert.title, "industry_codes": list(expert.industry_codes),
            "ipc_prefixes": list(expert.ipc_prefixes), "phone": mask_phone(expert.phone),
            "email": mask_email(expert.email), "province": expert.recommending_province_id,
            "status": expert.status}


def _known_phone_error(existing: Expert, actor) -> dict[str, str]:
    if existing.recommending_province_id == actor.organization.province_id:
        return {"phone": _("该手机号已由本省推荐(%(name)s,%(status)s),不能重复推荐;如需修改请重新上传专家推荐表")
                % {"name": existing.name, "status": existing.get_status_display()}}
    return {"phone": _("该手机号已是其他省份推荐的专家,不能重复推荐")}


# --- who acts --------------------------------------------------------------------------------------

def province_users(province_id: str):
    """The active accounts of a province's office (told of decisions about its recommendations)."""
    return User.objects.filter(is_active=True, is_expert=False, organization__kind=Organization.Kind.PROVINCE,
                               organization__province_id=province_id)


def operators():
    return User.objects.filter(is_active=True, organization__kind=Organization.Kind.PLATFORM,
                               platform_role=Role.OPERATOR.value)


def _require_province(actor) -> None:
    if role_of(actor) != Role.PROVINCE:
        raise PermissionDenied


def _require_operator(actor) -> None:
    if role_of(actor) != Role.OPERATOR:
        raise PermissionDenied


# --- recommendations -------------------------------------------------------------------------------

def recommend(actor, values: Mapping[str, Any], *, request=None) -> Expert:
    """A province's office recommends one expert (its own province recommending); pending the
    platform's review, which is told. A known phone is refused."""
    _require_province(actor)
    errors = expert_errors(values)
    if errors:
        raise ExpertError(errors)
    cleaned = clean_expert(values)
    existing = Expert.objects.filter(phone=cleaned["phone"]).first()
    if existing is not None:
        raise ExpertError(_known_phone_error(existing, actor))
    employer = employers_by_code([cleaned["employer_credit_code"]]).get(cleaned["employer_credit_code"])
    try:
        with transaction.atomic():
            expert = Expert.objects.create(recommending_province_id=actor.organization.province_id,
                                           recommended_by=actor, employer_id=employer, **cleaned)
            audit("evaluation.expert_recommend", actor=actor, request=request, target=expert,
                  organization=actor.organization, after=snapshot(expert))
            notify_operators(1, actor.organization.name)
    except IntegrityError:
        raise ExpertError({"phone": _("该手机号已是专家库中的专家,不能重复推荐")}) from None
    return expert


def notify_operators(count: int, province_name: str) -> None:
    notify(operators(), "expert.recommended", _("%(province)s推荐了 %(n)d 位评价专家,待审核") % {
        "province": province_name, "n": count}, url=reverse("evaluation:expert_review"))


def _locked_pending(actor, expert: Expert) -> Expert:
    _require_operator(actor)
    try:
        expert = Expert.objects.editable_by(actor).select_for_update().get(pk=expert.pk)
    except Expert.DoesNotExist:
        raise PermissionDenied from None
    if expert.status != ExpertStatus.RECOMMENDED:
        raise ExpertError({"status": _("该推荐已审核(%(status)s),不能再次审核") % {
            "status": expert.get_status_display()}})
    return expert


def _username_for(expert: Expert) -> str:
    # The mobile phone identifies the expert: it is their username where no account holds it yet.
    if not User.objects.filter(username__iexact=expert.phone).exists():
        return expert.phone
    return suggest_username("expert")


def approve(actor, expert: Expert, *, request=None) -> tuple[Expert, str | None]:
    """The platform admits a pending expert: their account is created (one-time password, to be
    changed at first login; returned once for the operator to hand over, None when the entry
    already had an account), and the expert and the recommending province are told."""
    with transaction.atomic():
        expert = _locked_pending(actor, expert)
        before = snapshot(expert)
        password = None
        if expert.user_id is None:
            user, password = create_account_with_initial_password(
                actor=actor, organization=None, username=_username_for(expert), full_name=expert.name,
                phone=expert.phone, email=expert.email, is_expert=True, request=request)
            expert.user = user
        expert.status, expert.decision_reason = ExpertStatus.APPROVED, ""
        expert.decided_by, expert.decided_at = actor, timezone.now()
        expert.save(update_fields=["status", "decision_reason", "decided_by", "decided_at", "user", "updated_at"])
        audit("evaluation.expert_approve", actor=actor, request=request, target=expert,
              before={"status": before["status"]}, after={"status": expert.status, "user": expert.user_id})
        notify([expert.user], "expert.approved", _("您已入选专利评价专家库"),
               body=_("请使用平台运营人员提供的用户名和一次性密码登录,首次登录须修改密码,并完善“我的专家信息”。"),
               url=reverse("evaluation:expert_me"))
        notify(province_users(expert.recommending_province_id), "expert.approved",
               _("推荐的专家 %(name)s 已入库") % {"name": expert.name},
               url=reverse("evaluation:expert_detail", args=[expert.pk]))
    return expert, password


def reject(actor, expert: Expert, reason: str, *, request=None) -> Expert:
    """The platform declines a pending recommendation; the reason is required and sent to the
    recommending province."""
    reason = str(reason or "").strip()
    if not reason:
        raise ExpertError({"reason": _("请填写不通过的理由,推荐省份会收到它")})
    if len(reason) > REASON_MAX:
        raise ExpertError({"reason": _("理由最多 %(n)d 个字") % {"n": REASON_MAX}})
    with transaction.atomic():
        expert = _locked_pending(actor, expert)
        expert.status, expert.decision_reason = ExpertStatus.REJECTED, reason
        expert.decided_by, expert.decided_at = actor, timezone.now()
        expert.save(update_fields=["status", "decision_reason", "decided_by", "decided_at", "updated_at"])
        audit("evaluation.expert_reject", actor=actor, request=request, target=expert,
              before={"status": ExpertStatus.RECOMMENDED}, after={"status": expert.status, "reason": reason})
        notify(province_users(expert.recommending_province_id), "expert.rejected",
               _("推荐的专家 %(name)s 未通过审核") % {"name": expert.name}, body=reason,
               url=reverse("evaluation:expert_detail", args=[expert.pk]))
    return expert


# --- the expert's own profile ----------------------------------------------------------------------

def own_entry(user) -> Expert | None:
    """The approved entry the expert keeps (None for anyone else)."""
    return Expert.objects.editable_by(user).first() if role_of(user) == Role.EXPERT else None


def clean_affiliations(items: Iterable[Mapping[str, Any]]) -> list[dict[str, str]]:
    """[{"name", "credit_code"}] with each code checked (GB 32100); ValueError at the first bad one."""
    cleaned = []
    for item in items:
        name = str(item.get("name") or "").strip()
        code_text = str(item.get("credit_code") or "").strip()
        if not name and not code_text:
            continue
        if not name:
            raise ValueError(_("请填写单位名称(统一社会信用代码“%(code)s”)") % {"code": code_text[:20]})
        if len(name) > 200:
            raise ValueError(_("单位名称最多 200 个字符"))
        try:
            code = credit_code_or_blank(code_text)
        except ValidationError as error:
            raise ValueError(f"{name[:40]}:{error.messages[0]}") from None
        cleaned.append({"name": name, "credit_code": code})
    return cleaned


def profile_errors(values: Mapping[str, Any]) -> dict[str, str]:
    errors: dict[str, str] = {}
    _specialty_errors(values, errors)
    affiliations = list(values.get("affiliations") or [])
    if len(affiliations) > AFFILIATIONS_MAX:
        errors["affiliations"] = _("最多 %(n)d 个单位") % {"n": AFFILIATIONS_MAX}
    else:
        try:
            clean_affiliations(affiliations)
        except ValueError as error:
            errors["affiliations"] = str(error)
    if len(str(values.get("declared_conflicts") or "")) > CONFLICTS_MAX:
        errors["declared_conflicts"] = _("已知利益冲突最多 %(n)d 个字") % {"n": CONFLICTS_MAX}
    return errors


def update_own_profile(actor, values: Mapping[str, Any], *, request=None) -> Expert:
    """The expert sets their specialties, affiliations and known conflicts; audit event with what
    changed (none when nothing did)."""
    errors = profile_errors(values)
    if errors:
        raise ExpertError(errors)
    cleaned = {"industry_codes": list(dict.fromkeys(values.get("industry_codes") or [])),
               "ipc_prefixes": ipc_prefixes(values.get("ipc_prefixes") or []),
               "affiliations": clean_affiliations(values.get("affiliations") or []),
               "declared_conflicts": str(values.get("declared_conflicts") or "").strip()}
    with transaction.atomic():
        expert = Expert.objects.editable_by(actor).select_for_update().first() if role_of(actor) == Role.EXPERT \
            else None
        if expert is None:
            raise PermissionDenied
        before = {name: getattr(expert, name) for name in PROFILE_FIELDS}
        changed = sorted(name for name in PROFILE_FIELDS if before[name] != cleaned[name])
        if not changed:
            return expert
        for name in changed:
            setattr(expert, name, cleaned[name])
        expert.save(update_fields=[*changed, "updated_at"])
        audit("evaluation.expert_profile_update", actor=actor, request=request, target=expert,
              before={k: before[k] for k in changed}, after={k: cleaned[k] for k in changed})
    return expert


def add_unavailability(actor, starts_on: dt.date | None, ends_on: dt.date | None, note: str = "", *,
                       request=None) -> Unavailability:
    """A period in which the expert takes no assignment (the draw skips them)."""
    errors = {}
    if starts_on is None:
        errors["starts_on"] = _("请填写开始日期")
    if ends_on is None:
        errors["ends_on"] = _("请填写结束日期")
    elif starts_on is not None and ends_on < starts_on:
        errors["ends_on"] = _("结束日期不能早于开始日期")
    elif ends_on < timezone.localdate():
        errors["ends_on"] = _("该时段已经过去,无需登记")
    note = str(note or "").strip()
    if len(note) > NOTE_MAX:
        errors["note"] = _("说明最多 %(n)d 个字") % {"n": NOTE_MAX}
    if errors:
        raise ExpertError(errors)
    with transaction.atomic():
        expert = own_entry(actor)
        if expert is None:
            raise PermissionDenied
        period = Unavailability.objects.create(expert=expert, starts_on=starts_on, ends_on=ends_on, note=note)
        audit("evaluation.expert_unavailability_add", actor=actor, request=request, target=expert,
              after={"starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat(), "note": note})
    return period


def remove_unavailability(actor, period_id: int, *, request=None) -> None:
    with transaction.atomic():
        period = Unavailability.objects.editable_by(actor).select_related("expert").filter(pk=period_id).first()
        if period is None:
            raise PermissionDenied
        before = {"starts_on": period.starts_on.isoformat(), "ends_on": period.ends_on.isoformat(),
                  "note": period.note}
        expert = period.expert
        period.delete()
        audit("evaluation.expert_unavailability_remove", actor=actor, request=request, target=expert,
              before=before)
