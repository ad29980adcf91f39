"""三员分立: the system, security and audit administrators each do their own work and nobody else's.

The matrix walks every page and action of the three administrators as every world user; then each
administrator's work is checked on its own: what it changes, what it refuses, and what it audits.
"""

import io
from dataclasses import dataclass
from datetime import datetime, timedelta

import openpyxl
import pytest
from axes.models import AccessAttempt
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from accounts.administration import (
    AuditFilter,
    audit_events,
    change_permissions,
    create_operator_account,
    reset_account_password,
    set_account_active,
    unlock,
)
from accounts.audit import record
from accounts.models import ApprovalRequest, AuditEvent, User
from accounts.roles import Role, role_of
from accounts.two_person import approve, file_request
from ground.registry import site

from .world import World

TARGET = "inst_bj_moe_member"
OWNERS = {Role.SYSTEM_ADMIN: "sysadmin", Role.SECURITY_ADMIN: "secadmin", Role.AUDIT_ADMIN: "auditor"}


@dataclass(frozen=True)
class Action:
    url_name: str
    method: str
    owner: str
    needs_target: bool = False
    data: tuple = ()
    # Other roles the page belongs to too (the two-person rule's pages: system and security administrators).
    also: tuple = ()
    # The page is about the pending request of `_pending_request` (the operator's password reset).
    needs_request: bool = False

    def url(self, world: World) -> str:
        args = [world.user(TARGET).pk] if self.needs_target else []
        if self.needs_request:
            args = [ApprovalRequest.objects.get(status=ApprovalRequest.Status.PENDING).pk]
        return reverse(f"accounts:{self.url_name}", args=args)

    def send(self, client: Client, world: World):
        if self.method == "GET":
            return client.get(self.url(world))
        return client.post(self.url(world), dict(self.data))


ACTIONS = [
    Action("user_admin", "GET", Role.SYSTEM_ADMIN),
    Action("user_create", "GET", Role.SYSTEM_ADMIN),
    Action("user_create", "POST", Role.SYSTEM_ADMIN, data=(("username", "op_new"), ("full_name", "新运营"))),
    Action("user_deactivate", "POST", Role.SYSTEM_ADMIN, needs_target=True),
    Action("user_activate", "POST", Role.SYSTEM_ADMIN, needs_target=True),
    Action("user_reset_password", "POST", Role.SYSTEM_ADMIN, needs_target=True),
    Action("security", "GET", Role.SECURITY_ADMIN),
    Action("security_unlock", "POST", Role.SECURITY_ADMIN, data=(("username", TARGET),)),
    Action("security_unlock_address", "POST", Role.SECURITY_ADMIN, data=(("ip_address", "127.0.0.1"),)),
    Action("security_permissions", "GET", Role.SECURITY_ADMIN, needs_target=True),
    Action("security_permissions", "POST", Role.SECURITY_ADMIN, needs_target=True,
           data=(("is_org_admin", "on"), ("platform_role", ""))),
    Action("approvals", "GET", Role.SECURITY_ADMIN, also=(Role.SYSTEM_ADMIN,)),
    Action("approval_approve", "POST", Role.SECURITY_ADMIN, also=(Role.SYSTEM_ADMIN,), needs_request=True),
    Action("approval_reject", "POST", Role.SECURITY_ADMIN, also=(Role.SYSTEM_ADMIN,), needs_request=True),
    Action("audit_log", "GET", Role.AUDIT_ADMIN),
    Action("audit_export", "GET", Role.AUDIT_ADMIN),
]


def _lock_out(username: str, failures: int = 5, ip: str = "127.0.0.1") -> None:
    AccessAttempt.objects.create(
        username=username, ip_address=ip, user_agent="pytest", get_data="", post_data="", http_accept="",
        path_info="/accounts/login/", failures_since_start=failures,
    )


def _snapshot(world: World) -> tuple:
    target = User.objects.get(pk=world.user(TARGET).pk)
    return (
        AuditEvent.objects.exclude(action="access.denied").count(), User.objects.count(), target.password,
        target.is_active, target.is_org_admin,
        AccessAttempt.objects.count(), sorted(ApprovalRequest.objects.values_list("pk", "status")),
    )


