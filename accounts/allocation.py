"""Account allocation (账号分配, DATA-STANDARD.md §4): the platform allocates the admin accounts
of ministries, provincial IP offices and institutions in bulk from a sheet.

    preview = preview_allocation(path, "账号分配.xlsx")   # validates every row, writes nothing
    result = allocate_accounts(actor=operator, path=path, original_name="账号分配.xlsx")
    result.sheet                                         # the result .xlsx, with one-time passwords

Ministries and provincial offices exist already (reference data): their rows allocate an admin
account to the existing organisation. Institutions are matched by credit code, then by name, and
created when new. A row whose organisation already has that admin account is left alone, so a
second upload of the same sheet changes nothing. If any row has an error, nothing is written.
"""

import io
import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import openpyxl
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext as _
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from accounts.audit import record
from accounts.identifiers import normalize_credit_code
from accounts.models import Organization, OrganizationAlias, Province, User
from accounts.roles import Role, role_of
from accounts.services import create_account_with_initial_password, suggest_username
from ground import imports
from ground.imports import BatchStatus, CachedBatch, CachedBatches, Job, SheetImport, register
from ground.sheets import CellError, CellValueError, Column, SheetError, SheetFormat, cells, open_sheet
from ground.sheets.formats import ParsedRow
from ground.sheets.reader import RawSheet, normalize_header
from ground.uploads import UploadError

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


def parse_email(value: object) -> str:
    result = cells.email(value)
    if len(result) > 254:
        raise CellValueError(_("超过 %(max)d 个字符(实为 %(n)d 个)") % {"max": 254, "n": len(result)})
    return result


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
            Column(H_NAME, "name", cells.text_max(128), required=True,
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
            Column(H_ADMIN_NAME, "admin_name", cells.text_max(64), required=True, help=_("管理员姓名")),
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


# --- preview -----------------------------------------------------------------------------------


@dataclass
class AllocationRow:
    row_number: int
    name: str  # as the sheet gives it, for display even when the row is rejected
    values: dict[str, object]  # parsed values; empty when a cell could not be parsed
    errors: list[CellError] = field(default_factory=list)
    warnings: list[CellError] = field(default_factory=list)
    organization: Organization | None = None  # the existing organisation the row is for
    admin: User | None = None  # its existing admin account: the row changes nothing
    fill_credit_code: bool = False  # the existing organisation gets the sheet's credit code
    raw: list | None = field(default=None, repr=False)  # the cells as read, for the error report

    def error(self, header: str, value: object, message: str) -> None:
        self.errors.append(CellError(self.row_number, header, str(value or ""), message))

    def warn(self, header: str, value: object, message: str) -> None:
        self.warnings.append(CellError(self.row_number, header, str(value or ""), message, level="warning"))

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def username(self) -> str:
        return str(self.values.get("username") or "")

    @property
    def org_type_label(self) -> str:
        kind = self.values.get("org_type")
        return next((label for label, value in ORG_TYPES.items() if value == kind), "")

    @property
    def status(self) -> str:
        if self.errors:
            return _("有错误")
        if self.admin is not None:
            return status_unchanged()
        if self.organization is not None:
            return _("单位已存在,将新建管理员账号")
        return _("将新建单位和管理员账号")


@dataclass
class AllocationPreview:
    original_name: str
    rows: list[AllocationRow] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)  # the file as a whole (empty, .xls, missing column…)
    unknown_columns: list[str] = field(default_factory=list)
    sheet_name: str = ""
    header_row: int = 0

    @property
    def errors(self) -> list[CellError]:
        return [e for row in self.rows for e in row.errors]

    @property
    def warnings(self) -> list[CellError]:
        return [w for row in self.rows for w in row.warnings]

    @property
    def has_errors(self) -> bool:
        return bool(self.file_errors or self.errors)

    @property
    def messages(self) -> list[str]:
        """Every error as one Chinese line naming row, column and value."""
        return [*self.file_errors, *(e.as_text() for e in self.errors)]

    @property
    def new_organizations(self) -> int:
        return sum(1 for r in self.rows if r.ok and r.organization is None)

    @property
    def new_accounts(self) -> int:
        return sum(1 for r in self.rows if r.ok and r.admin is None)

    @property
    def unchanged(self) -> int:
        return sum(1 for r in self.rows if r.ok and r.admin is not None)


