"""The audit log reads as a person reads: actions by their Chinese names, objects by what people
call them, what changed field by field (old → new), never a raw code, a "#1" or a JSON blob.

Every action the code records has its name (accounts.audit_labels.ACTIONS): the recorder refuses
one without, and the source of every app is read for the actions it records, so a code path no
test runs is checked too. Objects are named in one query per kind of object for a whole page, and
named for the viewer: the audit administrator reads accounts, organisations and uploads by name,
and business objects (patents, records, conversions) by their reference only (三员分立).
"""

import ast
import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.administration import change_permissions, set_account_active
from accounts.audit import record
from accounts.audit_labels import ACTIONS, CATEGORIES
from accounts.audit_objects import name_objects
from accounts.departments import create_department
from accounts.exports import EXPORTS
from accounts.models import AuditEvent, User
from ground.imports.registry import _IMPORTS
from inventory.records.assessment import update_assessment

ROOT = Path(__file__).resolve().parent.parent
APPS = ("ground", "accounts", "inventory", "matching", "evaluation", "reporting", "patentnavi", "demo")
ADMIN = "inst_bj_moe_admin"


def _sources() -> list[Path]:
    return [path for app in APPS for path in sorted((ROOT / app).rglob("*.py")) if "migrations" not in path.parts]


# --- every action has its name --------------------------------------------------------------------

# Calls of the recorder whose action is not written at the call: (file, the argument), and where
# the actions it may be come from (checked below).
DYNAMIC_CALLS = {
    ("accounts/exports.py", "handler.action"),  # each Export's `action` (EXPORTS)
    ("accounts/allocation/importer.py", "self.events[event]"),  # each import format's `events`
    ("inventory/upload/importer.py", "self.events[event]"),
    ("inventory/patents/platform_import.py", "self.events[event]"),
    ("matching/needs/importer.py", "self.events[event]"),
    ("evaluation/feedback/importer.py", "self.events[event]"),
    ("evaluation/experts/importer.py", "self.events[event]"),
    ("inventory/records/review.py", "event"),  # the actions its steps pass as `event=`
}


def _keyword_strings(path: Path, keyword: str) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.value.value for node in ast.walk(tree) if isinstance(node, ast.keyword) and node.arg == keyword
            and isinstance(node.value, ast.Constant)}


def _recorder_names(tree: ast.Module) -> set[str]:
    return {alias.asname or alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
            and node.module == "accounts.audit" for alias in node.names if alias.name == "record"}


def test_every_action_the_code_records_has_a_name():
    """Each call of accounts.audit.record (under any name it is imported as) names its action by a
    literal, or is one of DYNAMIC_CALLS, whose actions are read where they are declared."""
    literal, dynamic = set(), set()
    for path in _sources():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = _recorder_names(tree)
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in names):
                continue
            argument = node.args[0] if node.args else None
            strings = [n.value for n in ast.walk(argument) if isinstance(n, ast.Constant)] if argument else []
            if strings and not any(isinstance(n, ast.JoinedStr) for n in ast.walk(argument)):
                literal.update(strings)
            else:
                dynamic.add((str(path.relative_to(ROOT)), ast.unparse(argument) if argument else ""))
    assert dynamic == DYNAMIC_CALLS, "a recorder call whose action the test cannot read: name it in DYNAMIC_CALLS"
    assert literal <= set(ACTIONS), sorted(literal - set(ACTIONS))
    assert {"auth.login", "account.deactivate", "permission.change", "demo.seed"} <= literal
    # The actions of the dynamic calls: the review's steps, every export, every step of every import.
    review = _keyword_strings(ROOT / "inventory/records/review.py", "event")
    assert len(review) == 3 and review <= set(ACTIONS), review
    assert set(EXPORTS) <= set(ACTIONS), sorted(set(EXPORTS) - set(ACTIONS))
    events = {action for importer in _IMPORTS.values() if not type(importer).__module__.startswith("tests")
              for action in importer.events.values()}
    assert len(_IMPORTS) >= 5 and events <= set(ACTIONS), sorted(events - set(ACTIONS))


def test_the_recorder_refuses_an_action_without_a_name(db):
    with pytest.raises(ValueError, match="no name"):
        record("account.rename_everything", username="x")
    assert not AuditEvent.objects.exists()


def test_action_names_are_chinese_and_distinct():
    names = [str(label) for label in ACTIONS.values()]
    assert len(set(names)) == len(names)
    assert all(re.search(r"[\u4e00-\u9fff]", name) for name in names)
    assert {action.split(".")[0] for action in ACTIONS} == set(CATEGORIES)


# --- the page -------------------------------------------------------------------------------------


def _named(world, username: str, full_name: str) -> User:
    User.objects.filter(username=username).update(full_name=full_name)
    return User.objects.get(username=username)


def _events(world) -> dict:
    """Events written by the services, as the platform writes them."""
    sysadmin, secadmin = world.user("sysadmin"), world.user("secadmin")
    member = _named(world, "inst_bj_moe_member", "王小明")
    admin = world.user(ADMIN)
    set_account_active(actor=sysadmin, user=member, active=False)
    change_permissions(actor=secadmin, user=world.user("inst_bj_local_admin"), is_org_admin=False, platform_role="")
    department = create_department(actor=admin, name="材料科学与工程学院")
    record_ = world.patents["bj_moe_private"].inventory
    update_assessment(actor=admin, record=record_, values={"remarks": "内部备注(审计不可见)"})
    batch = world.batches["bj_moe_upload"]
    record("inventory.upload", actor=admin, target=batch, organization=batch.organization, file=batch.original_name,
           rows=12)
    return {"member": member, "department": department, "record": record_, "batch": batch}