@pytest.mark.parametrize("action", ACTIONS, ids=lambda a: f"{a.method}-{a.url_name}")
def test_control_access_three_administrators_separated(world, client, action):
    _lock_out(TARGET)
    file_request(world.user("sysadmin"), ApprovalRequest.Action.PASSWORD_RESET, world.user("operator"))
    assert action.send(client, world).status_code == 302  # anonymous: to the login page
    owner = OWNERS[action.owner]
    owners = {owner, *(OWNERS[role] for role in action.also)}
    for name, user in world.users.items():
        if name in owners:
            continue
        client.force_login(user)
        before = _snapshot(world)
        # A user without a role (an enterprise awaiting approval) is not even signed in.
        expected = 403 if role_of(user) else 302
        refusals = AuditEvent.objects.filter(action="access.denied").count()
        response = action.send(client, world)
        assert response.status_code == expected, (name, response.status_code)
        # Refused means nothing happened: no change, no audit event but the refusal's own.
        assert _snapshot(world) == before, name
        assert AuditEvent.objects.filter(action="access.denied").count() == refusals + (expected == 403), name

    client.force_login(world.user(owner))
    response = action.send(client, world)
    assert response.status_code in (200, 302), response.status_code
    if response.streaming:  # a file (the audit log's export): the client closes it once it is read
        b"".join(response.streaming_content)
    if action.method == "POST":
        assert AuditEvent.objects.filter(actor=world.user(owner)).exists()


def test_every_admin_route_of_the_matrix_is_covered():
    """A new administrator route must be added to the matrix above."""
    from accounts import admin_views

    routed = {
        pattern.name for pattern in _walk(get_resolver().url_patterns)
        if getattr(pattern.callback, "__module__", "") == admin_views.__name__
    }
    assert routed == {a.url_name for a in ACTIONS}


def _walk(patterns):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns)
        elif isinstance(pattern, URLPattern):
            yield pattern


def test_navigation_shows_each_admin_its_own_page_only(world):
    pages = {"accounts:user_admin", "accounts:security", "accounts:audit_log"}
    expected = {"sysadmin": "accounts:user_admin", "secadmin": "accounts:security", "auditor": "accounts:audit_log"}
    for name, user in world.users.items():
        shown = {item["url_name"] for item in site.entries_for(user, role_of(user))} & pages
        assert shown == ({expected[name]} if name in expected else set()), name


def test_the_services_check_the_role_too(world):
    """Commands, tasks and the API call the services directly: they refuse the wrong administrator."""
    sysadmin, secadmin, auditor = world.user("sysadmin"), world.user("secadmin"), world.user("auditor")
    member = world.user(TARGET)
    for actor in (secadmin, auditor, world.user("operator"), world.user("inst_bj_moe_admin")):
        with pytest.raises(PermissionDenied):
            create_operator_account(actor=actor, username="x_op")
        with pytest.raises(PermissionDenied):
            set_account_active(actor=actor, user=member, active=False)
        with pytest.raises(PermissionDenied):
            reset_account_password(actor=actor, user=member)
    for actor in (sysadmin, auditor, world.user("operator")):
        with pytest.raises(PermissionDenied):
            change_permissions(actor=actor, user=member, is_org_admin=True, platform_role="")
        with pytest.raises(PermissionDenied):
            unlock(actor=actor, username=TARGET)
    for actor in (sysadmin, secadmin, world.user("operator")):
        with pytest.raises(PermissionDenied):
            audit_events(actor, AuditFilter())
    # Nobody but the audit administrator reads the log, even through the scoping layer.
    record("auth.login", actor=member)
    for name, user in world.users.items():
        assert AuditEvent.objects.visible_to(user).exists() == (name == "auditor"), name
    assert not User.objects.filter(is_active=False).exists()


# 系统管理员 ------------------------------------------------------------------------------------