class AllocationError(Exception):
    """The sheet has errors; nothing was written. `preview` holds every one of them."""

    def __init__(self, preview: AllocationPreview) -> None:
        self.preview = preview
        super().__init__("\n".join(preview.messages))


def preview_of(job: Job) -> AllocationPreview:
    """Read and check every row of the job's sheet against the file and the database; writes nothing.

    Each row's problems (row, column, value, Chinese message) are in its `errors`; a file that
    cannot be read as a whole raises SheetError.
    """
    preview = AllocationPreview(original_name=job.batch.original_name)
    sheet = job.open_sheet()
    fmt = job.format
    preview.sheet_name, preview.header_row = sheet.name, sheet.header_row
    preview.unknown_columns = job.outcome.unknown_columns
    name_column = fmt.column("name")
    for item in job.rows():
        if isinstance(item, ParsedRow):
            row = AllocationRow(item.row_number, str(item.values["name"]), item.values, raw=item.raw)
            row.warnings.extend(item.warnings)
        else:
            row = AllocationRow(item.row_number, _loose(sheet, item.raw, name_column) or "", {}, raw=item.raw)
            row.errors.extend(item.errors)
            row.values = {c.key: _loose(sheet, item.raw, c) for c in fmt.columns if c.key in _KEY_COLUMNS}
        preview.rows.append(row)
    preview.rows.sort(key=lambda r: r.row_number)
    if preview.rows:
        _check_duplicates(preview.rows, fmt.directory)
        _match(preview.rows, fmt.directory)
    return preview


class AllocationImport(SheetImport):
    """The allocation sheet, a format of the one import pipeline (ground.imports). Its uploads wait
    in the cache, never on disk (the rows carry people's phones and e-mails); any error blocks the
    commit; the commit checks the sheet again in its transaction."""

    kind = "allocation"
    batches = CachedBatches("allocation", timeout=UPLOAD_CACHE_SECONDS)
    events = {"upload": "account.allocation_upload", "commit": "account.allocate",
              "cancel": "account.allocation_cancel"}
    partial = False
    system_uploads = True

    @property
    def sheet_format(self) -> "AllocationFormat":
        return AllocationFormat()  # its Directory caches the database's organisations: one per run

    def may_upload(self, actor) -> bool:
        return actor is None or role_of(actor) == Role.OPERATOR

    def new_batch(self, actor) -> CachedBatch:
        return CachedBatch(kind=self.kind, original_name="", content=b"",
                           created_by_id=actor.pk if actor is not None else None)

    def record(self, event: str, *, actor, request, batch, **detail) -> None:
        record(self.events[event], actor=actor, request=request, **detail)

    def open_sheet(self, path: Path, original_name: str, fmt: SheetFormat) -> RawSheet:
        return open_sheet(path, original_name, fmt.present_headers)

    def unknown_column_message(self) -> str:
        return _("不是账号分配表的列,已忽略")

    def check(self, job: Job) -> None:
        preview = job.plan = preview_of(job)
        outcome = job.outcome
        outcome.total = len(preview.rows)
        for row in preview.rows:
            outcome.problems.extend([*row.errors, *row.warnings])
            if row.errors:
                outcome.rejected_rows.add(row.row_number)
            if row.errors or row.warnings:
                outcome.problem_raw[row.row_number] = row.raw
        outcome.new, outcome.unchanged = preview.new_accounts, preview.unchanged
        outcome.extra["new_organizations"] = preview.new_organizations

    def apply(self, job: Job) -> dict:
        """The organisations and accounts created; the result sheet, with the one-time passwords,
        kept on the batch for its uploader once the transaction commits."""
        preview = job.plan
        try:
            with transaction.atomic():
                rows = _write(preview, actor=job.actor, request=job.request)
        except IntegrityError:
            # Someone else created the same organisation or username between the check and the write.
            raise UploadError(_("保存时与平台中同时新增的单位或账号冲突,未写入任何数据;请重新上传以查看冲突")) from None
        result = AllocationResult(preview.original_name, rows, preview.warnings, build_result_sheet(rows))
        self.batches.update(job.batch, result=result)  # read only once the batch is committed
        job.plan = result
        return {"created_organizations": len(result.created_organizations),
                "created_accounts": len(result.created_accounts), "unchanged": len(result.unchanged)}

    def commit_audit(self, job: Job, counts: dict) -> dict:
        # One summary event for the upload; each organisation and account has its own event too.
        return {"file": job.batch.original_name, "rows": len(job.plan.rows),
                "created_organizations": counts["created_organizations"],
                "created_accounts": counts["created_accounts"], "unchanged": counts["unchanged"]}


