"""Checking an allocation sheet against the file and the database: each row's organisation and
admin account found or to be created, duplicates and conflicts named by row and column."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from accounts.allocation.format import (
    DEMO,
    DEMO_PILOT,
    H_CREDIT,
    H_DEMO,
    H_NAME,
    H_PROVINCE,
    H_SUPERVISOR,
    H_TYPE,
    H_USERNAME,
    INSTITUTION_TYPES,
    LOCAL,
    MINISTRY,
    ORG_TYPES,
    PILOT,
    PROVINCE,
    Directory,
    status_unchanged,
)
from accounts.models import Organization, Province, User
from ground.imports import Job
from ground.sheets import CellError, CellValueError, Column, cells
from ground.sheets.formats import ParsedRow
from ground.sheets.reader import RawSheet, normalize_header

# 单位类型: the listed values only (no synonyms are listed in the standard).

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