def test_system_admin_lists_and_searches_all_accounts(world, client):
    client.force_login(world.user("sysadmin"))
    page = client.get(reverse("accounts:user_admin")).content.decode()
    for name in ("operator", "secadmin", "auditor", "moe_admin", "ent_gd_admin", "expert"):
        assert f'<td class="pn-mono">{name}</td>' in page, name
    page = client.get(reverse("accounts:user_admin"), {"q": "广东专精特新"}).content.decode()
    assert '<td class="pn-mono">ent_gd_admin</td>' in page and ">moe_admin<" not in page
    page = client.get(reverse("accounts:user_admin"), {"q": "prov_bj"}).content.decode()
    assert ">prov_bj_admin<" in page and ">prov_gd_admin<" not in page


def test_system_admin_list_is_paginated(world, client):
    User.objects.bulk_create([User(username=f"bulk_{i:03d}", organization=world.orgs["moe"]) for i in range(60)])
    client.force_login(world.user("sysadmin"))
    first = client.get(reverse("accounts:user_admin"), {"q": "bulk_"})
    assert len(first.context["page_obj"]) == 50 and first.context["page_obj"].paginator.count == 60
    second = client.get(reverse("accounts:user_admin"), {"q": "bulk_", "page": 2}).content.decode()
    assert ">bulk_059<" in second and ">bulk_000<" not in second
    assert "q=bulk_&amp;page=1" in second


def test_system_admin_creates_an_operator_with_a_one_time_password(world, client):
    client.force_login(world.user("sysadmin"))
    response = client.post(reverse("accounts:user_create"), {
        "username": "op_zhang", "full_name": "张运营", "phone": "13900000000", "email": "zhang@example.cn",
    })
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    password = response.context["one_time_password"]
    assert password in response.content.decode()
    account = User.objects.get(username="op_zhang")
    assert account.organization == world.orgs["platform"]
    assert account.must_change_password and account.check_password(password)
    assert password not in account.password
    create = AuditEvent.objects.get(action="account.create", target_id=str(account.pk))
    assert create.actor == world.user("sysadmin") and create.after["username"] == "op_zhang"
    # The operator's role is a platform role: granted only once a second administrator approves.
    assert role_of(account) is None
    assert not AuditEvent.objects.filter(action="permission.change", target_id=str(account.pk)).exists()
    filed = ApprovalRequest.objects.get(target=account)
    assert filed.payload == {"is_org_admin": False, "platform_role": "operator"}
    approve(actor=world.user("secadmin"), pk=filed.pk)
    account.refresh_from_db()
    assert role_of(account) == Role.OPERATOR
    grant = AuditEvent.objects.get(action="permission.change", target_id=str(account.pk))
    assert grant.actor == world.user("sysadmin")
    assert grant.before["platform_role"] == "" and grant.after["platform_role"] == "operator"
    # Shown once: the list does not carry it.
    assert password not in client.get(reverse("accounts:user_admin")).content.decode()

    again = client.post(reverse("accounts:user_create"), {"username": "OP_ZHANG", "full_name": "重名"})
    assert again.status_code == 200 and "已被占用" in again.content.decode()
    assert User.objects.filter(username__iexact="op_zhang").count() == 1


def test_system_admin_deactivates_reactivates_and_resets(world, client, password):
    member = world.user(TARGET)
    member_client = Client()
    member_client.force_login(member)
    assert member_client.get(reverse("home")).status_code == 200

    client.force_login(world.user("sysadmin"))
    assert client.post(reverse("accounts:user_deactivate", args=[member.pk])).status_code == 302
    member.refresh_from_db()
    assert not member.is_active
    event = AuditEvent.objects.get(action="account.deactivate")
    assert event.actor == world.user("sysadmin")
    assert (event.before, event.after) == ({"is_active": True}, {"is_active": False})
    # The deactivated member's open session ends, and it cannot sign in again.
    assert member_client.get(reverse("home")).status_code == 302
    assert Client().post(reverse("accounts:login"), {"username": TARGET, "password": password}).status_code == 200

    assert client.post(reverse("accounts:user_activate", args=[member.pk])).status_code == 302
    member.refresh_from_db()
    assert member.is_active
    event = AuditEvent.objects.get(action="account.activate")
    assert (event.before, event.after) == ({"is_active": False}, {"is_active": True})

    response = client.post(reverse("accounts:user_reset_password", args=[member.pk]))
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    new_password = response.context["one_time_password"]
    member.refresh_from_db()
    assert member.check_password(new_password) and not member.check_password(password)
    assert member.must_change_password
    assert AuditEvent.objects.get(action="account.password_reset").target_id == str(member.pk)


