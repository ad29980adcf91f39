"""Account allocation (账号分配, DATA-STANDARD.md §4): the service, the command and the operator's pages."""

import contextlib
import io
import os
from pathlib import Path

import openpyxl
import pytest
from django.contrib.auth import authenticate
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import ManagementUtility
from django.db import connections
from django.test import RequestFactory
from django.urls import reverse

from accounts.allocation import AllocationError, allocate_accounts, build_template, preview_allocation
from accounts.identifiers import credit_code_check_character
from accounts.middleware import password_change_due
from accounts.models import AuditEvent, Organization, User
from ground.sheets import open_sheet

HEADERS = ["单位名称", "单位类型", "统一社会信用代码", "所在省份", "主管部门", "示范试点",
           "管理员姓名", "管理员手机", "管理员邮箱", "用户名"]


def credit_code(first17: str) -> str:
    return first17 + credit_code_check_character(first17)


CC_UNIVERSITY = credit_code("12440000MB0000001")
CC_INSTITUTE = credit_code("12440000MB0000002")
CC_HOSPITAL = credit_code("12440100MB0000003")
CC_BJ_LOCAL = credit_code("12110000MB0000004")
CC_WRONG = CC_UNIVERSITY[:17] + ("0" if CC_UNIVERSITY[17] != "0" else "1")  # a wrong check character


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def good_rows() -> list[list]:
    """Data rows 3..8 (a merged title in row 1, the header in row 2)."""
    return [
        ["华南示范大学", "高校", full_width(CC_UNIVERSITY), "广东", "教育部", "国家知识产权示范高校",
         "张三", full_width("13900139000"), "zhangsan@example.edu.cn", None],
        ["广东先进技术研究院", "科研机构", CC_INSTITUTE, 440000, "中科院", "无", "李四", "13900139001", None,
         full_width("gdyjy_admin")],
        ["广州市第一人民医院", " 医院 ", CC_HOSPITAL, "广东省", "地方", None, "王五", "139 0013 9002", None, None],
        ["农业农村部", "部委", None, None, None, None, "赵六", "13900139003", None, "mara_admin"],
        ["新疆生产建设兵团知识产权局", "省级知识产权局", None, "兵团", None, None, "孙七", "+8613900139004", None,
         None],
        # Already in the world, without a credit code: gets this one and its first admin from the sheet.
        ["北京市属研究院", "科研机构", CC_BJ_LOCAL, "110000", "地方", None, "周八", "13900139005", None, None],
    ]


def write_sheet(path: Path, rows: list[list], headers: list[str] | None = None, title: bool = True) -> Path:
    headers = HEADERS if headers is None else headers
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "账号分配"
    if title:
        ws.append(["2024年度存量专利盘点 账号分配表"])
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    # Full-width letters and stray spaces in the headers fold away.
    ws.append([f" {h} " if index % 2 else h.replace("名称", "名 称") for index, h in enumerate(headers)])
    for row in rows:
        ws.append(row)
    ws.append([None] * len(headers))  # empty rows are skipped
    wb.save(path)
    return path


def counts() -> tuple[int, int, int]:
    """Organisations, accounts, and audit events other than the upload's own two (kept and committed)."""
    own = {"account.allocation_upload", "account.allocate"}
    return Organization.objects.count(), User.objects.count(), AuditEvent.objects.exclude(action__in=own).count()


def a_request():
    return RequestFactory().post("/accounts/login/")


def read_result(content: bytes) -> list[dict]:
    ws = openpyxl.load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    assert list(rows[0]) == ["行号", "单位名称", "单位状态", "用户名", "初始密码", "状态"]
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


@pytest.fixture
def good_sheet(tmp_path) -> Path:
    return write_sheet(tmp_path / "账号分配.xlsx", good_rows())


# --- the service -------------------------------------------------------------------------------


