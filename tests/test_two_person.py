"""三员分立 that holds: no administrator changes another administrator's account, or grants a platform
role, alone (accounts.two_person). Each path that was open is tried through the real pages: it now
files a request, which a second administrator approves (the change is then carried out) or rejects;
the requester and the account concerned cannot approve; everything is audited. At installation the
command line does the same changes, audited as from it.
"""

from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from accounts.models import ApprovalRequest, AuditEvent, User
from accounts.roles import Role, role_of
from accounts.two_person import approve, require_approval

Action, Status = ApprovalRequest.Action, ApprovalRequest.Status


def as_user(world, name: str) -> Client:
    client = Client()
    client.force_login(world.user(name))
    return client


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


# The paths that were open ----------------------------------------------------------------------


def test_control_sysadmin_cannot_reset_another_administrators_password_alone(world, password):
    auditor = world.user("auditor")
    sysadmin = as_user(world, "sysadmin")
    response = sysadmin.post(reverse("accounts:user_reset_password", args=[auditor.pk]), follow=True)
    assert response.status_code == 200 and "one_time_password" not in response.context
    assert "须由另一名管理员批准" in response.content.decode()
    auditor.refresh_from_db()
    assert auditor.check_password(password) and not auditor.must_change_password
    assert not events("account.password_reset")
    filed = ApprovalRequest.objects.get()
    assert (filed.action, filed.target, filed.requested_by, filed.status) == (
        Action.PASSWORD_RESET, auditor, world.user("sysadmin"), Status.PENDING)
    [event] = events("approval.request")
    assert event.actor == world.user("sysadmin") and event.target_id == str(auditor.pk)
    assert event.detail["approval"] == filed.pk
    # The audit administrator can still sign in with its own password: nobody else holds one.
    assert Client().post(reverse("accounts:login"), {"username": "auditor", "password": password}).status_code == 302


@pytest.mark.parametrize("action", ["user_deactivate", "user_activate"])
def test_control_sysadmin_cannot_lock_or_unlock_another_administrator_alone(world, action):
    User.objects.filter(pk=world.user("operator").pk).update(platform_role=Role.SECURITY_ADMIN)
    target = world.user("secadmin")
    before = User.objects.get(pk=target.pk).is_active
    as_user(world, "sysadmin").post(reverse(f"accounts:{action}", args=[target.pk]))
    assert User.objects.get(pk=target.pk).is_active == before
    assert not events("account.deactivate") and not events("account.activate")
    assert ApprovalRequest.objects.get().action == action.removeprefix("user_")


def test_control_secadmin_cannot_grant_a_platform_role_alone(world):
    operator = world.user("operator")
    secadmin = as_user(world, "secadmin")
    response = secadmin.post(reverse("accounts:security_permissions", args=[operator.pk]),
                             {"platform_role": Role.SYSTEM_ADMIN}, follow=True)
    assert "须由另一名管理员批准" in response.content.decode()
    operator.refresh_from_db()
    assert role_of(operator) == Role.OPERATOR
    assert not events("permission.change")
    filed = ApprovalRequest.objects.get()
    assert filed.payload == {"is_org_admin": False, "platform_role": "system_admin"}
    # A platform account without any role yet: granting it one waits too.
    newcomer = User.objects.create(username="newcomer", organization=world.orgs["platform"])
    secadmin.post(reverse("accounts:security_permissions", args=[newcomer.pk]), {"platform_role": Role.AUDIT_ADMIN})
    assert User.objects.get(pk=newcomer.pk).platform_role == ""
    assert ApprovalRequest.objects.filter(target=newcomer, status=Status.PENDING).count() == 1


def test_an_ordinary_account_is_still_changed_by_one_administrator(world):
    member = world.user("inst_bj_moe_member")
    response = as_user(world, "sysadmin").post(reverse("accounts:user_reset_password", args=[member.pk]))
    assert response.status_code == 200 and response.context["one_time_password"]
    assert not ApprovalRequest.objects.exists()
    assert require_approval(world.user("sysadmin"), Action.PASSWORD_RESET, member) is None
    assert require_approval(world.user("sysadmin"), Action.OTP_RESET, world.user("auditor")).status == Status.PENDING


# Approval ------------------------------------------------------------------------------------------


def test_control_second_administrator_approval_carries_the_change_out(world):
    auditor = world.user("auditor")
    as_user(world, "sysadmin").post(reverse("accounts:user_reset_password", args=[auditor.pk]))
    filed = ApprovalRequest.objects.get()
    secadmin = as_user(world, "secadmin")
    page = secadmin.get(reverse("accounts:approvals")).content.decode()
    assert f'id="approval-{filed.pk}"' in page and reverse("accounts:approval_approve", args=[filed.pk]) in page

    response = secadmin.post(reverse("accounts:approval_approve", args=[filed.pk]))
    # The approver, not the requester, receives the one-time password.
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    one_time = response.context["one_time_password"]
    auditor.refresh_from_db()
    assert auditor.check_password(one_time) and auditor.must_change_password
    filed.refresh_from_db()
    assert (filed.status, filed.decided_by) == (Status.APPROVED, world.user("secadmin"))
    [approved] = events("approval.approve")
    assert approved.actor == world.user("secadmin") and approved.detail["requested_by"] == "sysadmin"
    [reset] = events("account.password_reset")
    assert reset.actor == world.user("sysadmin") and reset.target_id == str(auditor.pk)
    # Decided once: a second approval is refused.
    with pytest.raises(ValueError):
        approve(actor=world.user("secadmin"), pk=filed.pk)