ALLOCATION = register(AllocationImport())


def _stage_path(path: Path, original_name: str, actor: User | None) -> CachedBatch:
    with path.open("rb") as handle:
        return imports.stage(ALLOCATION, actor=actor, file=File(handle, name=original_name))


def preview_allocation(path: str | Path, original_name: str, *, actor: User | None = None) -> AllocationPreview:
    """The preview of a sheet on disk (the command's dry run, the preview page's table), as the
    pipeline's validation reads it; problems with the file as a whole are in `file_errors`."""
    batch = CachedBatch(kind=ALLOCATION.kind, original_name=original_name, content=b"",
                        created_by_id=actor.pk if actor is not None else None)
    job = Job(ALLOCATION, batch, actor, path=Path(path))
    try:
        preview = preview_of(job)
    except SheetError as error:
        preview = AllocationPreview(original_name=original_name)
        preview.file_errors.append(str(error))
        return preview
    if not preview.rows:
        preview.file_errors.append(
            _("文件“%(name)s”的表头(第 %(row)d 行)下没有数据行") % {"name": original_name, "row": preview.header_row}
        )
    return preview


def preview_batch(batch: CachedBatch, actor: User | None) -> AllocationPreview:
    """The preview of a cached upload, checked against the database as it is now."""
    with ALLOCATION.batches.local_path(batch) as path:
        return preview_allocation(path, batch.original_name, actor=actor)


# Columns re-read leniently from a rejected row, so that duplicates are reported on it too.
_KEY_COLUMNS = frozenset({"name", "credit_code", "username"})


def _loose(sheet: RawSheet, raw: list, column: Column) -> object:
    """A cell of a rejected row parsed leniently (None when absent or unparseable)."""
    try:
        index = sheet.headers.index(normalize_header(column.header))
    except ValueError:
        return None
    value = raw[index] if index < len(raw) else None
    if cells.is_blank(value):
        return None
    try:
        return column.parse(value)
    except CellValueError:
        return None


def _check_duplicates(rows: list[AllocationRow], directory: Directory) -> None:
    """One row per organisation, one organisation per credit code and name, one account per username."""
    seen: dict[tuple[str, object], int] = {}

    def first(key: tuple[str, object], row: AllocationRow) -> int | None:
        if key[1] in (None, ""):
            return None
        earlier = seen.setdefault(key, row.row_number)
        return earlier if earlier != row.row_number else None

    for row in rows:
        v = row.values
        dup = _("与第 %(row)d 行重复")
        if (earlier := first(("credit", v.get("credit_code")), row)) is not None:
            row.error(H_CREDIT, v["credit_code"], dup % {"row": earlier})
        name_dup = first(("name", v.get("name")), row)
        if name_dup is not None:
            row.error(H_NAME, v["name"], dup % {"row": name_dup})
        username = str(v.get("username") or "").lower()
        if (earlier := first(("username", username), row)) is not None:
            row.error(H_USERNAME, v["username"], dup % {"row": earlier})
        if not v.get("org_type") or name_dup is not None:
            continue
        # The same ministry under another spelling, or the same province's office twice.
        ministry = directory.ministry(str(v["name"])) if v["org_type"] == MINISTRY else None
        province = v.get("province") if v["org_type"] == PROVINCE else None
        if ministry is not None and (earlier := first(("ministry", ministry.pk), row)) is not None:
            row.error(H_NAME, v["name"], _("与第 %(row)d 行是同一部委") % {"row": earlier})
        elif province is not None and (earlier := first(("province", province.code), row)) is not None:
            row.error(H_PROVINCE, province, _("与第 %(row)d 行是同一省级知识产权局") % {"row": earlier})