def _page(client, world, **params) -> str:
    client.force_login(world.user("auditor"))
    response = client.get(reverse("accounts:audit_log"), params)
    assert response.status_code == 200
    return response.content.decode()


def test_the_page_reads_in_words(world, client):
    made = _events(world)
    page = _page(client, world)
    table = page[page.index('id="pn-audit-log"'):]
    # Actions by their names, never their codes.
    for name in ("停用账号", "修改权限", "新建二级单位", "修改盘点信息", "上传盘点结果"):
        assert name in table, name
    shown = re.sub(r'href="[^"]*"', "", table)
    for code in ("account.deactivate", "permission.change", "department.create", "inventory.upload",
                 "accounts.user", "inventory.inventoryrecord"):
        assert code not in shown, code
    assert "{&quot;" not in table and '{"' not in table  # no JSON
    # The deactivation: who, of whom, and the change field by field.
    deactivation = AuditEvent.objects.get(action="account.deactivate")
    row = table[table.index(f'id="event-{deactivation.pk}"'):]
    row = row[:row.index("</tr>\n    <tr") if "</tr>\n    <tr" in row else len(row)]
    assert "王小明(inst_bj_moe_member)" in row and "#" not in row.replace("&#x27;", "")
    assert re.search(r"<th scope=\"row\">有效</th>\s*<td class=\"pn-audit-old\">是</td>\s*"
                     r"<td class=\"pn-audit-new\"><span class=\"pn-audit-arrow\" aria-hidden=\"true\">→</span> 否</td>",
                     row), row
    # A department by its name and organisation; an upload by its file.
    assert f"材料科学与工程学院({world.orgs['inst_bj_moe'].name})" in table
    assert f"盘点结果:{made['batch'].original_name}" in table
    # A business record: its reference only, the fields changed, their values withheld.
    patent = made["record"].patent
    assert f"盘点记录(编号 {made['record'].pk})" in table
    assert patent.application_number not in page and patent.title not in page
    assert "已变更(值属业务数据,不记入审计日志):备注" in table and "内部备注(审计不可见)" not in page


def test_the_object_link_narrows_the_log_to_the_object(world, client):
    made = _events(world)
    page = _page(client, world)
    link = f"?object=accounts.user%3A{made['member'].pk}"
    assert link in page
    page = _page(client, world, object=f"accounts.user:{made['member'].pk}")
    table = page[page.index('id="pn-audit-log"'):]
    assert "停用账号" in table and "修改权限" not in table and "新建二级单位" not in table
    assert "只看对象:王小明(inst_bj_moe_member)" in page
    assert _page(client, world, object="nonsense").count('id="event-') == 0


def test_the_table_region_scrolls_with_the_keyboard(world, client):
    page = _page(client, world)
    region = re.search(r"<div [^>]*pn-audit-scroll[^>]*>", page).group(0)
    assert 'tabindex="0"' in region and 'role="region"' in region and re.search(r'aria-label="[^"]+"', region)


def test_objects_are_named_for_their_viewer(world):
    made = _events(world)
    record_, batch = made["record"], made["batch"]
    references = [("inventory.inventoryrecord", str(record_.pk)), ("inventory.importbatch", str(batch.pk)),
                  ("accounts.user", str(made["member"].pk)), ("accounts.user", "999999")]
    # The institution's admin sees the record and the upload: named, with their pages.
    names = name_objects(world.user(ADMIN), references)
    record_name = names[references[0]]
    assert record_name.text == f"{record_.patent.application_number} {record_.patent.title}"
    assert record_name.url == reverse("inventory:patent_detail", args=[record_.patent_id])
    assert names[references[1]].url == reverse("inventory:upload_detail", args=[batch.pk])
    # The audit administrator: the upload by its file but no link (it may not open it), the record
    # by its reference, an account since deleted as such.
    names = name_objects(world.user("auditor"), references)
    assert names[references[0]].text == f"盘点记录(编号 {record_.pk})" and not names[references[0]].url
    assert names[references[1]].text == f"盘点结果:{batch.original_name}" and not names[references[1]].url
    assert names[references[2]].text == "王小明(inst_bj_moe_member)"
    assert names[references[3]].note == "已删除"


def test_the_page_takes_the_same_queries_however_many_objects(world, client):
    client.force_login(world.user("auditor"))
    url = reverse("accounts:audit_log")
    start = timezone.make_aware(datetime(2025, 1, 1))
    targets = [
        *(("accounts.user", str(user.pk)) for user in world.users.values()),
        *(("accounts.organization", str(org.pk)) for org in world.orgs.values()),
        *(("inventory.importbatch", str(batch.pk)) for batch in world.batches.values()),
        *(("inventory.inventoryrecord", str(patent.inventory.pk)) for patent in world.patents.values()),
        *(("accounts.department", str(item.obj.pk)) for item in world.extra_objects["accounts.department"]),
        *(("inventory.selfassessmentinvitation", str(item.obj.pk))
          for item in world.extra_objects["inventory.selfassessmentinvitation"]),
    ]
    kinds = sorted({kind for kind, _pk in targets})

    def count(events: int) -> int:
        # The newest page holds an event about an object of every kind, each a different one.
        for index in range(events):
            kind = kinds[index % len(kinds)]
            of_kind = [pk for k, pk in targets if k == kind]
            AuditEvent.objects.create(action="account.activate", actor=world.user("sysadmin"),
                                      actor_username="sysadmin", organization=world.orgs["inst_bj_moe"],
                                      at=start + timedelta(minutes=len(AuditEvent.objects.all()) + index),
                                      target_type=kind, target_id=of_kind[(index // len(kinds)) % len(of_kind)],
                                      before={"is_active": False}, after={"is_active": True})
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        return len(queries)

    few = count(len(kinds))
    many = count(40)
    assert few == many, (few, many)
