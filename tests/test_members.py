"""Organisation admins manage the members of their own organisation."""

import re

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from accounts.members import add_member, deactivate_member, reset_member_password
from accounts.models import AuditEvent, User
from accounts.roles import role_of
from ground.registry import site

ADMINS = ["moe_admin", "prov_gd_admin", "inst_bj_moe_admin", "ent_gd_admin"]


def one_time_password(response) -> str:
    match = re.search(r'id="pn-one-time-password">([^<]+)<', response.content.decode())
    assert match, "the one-time password is shown on the result page"
    return match.group(1)


def log_in(username: str, password: str) -> tuple[Client, object]:
    """A fresh browser logging in through the real login view and following the redirects."""
    browser = Client()
    response = browser.post(reverse("accounts:login"), {"username": username, "password": password}, follow=True)
    return browser, response


def logged_in(browser: Client) -> bool:
    return "_auth_user_id" in browser.session


def add(client, **data):
    payload = {"username": "new_member", "full_name": "赵六", "phone": "13700001111", "email": "zl@example.com"}
    payload.update(data)
    return client.post(reverse("accounts:member_add"), payload)


# --- listing and access ---------------------------------------------------------------------------------


def test_admin_sees_own_organisation_only(client, world, login):
    login(world.user("inst_bj_moe_admin"))
    response = client.get(reverse("accounts:members"))
    assert response.status_code == 200
    # Its department admin and inventor (tests/world_review.py) are members of the institution too.
    assert {u.username for u in response.context["members"]} == {
        "inst_bj_moe_admin", "inst_bj_moe_member", "inst_bj_moe_dept_admin", "inst_bj_moe_inventor"}
    text = response.content.decode()
    assert "inst_bj_local_admin" not in text and "ent_gd_admin" not in text


@pytest.mark.parametrize("name", ADMINS)
def test_every_kind_of_org_admin_can_open_the_page(client, world, login, name):
    login(world.user(name))
    assert client.get(reverse("accounts:members")).status_code == 200
    assert client.get(reverse("accounts:member_add")).status_code == 200


@pytest.mark.parametrize("name", ["inst_bj_moe_member", "operator", "sysadmin", "expert", "auditor"])
def test_non_admins_get_403(client, world, login, name):
    login(world.user(name))
    target = world.user("inst_bj_moe_admin").pk
    assert client.get(reverse("accounts:members")).status_code == 403
    assert client.get(reverse("accounts:member_add")).status_code == 403
    assert add(client).status_code == 403
    for action in ("member_deactivate", "member_reactivate", "member_reset_password"):
        assert client.post(reverse(f"accounts:{action}", args=[target])).status_code == 403
    assert not User.objects.filter(username="new_member").exists()
    assert world.user("inst_bj_moe_admin").is_active


def test_anonymous_is_sent_to_login(client, world):
    response = client.get(reverse("accounts:members"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_navigation_entry_for_admins_only(world):
    def urls(name):
        user = world.user(name)
        return {entry["url_name"] for entry in site.entries_for(user, role_of(user))}

    for name in ADMINS:
        assert "accounts:members" in urls(name), name
    assert "accounts:members" not in urls("inst_bj_moe_member")
    assert "accounts:members" not in urls("operator")


# --- adding a member ------------------------------------------------------------------------------------


def test_added_member_must_change_the_one_time_password_at_first_login(client, world, login):
    admin = world.user("inst_bj_moe_admin")
    login(admin)
    response = add(client)
    assert response.status_code == 200
    assert "no-store" in response.headers.get("Cache-Control", "")
    password = one_time_password(response)

    member = User.objects.get(username="new_member")
    assert member.organization == admin.organization
    assert not member.is_org_admin and member.is_active and member.must_change_password
    assert (member.full_name, member.phone, member.email) == ("赵六", "13700001111", "zl@example.com")
    assert member.password != password and member.check_password(password)
    event = AuditEvent.objects.get(action="account.create", target_id=str(member.pk))
    assert event.actor == admin
    # Never stored or logged: not in the audit trail, not in the session, not on the list page.
    assert password not in str(list(AuditEvent.objects.values("before", "after", "detail")))
    assert password not in str(dict(client.session.items()))
    assert password not in client.get(reverse("accounts:members")).content.decode()

    browser, response = log_in("new_member", password)
    assert logged_in(browser)
    assert response.redirect_chain[-1][0] == reverse("accounts:password_change")
    # Every other page sends them back to the change page until they change it.
    assert browser.get(reverse("home")).url == reverse("accounts:password_change")


def test_duplicate_username_gives_a_chinese_error_and_writes_nothing(client, world, login):
    login(world.user("inst_bj_moe_admin"))
    users, events = User.objects.count(), AuditEvent.objects.count()
    response = add(client, username="ENT_GD_ADMIN")
    assert response.status_code == 200
    assert "用户名“ENT_GD_ADMIN”已被占用" in response.context["form"].errors["username"][0]
    assert "已被占用" in response.content.decode()
    assert 'id="pn-one-time-password"' not in response.content.decode()
    assert (User.objects.count(), AuditEvent.objects.count()) == (users, events)


def test_service_refuses_duplicate_username(world):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="已被占用"):
        add_member(actor=world.user("ent_gd_admin"), username="Inst_Bj_Moe_Member", full_name="某人")


@pytest.mark.parametrize(
    ("data", "field", "expected"),
    [
        ({"phone": "010-12345678"}, "phone", "手机“010-12345678”格式不正确"),
        ({"email": "zl@"}, "email", "邮箱“zl@”格式不正确"),
        ({"full_name": ""}, "full_name", "请填写姓名"),
        ({"username": ""}, "username", "请填写用户名"),
        ({"username": "a b"}, "username", "用户名“a b”只能包含"),
    ],
)
def test_bad_member_input_is_named(client, world, login, data, field, expected):
    login(world.user("ent_gd_admin"))
    users = User.objects.count()
    response = add(client, **data)
    assert expected in " ".join(response.context["form"].errors[field])
    assert User.objects.count() == users


def test_member_phone_and_email_are_optional(client, world, login):
    login(world.user("prov_gd_admin"))
    response = add(client, phone="", email="")
    assert response.status_code == 200
    one_time_password(response)
    member = User.objects.get(username="new_member")
    assert member.organization == world.orgs["prov_gd"]


# --- deactivate, reactivate, reset ----------------------------------------------------------------------


def test_deactivation_blocks_login_and_reactivation_restores_it(client, world, login, password):
    admin, member = world.user("inst_bj_moe_admin"), world.user("inst_bj_moe_member")
    member_browser, _ = log_in(member.username, password)
    assert logged_in(member_browser)
    assert member_browser.get(reverse("home")).status_code == 200

    login(admin)
    url = reverse("accounts:member_deactivate", args=[member.pk])
    assert client.get(url).status_code == 405
    response = client.post(url)
    assert response.status_code == 302 and response.url == reverse("accounts:members")
    member.refresh_from_db()
    assert not member.is_active
    assert AuditEvent.objects.filter(action="account.deactivate", target_id=str(member.pk), actor=admin).count() == 1

    # The open session ends, and a new login is refused.
    response = member_browser.get(reverse("home"))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))
    browser, response = log_in(member.username, password)
    assert not logged_in(browser)
    # Deactivating again changes nothing and records nothing.
    client.post(url)
    assert AuditEvent.objects.filter(action="account.deactivate", target_id=str(member.pk)).count() == 1

    client.post(reverse("accounts:member_reactivate", args=[member.pk]))
    member.refresh_from_db()
    assert member.is_active
    assert AuditEvent.objects.filter(action="account.activate", target_id=str(member.pk)).count() == 1
    browser, _ = log_in(member.username, password)
    assert logged_in(browser)