def test_good_sheet_creates_organisations_and_admins(world, good_sheet):
    before = counts()
    preview = preview_allocation(good_sheet, good_sheet.name)
    assert preview.messages == []
    assert (preview.header_row, [r.row_number for r in preview.rows]) == (2, [3, 4, 5, 6, 7, 8])
    assert (preview.new_organizations, preview.new_accounts, preview.unchanged) == (3, 6, 0)
    assert counts() == before  # a preview writes nothing

    operator = world.user("operator")
    result = allocate_accounts(actor=operator, path=good_sheet, original_name=good_sheet.name)
    assert [r.organization_name for r in result.created_organizations] == [
        "华南示范大学", "广东先进技术研究院", "广州市第一人民医院"]
    assert len(result.created_accounts) == 6 and result.unchanged == []

    university = Organization.objects.get(name="华南示范大学")
    assert university.kind == Organization.Kind.INSTITUTION
    assert university.institution_type == "university"
    assert university.credit_code == CC_UNIVERSITY  # folded from full width
    assert university.province_id == "440000"
    assert university.supervisor == world.orgs["moe"]
    assert university.is_demo_university and not university.is_pilot_university
    institute = Organization.objects.get(name="广东先进技术研究院")
    assert institute.supervisor.code == "CAS" and institute.institution_type == "research_institute"
    hospital = Organization.objects.get(name="广州市第一人民医院")
    assert hospital.supervisor is None and hospital.institution_type == "hospital" and hospital.is_local
    assert Organization.objects.get(pk=world.orgs["inst_bj_local"].pk).credit_code == CC_BJ_LOCAL

    assert User.objects.get(username="gdyjy_admin").organization == institute  # folded from full width
    assert User.objects.get(username="mara_admin").organization.code == "MARA"
    bingtuan_admin = User.objects.get(organization__kind="province", organization__code="660000", full_name="孙七")
    assert bingtuan_admin.phone == "13900139004"
    assert User.objects.get(organization=hospital).phone == "13900139002"
    for user in User.objects.filter(full_name__in=["张三", "李四", "王五", "赵六", "孙七", "周八"]):
        assert user.is_org_admin and user.must_change_password and password_change_due(user)

    rows = read_result(result.sheet)
    assert [r["行号"] for r in rows] == [3, 4, 5, 6, 7, 8]
    assert [r["状态"] for r in rows] == ["新建"] * 6
    assert [r["单位状态"] for r in rows] == ["新建", "新建", "新建", "已存在", "已存在", "已存在"]
    for row in rows:
        user = authenticate(a_request(), username=row["用户名"], password=row["初始密码"])
        assert user is not None and user.organization.name == row["单位名称"], row["单位名称"]
        assert user.is_org_admin and user.must_change_password

    events = AuditEvent.objects.filter(actor=operator)
    assert events.filter(action="organization.create").count() == 3
    assert events.filter(action="account.create").count() == 6
    assert events.filter(action="organization.update", target_id=str(world.orgs["inst_bj_local"].pk)).count() == 1
    assert events.get(action="account.allocate").detail["created_accounts"] == 6


def test_second_upload_changes_nothing_and_says_so(world, good_sheet):
    operator = world.user("operator")
    first = allocate_accounts(actor=operator, path=good_sheet, original_name=good_sheet.name)
    passwords = {r.username: r.password for r in first.rows}
    before = counts()

    preview = preview_allocation(good_sheet, good_sheet.name)
    assert (preview.new_organizations, preview.new_accounts, preview.unchanged) == (0, 0, 6)
    assert {r.status for r in preview.rows} == {"已存在,未变更"}
    again = allocate_accounts(actor=operator, path=good_sheet, original_name=good_sheet.name)
    assert counts() == before
    assert again.created_organizations == [] and again.created_accounts == [] and len(again.unchanged) == 6
    rows = read_result(again.sheet)
    assert [r["状态"] for r in rows] == ["已存在,未变更"] * 6
    assert all(not r["初始密码"] for r in rows)
    assert {r["用户名"] for r in rows} == set(passwords)
    # The passwords of the first run still work: nothing was reset.
    for username, password in passwords.items():
        assert authenticate(a_request(), username=username, password=password) is not None


def _sheet_with(tmp_path, change) -> Path:
    rows = good_rows()
    change(rows)
    return write_sheet(tmp_path / "bad.xlsx", rows)


def _set(row: int, column: str, value):
    def change(rows):
        rows[row - 3][HEADERS.index(column)] = value
    return change


def _both(*changes):
    def change(rows):
        for c in changes:
            c(rows)
    return change