def _match(rows: list[AllocationRow], directory: Directory) -> None:
    """Find each clean row's existing organisation and admin account, and the conflicts with the database."""
    clean = [r for r in rows if r.ok]
    codes = {r.values["credit_code"] for r in clean if r.values.get("credit_code")}
    by_code = {o.credit_code: o for o in Organization.objects.filter(credit_code__in=codes)}
    names = {r.values["name"] for r in clean if r.values["org_type"] in INSTITUTION_TYPES}
    institutions_by_name = {
        o.name: o for o in Organization.objects.filter(kind=Organization.Kind.INSTITUTION, name__in=names)
    }
    usernames = {r.username.lower() for r in clean if r.username}
    users_by_name = {
        u.lower_username: u
        for u in User.objects.annotate(lower_username=Lower("username")).filter(lower_username__in=usernames)
    }

    for row in clean:
        v = row.values
        kind = v["org_type"]
        if kind == MINISTRY:
            row.organization = directory.ministry(str(v["name"]))
            if row.organization is None:
                names_list = "、".join(m.name for m in directory.ministry_list)
                row.error(H_NAME, v["name"], _("平台中没有这个部委;部委账号只能分配给已登记的部委:%(names)s")
                          % {"names": names_list})
                continue
        elif kind == PROVINCE:
            province: Province = v["province"]
            row.organization = directory.province_offices.get(province.code)
            if row.organization is None:
                row.error(H_PROVINCE, province, _("平台中没有该省份的省级知识产权局"))
                continue
            if v["name"] != row.organization.name:
                row.warn(H_NAME, v["name"], _("按所在省份分配给平台登记的“%(name)s”") % {"name": row.organization.name})
        else:
            _match_institution(row, by_code, institutions_by_name)
            if not row.ok:
                continue
        if row.organization is not None:
            _check_existing_credit_code(row, by_code)
            if not row.organization.is_active:
                row.warn(H_NAME, v["name"], _("该单位在平台的状态为“%(status)s”,其账号暂不能登录")
                         % {"status": row.organization.get_status_display()})
        _match_account(row, users_by_name)

    # Existing admins matched by phone, for rows that leave 用户名 empty: a re-upload changes nothing.
    pending = [r for r in clean if r.ok and r.organization is not None and not r.username]
    admins: dict[int, list[User]] = defaultdict(list)
    for user in User.objects.filter(organization__in=[r.organization for r in pending], is_org_admin=True):
        admins[user.organization_id].append(user)
    for row in pending:
        row.admin = next((u for u in admins[row.organization.pk] if u.phone == row.values["admin_phone"]), None)