def test_system_admin_can_manage_the_other_admins_but_not_itself(world, client):
    sysadmin = world.user("sysadmin")
    client.force_login(sysadmin)
    for name in ("user_deactivate", "user_activate", "user_reset_password"):
        assert client.post(reverse(f"accounts:{name}", args=[sysadmin.pk])).status_code == 404, name
    sysadmin.refresh_from_db()
    assert sysadmin.is_active
    assert not AuditEvent.objects.filter(target_type="accounts.user", target_id=str(sysadmin.pk)).exists()
    # Another administrator's password: a request for a second administrator, not a new password.
    auditor = world.user("auditor")
    assert client.post(reverse("accounts:user_reset_password", args=[auditor.pk])).status_code == 302
    assert User.objects.get(pk=auditor.pk).password == auditor.password
    assert ApprovalRequest.objects.get(target=auditor).action == ApprovalRequest.Action.PASSWORD_RESET


def test_system_admin_cannot_deactivate_the_last_holder_of_an_admin_role(world, client):
    client.force_login(world.user("sysadmin"))
    for name in ("secadmin", "auditor"):
        account = world.user(name)
        response = client.post(reverse("accounts:user_deactivate", args=[account.pk]), follow=True)
        assert "不能撤销最后一名" in response.content.decode(), name
        assert User.objects.get(pk=account.pk).is_active, name
    assert not AuditEvent.objects.filter(action="account.deactivate").exists()
    # With a second auditor in place, the first may go, once a second administrator approves.
    User.objects.filter(pk=world.user("operator").pk).update(platform_role=Role.AUDIT_ADMIN)
    assert client.post(reverse("accounts:user_deactivate", args=[world.user("auditor").pk])).status_code == 302
    assert User.objects.get(pk=world.user("auditor").pk).is_active
    approve(actor=world.user("secadmin"), pk=ApprovalRequest.objects.get().pk)
    assert not User.objects.get(pk=world.user("auditor").pk).is_active


def test_system_admin_pages_are_post_only_for_changes(world, client):
    client.force_login(world.user("sysadmin"))
    pk = world.user(TARGET).pk
    for name in ("user_deactivate", "user_activate", "user_reset_password"):
        assert client.get(reverse(f"accounts:{name}", args=[pk])).status_code == 405
    assert client.get(reverse("accounts:security_unlock")).status_code == 403


# 安全管理员 ------------------------------------------------------------------------------------


def test_security_admin_changes_the_org_admin_flag_with_before_and_after(world, client):
    member = world.user(TARGET)
    client.force_login(world.user("secadmin"))
    url = reverse("accounts:security_permissions", args=[member.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"is_org_admin": "on", "platform_role": ""}).status_code == 302
    member.refresh_from_db()
    assert member.is_org_admin
    event = AuditEvent.objects.get(action="permission.change")
    assert event.actor == world.user("secadmin") and event.target_id == str(member.pk)
    assert event.before == {"is_org_admin": False, "platform_role": ""}
    assert event.after == {"is_org_admin": True, "platform_role": ""}
    # Saving the same again changes nothing and writes nothing.
    client.post(url, {"is_org_admin": "on", "platform_role": ""})
    assert AuditEvent.objects.filter(action="permission.change").count() == 1


def test_security_admin_changes_a_platform_role(world, client):
    operator = world.user("operator")
    client.force_login(world.user("secadmin"))
    url = reverse("accounts:security_permissions", args=[operator.pk])
    assert client.post(url, {"platform_role": Role.SYSTEM_ADMIN}).status_code == 302
    operator.refresh_from_db()
    assert role_of(operator) == Role.OPERATOR  # waits for a second administrator
    approve(actor=world.user("sysadmin"), pk=ApprovalRequest.objects.get().pk)
    operator.refresh_from_db()
    assert role_of(operator) == Role.SYSTEM_ADMIN
    event = AuditEvent.objects.get(action="permission.change")
    assert event.before["platform_role"] == "operator" and event.after["platform_role"] == "system_admin"