@pytest.mark.parametrize("change,row,column,value,fragment", [
    pytest.param(_set(3, "统一社会信用代码", CC_WRONG), 3, "统一社会信用代码", CC_WRONG, "的校验位是",
                 id="wrong-credit-code"),
    pytest.param(_set(3, "统一社会信用代码", "1244000MB00001"), 3, "统一社会信用代码", "1244000MB00001", "应为18位",
                 id="short-code"),
    pytest.param(_both(_set(4, "用户名", "dup_admin"), _set(7, "用户名", "DUP_admin")),
                 7, "用户名", "DUP_admin", "与第 4 行重复", id="duplicate-username-in-file"),
    pytest.param(_set(4, "用户名", "operator"), 4, "用户名", "operator", "已被平台中其他账号占用",
                 id="username-taken-in-db"),
    pytest.param(_set(5, "用户名", "Inst_BJ_Moe_Admin"), 5, "用户名", "Inst_BJ_Moe_Admin", "已被平台中其他账号占用",
                 id="username-taken-other-case"),
    pytest.param(_set(3, "所在省份", "990000"), 3, "所在省份", "990000", "不是省级行政区划代码",
                 id="unknown-province-code"),
    pytest.param(_set(5, "所在省份", "广东州"), 5, "所在省份", "广东州", "不是省级行政区", id="unknown-province-name"),
    pytest.param(_set(3, "主管部门", "宇宙部"), 3, "主管部门", "宇宙部", "不是平台登记的部委", id="unknown-ministry"),
    pytest.param(_set(6, "单位名称", "宇宙部"), 6, "单位名称", "宇宙部", "平台中没有这个部委",
                 id="unknown-ministry-row"),
    pytest.param(_set(5, "统一社会信用代码", CC_UNIVERSITY), 5, "统一社会信用代码", CC_UNIVERSITY, "与第 3 行重复",
                 id="duplicate-credit-code"),
    pytest.param(_set(4, "单位名称", "华南示范大学"), 4, "单位名称", "华南示范大学", "与第 3 行重复",
                 id="duplicate-name"),
    pytest.param(_set(6, "单位名称", "农业部"), None, None, None, None, id="alias-is-fine"),
    pytest.param(_both(_set(6, "单位名称", "中科院"), _set(4, "单位名称", "中国科学院"), _set(4, "单位类型", "部委")),
                 6, "单位名称", "中科院",
                 "与第 4 行是同一部委", id="same-ministry-twice"),
    pytest.param(_set(3, "统一社会信用代码", None), 3, "统一社会信用代码", None, "须填写统一社会信用代码",
                 id="institution-without-credit-code"),
    pytest.param(_set(5, "示范试点", "国家知识产权试点高校"), 5, "示范试点", None, "只有高校",
                 id="pilot-on-a-hospital"),
    pytest.param(_set(5, "单位类型", "大学"), 5, "单位类型", "大学", "不是可选值", id="unknown-type"),
    pytest.param(_set(8, "管理员手机", "010-12345678"), 8, "管理员手机", "010-12345678", "不是有效的手机号码",
                 id="landline-for-mobile"),
    pytest.param(_set(3, "统一社会信用代码", "91350100M000100Y43"), 3, "统一社会信用代码", "91350100M000100Y43",
                 "已登记为企业", id="credit-code-of-an-enterprise"),
    pytest.param(_set(3, "管理员姓名", None), 3, "管理员姓名", None, "必填项为空", id="missing-admin"),
])
def test_row_errors_name_row_and_column_and_write_nothing(world, tmp_path, change, row, column, value, fragment):
    path = _sheet_with(tmp_path, change)
    before = counts()
    preview = preview_allocation(path, path.name)
    if row is None:
        assert preview.messages == []
        return
    matching = [e for e in preview.errors if (e.row, e.column) == (row, column) and fragment in e.message]
    assert matching, preview.messages
    if value is not None:
        assert matching[0].value == value
    assert f"第{row}行「{column}」列" in matching[0].as_text()
    with pytest.raises(AllocationError) as raised:
        allocate_accounts(actor=world.user("operator"), path=path, original_name=path.name)
    assert any(fragment in m and f"第{row}行" in m for m in raised.value.preview.messages)
    assert counts() == before