def _match_institution(row: AllocationRow, by_code: dict, by_name: dict) -> None:
    v = row.values
    code, name = v["credit_code"], v["name"]
    holder = by_code.get(code)
    if holder is not None and holder.kind != Organization.Kind.INSTITUTION:
        row.error(H_CREDIT, code, _("该统一社会信用代码已登记为%(kind)s“%(name)s”")
                  % {"kind": holder.get_kind_display(), "name": holder.name})
        return
    named = by_name.get(name)
    if holder is None and named is not None:
        if named.credit_code and named.credit_code != code:
            row.error(H_CREDIT, code, _("平台已登记的“%(name)s”的统一社会信用代码是 %(code)s,与本行不一致")
                      % {"name": name, "code": named.credit_code})
            return
        holder = named
    row.organization = holder
    if holder is None:
        return
    if holder.name != name:
        row.warn(H_NAME, name, _("按统一社会信用代码匹配到平台已登记的“%(name)s”") % {"name": holder.name})
    # Registered details are not changed by allocation; differences are pointed out.
    unchanged = _("与平台登记的“%(registered)s”不同;已有单位的信息不在账号分配中修改")
    supervisor = v["supervisor"] if isinstance(v["supervisor"], Organization) else None
    if holder.institution_type != v["org_type"]:
        registered = holder.get_institution_type_display() or "—"
        row.warn(H_TYPE, row.org_type_label, unchanged % {"registered": registered})
    if holder.province_id != v["province"].code:
        row.warn(H_PROVINCE, v["province"], unchanged % {"registered": holder.province or "—"})
    if holder.supervisor_id != (supervisor.pk if supervisor else None):
        row.warn(H_SUPERVISOR, v["supervisor"], unchanged % {"registered": holder.supervisor or LOCAL})
    if v.get("demo_pilot") is not None:
        registered_flag = DEMO if holder.is_demo_university else PILOT if holder.is_pilot_university else ""
        if registered_flag != v["demo_pilot"]:
            label = {value: key for key, value in DEMO_PILOT.items()}
            row.warn(H_DEMO, label[v["demo_pilot"]], unchanged % {"registered": label[registered_flag]})


def _check_existing_credit_code(row: AllocationRow, by_code: dict) -> None:
    code = row.values.get("credit_code")
    org = row.organization
    if not code or org.credit_code == code:
        return
    if org.credit_code:
        row.error(H_CREDIT, code, _("平台登记的“%(name)s”的统一社会信用代码是 %(code)s,与本行不一致")
                  % {"name": org.name, "code": org.credit_code})
    elif code in by_code:
        other = by_code[code]
        row.error(H_CREDIT, code, _("该统一社会信用代码已登记为%(kind)s“%(name)s”")
                  % {"kind": other.get_kind_display(), "name": other.name})
    else:
        row.fill_credit_code = True


def _match_account(row: AllocationRow, users_by_name: dict[str, User]) -> None:
    if not row.username:
        return
    user = users_by_name.get(row.username.lower())
    if user is None:
        return
    org = row.organization
    if org is not None and user.organization_id == org.pk and user.is_org_admin:
        row.admin = user
    else:
        message = _("用户名“%(username)s”已被平台中其他账号占用") % {"username": row.username}
        row.error(H_USERNAME, row.username, message)


# --- allocation --------------------------------------------------------------------------------


@dataclass
class AllocatedRow:
    row_number: int
    organization_name: str
    organization_created: bool
    username: str
    account_created: bool
    password: str = field(default="", repr=False)  # one-time; only for accounts created now

    @property
    def organization_status(self) -> str:
        return status_created() if self.organization_created else _("已存在")

    @property
    def status(self) -> str:
        return status_created() if self.account_created else status_unchanged()


@dataclass
class AllocationResult:
    original_name: str
    rows: list[AllocatedRow]
    warnings: list[CellError]
    sheet: bytes = field(repr=False)  # the result .xlsx, with the one-time passwords

    @property
    def created_organizations(self) -> list[AllocatedRow]:
        return [r for r in self.rows if r.organization_created]

    @property
    def created_accounts(self) -> list[AllocatedRow]:
        return [r for r in self.rows if r.account_created]

    @property
    def unchanged(self) -> list[AllocatedRow]:
        return [r for r in self.rows if not r.account_created]

    @property
    def filename(self) -> str:
        return result_filename(self.original_name)


def result_filename(original_name: str) -> str:
    return f"{Path(original_name).stem or 'allocation'}-结果.xlsx"


def allocate_accounts(*, actor: User | None, path: str | Path, original_name: str, request=None) -> AllocationResult:
    """Create the organisations and admin accounts of a sheet on disk, in one transaction, through
    the pipeline (the command's path; the pages stage the upload themselves).

    If any row has an error nothing is written and AllocationError (holding every error) is
    raised. New accounts get a one-time password they must change at first login; the passwords
    appear only in `result.sheet`. Rows already allocated are reported as unchanged.
    """
    path = Path(path)
    try:
        batch = _stage_path(path, original_name, actor)
    except UploadError as error:
        preview = AllocationPreview(original_name=original_name)
        preview.file_errors.append(str(error))
        raise AllocationError(preview) from None
    return committed_result(batch, actor=actor, request=request)