def test_security_admin_cannot_give_platform_roles_outside_the_platform(world, client):
    member = world.user(TARGET)
    client.force_login(world.user("secadmin"))
    response = client.post(reverse("accounts:security_permissions", args=[member.pk]),
                           {"platform_role": Role.SECURITY_ADMIN})
    assert response.status_code == 200 and "只有平台账号" in response.content.decode()
    member.refresh_from_db()
    assert member.platform_role == "" and role_of(member) == Role.INSTITUTION
    expert = world.user("expert")
    response = client.post(reverse("accounts:security_permissions", args=[expert.pk]), {"is_org_admin": "on"})
    assert response.status_code == 200 and not User.objects.get(pk=expert.pk).is_org_admin
    assert not AuditEvent.objects.filter(action="permission.change").exists()


def test_security_admin_never_touches_its_own_permissions(world, client):
    secadmin = world.user("secadmin")
    client.force_login(secadmin)
    url = reverse("accounts:security_permissions", args=[secadmin.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"is_org_admin": "on", "platform_role": Role.SYSTEM_ADMIN}).status_code == 404
    with pytest.raises(PermissionDenied):
        change_permissions(actor=secadmin, user=secadmin, is_org_admin=False, platform_role=Role.AUDIT_ADMIN)
    secadmin.refresh_from_db()
    assert secadmin.platform_role == Role.SECURITY_ADMIN and not secadmin.is_org_admin
    assert not AuditEvent.objects.filter(action="permission.change").exists()


def test_the_last_holder_of_an_admin_role_cannot_be_removed(world, client):
    auditor = world.user("auditor")
    client.force_login(world.user("secadmin"))
    url = reverse("accounts:security_permissions", args=[auditor.pk])
    response = client.post(url, {"platform_role": Role.OPERATOR})
    assert response.status_code == 200 and "最后一名审计管理员" in response.content.decode()
    assert User.objects.get(pk=auditor.pk).platform_role == Role.AUDIT_ADMIN
    # With a second auditor, the first may be moved (each change approved by a second administrator).
    operator = world.user("operator")
    client.post(reverse("accounts:security_permissions", args=[operator.pk]), {"platform_role": Role.AUDIT_ADMIN})
    approve(actor=world.user("sysadmin"), pk=ApprovalRequest.objects.get(target=operator).pk)
    assert client.post(url, {"platform_role": Role.OPERATOR}).status_code == 302
    approve(actor=world.user("sysadmin"), pk=ApprovalRequest.objects.get(target=auditor).pk)
    assert User.objects.get(pk=auditor.pk).platform_role == Role.OPERATOR


def test_security_admin_sees_the_policy_and_unlocks(world, client):
    _lock_out(TARGET, failures=3, ip="10.0.0.1")
    _lock_out("ghost", failures=7, ip="10.0.0.2")
    _lock_out("ent_gd_admin", failures=2, ip="10.0.0.3")  # below the limit: not locked
    client.force_login(world.user("secadmin"))
    response = client.get(reverse("accounts:security"))
    listed = {(lock.username, lock.failures) for lock in response.context["lockouts"]}
    assert listed == {("ghost", 7)}
    page = response.content.decode()
    for text in ("连续失败 5 次锁定", "30 分钟", "空闲 30 分钟后自动退出", "至少 3 类", "90 天"):
        assert text in page, text

    response = client.post(reverse("accounts:security_unlock"), {"username": "ghost"})
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username="ghost").exists()
    assert AccessAttempt.objects.filter(username="ent_gd_admin").exists()
    event = AuditEvent.objects.get(action="security.unlock")
    assert event.before == {"username": "ghost", "attempts": [{"ip_address": "10.0.0.2", "failures": 7}]}
    # Nothing to unlock: refused with a message, no event.
    client.post(reverse("accounts:security_unlock"), {"username": "nobody"})
    assert AuditEvent.objects.filter(action="security.unlock").count() == 1


def test_an_expired_lockout_is_not_listed(world, client):
    _lock_out(TARGET, failures=9)
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=31))
    client.force_login(world.user("secadmin"))
    assert client.get(reverse("accounts:security")).context["lockouts"] == []


# 审计管理员 ------------------------------------------------------------------------------------