def test_reset_password_gives_a_new_one_time_password(client, world, login, password):
    admin, member = world.user("ent_gd_admin"), None
    member, _initial = add_member(actor=admin, username="ent_gd_member", full_name="钱七")
    member.must_change_password = False
    member.set_password(password)
    member.save()

    login(admin)
    response = client.post(reverse("accounts:member_reset_password", args=[member.pk]))
    assert response.status_code == 200
    assert "no-store" in response.headers.get("Cache-Control", "")
    new_password = one_time_password(response)
    member.refresh_from_db()
    assert member.must_change_password
    assert member.check_password(new_password) and not member.check_password(password)
    assert AuditEvent.objects.filter(action="account.password_reset", target_id=str(member.pk), actor=admin).exists()
    assert new_password not in str(list(AuditEvent.objects.values("before", "after", "detail")))

    browser, _ = log_in(member.username, password)
    assert not logged_in(browser)
    browser, response = log_in(member.username, new_password)
    assert logged_in(browser)
    assert response.redirect_chain[-1][0] == reverse("accounts:password_change")


def test_another_organisations_user_is_404(client, world, login):
    login(world.user("inst_bj_moe_admin"))
    others = [world.user(n) for n in ("inst_bj_local_admin", "ent_gd_admin", "prov_bj_admin", "operator", "expert")]
    for other in others:
        for action in ("member_deactivate", "member_reactivate", "member_reset_password"):
            assert client.post(reverse(f"accounts:{action}", args=[other.pk])).status_code == 404, (other, action)
    # Exactly like an id that does not exist.
    assert client.post(reverse("accounts:member_deactivate", args=[999999])).status_code == 404
    for other in others:
        other.refresh_from_db()
        assert other.is_active
    assert not AuditEvent.objects.filter(action__startswith="account.").exists()


def test_admin_cannot_deactivate_or_reset_themselves_here(client, world, login):
    admin = world.user("inst_bj_moe_admin")
    login(admin)
    assert client.post(reverse("accounts:member_deactivate", args=[admin.pk])).status_code == 404
    assert client.post(reverse("accounts:member_reset_password", args=[admin.pk])).status_code == 404
    admin.refresh_from_db()
    assert admin.is_active


def test_services_refuse_outside_the_organisation(world):
    with pytest.raises(PermissionDenied):
        deactivate_member(actor=world.user("inst_bj_moe_admin"), member=world.user("ent_gd_admin"))
    with pytest.raises(PermissionDenied):
        reset_member_password(actor=world.user("inst_bj_moe_member"), member=world.user("inst_bj_moe_admin"))
    with pytest.raises(PermissionDenied):
        add_member(actor=world.user("inst_bj_moe_member"), username="sneaky", full_name="某人")
    assert world.user("ent_gd_admin").is_active
    assert not User.objects.filter(username="sneaky").exists()


def test_state_changes_need_csrf(world):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world.user("inst_bj_moe_admin"))
    member = world.user("inst_bj_moe_member")
    assert browser.post(reverse("accounts:member_deactivate", args=[member.pk])).status_code == 403
    member.refresh_from_db()
    assert member.is_active