def committed_result(batch: CachedBatch, *, actor: User | None, request=None) -> AllocationResult:
    """Validate and commit a staged upload; its result, or AllocationError with the preview."""
    try:
        batch = imports.commit_if_clean(ALLOCATION, actor=actor, batch=batch, request=request)
    except UploadError as error:
        preview = preview_batch(batch, actor)
        preview.file_errors.append(str(error))
        raise AllocationError(preview) from None
    if batch.status != BatchStatus.COMMITTED:
        preview = preview_batch(batch, actor)
        if batch.status == BatchStatus.FAILED and batch.failure not in preview.file_errors:
            preview.file_errors.append(batch.failure)
        raise AllocationError(preview)
    return ALLOCATION.batches.get(batch.pk).result


def _write(preview: AllocationPreview, *, actor: User | None, request) -> list[AllocatedRow]:
    taken = {r.username.lower() for r in preview.rows if r.username}
    result: list[AllocatedRow] = []
    for row in preview.rows:
        v = row.values
        org, org_created = row.organization, row.organization is None
        if org is None:
            org = _create_institution(v, actor=actor, request=request)
        elif row.fill_credit_code:
            before = {"credit_code": org.credit_code}
            org.credit_code = v["credit_code"]
            org.save(update_fields=["credit_code"])
            record("organization.update", actor=actor, request=request, target=org, before=before,
                   after={"credit_code": org.credit_code}, organization=org, source="allocation")
        if row.admin is not None:
            result.append(AllocatedRow(row.row_number, org.name, org_created, row.admin.username, False))
            continue
        username = row.username or _generate_username(org, taken)
        taken.add(username.lower())
        try:
            user, password = create_account_with_initial_password(
                actor=actor, organization=org, username=username, full_name=v["admin_name"],
                phone=v["admin_phone"], email=v.get("admin_email") or "", is_org_admin=True, request=request,
            )
        except ValueError:
            raise IntegrityError(username) from None  # taken since the check: report as a conflict
        result.append(AllocatedRow(row.row_number, org.name, org_created, user.username, True, password))
    return result


def _create_institution(values: dict, *, actor: User | None, request) -> Organization:
    supervisor = values["supervisor"] if isinstance(values["supervisor"], Organization) else None
    org = Organization.objects.create(
        kind=Organization.Kind.INSTITUTION,
        name=values["name"],
        credit_code=values["credit_code"],
        province=values["province"],
        supervisor=supervisor,
        institution_type=values["org_type"],
        is_demo_university=values.get("demo_pilot") == DEMO,
        is_pilot_university=values.get("demo_pilot") == PILOT,
        contact_name=values["admin_name"],
        contact_phone=values["admin_phone"],
        contact_email=values.get("admin_email") or "",
    )
    record(
        "organization.create", actor=actor, request=request, target=org, organization=org, source="allocation",
        after={
            "name": org.name, "kind": org.kind, "institution_type": org.institution_type,
            "credit_code": org.credit_code, "province": org.province_id,
            "supervisor": supervisor.name if supervisor else LOCAL,
            "is_demo_university": org.is_demo_university, "is_pilot_university": org.is_pilot_university,
        },
    )
    return org


def _generate_username(org: Organization, taken: set[str]) -> str:
    """moe_123456 for a ministry, ip440000_123456 for a provincial office, and for an institution
    org + the organisation-code part of its credit code (org400000624_123456)."""
    if org.kind == Organization.Kind.MINISTRY:
        prefix = org.code or "ministry"
    elif org.kind == Organization.Kind.PROVINCE:
        prefix = f"ip{org.code}"
    else:
        prefix = f"org{(org.credit_code or '')[8:17]}"
    while True:
        username = suggest_username(prefix)
        if username.lower() not in taken:
            return username


