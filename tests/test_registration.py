"""Enterprise self-registration, login while awaiting review, and approval by the provincial office."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts.identifiers import credit_code_check_character
from accounts.models import AuditEvent, Organization, Province, User
from accounts.registration import approve_enterprise, normalize_contact_phone, reject_enterprise
from accounts.roles import role_of
from ground.registry import site

FIRST17 = "91440300MA5F12345"
CREDIT_CODE = FIRST17 + credit_code_check_character(FIRST17)
PASSWORD = "Qiye-Mima#2024"


def registration_data(**overrides) -> dict:
    data = {
        "name": "深圳新注册科技有限公司",
        "credit_code": CREDIT_CODE,
        "province": "440000",
        "is_specialized": "on",
        "is_high_tech": "on",
        "contact_name": "王五",
        "contact_phone": "13912345678",
        "contact_email": "wangwu@example.com",
        "username": "szxzc_admin",
        "password1": PASSWORD,
        "password2": PASSWORD,
    }
    data.update(overrides)
    return data


def register(client, **overrides):
    return client.post(reverse("accounts:register"), registration_data(**overrides))


def page_errors(response) -> list[str]:
    return [e for errors in response.context["form"].errors.values() for e in errors]


def log_in(client, username: str, password: str):
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def login_error(response) -> str:
    return " ".join(response.context["form"].non_field_errors())


def counts() -> tuple[int, int, int]:
    return Organization.objects.count(), User.objects.count(), AuditEvent.objects.count()


# --- registration page -------------------------------------------------------------------------------


def test_register_page_is_public_and_offers_the_32_provinces(client, world):
    response = client.get(reverse("accounts:register"))
    assert response.status_code == 200
    queryset = response.context["form"].fields["province"].queryset
    assert queryset.count() == 32 == Province.objects.count()
    assert "新疆生产建设兵团" in response.content.decode()


def test_registration_creates_a_pending_enterprise_and_its_admin(client, world):
    response = register(client)
    assert response.status_code == 302
    assert response.url == reverse("accounts:register_done")

    org = Organization.objects.get(credit_code=CREDIT_CODE)
    assert org.kind == Organization.Kind.ENTERPRISE
    assert org.status == Organization.Status.PENDING
    assert org.province_id == "440000"
    assert org.is_specialized and org.is_high_tech and not org.is_central_soe and not org.is_state_owned
    assert (org.contact_name, org.contact_phone, org.contact_email) == ("王五", "13912345678", "wangwu@example.com")
    user = User.objects.get(username="szxzc_admin")
    assert user.organization == org
    assert user.is_org_admin and user.is_active
    assert user.must_change_password is False
    assert user.check_password(PASSWORD)
    assert AuditEvent.objects.filter(action="enterprise.register", target_id=str(org.pk)).count() == 1
    # The audit trail never carries the password.
    assert PASSWORD not in str(list(AuditEvent.objects.values("before", "after", "detail")))

    done = client.get(response.url)
    text = done.content.decode()
    assert "深圳新注册科技有限公司" in text
    assert "广东省知识产权局审核通过后方可登录" in text


def test_registration_normalises_credit_code_and_landline(client, world):
    response = register(client, credit_code=f" {CREDIT_CODE.lower()} ", contact_phone="0755-8888 6666")
    assert response.status_code == 302
    org = Organization.objects.get(name="深圳新注册科技有限公司")
    assert org.credit_code == CREDIT_CODE
    assert org.contact_phone == "0755-88886666"


def test_a_central_soe_is_state_owned(client, world):
    register(client, is_central_soe="on", is_specialized="", is_high_tech="")
    org = Organization.objects.get(credit_code=CREDIT_CODE)
    assert org.is_central_soe and org.is_state_owned


def test_wrong_check_character_names_the_expected_one_and_writes_nothing(client, world):
    expected = CREDIT_CODE[-1]
    wrong = next(c for c in "0123456789ABCDEFGHJKLMNPQRTUWXY" if c != expected)
    before = counts()
    response = register(client, credit_code=FIRST17 + wrong)
    assert response.status_code == 200
    errors = page_errors(response)
    assert any(
        f"统一社会信用代码“{FIRST17 + wrong}”的校验位是 {wrong},应为 {expected}" in e for e in errors
    ), errors
    assert counts() == before
    assert f"应为 {expected}" in response.content.decode()


def test_duplicate_credit_code_is_refused(client, world):
    taken = world.orgs["ent_gd"].credit_code
    before = counts()
    response = register(client, credit_code=taken.lower())
    assert response.status_code == 200
    assert any(f"统一社会信用代码“{taken}”已在平台登记" in e for e in page_errors(response))
    assert counts() == before
    # An institution's code is just as taken.
    response = register(client, credit_code=world.orgs["inst_bj_moe"].credit_code)
    assert any("已在平台登记" in e for e in page_errors(response))
    assert counts() == before


def test_duplicate_username_is_refused(client, world):
    before = counts()
    response = register(client, username="ENT_GD_ADMIN")
    assert any("用户名“ENT_GD_ADMIN”已被占用" in e for e in page_errors(response))
    assert counts() == before


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"contact_phone": "12345"}, "联系电话“12345”格式不正确"),
        ({"contact_phone": "2345678901"}, "联系电话“2345678901”格式不正确"),
        ({"contact_email": "not-an-email"}, "联系邮箱“not-an-email”格式不正确"),
        ({"province": "999999"}, "所在省份“999999”不在可选范围内"),
        ({"name": ""}, "请填写企业名称"),
        ({"credit_code": "9144030"}, "统一社会信用代码“9144030”应为18位,实为7位"),
        ({"credit_code": "91440300MA5F1234I5"}, "不允许的字符:I"),
        ({"password2": "Other-Mima#2024"}, "确认密码与密码不一致"),
        ({"password1": "abc", "password2": "abc"}, "密码不符合要求"),
        ({"password1": "Aa1!", "password2": "Aa1!"}, "密码不符合要求"),
        ({"password1": "szxzc_admin1A!", "password2": "szxzc_admin1A!"}, "密码不符合要求"),
        ({"username": "bad name!"}, "用户名“bad name!”只能包含"),
    ],
)
def test_bad_input_gets_a_chinese_message_naming_field_and_value(client, world, overrides, expected):
    before = counts()
    response = register(client, **overrides)
    assert response.status_code == 200
    errors = page_errors(response)
    assert any(expected in e for e in errors), errors
    assert counts() == before


def test_password_is_not_echoed_back_in_the_page(client, world):
    response = register(client, password1="abc", password2="abc")
    assert 'value="abc"' not in response.content.decode()


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [("13800138000", "13800138000"), ("+86 138 0013 8000", "13800138000"), ("010-12345678", "010-12345678"),
     ("075512345678", "0755-12345678"), ("0755-1234567-801", "0755-1234567-801"), ("(010)12345678", "010-12345678")],
)
def test_contact_phone_forms(raw, canonical):
    assert normalize_contact_phone(raw) == canonical


def test_mobile_only_refuses_a_landline():
    with pytest.raises(ValidationError, match="手机“010-12345678”"):
        normalize_contact_phone("010-12345678", label="手机", mobile_only=True)


# --- login before and after review -------------------------------------------------------------------


def test_pending_enterprise_cannot_log_in_and_is_told_why(client, world):
    register(client)
    response = log_in(client, "szxzc_admin", PASSWORD)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert "正在等待所在省份知识产权局审核" in login_error(response)
    assert "深圳新注册科技有限公司" in login_error(response)


def test_wrong_password_reveals_nothing_about_review(client, world):
    register(client)
    response = log_in(client, "szxzc_admin", "Wrong-Passw0rd!")
    message = login_error(response)
    assert "用户名或密码错误" in message
    assert "审核" not in message and "深圳新注册科技有限公司" not in message
    # Nor for a username that does not exist.
    assert "用户名或密码错误" in login_error(log_in(client, "nobody", PASSWORD))


def test_world_pending_enterprise_cannot_log_in(client, world, password):
    response = log_in(client, "ent_gd_pending_admin", password)
    assert "_auth_user_id" not in client.session
    assert "广东待审核科技有限公司" in login_error(response)


def test_rejected_enterprise_is_told_the_reason(client, world):
    register(client)
    org = Organization.objects.get(credit_code=CREDIT_CODE)
    reject_enterprise(actor=world.user("prov_gd_admin"), organization=org, reason="营业执照信息与填报不符")
    response = log_in(client, "szxzc_admin", PASSWORD)
    assert "_auth_user_id" not in client.session
    message = login_error(response)
    assert "已被所在省份知识产权局驳回" in message
    assert "营业执照信息与填报不符" in message
    assert "营业执照" not in login_error(log_in(client, "szxzc_admin", "Wrong-Passw0rd!"))


def test_approved_enterprise_can_log_in(client, world):
    register(client)
    org = Organization.objects.get(credit_code=CREDIT_CODE)
    assert approve_enterprise(actor=world.user("prov_gd_admin"), organization=org) is True
    response = log_in(client, "szxzc_admin", PASSWORD)
    assert response.status_code == 302
    assert response.url == reverse("home")
    assert client.session["_auth_user_id"] == str(User.objects.get(username="szxzc_admin").pk)
    # They chose their password: no detour through the password change page.
    assert client.get(reverse("home")).status_code == 200


# --- provincial review -------------------------------------------------------------------------------


def test_review_lists_own_province_enterprises_pending_first(client, world, login):
    register(client)
    login(world.user("prov_gd_admin"))
    response = client.get(reverse("accounts:enterprise_review"))
    assert response.status_code == 200
    names = [org.name for org in response.context["enterprises"]]
    assert set(names) == {"深圳新注册科技有限公司", "广东待审核科技有限公司", "广东专精特新科技有限公司"}
    assert names[-1] == "广东专精特新科技有限公司"  # the only active one comes last
    assert "北京中央企业集团有限公司" not in response.content.decode()

    response = client.get(reverse("accounts:enterprise_review"), {"status": "active"})
    assert [org.name for org in response.context["enterprises"]] == ["广东专精特新科技有限公司"]
    response = client.get(reverse("accounts:enterprise_review"), {"status": "pending"})
    assert {org.name for org in response.context["enterprises"]} == {"深圳新注册科技有限公司", "广东待审核科技有限公司"}


def test_approve_by_post_then_approving_again_is_a_no_op(client, world, login, password):
    org = world.orgs["ent_gd_pending"]
    reviewer = world.user("prov_gd_admin")
    login(reviewer)
    url = reverse("accounts:enterprise_approve", args=[org.pk])
    assert client.get(url).status_code == 405
    response = client.post(url, follow=True)
    assert response.status_code == 200
    org.refresh_from_db()
    assert org.status == Organization.Status.ACTIVE
    assert org.reviewed_by == reviewer and org.reviewed_at is not None
    events = AuditEvent.objects.filter(action="enterprise.approve", target_id=str(org.pk))
    assert events.count() == 1
    event = events.get()
    assert event.actor == reviewer and event.before["status"] == "pending" and event.after["status"] == "active"
    assert "已通过" in response.content.decode()

    response = client.post(url, follow=True)
    assert "已经通过审核,无需重复操作" in response.content.decode()
    assert events.count() == 1
    # The enterprise's admin may now log in.
    client.logout()
    log_in(client, "ent_gd_pending_admin", password)
    assert client.session["_auth_user_id"] == str(world.user("ent_gd_pending_admin").pk)


def test_reject_needs_a_reason(client, world, login):
    org = world.orgs["ent_gd_pending"]
    login(world.user("prov_gd_admin"))
    url = reverse("accounts:enterprise_reject", args=[org.pk])
    response = client.post(url, {"reason": "   "}, follow=True)
    assert "请填写驳回理由" in response.content.decode()
    org.refresh_from_db()
    assert org.status == Organization.Status.PENDING
    assert not AuditEvent.objects.filter(action="enterprise.reject").exists()

    response = client.post(url, {"reason": "企业名称与营业执照不一致", "status": "pending"})
    assert response.status_code == 302
    assert response.url == reverse("accounts:enterprise_review") + "?status=pending"
    org.refresh_from_db()
    assert org.status == Organization.Status.REJECTED
    assert org.review_note == "企业名称与营业执照不一致"
    event = AuditEvent.objects.get(action="enterprise.reject", target_id=str(org.pk))
    assert event.after == {"status": "rejected", "review_note": "企业名称与营业执照不一致"}


def test_service_refuses_rejection_without_reason(world):
    with pytest.raises(ValidationError, match="须填写驳回理由"):
        reject_enterprise(actor=world.user("prov_gd_admin"), organization=world.orgs["ent_gd_pending"], reason=" ")


def test_other_province_gets_404(client, world, login):
    org = world.orgs["ent_gd_pending"]
    login(world.user("prov_bj_admin"))
    assert client.post(reverse("accounts:enterprise_approve", args=[org.pk])).status_code == 404
    assert client.post(reverse("accounts:enterprise_reject", args=[org.pk]), {"reason": "x"}).status_code == 404
    # Exactly like an id that does not exist.
    assert client.post(reverse("accounts:enterprise_approve", args=[999999])).status_code == 404
    response = client.get(reverse("accounts:enterprise_review"))
    assert "广东待审核科技有限公司" not in response.content.decode()
    org.refresh_from_db()
    assert org.status == Organization.Status.PENDING
    assert not AuditEvent.objects.filter(action__startswith="enterprise.").exists()


def test_service_refuses_other_province_and_other_roles(world):
    org = world.orgs["ent_gd_pending"]
    for name in ("prov_bj_admin", "ent_gd_admin", "inst_gd_local_admin", "moe_admin"):
        with pytest.raises(PermissionDenied):
            approve_enterprise(actor=world.user(name), organization=org)
    org.refresh_from_db()
    assert org.status == Organization.Status.PENDING


def test_review_is_for_provincial_offices_only(client, world, login):
    url = reverse("accounts:enterprise_review")
    assert client.get(url).status_code == 302  # anonymous: to the login page
    for name in ("ent_gd_admin", "inst_bj_moe_admin", "moe_admin", "operator", "expert"):
        login(world.user(name))
        assert client.get(url).status_code == 403, name
        pk = world.orgs["ent_gd_pending"].pk
        assert client.post(reverse("accounts:enterprise_approve", args=[pk])).status_code == 403, name


def test_approve_requires_csrf(world):
    from django.test import Client

    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(world.user("prov_gd_admin"))
    response = csrf_client.post(reverse("accounts:enterprise_approve", args=[world.orgs["ent_gd_pending"].pk]))
    assert response.status_code == 403
    world.orgs["ent_gd_pending"].refresh_from_db()
    assert world.orgs["ent_gd_pending"].status == Organization.Status.PENDING


def test_navigation_entry_for_provinces(world):
    def urls(name):
        user = world.user(name)
        return {entry["url_name"] for entry in site.entries_for(user, role_of(user))}

    assert "accounts:enterprise_review" in urls("prov_gd_admin")
    assert "accounts:enterprise_review" not in urls("ent_gd_admin")
    assert "accounts:enterprise_review" not in urls("inst_bj_moe_admin")