def _event(action: str, username: str, at: datetime, **kwargs) -> AuditEvent:
    return AuditEvent.objects.create(action=action, actor_username=username, at=at, **kwargs)


def test_audit_admin_filters_the_log(world, client):
    day = timezone.make_aware(datetime(2025, 3, 10, 9, 0))
    bj, gd = world.orgs["inst_bj_moe"], world.orgs["inst_gd_local"]
    _event("auth.login", "alice", day, organization=bj)
    _event("auth.login_failed", "alice", day + timedelta(days=1))
    _event("account.create", "bob", day + timedelta(days=2), organization=gd)
    _event("export.audit_log", "bob", day + timedelta(days=3), organization=gd)
    client.force_login(world.user("auditor"))
    url = reverse("accounts:audit_log")

    def actions(**params) -> list[str]:
        # March 2025 holds only these events (the sign-in above is today).
        response = client.get(url, {"date_from": "2025-03-01", "date_to": "2025-03-31", **params})
        assert response.status_code == 200
        return [row.event.action for row, _url in response.context["rows"]]

    assert actions() == ["export.audit_log", "account.create", "auth.login_failed", "auth.login"]
    # The action: one, or a whole category.
    assert actions(action="auth.*") == ["auth.login_failed", "auth.login"]
    assert actions(action="auth.login") == ["auth.login"]
    # The person: part of a username, or of the account's name.
    assert actions(person="bob") == ["export.audit_log", "account.create"]
    member = _named(world, "inst_bj_moe_member", "王小明")
    _event("auth.logout", member.username, day + timedelta(hours=1), actor=member)
    assert actions(person="小明") == ["auth.logout"]
    # The organisation, by (part of) its name.
    assert actions(organization=gd.name[:4]) == ["export.audit_log", "account.create"]
    assert actions(organization=bj.name) == ["auth.login"]
    assert actions(date_from="2025-03-11", date_to="2025-03-12") == ["account.create", "auth.login_failed"]
    assert actions(date_to="2025-03-10") == ["auth.logout", "auth.login"]
    assert actions(action="auth.*", person="alice", date_from="2025-03-11") == ["auth.login_failed"]
    # One object's events.
    _event("account.activate", "carol", day, target_type="accounts.user", target_id=str(member.pk))
    assert actions(object=f"accounts.user:{member.pk}") == ["account.activate"]
    response = client.get(url, {"date_from": "2025-03-12", "date_to": "2025-03-11"})
    assert "起始日期不能晚于截止日期" in response.content.decode() and response.context["rows"] == []
    # An action that is none of the offered ones is refused, not read as a prefix.
    response = client.get(url, {"action": "auth."})
    assert response.context["form"].errors["action"] and response.context["rows"] == []


def test_the_filter_speaks_chinese(world, client):
    client.force_login(world.user("auditor"))
    page = client.get(reverse("accounts:audit_log")).content.decode()
    start = page.index('id="pn-audit-filter"')
    form = page[start:page.index("</form>", start)]
    for words in ("操作人", "用户名或姓名", "机构名称", "起始日期", "截止日期", "全部操作", "登录失败",
                  "全部“账号”操作", 'type="date"'):
        assert words in form, words
    # No code names to type: the old help text listed prefixes ("如 auth.、account.…").
    assert "如 auth" not in form and 'name="action" maxlength' not in form


def test_audit_log_pages_newest_first_by_keyset(world, client):
    start = timezone.now() - timedelta(days=1)
    for i in range(120):
        _event("demo.seed", f"user{i:03d}", start + timedelta(seconds=i))
    client.force_login(world.user("auditor"))
    url = reverse("accounts:audit_log")
    seen: list[str] = []
    response = client.get(url, {"action": "demo.seed"})
    while True:
        seen += [row.event.actor_username for row, _url in response.context["rows"]]
        if not response.context["next_url"]:
            break
        response = client.get(url + response.context["next_url"])
    assert seen == [f"user{i:03d}" for i in reversed(range(120))]
    for junk in ("abc", "-1", "0", "9" * 30, "²"):
        assert client.get(url, {"action": "demo.seed", "cursor": junk}).status_code == 200, junk