# --- sheets ------------------------------------------------------------------------------------


def _text_cell(ws, value: object) -> WriteOnlyCell:
    """A cell always stored as text: a value starting with = + - @ never becomes a formula."""
    cell = WriteOnlyCell(ws, value="" if value is None else str(value))
    cell.data_type = "s"
    return cell


def build_result_sheet(rows: list[AllocatedRow]) -> bytes:
    """The result .xlsx: each row's organisation, username, one-time password and status."""
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet(_("分配结果"))
    ws.column_dimensions["B"].width = 36
    ws.column_dimensions["D"].width = 24
    ws.column_dimensions["E"].width = 16
    ws.column_dimensions["F"].width = 16
    ws.append([_text_cell(ws, h) for h in RESULT_HEADERS])
    for row in rows:
        ws.append([
            row.row_number,
            *(_text_cell(ws, value) for value in
              (row.organization_name, row.organization_status, row.username, row.password, row.status)),
        ])
    notes = wb.create_sheet(_("说明"))
    for line in (
        _("初始密码只在本表中出现一次,平台不保存明文;请通过安全渠道分别交给各单位管理员,分发后删除本文件。"),
        _("管理员首次登录须修改初始密码。"),
        _("“已存在,未变更”的账号未生成新密码;如需重置密码,请联系系统管理员。"),
    ):
        notes.append([_text_cell(notes, line)])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def build_template() -> bytes:
    """A blank allocation sheet: the headers in order, drop-down lists, and an instructions sheet."""
    fmt = AllocationFormat()
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = fmt.title
    ws.append([c.header for c in fmt.columns])
    bold = Font(bold=True)
    required_fill = PatternFill("solid", fgColor="FFF2CC")
    last_row = 2000
    for index, column in enumerate(fmt.columns, start=1):
        cell = ws.cell(row=1, column=index)
        cell.font = bold
        if column.header in fmt.present_headers:
            cell.fill = required_fill
        letter = cell.column_letter
        ws.column_dimensions[letter].width = max(12, len(column.header) * 2 + 4)
        if column.key in {"credit_code", "admin_phone", "province", "username"}:
            # Text columns: Excel would otherwise turn 13800138000 into 1.38E+10.
            ws.column_dimensions[letter].number_format = "@"
        supervisors = (LOCAL, *(m.name for m in fmt.directory.ministry_list))
        choices = column.choices or (supervisors if column.key == "supervisor" else ())
        if choices and len(",".join(choices)) <= 255:  # Excel's limit for an inline list
            validation = DataValidation(
                type="list", formula1='"' + ",".join(choices) + '"', allow_blank=True,
                # 主管部门 also accepts aliases (中科院), so its list only suggests.
                showErrorMessage=column.key != "supervisor",
                errorTitle=_("不是可选值"), error=_("请从下拉列表中选择"),
            )
            validation.add(f"{letter}2:{letter}{last_row}")
            ws.add_data_validation(validation)
    ws.freeze_panes = "A2"

    notes = wb.create_sheet(_("填写说明"))
    notes.append([_("账号分配表填写说明(国家专利导航综合服务平台)")])
    notes["A1"].font = Font(bold=True, size=14)
    notes.append([_("每行一个单位;表头须保持不变。带底色的列必须存在;部委和省级知识产权局已在平台登记,填写后为其分配管理员账号。")])
    notes.append([])
    notes.append([_("列名"), _("是否必填"), _("填写说明")])
    for cell in notes[4]:
        cell.font = bold
    conditional = {"credit_code": _("高校、科研机构和医院必填"), "province": _("部委以外必填"),
                   "supervisor": _("高校、科研机构和医院必填")}
    for column in fmt.columns:
        need = _("必填") if column.required else conditional.get(column.key, _("选填"))
        notes.append([column.header, need, str(column.help)])
    notes.column_dimensions["A"].width = 18
    notes.column_dimensions["B"].width = 26
    notes.column_dimensions["C"].width = 90
    for row in notes.iter_rows(min_row=5):
        row[2].alignment = Alignment(wrap_text=True)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