def test_every_error_is_reported_at_once(world, tmp_path):
    path = _sheet_with(tmp_path, _both(
        _set(3, "所在省份", "990000"), _set(4, "主管部门", "宇宙部"), _set(4, "管理员手机", "12345"),
        _set(5, "用户名", "operator"),
    ))
    errors = {(e.row, e.column) for e in preview_allocation(path, path.name).errors}
    assert {(3, "所在省份"), (4, "主管部门"), (4, "管理员手机"), (5, "用户名")} <= errors


def write_bytes(path: Path, content: bytes) -> Path:
    path.write_bytes(content)
    return path


@pytest.mark.parametrize("make,fragment", [
    pytest.param(lambda p: write_sheet(p / "a.xlsx", good_rows(), headers=[h for h in HEADERS if h != "管理员手机"]),
                 "缺少必填列:管理员手机", id="missing-column"),
    pytest.param(lambda p: write_bytes(p / "a.xlsx", b""), "文件是空的", id="empty-file"),
    pytest.param(lambda p: write_bytes(p / "a.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512),
                 ".xls", id="xls"),
    pytest.param(lambda p: write_sheet(p / "a.xlsx", []), "没有数据行", id="header-only"),
])
def test_file_level_errors_write_nothing(world, tmp_path, make, fragment):
    path = make(tmp_path)
    before = counts()
    preview = preview_allocation(path, path.name)
    assert preview.rows == [] and any(fragment in m for m in preview.file_errors), preview.file_errors
    with pytest.raises(AllocationError, match=fragment.replace(".", r"\.")):
        allocate_accounts(actor=world.user("operator"), path=path, original_name=path.name)
    assert counts() == before


def test_a_bad_row_blocks_the_good_ones(world, tmp_path):
    path = _sheet_with(tmp_path, _set(8, "所在省份", "990000"))
    before = counts()
    with pytest.raises(AllocationError):
        allocate_accounts(actor=world.user("operator"), path=path, original_name=path.name)
    assert counts() == before
    assert not Organization.objects.filter(name="华南示范大学").exists()


def test_existing_institution_keeps_its_details_with_a_warning(world, tmp_path):
    # 北京示范大学 (credit code 12100000400000624D) is in the world under 教育部 in 北京.
    rows = [["北京示范大学", "高校", "12100000400000624D", "广东", "地方", "国家知识产权示范高校", "钱九",
             "13900139009", None, None]]
    path = write_sheet(tmp_path / "w.xlsx", rows)
    preview = preview_allocation(path, path.name)
    assert preview.messages == []
    warned = {w.column for w in preview.warnings}
    assert {"所在省份", "主管部门"} <= warned
    result = allocate_accounts(actor=world.user("operator"), path=path, original_name=path.name)
    org = Organization.objects.get(pk=world.orgs["inst_bj_moe"].pk)
    assert org.province_id == "110000" and org.supervisor == world.orgs["moe"]
    assert result.rows[0].account_created and not result.rows[0].organization_created


def test_template_has_headers_instructions_and_drop_downs(world, tmp_path):
    path = tmp_path / "template.xlsx"
    path.write_bytes(build_template())
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    assert [c.value for c in ws[1]] == HEADERS
    lists = {str(v.sqref).split(":")[0]: v.formula1 for v in ws.data_validations.dataValidation}
    assert "部委" in lists["B2"] and "医院" in lists["B2"]
    assert "国家知识产权示范高校" in lists["F2"] and "无" in lists["F2"]
    assert "地方" in lists["E2"]
    assert "填写说明" in wb.sheetnames
    # The blank template is a valid, empty allocation sheet.
    assert open_sheet(path, "template.xlsx", ["单位名称", "管理员手机"]).header_row == 1
    assert "没有数据行" in preview_allocation(path, "template.xlsx").file_errors[0]


def test_result_sheet_cells_are_text(world, tmp_path):
    rows = good_rows()[:1]
    rows[0][0] = "=HYPERLINK(\"http://x\")大学"
    path = write_sheet(tmp_path / "f.xlsx", rows)
    wb = openpyxl.load_workbook(path)
    wb.active["A3"].data_type = "s"  # a text cell that merely starts with "="
    wb.save(path)
    result = allocate_accounts(actor=world.user("operator"), path=path, original_name=path.name)
    assert read_result(result.sheet)[0]["单位名称"] == rows[0][0]


# --- the command -------------------------------------------------------------------------------


@pytest.fixture
def run_command(monkeypatch):
    """Run the command as `manage.py` does, returning (exit code, stdout, stderr)."""
    # run_from_argv closes every connection when done, the test's own PostgreSQL connection included.
    monkeypatch.setattr(connections, "close_all", lambda: None)
    return _run_command


def _run_command(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            ManagementUtility(["manage.py", "allocate_accounts", *args]).execute()
        except SystemExit as exit_:
            code = exit_.code
    return code, out.getvalue(), err.getvalue()


def test_command_allocates_and_writes_the_result(world, good_sheet, run_command):
    code, out, err = run_command(str(good_sheet), "--actor", "operator")
    assert code == 0, err
    assert "新建单位:第3行 华南示范大学" in out and "新建账号:第6行 农业农村部 mara_admin" in out
    output = good_sheet.with_name("账号分配-结果.xlsx")
    assert output.exists() and (os.stat(output).st_mode & 0o777) == 0o600
    assert [r["状态"] for r in read_result(output.read_bytes())] == ["新建"] * 6
    assert AuditEvent.objects.filter(action="account.allocate", actor=world.user("operator")).exists()

    code, out, err = run_command(str(good_sheet), "--output", str(good_sheet.with_name("again.xlsx")))
    assert code == 0, err
    assert out.count("已存在,未变更:") == 6 and "新建 0 个单位、0 个账号" in out


def test_command_reports_errors_and_exits_non_zero(world, tmp_path, run_command):
    path = _sheet_with(tmp_path, _both(_set(3, "统一社会信用代码", CC_WRONG), _set(4, "用户名", "operator")))
    before = counts()
    code, _, err = run_command(str(path))
    assert code != 0
    assert "第3行「统一社会信用代码」列" in err and "第4行「用户名」列(值:operator)" in err
    assert "未写入任何数据" in err
    assert counts() == before
    assert not path.with_name("bad-结果.xlsx").exists()

    code, _, err = run_command(str(tmp_path / "missing.xlsx"))
    assert code != 0
    code, _, err = run_command(str(path), "--actor", "moe_admin")
    assert code != 0 and "不是平台运营人员" in err


def test_command_dry_run_writes_nothing(world, good_sheet, run_command):
    before = counts()
    code, out, _ = run_command(str(good_sheet), "--dry-run")
    assert code == 0 and "检查通过" in out
    assert counts() == before


# --- the pages ---------------------------------------------------------------------------------


def _upload(client, path: Path, name: str | None = None):
    return client.post(reverse("accounts:allocation"),
                       {"file": SimpleUploadedFile(name or path.name, path.read_bytes())})


def test_operator_uploads_previews_confirms_and_downloads(world, login, good_sheet):
    client = login(world.user("operator"))
    page = client.get(reverse("accounts:allocation"))
    assert page.status_code == 200
    assert reverse("accounts:allocation_template") in page.content.decode()
    assert reverse("accounts:allocation") in client.get(reverse("home")).content.decode()  # navigation
    template = client.get(reverse("accounts:allocation_template"))
    assert template.status_code == 200
    blank = openpyxl.load_workbook(io.BytesIO(b"".join(template.streaming_content)))
    assert blank.worksheets[0]["A1"].value == "单位名称"

    before = counts()
    response = _upload(client, good_sheet)
    assert response.status_code == 302, response.content.decode()[-3000:]
    preview_url = response["Location"]
    page = client.get(preview_url).content.decode()
    assert "华南示范大学" in page and "将新建单位和管理员账号" in page and "pn-allocation-confirm" in page
    assert counts() == before

    token = preview_url.rstrip("/").rsplit("/", 1)[-1]
    response = client.post(reverse("accounts:allocation_confirm", args=[token]))
    assert response.status_code == 302
    result_url = response["Location"]
    page = client.get(result_url).content.decode()
    assert "已新建 3 个单位、6 个管理员账号" in page
    assert Organization.objects.filter(name="华南示范大学").exists()

    result_token = result_url.rstrip("/").rsplit("/", 1)[-1]
    download = client.get(reverse("accounts:allocation_download", args=[result_token]))
    assert download.status_code == 200 and "no-cache" in download["Cache-Control"]
    rows = read_result(b"".join(download.streaming_content))
    assert authenticate(a_request(), username=rows[0]["用户名"], password=rows[0]["初始密码"]) is not None
    event = AuditEvent.objects.get(action="export.allocation_result")
    assert event.actor == world.user("operator") and event.detail["passwords"] == 6

    # The upload is gone once confirmed; the result belongs to this operator only.
    assert client.post(reverse("accounts:allocation_confirm", args=[token])).status_code == 302
    other = User.objects.create(username="operator2", organization=world.orgs["platform"], platform_role="operator")
    client.force_login(other)
    assert client.get(reverse("accounts:allocation_download", args=[result_token])).status_code == 404

    # A second upload of the same sheet changes nothing and says so.
    client.force_login(world.user("operator"))
    before = counts()
    response = _upload(client, good_sheet)
    token = response["Location"].rstrip("/").rsplit("/", 1)[-1]
    assert "已存在,未变更" in client.get(response["Location"]).content.decode()
    response = client.post(reverse("accounts:allocation_confirm", args=[token]))
    page = client.get(response["Location"]).content.decode()
    assert "均已存在,未变更,没有生成新密码" in page
    assert counts() == before


def test_errors_are_shown_and_confirm_writes_nothing(world, login, tmp_path):
    client = login(world.user("operator"))
    path = _sheet_with(tmp_path, _set(3, "统一社会信用代码", CC_WRONG))
    response = _upload(client, path)
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "的校验位是" in page and "统一社会信用代码" in page and "第 3 行" in page
    assert "pn-allocation-confirm" not in page
    before = counts()
    token = response["Location"].rstrip("/").rsplit("/", 1)[-1]
    response = client.post(reverse("accounts:allocation_confirm", args=[token]))
    assert response.status_code == 400 and "的校验位是" in response.content.decode()
    assert counts() == before


@pytest.mark.parametrize("name,content,fragment", [
    ("a.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512, ".xls"),
    ("a.xlsx", b"", None),  # Django's FileField refuses an empty upload itself
])
def test_unreadable_upload_is_refused_on_the_upload_page(world, login, name, content, fragment):
    client = login(world.user("operator"))
    response = client.post(reverse("accounts:allocation"), {"file": SimpleUploadedFile(name, content)})
    assert response.status_code == 200
    if fragment:
        assert fragment in response.content.decode()


def test_only_the_operator_reaches_the_pages(world, login, client, good_sheet):
    operator_client = login(world.user("operator"))
    token = _upload(operator_client, good_sheet)["Location"].rstrip("/").rsplit("/", 1)[-1]
    urls = [
        ("get", reverse("accounts:allocation")),
        ("post", reverse("accounts:allocation")),
        ("get", reverse("accounts:allocation_template")),
        ("get", reverse("accounts:allocation_preview", args=[token])),
        ("post", reverse("accounts:allocation_confirm", args=[token])),
        ("get", reverse("accounts:allocation_result", args=[token])),
        ("get", reverse("accounts:allocation_download", args=[token])),
    ]
    client.logout()
    for method, url in urls:
        response = getattr(client, method)(url)
        assert response.status_code == 302 and reverse("accounts:login") in response["Location"], url
    before = counts()
    for name, user in world.users.items():
        if name == "operator":
            continue
        client.force_login(user)
        refused = {403, 404} if user.organization is None or user.organization.is_active else {302}
        for method, url in urls:
            # Users of a pending enterprise are not signed in at all: they are sent to the login page.
            assert getattr(client, method)(url).status_code in refused, (name, url)
        nav = client.get(reverse("home")).content.decode()
        assert reverse("accounts:allocation") not in nav, name
    assert Organization.objects.count() == before[0] and User.objects.count() == before[1]
    assert not AuditEvent.objects.filter(action__in=["account.allocate", "export.allocation_result"]).exists()


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()
