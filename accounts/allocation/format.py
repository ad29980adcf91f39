"""The account allocation sheet (账号分配, DATA-STANDARD.md §4): its columns, cell parsers and
row rules, and the directory of ministries and provinces they are matched against."""

import re
from functools import cached_property

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from accounts.identifiers import normalize_credit_code
from accounts.models import Organization, OrganizationAlias, Province, User
from ground.sheets import CellValueError, Column, SheetFormat, cells

# 单位类型: the listed values only (no synonyms are listed in the standard).

MINISTRY = "ministry"
PROVINCE = "province"
UNIVERSITY = Organization.InstitutionType.UNIVERSITY.value
INSTITUTION_TYPES = frozenset(Organization.InstitutionType.values)
ORG_TYPES: dict[str, str] = {
    "部委": MINISTRY,
    "省级知识产权局": PROVINCE,
    "高校": UNIVERSITY,
    "科研机构": Organization.InstitutionType.RESEARCH_INSTITUTE.value,
    "医院": Organization.InstitutionType.HOSPITAL.value,
}
DEMO = "demo"
PILOT = "pilot"
DEMO_PILOT: dict[str, str] = {"国家知识产权示范高校": DEMO, "国家知识产权试点高校": PILOT, "无": ""}
LOCAL = "地方"  # 主管部门 of an institution owned by a local government

H_NAME = "单位名称"
H_TYPE = "单位类型"
H_CREDIT = "统一社会信用代码"
H_PROVINCE = "所在省份"
H_SUPERVISOR = "主管部门"
H_DEMO = "示范试点"
H_ADMIN_NAME = "管理员姓名"
H_PHONE = "管理员手机"
H_EMAIL = "管理员邮箱"
H_USERNAME = "用户名"

RESULT_HEADERS = ["行号", "单位名称", "单位状态", "用户名", "初始密码", "状态"]
RESULT_CACHE_SECONDS = 10 * 60
# An uploaded sheet waits this long in the cache between preview and confirm.
UPLOAD_CACHE_SECONDS = 30 * 60

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_USERNAME = re.compile(r"^[\w.@+-]+\Z")  # as Django's UnicodeUsernameValidator
USERNAME_MAX_LENGTH = User._meta.get_field("username").max_length


def status_created() -> str:
    return _("新建")


def status_unchanged() -> str:
    return _("已存在,未变更")


# --- cell parsers ------------------------------------------------------------------------------


def parse_credit_code(value: object) -> str:
    try:
        return normalize_credit_code(value)
    except ValidationError as error:
        raise CellValueError(error.messages[0]) from None


def parse_mobile(value: object) -> str:
    raw = re.sub(r"[\s-]", "", cells.fold(value))
    if raw.startswith("+86"):
        raw = raw[3:]
    if not _MOBILE.match(raw):
        raise CellValueError(_("“%(value)s”不是有效的手机号码(以 1 开头的 11 位数字)") % {"value": cells.fold(value)})
    return raw


# The administrator's name and e-mail go to the user and to the organisation's contact: the shorter field bounds them.
parse_admin_name = cells.text_max(min(User._meta.get_field("full_name").max_length,
                                      Organization._meta.get_field("contact_name").max_length))
parse_email = cells.email_for(min(User._meta.get_field("email"), Organization._meta.get_field("contact_email"),
                                  key=lambda field: field.max_length))


def parse_username(value: object) -> str:
    username = cells.fold(value)
    if len(username) > USERNAME_MAX_LENGTH:
        raise CellValueError(
            _("用户名“%(value)s”过长:最多 %(limit)d 个字符") % {"value": username, "limit": USERNAME_MAX_LENGTH}
        )
    if not _USERNAME.match(username):
        raise CellValueError(
            _("用户名“%(value)s”只能包含字母、汉字、数字和 @ . + - _ 字符") % {"value": username}
        )
    return username