def test_control_role_grant_is_carried_out_when_approved(world):
    operator = world.user("operator")
    as_user(world, "secadmin").post(reverse("accounts:security_permissions", args=[operator.pk]),
                                    {"platform_role": Role.SYSTEM_ADMIN})
    filed = ApprovalRequest.objects.get()
    sysadmin = as_user(world, "sysadmin")
    row = sysadmin.get(reverse("accounts:approvals")).content.decode().split(f'id="approval-{filed.pk}"')[1]
    assert "平台职责: 系统管理员" in row.split("</tr>")[0]
    assert sysadmin.post(reverse("accounts:approval_approve", args=[filed.pk])).status_code == 302
    operator.refresh_from_db()
    assert role_of(operator) == Role.SYSTEM_ADMIN
    [change] = events("permission.change")
    assert change.actor == world.user("secadmin")
    assert change.before["platform_role"] == "operator" and change.after["platform_role"] == "system_admin"


def test_control_self_approval_and_approval_by_the_target_are_refused(world, password):
    secadmin_user = world.user("secadmin")
    sysadmin = as_user(world, "sysadmin")
    sysadmin.post(reverse("accounts:user_reset_password", args=[secadmin_user.pk]))
    filed = ApprovalRequest.objects.get()
    # The requester: refused, nothing happens.
    response = sysadmin.post(reverse("accounts:approval_approve", args=[filed.pk]), follow=True)
    assert "不能审批本人提交的申请" in response.content.decode()
    # The account concerned: refused too.
    response = as_user(world, "secadmin").post(reverse("accounts:approval_approve", args=[filed.pk]), follow=True)
    assert "不能审批针对本人账号的申请" in response.content.decode()
    # Neither may reject it either; the audit administrator and the operator may not even look.
    with pytest.raises(ValueError):
        approve(actor=world.user("sysadmin"), pk=filed.pk)
    for name in ("auditor", "operator", "inst_bj_moe_admin"):
        assert as_user(world, name).post(reverse("accounts:approval_approve", args=[filed.pk])).status_code == 403
        with pytest.raises(PermissionDenied):
            approve(actor=world.user(name), pk=filed.pk)
    filed.refresh_from_db()
    assert filed.status == Status.PENDING
    assert User.objects.get(pk=secadmin_user.pk).check_password(password)
    assert not events("approval.approve") and not events("account.password_reset")
    # A second system administrator, neither requester nor target, may approve.
    User.objects.filter(pk=world.user("operator").pk).update(platform_role=Role.SYSTEM_ADMIN)
    response = as_user(world, "operator").post(reverse("accounts:approval_approve", args=[filed.pk]))
    assert response.status_code == 200 and response.context["one_time_password"]
    assert events("approval.approve")[0].actor == world.user("operator")


def test_control_rejection_changes_nothing_and_is_audited(world):
    operator = world.user("operator")
    as_user(world, "secadmin").post(reverse("accounts:security_permissions", args=[operator.pk]),
                                    {"platform_role": Role.AUDIT_ADMIN})
    filed = ApprovalRequest.objects.get()
    response = as_user(world, "sysadmin").post(reverse("accounts:approval_reject", args=[filed.pk]),
                                               {"note": "未经书面申请"})
    assert response.status_code == 302
    assert User.objects.get(pk=operator.pk).platform_role == Role.OPERATOR
    filed.refresh_from_db()
    assert (filed.status, filed.decided_by, filed.note) == (Status.REJECTED, world.user("sysadmin"), "未经书面申请")
    [event] = events("approval.reject")
    assert event.actor == world.user("sysadmin") and event.detail["reason"] == "未经书面申请"
    assert not events("permission.change")


# The command line, at installation -----------------------------------------------------------------


def test_control_installation_commands_set_roles_and_passwords_audited(world):
    newcomer = User.objects.create(username="first_auditor", organization=world.orgs["platform"])
    out = StringIO()
    call_command("set_platform_role", "first_auditor", "audit_admin", stdout=out)
    assert User.objects.get(pk=newcomer.pk).platform_role == Role.AUDIT_ADMIN
    [change] = events("permission.change")
    assert change.actor is None and change.detail["via"] == "command_line"
    assert change.after["platform_role"] == "audit_admin"

    out = StringIO()
    call_command("reset_admin_password", "first_auditor", stdout=out)
    one_time = out.getvalue().strip().split(": ", 1)[1]
    newcomer.refresh_from_db()
    assert newcomer.check_password(one_time) and newcomer.must_change_password
    [reset] = events("account.password_reset")
    assert reset.actor is None and reset.detail["via"] == "command_line"

    # The platform's rules hold there too.
    with pytest.raises(CommandError):
        call_command("set_platform_role", "inst_bj_moe_member", "system_admin", stdout=StringIO())
    with pytest.raises(CommandError):
        call_command("set_platform_role", "nobody", "operator", stdout=StringIO())
