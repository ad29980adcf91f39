"""Pushes: the enterprise's inbox and answers, and the responses institutions and provinces read.

Every refusal writes nothing; two concurrent answers to one push cannot both win (PostgreSQL);
an enterprise's name reaches an institution only where its profile allows direct contact.
"""

import threading
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection, connections
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent, User
from matching.choices import DismissReason, PushStatus
from matching.models import EnterpriseProfile, Push
from matching.pushes import services
from matching.pushes.services import PushError

from .world import PASSWORD
from .world_library import library_entry


def _push(world, key: str) -> Push:
    return next(item.obj for item in world.extra_objects["matching.push"] if item.key == f"push_{key}")


def _fresh(push: Push) -> Push:
    return Push.objects.get(pk=push.pk)


def _snapshot() -> tuple:
    """The pushes and the answers' audit events (a refused request may log its refusal, not an answer)."""
    return (tuple(Push.objects.order_by("pk").values_list()),
            AuditEvent.objects.filter(action__startswith="push.").count())


def _member(world, org_key: str) -> User:
    user = User(username=f"{org_key}_member", full_name="企业普通成员", organization=world.orgs[org_key])
    user.set_password(PASSWORD)
    user.save()
    return user


# --- the inbox ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_inbox_lists_own_pushes_newest_first_with_library_cards(world, login):
    client = login(world.user("ent_gd_admin"))
    page = client.get(reverse("matching:push_inbox"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "行业匹配:gd_bj" in text and "行业匹配:gd_gd" in text
    assert "行业匹配:soe_bj" not in text and "行业匹配:soe_gd" not in text
    assert "pn-library-card" in text  # the library's own card
    assert text.index("行业匹配:gd_gd") < text.index("行业匹配:gd_bj")  # newest first


@pytest.mark.django_db
def test_inbox_filters_by_status_and_unread(world, login):
    client = login(world.user("ent_gd_admin"))
    text = client.get(reverse("matching:push_inbox"), {"unread": "1"}).content.decode()
    assert "行业匹配:gd_bj" in text and "行业匹配:gd_gd" not in text
    text = client.get(reverse("matching:push_inbox"), {"status": "viewed"}).content.decode()
    assert "行业匹配:gd_gd" in text and "行业匹配:gd_bj" not in text
    # An unknown status is ignored, not an error.
    assert client.get(reverse("matching:push_inbox"), {"status": "<x>", "after": "garbage"}).status_code == 200


@pytest.mark.django_db
def test_inbox_keyset_pages_and_bounded_queries(world, login, django_assert_max_num_queries):
    enterprise, user = world.orgs["ent_gd"], world.user("ent_gd_admin")
    now = timezone.now()
    for serial in range(45):
        record = library_entry(world.orgs["inst_bj_moe"], 3000000 + serial, title=f"分页专利{serial}")
        Push.objects.create(patent=record.patent, enterprise=enterprise, institution=world.orgs["inst_bj_moe"],
                            created_at=now - timedelta(minutes=serial),
                            reasons=[{"kind": "ipc", "text": f"第{serial}条"}])
    client = login(user)
    with django_assert_max_num_queries(16):
        first = client.get(reverse("matching:push_inbox"))
    rows, cursor = services.inbox_page(user, services.InboxFilters())
    assert len(rows) == services.INBOX_PAGE_SIZE and cursor
    seen = [push.pk for push in rows]
    while cursor:
        rows, cursor = services.inbox_page(user, services.parse_inbox_filters({"after": cursor}))
        seen += [push.pk for push in rows]
    assert sorted(seen) == sorted(Push.objects.filter(enterprise=enterprise).values_list("pk", flat=True))
    assert len(seen) == len(set(seen))
    assert "更早的推送" in first.content.decode()
    with django_assert_max_num_queries(16):
        assert client.get(reverse("matching:push_inbox"), {"after": services.cursor_of(Push.objects.filter(
            enterprise=enterprise).order_by("-created_at", "-pk")[9])}).status_code == 200


@pytest.mark.django_db
def test_opening_a_push_marks_it_viewed(world, login):
    push = _push(world, "gd_bj")
    assert push.status == PushStatus.DELIVERED and push.viewed_at is None
    client = login(world.user("ent_gd_admin"))
    assert client.get(reverse("matching:push_detail", args=[push.pk])).status_code == 200
    push = _fresh(push)
    assert push.status == PushStatus.VIEWED and push.viewed_at is not None
    # An answered push keeps its answer when opened.
    answered = _push(world, "soe_bj")
    login(world.user("ent_bj_soe_admin")).get(reverse("matching:push_detail", args=[answered.pk]))
    assert _fresh(answered).status == PushStatus.INTERESTED


@pytest.mark.django_db
def test_others_opening_a_push_do_not_mark_it(world, client):
    push = _push(world, "gd_bj")
    for name in ("operator", "inst_bj_moe_admin", "prov_bj_admin"):
        client.force_login(world.user(name))
        client.get(reverse("push-detail", args=[push.pk]))
        client.post(reverse("push-view", args=[push.pk]))
    assert _fresh(push).viewed_at is None


# --- answers -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_dismiss_with_a_coded_reason_writes_its_audit_event(world, login):
    push = _push(world, "gd_bj")
    client = login(world.user("ent_gd_admin"))
    response = client.post(reverse("matching:push_dismiss", args=[push.pk]), {"reason": DismissReason.NOT_OUR_FIELD})
    assert response.status_code == 302
    push = _fresh(push)
    assert (push.status, push.dismiss_reason, push.answered_by_id) == (
        PushStatus.DISMISSED, DismissReason.NOT_OUR_FIELD, world.user("ent_gd_admin").pk)
    event = AuditEvent.objects.filter(action="push.dismiss").get()
    assert event.target_id == str(push.pk) and event.organization_id == world.orgs["ent_gd"].pk


@pytest.mark.django_db
@pytest.mark.parametrize("data,message", [
    ({"reason": ""}, "请选择不感兴趣的原因"),
    ({"reason": "nonsense"}, "请选择不感兴趣的原因"),
    ({"reason": "other", "note": "   "}, "选择“其他”时请填写说明"),
    ({"reason": "other", "note": "长" * 501}, "说明不能超过 500 字"),
])
def test_bad_dismissals_are_refused_and_write_nothing(world, login, data, message):
    push = _push(world, "gd_bj")
    client = login(world.user("ent_gd_admin"))
    client.get(reverse("matching:push_detail", args=[push.pk]))  # opened first: the refusal shows there
    before = _snapshot()
    response = client.post(reverse("matching:push_dismiss", args=[push.pk]), data,
                                                      follow=True)
    assert message in response.content.decode()
    assert _snapshot() == before


@pytest.mark.django_db
def test_other_reason_with_a_note_is_kept(world):
    push = services.dismiss(world.user("ent_gd_admin"), _push(world, "gd_bj"), "other", "  已有同类技术  ")
    assert (push.dismiss_reason, push.dismiss_note) == ("other", "已有同类技术")


@pytest.mark.django_db
def test_a_push_answered_twice_is_refused(world, login):
    push = _push(world, "gd_bj")
    user = world.user("ent_gd_admin")
    services.express_interest(user, push)
    before = _snapshot()
    for call in (lambda: services.dismiss(user, push, "price"), lambda: services.express_interest(user, push),
                 lambda: services.request_evaluation(user, push)):
        with pytest.raises(PushError, match="已经响应过"):
            call()
    client = login(user)
    response = client.post(reverse("push-dismiss", args=[push.pk]), {"reason": "price"},
                           content_type="application/json")
    assert response.status_code == 409 and response.json()["detail"] == "该推送已经响应过,不能重复响应"
    assert client.post(reverse("push-request-evaluation", args=[push.pk])).status_code == 409
    assert _snapshot() == before


@pytest.mark.django_db
def test_another_enterprises_push_is_not_found(world, login):
    push = _push(world, "soe_gd")
    Push.objects.filter(pk=push.pk).update(status=PushStatus.DELIVERED, dismiss_reason="")
    before = _snapshot()
    client = login(world.user("ent_gd_admin"))
    assert client.get(reverse("matching:push_detail", args=[push.pk])).status_code == 404
    for name in ("push_dismiss", "push_interest", "push_evaluate"):
        assert client.post(reverse(f"matching:{name}", args=[push.pk]), {"reason": "price"}).status_code == 404
    for name in ("push-detail", "push-view", "push-dismiss", "push-interest", "push-request-evaluation"):
        method = client.get if name == "push-detail" else client.post
        assert method(reverse(name, args=[push.pk])).status_code == 404
    assert _snapshot() == before


@pytest.mark.django_db
def test_interest_in_a_patent_that_left_the_library_is_refused(world, login):
    push = _push(world, "gd_bj")
    push.patent.inventory.__class__.objects.filter(patent=push.patent).update(in_library=False)
    before = _snapshot()
    user = world.user("ent_gd_admin")
    with pytest.raises(PushError, match="已退出专利转化资源库"):
        services.express_interest(user, push)
    response = login(user).post(reverse("push-interest", args=[push.pk]))
    assert response.status_code == 409 and "已退出专利转化资源库" in response.json()["detail"]
    assert _snapshot() == before
    # Dismissing it stays possible.
    assert services.dismiss(user, push, "too_early").status == PushStatus.DISMISSED


@pytest.mark.django_db
def test_every_member_of_the_enterprise_answers(world, client):
    member = _member(world, "ent_gd")
    client.force_login(member)
    push = _push(world, "gd_bj")
    response = client.post(reverse("push-request-evaluation", args=[push.pk]))
    assert response.status_code == 200 and response.json()["status"] == PushStatus.EVALUATION_REQUESTED
    assert _fresh(push).answered_by == member


@pytest.mark.django_db
def test_the_operator_never_answers_for_an_enterprise(world, login):
    push = _push(world, "gd_bj")
    client = login(world.user("operator"))
    assert client.get(reverse("push-detail", args=[push.pk])).status_code == 200
    assert client.post(reverse("push-interest", args=[push.pk])).status_code == 404
    assert _fresh(push).status == PushStatus.DELIVERED


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="SQLite lets one writer at a time: the answers are serialised by its database lock")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_concurrent_answers_cannot_both_win(world):
    push = _push(world, "gd_bj")
    admin, member = world.user("ent_gd_admin"), _member(world, "ent_gd")
    start = threading.Barrier(2)
    won, refused, errors = [], [], []

    def answer(call) -> None:
        try:
            start.wait()
            call()
            won.append(call)
        except PushError as error:
            refused.append(error.message)
        except Exception as error:  # reported by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    calls = [lambda: services.express_interest(admin, push), lambda: services.dismiss(member, push, "price")]
    threads = [threading.Thread(target=answer, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(won) == 1 and refused == ["该推送已经响应过,不能重复响应"]
    assert AuditEvent.objects.filter(action__in=["push.interest", "push.dismiss"]).count() == 1


# --- what the institution and the province read ------------------------------------------------


@pytest.mark.django_db
def test_institution_reads_names_only_where_allowed(world, login):
    patent = world.patents["bj_moe_library"]
    client = login(world.user("inst_bj_moe_admin"))
    page = client.get(reverse("matching:push_patent_responses", args=[patent.pk])).content.decode()
    assert "某企业" in page
    assert "北京中央企业集团有限公司" not in page and "广东专精特新科技有限公司" not in page
    api = client.get(reverse("push-list"), {"patent": patent.pk}).json()["results"]
    assert {row["enterprise_name"] for row in api} == {"某企业"}
    assert {row["enterprise"] for row in api} == {None} and {row["contact"] for row in api} == {None}

    EnterpriseProfile.objects.update_or_create(enterprise=world.orgs["ent_bj_soe"],
                                               defaults={"allow_direct_contact": True})
    EnterpriseProfile.objects.update_or_create(enterprise=world.orgs["ent_gd"],
                                               defaults={"allow_direct_contact": False})
    page = client.get(reverse("matching:push_patent_responses", args=[patent.pk])).content.decode()
    assert "北京中央企业集团有限公司" in page and "13600000001" in page  # interested and allowed: the contact
    assert "广东专精特新科技有限公司" not in page
    rows = {row["enterprise_name"]: row for row in client.get(reverse("push-list"), {"patent": patent.pk}
                                                              ).json()["results"]}
    assert set(rows) == {"北京中央企业集团有限公司", "某企业"}
    assert rows["北京中央企业集团有限公司"]["contact"]["phone"] == "13600000001"
    assert rows["某企业"]["contact"] is None and rows["某企业"]["enterprise"] is None
    # A province never reads an enterprise's name from a push, allowed or not.
    api = login(world.user("prov_bj_admin")).get(reverse("push-list")).json()["results"]
    assert {row["enterprise_name"] for row in api} == {"某企业"}


@pytest.mark.django_db
def test_contact_falls_back_to_the_person_who_answered(world):
    org = world.orgs["ent_gd"]
    org.contact_name = org.contact_phone = org.contact_email = ""
    org.save()
    EnterpriseProfile.objects.update_or_create(enterprise=org, defaults={"allow_direct_contact": True})
    user = world.user("ent_gd_admin")
    services.express_interest(user, _push(world, "gd_bj"))
    push = services.responses_of_patent(world.user("inst_bj_moe_admin"), world.patents["bj_moe_library"].pk).get(
        enterprise=org)
    contact = services.enterprise_contact(world.user("inst_bj_moe_admin"), push)
    assert contact == services.Contact(user.full_name, user.phone, user.email)


@pytest.mark.django_db
def test_institution_patent_list_counts_in_one_query(world, login, django_assert_max_num_queries):
    client = login(world.user("inst_bj_moe_admin"))
    with django_assert_max_num_queries(8):
        page = client.get(reverse("matching:push_responses"))
    text = page.content.decode()
    assert "bj_moe_library" in text and "gd_library" not in text
    rows = list(services.patent_responses(world.user("inst_bj_moe_admin")))
    assert [(r["pushes"], r["views"], r["interests"], r["dismissals"]) for r in rows] == [(2, 1, 1, 0)]
    api = client.get(reverse("push-response-list")).json()["results"]
    assert [(r["title"], r["pushes"], r["interests"]) for r in api] == [(rows[0]["patent__title"], 2, 1)]
    assert client.get(reverse("push-response-list"), {"patent": "x"}).status_code == 400
    assert login(world.user("ent_gd_admin")).get(reverse("push-response-list")).status_code == 403


@pytest.mark.django_db
def test_province_sees_its_territory(world, login, django_assert_max_num_queries):
    cache.clear()  # the counts are kept per scope for a while
    client = login(world.user("prov_gd_admin"))
    with django_assert_max_num_queries(12):
        page = client.get(reverse("matching:push_territory"))
    text = page.content.decode()
    assert "push-chart-data" in text and "push-charts.js" in text and 'id="push-tables"' in text
    data = client.get(reverse("push-territory-list")).json()
    # 广东: gd_bj (its enterprise), soe_gd (its institution), gd_gd (both); not soe_bj.
    assert data["totals"] == {"pushes": 3, "views": 2, "interests": 0, "evaluations": 0, "dismissals": 1}
    assert data["reasons"] == [{"reason": "price", "count": 1}]
    assert {row["name"] for row in data["institutions"]} == {"北京示范大学", "广东省人民医院"}
    moe = login(world.user("moe_admin")).get(reverse("push-territory-list")).json()
    assert moe["totals"]["pushes"] == 2
    assert login(world.user("ent_gd_admin")).get(reverse("push-territory-list")).status_code == 403


@pytest.mark.django_db
def test_enterprise_api_lists_only_its_own(world, login):
    rows = login(world.user("ent_bj_soe_admin")).get(reverse("push-list")).json()["results"]
    assert {row["id"] for row in rows} == {_push(world, "soe_bj").pk, _push(world, "soe_gd").pk}
    assert {row["enterprise_name"] for row in rows} == {"北京中央企业集团有限公司"}
    unread = login(world.user("ent_gd_admin")).get(reverse("push-list"), {"unread": "true"}).json()["results"]
    assert [row["id"] for row in unread] == [_push(world, "gd_bj").pk]