def _named(world, username: str, full_name: str) -> User:
    User.objects.filter(username=username).update(full_name=full_name)
    return User.objects.get(username=username)


def _workbook(response) -> openpyxl.Workbook:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return openpyxl.load_workbook(io.BytesIO(body))


def _rows(book: openpyxl.Workbook, name: str) -> list[tuple]:
    return [tuple(row) for row in book[name].iter_rows(values_only=True)]


def test_audit_export_is_xlsx_in_words_filtered_and_audited(world, client):
    member, sysadmin = _named(world, "inst_bj_moe_member", "王小明"), _named(world, "sysadmin", "赵系统")
    day = timezone.make_aware(datetime(2025, 3, 10, 9, 0))
    _event("account.deactivate", sysadmin.username, day, actor=sysadmin, target_type="accounts.user",
           target_id=str(member.pk), before={"is_active": True}, after={"is_active": False})
    _event("auth.login_failed", "=HYPERLINK(\"http://evil\")", day, detail={"note": "+1"})
    _event("auth.login_failed", "@SUM(A1)\x07", day, before={"name": "-2"})
    _event("auth.login", "outside", day - timedelta(days=5))
    auditor = _named(world, "auditor", "钱审计")
    client.force_login(auditor)
    response = client.get(reverse("accounts:audit_export"), {"date_from": "2025-03-10", "date_to": "2025-03-10"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in response["Content-Disposition"] and ".xlsx" in response["Content-Disposition"]
    book = _workbook(response)
    rows = _rows(book, "审计日志")
    assert rows[0] == ("编号", "时间", "操作人", "IP", "机构", "类别", "操作", "对象", "变更内容", "详情")
    by_action: dict[str, list[tuple]] = {}
    for row in rows[1:]:
        by_action.setdefault(row[6], []).append(row)
    # Filtered as asked (the sign-in five days before is left out); actions and objects by their names.
    assert sorted(by_action) == ["停用账号", "登录失败"] and len(rows) == 4
    deactivation = by_action["停用账号"][0]
    assert deactivation[2] == "赵系统(sysadmin)"
    assert deactivation[5] == "账号"
    assert deactivation[7] == "王小明(inst_bj_moe_member)"
    assert deactivation[8] == "有效:是 → 否"
    # Text stays text: no formula; a control character a sheet cannot hold is replaced.
    for row in book["审计日志"].iter_rows():
        for cell in row:
            assert cell.data_type != "f", cell.value
    assert {row[2] for row in by_action["登录失败"]} == {"=HYPERLINK(\"http://evil\")", "@SUM(A1)\ufffd"}
    # What the file is: who exported it, when, with which filters, how many records.
    about = dict(_rows(book, "导出说明"))
    assert about["导出人"] == "钱审计(auditor)"
    assert "起始日期:2025-03-10" in about["筛选条件"] and about["记录数"] == "3"
    export = AuditEvent.objects.get(action="export.audit_log")
    assert export.actor == auditor and export.detail["rows"] == 3
    assert export.detail["filters"]["date_from"] == "2025-03-10"
    # The same filters as the page, in words: a whole category of actions.
    book = _workbook(client.get(reverse("accounts:audit_export"), {"action": "account.*", "date_from": "2025-03-10"}))
    assert [row[6] for row in _rows(book, "审计日志")[1:]] == ["停用账号"]
    assert "操作:全部“账号”操作" in dict(_rows(book, "导出说明"))["筛选条件"]


def test_control_audit_log_not_changed_through_the_application(world, client):
    event = record("auth.login", actor=world.user("operator"))
    event.action = "auth.logout"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(action="auth.logout")
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "auth.login"

    client.force_login(world.user("auditor"))
    for url in (reverse("accounts:audit_log"), reverse("accounts:audit_export")):
        for method in ("post", "put", "patch", "delete"):
            assert getattr(client, method)(url).status_code == 405, (url, method)
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_no_route_deletes_or_edits_audit_events():
    for pattern in _walk(get_resolver().url_patterns):
        text = f"{pattern.pattern} {pattern.name or ''}".lower()
        if "audit" in text:
            assert not any(word in text for word in ("delete", "remove", "edit", "update", "purge")), text