class Directory:
    """The reference data rows are matched against (provinces, ministries and their offices),
    read from the database once per sheet and only when first needed."""

    @cached_property
    def provinces(self) -> dict[str, Province]:
        table: dict[str, Province] = {}
        for province in Province.objects.all():
            for key in (province.code, province.name, province.short_name):
                table[cells.fold(key)] = province
        return table

    @cached_property
    def ministry_list(self) -> list[Organization]:
        return list(Organization.objects.filter(kind=Organization.Kind.MINISTRY).order_by("id"))

    @cached_property
    def ministries(self) -> dict[str, Organization]:
        """By name, alias (中科院) and code (MOE), compared after folding, codes case-insensitively."""
        table: dict[str, Organization] = {}
        by_pk = {m.pk: m for m in self.ministry_list}
        for ministry in self.ministry_list:
            table[cells.fold(ministry.name)] = ministry
            if ministry.code:
                table[cells.fold(ministry.code).upper()] = ministry
        for alias in OrganizationAlias.objects.filter(organization_id__in=by_pk):
            table.setdefault(cells.fold(alias.name), by_pk[alias.organization_id])
        return table

    @cached_property
    def province_offices(self) -> dict[str, Organization]:
        return {o.code: o for o in Organization.objects.filter(kind=Organization.Kind.PROVINCE)}

    def ministry(self, name: str) -> Organization | None:
        key = cells.fold(name)
        return self.ministries.get(key) or self.ministries.get(key.upper())

    def parse_province(self, value: object) -> Province:
        raw = cells.fold(value)
        province = self.provinces.get(raw)
        if province is not None:
            return province
        if raw.isdigit():
            raise CellValueError(
                _("“%(value)s”不是省级行政区划代码:请填写 GB/T 2260 省级代码(如 440000),新疆生产建设兵团填 660000")
                % {"value": raw}
            )
        raise CellValueError(
            _("“%(value)s”不是省级行政区:请填写行政区划代码(如 440000)、全称(如 广东省)或简称(如 广东)")
            % {"value": raw}
        )

    def parse_supervisor(self, value: object) -> Organization | str:
        raw = cells.fold(value)
        if raw == LOCAL:
            return LOCAL
        ministry = self.ministry(raw)
        if ministry is None:
            names = "、".join([LOCAL, *(m.name for m in self.ministry_list)])
            raise CellValueError(
                _("“%(value)s”不是平台登记的部委,可填:%(choices)s") % {"value": raw, "choices": names}
            )
        return ministry


class AllocationFormat(SheetFormat):
    """账号分配 (DATA-STANDARD.md §4), one row per organisation."""

    name = "account_allocation"
    title = "账号分配"

    def __init__(self, directory: Directory | None = None) -> None:
        self.directory = directory or Directory()
        d = self.directory
        self.columns = [
            Column(H_NAME, "name", cells.text_for(Organization._meta.get_field("name")), required=True,
                   help=_("单位全称;部委填部委名称(如 教育部),省级知识产权局可按所在省份匹配")),
            Column(H_TYPE, "org_type", cells.enum(ORG_TYPES), required=True,
                   help=_("部委、省级知识产权局、高校、科研机构或医院"), choices=tuple(ORG_TYPES)),
            Column(H_CREDIT, "credit_code", parse_credit_code,
                   help=_("18 位,高校、科研机构和医院必填;按 GB 32100-2015 检查校验位")),
            Column(H_PROVINCE, "province", d.parse_province,
                   help=_("行政区划代码(440000)、全称(广东省)或简称(广东);新疆生产建设兵团填 660000 或 兵团;部委不填")),
            Column(H_SUPERVISOR, "supervisor", d.parse_supervisor,
                   help=_("部委名称或简称(如 教育部、中科院),地方所属填“地方”;高校、科研机构和医院必填")),
            Column(H_DEMO, "demo_pilot", cells.enum(DEMO_PILOT),
                   help=_("仅高校填写:国家知识产权示范高校、国家知识产权试点高校或无"), choices=tuple(DEMO_PILOT)),
            Column(H_ADMIN_NAME, "admin_name", parse_admin_name, required=True, help=_("管理员姓名")),
            Column(H_PHONE, "admin_phone", parse_mobile, required=True, help=_("以 1 开头的 11 位手机号码")),
            Column(H_EMAIL, "admin_email", parse_email, help=_("选填")),
            Column(H_USERNAME, "username", parse_username,
                   help=_("选填;留空则自动生成。只能包含字母、汉字、数字和 @ . + - _")),
        ]

    @property
    def present_headers(self) -> list[str]:
        """The columns a file must have: the required ones, and those some rows must fill."""
        return [c.header for c in self.columns if c.required or c.key in {"credit_code", "province", "supervisor"}]

    def clean_row(self, values: dict[str, object], error, warn) -> None:
        kind = values["org_type"]
        if kind in INSTITUTION_TYPES:
            if values["credit_code"] is None:
                error(H_CREDIT, _("高校、科研机构和医院须填写统一社会信用代码"))
            if values["province"] is None:
                error(H_PROVINCE, _("高校、科研机构和医院须填写所在省份"))
            if values["supervisor"] is None:
                error(H_SUPERVISOR, _("高校、科研机构和医院须填写主管部门:部委名称,或“地方”"))
        elif kind == PROVINCE and values["province"] is None:
            error(H_PROVINCE, _("省级知识产权局须填写所在省份"))
        if values.get("demo_pilot") and kind != UNIVERSITY:
            error(H_DEMO, _("只有高校可以是国家知识产权示范高校或试点高校"))
