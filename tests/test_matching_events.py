"""Matchmaking events (对接活动 / 路演): organising, patents from the conversion resource library,
invitations by profile and by hand, registration, outcomes, and every refusal (a clear Chinese
message, nothing written). The world's events are in tests/world_matching_events.py."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent, Organization
from inventory.choices import ConversionKind
from inventory.models import Conversion
from matching.events import services
from matching.events.models import EventEnterprise, EventPatent, MatchEvent
from matching.events.services import EventError
from matching.needs.models import EnterpriseProfile

from .world_matching_events import fingerprint


def _values(**overrides) -> dict:
    now = timezone.now()
    return {"title": "人工智能专利路演", "mode": MatchEvent.Mode.ON_SITE, "venue": "北京国际会议中心",
            "starts_at": now + timedelta(days=30), "registration_deadline": now + timedelta(days=25),
            "industry_codes": ["1.5"], "description": "路演与对接"} | overrides


def _refused(call, field: str | None = None, fragment: str = "") -> EventError:
    before = (fingerprint(), AuditEvent.objects.count())
    with pytest.raises(EventError) as caught:
        call()
    assert (fingerprint(), AuditEvent.objects.count()) == before, "a refusal wrote something"
    if field is not None:
        assert field in caught.value.errors, caught.value.errors
    assert fragment in str(caught.value)
    return caught.value


def _late(event: MatchEvent) -> None:
    MatchEvent.objects.filter(pk=event.pk).update(registration_deadline=timezone.now() - timedelta(hours=1))


# --- organising -----------------------------------------------------------------------------------------------

def test_a_province_creates_a_draft_event_of_its_office_audited(world):
    user = world.user("prov_bj_admin")
    event = services.create_event(user, _values())
    assert event.organizer == world.orgs["prov_bj"] and event.status == MatchEvent.Status.DRAFT
    assert AuditEvent.objects.filter(action="match_event.create", target_id=str(event.pk)).exists()
    platform = services.create_event(world.user("operator"), _values(title="平台活动"))
    assert platform.organizer == world.orgs["platform"]


@pytest.mark.parametrize("username", ["ent_gd_admin", "inst_bj_moe_admin", "moe_admin", "sysadmin"])
def test_only_provinces_and_the_platform_create_events(world, username):
    with pytest.raises(PermissionDenied):
        services.create_event(world.user(username), _values())


@pytest.mark.parametrize("overrides,field,fragment", [
    ({"registration_deadline": timezone.now() + timedelta(days=31)}, "registration_deadline", "应早于活动开始时间"),
    ({"mode": MatchEvent.Mode.ONLINE, "venue": "某会议室"}, "venue", "https://"),
    ({"venue": ""}, "venue", "地点"),
    ({"title": "  "}, "title", "活动名称"),
    ({"industry_codes": ["1.5", "99.9"]}, "industry_codes", "99.9"),
    ({"mode": "hybrid"}, "mode", "线上或线下"),
])
def test_bad_event_fields_are_refused_in_chinese(world, overrides, field, fragment):
    _refused(lambda: services.create_event(world.user("prov_bj_admin"), _values(**overrides)), field, fragment)


def test_a_draft_is_edited_a_published_one_is_not(world):
    user = world.user("prov_bj_admin")
    event = services.create_event(user, _values())
    services.update_event(user, event, {"title": "改名后的路演"})
    event.refresh_from_db()
    assert event.title == "改名后的路演"
    assert AuditEvent.objects.filter(action="match_event.update").count() == 1
    _refused(lambda: services.update_event(user, world.events["ev_bj"], {"title": "x"}), "", "不能再修改")


def test_another_province_cannot_edit_publish_or_close(world):
    gd = world.user("prov_gd_admin")
    for call in (lambda e: services.update_event(gd, e, {"title": "x"}), lambda e: services.close_event(gd, e),
                 lambda e: services.publish_event(gd, e), lambda e: services.add_patents(gd, e, [1]),
                 lambda e: services.invite_by_profile(gd, e)):
        with pytest.raises(PermissionDenied):
            call(world.events["ev_bj"])
    # The operator reads a province's event but does not organise it.
    with pytest.raises(PermissionDenied):
        services.close_event(world.user("operator"), world.events["ev_bj"])


def test_publishing_needs_a_patent_and_an_open_registration(world):
    user = world.user("prov_bj_admin")
    event = services.create_event(user, _values())
    _refused(lambda: services.publish_event(user, event), "", "至少一件")
    services.add_patents(user, event, [world.patents["gd_library"].pk])
    _late(event)
    _refused(lambda: services.publish_event(user, event), "", "报名截止时间已过")
    MatchEvent.objects.filter(pk=event.pk).update(registration_deadline=timezone.now() + timedelta(days=1))
    services.publish_event(user, event)
    event.refresh_from_db()
    assert event.status == MatchEvent.Status.PUBLISHED
    _refused(lambda: services.publish_event(user, event), "", "筹备中")
    services.close_event(user, event)
    _refused(lambda: services.close_event(user, event), "", "已结束")


# --- patents -----------------------------------------------------------------------------------------------------

def test_patents_come_from_the_national_library_only(world):
    user = world.user("prov_bj_admin")
    event = services.create_event(user, _values())
    # 广东's library patent: the library is national.
    assert services.add_patents(user, event, [world.patents["gd_library"].pk, world.patents["bj_moe_library"].pk]) == 2
    assert services.add_patents(user, event, [world.patents["gd_library"].pk]) == 0  # twice: nothing new
    _refused(lambda: services.add_patents(user, event, [world.patents["bj_moe_private"].pk]), "patents",
             "不在专利转化资源库中")
    _refused(lambda: services.add_patents(user, event, []), "patents")
    assert EventPatent.objects.filter(event=event).count() == 2


def test_published_patents_stay_and_a_closed_event_takes_none(world):
    user = world.user("prov_bj_admin")
    event = world.events["ev_bj"]
    _refused(lambda: services.remove_patent(user, event, world.patents["gd_library"].pk), "", "不能移除")
    services.close_event(user, event)
    _refused(lambda: services.add_patents(user, event, [world.patents["gd_library"].pk]), "", "已结束")


def test_a_draft_patent_is_removed(world):
    user = world.user("prov_gd_admin")
    event = world.events["ev_gd_draft"]
    services.add_patents(user, event, [world.patents["gd_library"].pk])
    services.remove_patent(user, event, world.patents["gd_library"].pk)
    assert not EventPatent.objects.filter(event=event).exists()
    _refused(lambda: services.remove_patent(user, event, world.patents["gd_library"].pk), "", "不在本次活动中")


def test_the_picker_narrows_to_the_provinces_own_institutions(world, login):
    client = login(world.user("prov_gd_admin"))
    url = reverse("matching:event_patents", args=[world.events["ev_gd_draft"].pk])
    everything = client.get(url).content.decode()
    own = client.get(url + "?own=1").content.decode()
    bj_number = world.patents["bj_moe_library"].application_number
    assert bj_number in everything and bj_number not in own
    assert world.patents["gd_library"].application_number in own


# --- invitations -------------------------------------------------------------------------------------------------

def _profiles(world) -> None:
    # 北京中央企业: the sector of the event's industry (1 ⊃ 1.5); 广东专精特新: the IPC class of its patents.
    # Only these two profiles: the world's others (tests/world_matching_needs.py) would be invited too.
    EnterpriseProfile.objects.all().delete()
    EnterpriseProfile.objects.create(enterprise=world.orgs["ent_bj_soe"], industry_codes=["1"])
    EnterpriseProfile.objects.create(enterprise=world.orgs["ent_gd"], ipc_prefixes=["G06"])


def test_invitation_by_profile_is_scoped_and_idempotent(world):
    _profiles(world)
    bj = world.user("prov_bj_admin")
    event = services.create_event(bj, _values(industry_codes=["1.5"]))
    assert services.invite_by_profile(bj, event) == 1  # 广东's enterprise is not the province's to invite
    assert set(EventEnterprise.objects.filter(event=event).values_list("enterprise_id", "invited_by_match")) == {
        (world.orgs["ent_bj_soe"].pk, True)}
    assert services.invite_by_profile(bj, event) == 0
    platform = services.create_event(world.user("operator"), _values(industry_codes=[]))
    assert services.invite_by_profile(world.user("operator"), platform) == 0  # no industry, no patent yet
    services.add_patents(world.user("operator"), platform, [world.patents["gd_library"].pk])  # G06V
    assert services.invite_by_profile(world.user("operator"), platform) == 1
    assert EventEnterprise.objects.get(event=platform).enterprise == world.orgs["ent_gd"]


def test_invitation_by_profile_takes_the_same_queries_for_many_enterprises(world):
    operator = world.user("operator")
    event = services.create_event(operator, _values())

    def invite() -> int:
        EventEnterprise.objects.filter(event=event).delete()
        with CaptureQueriesContext(connection) as queries:
            services.invite_by_profile(operator, event)
        return len(queries)

    _profiles(world)
    few = invite()
    for n in range(30):
        org = Organization.objects.create(kind=Organization.Kind.ENTERPRISE, name=f"画像企业{n}",
                                          province=world.orgs["prov_bj"].province)
        EnterpriseProfile.objects.create(enterprise=org, industry_codes=["1.5"])
    many = invite()
    assert EventEnterprise.objects.filter(event=event).count() == 31
    assert many == few


def test_invitation_by_hand_stays_in_the_organisers_scope(world):
    bj = world.user("prov_bj_admin")
    event = world.events["ev_bj"]
    found = services.search_enterprises(bj, "91110000600037341L")
    assert [o.pk for o in found] == [world.orgs["ent_bj_soe"].pk]
    assert services.search_enterprises(bj, "广东专精特新") == []
    _refused(lambda: services.invite_enterprises(bj, event, [world.orgs["ent_gd"].pk]), "enterprises", "本辖区")
    _refused(lambda: services.invite_enterprises(bj, event, [world.orgs["inst_bj_moe"].pk]), "enterprises")


# --- registration ------------------------------------------------------------------------------------------------

def test_an_enterprise_registers_once(world):
    user = world.user("ent_gd_admin")
    event = world.events["ev_platform"]
    row, new = services.register(user, event, attendees=3)
    assert new and row.attendees == 3 and row.invited
    before = (fingerprint(), AuditEvent.objects.count())
    row, new = services.register(user, event, attendees=9)
    assert not new and row.attendees == 3
    assert (fingerprint(), AuditEvent.objects.count()) == before


def test_an_open_event_takes_an_uninvited_local_enterprise(world):
    row, new = services.register(world.user("ent_bj_soe_admin"), world.events["ev_platform"], attendees=1)
    assert new and not row.invited


def test_a_late_registration_is_refused_with_nothing_written(world):
    event = world.events["ev_platform"]
    _late(event)
    error = _refused(lambda: services.register(world.user("ent_gd_admin"), event, attendees=1), "", "报名已于")
    assert "截止" in str(error)


def test_an_uninvited_enterprise_of_another_province_cannot_register(world, login):
    event = world.events["ev_bj"]
    with pytest.raises(PermissionDenied):
        services.register(world.user("ent_gd_admin"), event, attendees=1)
    before = fingerprint()
    client = login(world.user("ent_gd_admin"))
    assert client.post(reverse("matching:event_register", args=[event.pk]), {"attendees": 1}).status_code == 404
    assert client.post("/api/v1/match-events/register/", {"event": event.pk, "attendees": 1},
                       content_type="application/json").status_code == 404
    assert fingerprint() == before


def test_drafts_and_bad_attendee_counts_are_refused(world):
    with pytest.raises(PermissionDenied):
        services.register(world.user("ent_gd_admin"), world.events["ev_gd_draft"], attendees=1)
    for attendees in (0, 51, True):
        _refused(lambda a=attendees: services.register(world.user("ent_gd_admin"), world.events["ev_platform"],
                                                        attendees=a), "attendees")
    services.close_event(world.user("operator"), world.events["ev_platform"])
    with pytest.raises(PermissionDenied):  # a closed event is no longer shown to enterprises
        services.register(world.user("ent_gd_admin"), world.events["ev_platform"], attendees=1)


def test_the_registration_page_shows_the_late_refusal(world, login):
    event = world.events["ev_platform"]
    client = login(world.user("ent_gd_admin"))
    url = reverse("matching:event_register", args=[event.pk])
    assert "确认报名" in client.get(url).content.decode()
    _late(event)
    page = client.get(url).content.decode()
    assert "报名已截止" in page
    before = fingerprint()
    response = client.post(url, {"attendees": 2})
    assert response.status_code == 200 and "报名已于" in response.content.decode()
    assert fingerprint() == before


# --- outcomes ----------------------------------------------------------------------------------------------------

def _item(world, key: str = "gd_library") -> EventPatent:
    return EventPatent.objects.get(event=world.events["ev_bj"], patent=world.patents[key])


def test_the_organiser_records_a_deal_linked_to_the_patents_conversion(world):
    user = world.user("prov_bj_admin")
    item = _item(world, "bj_moe_library")
    licence = Conversion.objects.get(patent=world.patents["bj_moe_library"])
    conversions = Conversion.objects.count()
    services.record_outcome(user, item, {"outcome": "deal", "enterprise": world.orgs["ent_bj_soe"].pk,
                                         "conversion": licence.pk, "note": "签约"})
    item.refresh_from_db()
    assert (item.outcome, item.conversion_id, item.note) == ("deal", licence.pk, "签约")
    assert AuditEvent.objects.filter(action="match_event.outcome").exists()
    assert Conversion.objects.count() == conversions  # no conversion recorded on the institution's behalf


def test_a_deal_cannot_link_another_patents_conversion(world):
    user = world.user("prov_bj_admin")
    other = Conversion.objects.create(patent=world.patents["bj_moe_private"], institution=world.orgs["inst_bj_moe"],
                                      kind=ConversionKind.SELF)
    _refused(lambda: services.record_outcome(user, _item(world), {
        "outcome": "deal", "enterprise": world.orgs["ent_bj_soe"].pk, "conversion": other.pk}),
        "conversion", "另一件专利")
    licence = Conversion.objects.get(patent=world.patents["bj_moe_library"])
    _refused(lambda: services.record_outcome(user, _item(world, "bj_moe_library"), {
        "outcome": "interest", "enterprise": world.orgs["ent_bj_soe"].pk, "conversion": licence.pk}),
        "conversion", "已成交")


def test_an_outcome_names_an_enterprise_of_the_event(world):
    user = world.user("prov_bj_admin")
    _refused(lambda: services.record_outcome(user, _item(world), {"outcome": "interest"}), "enterprise")
    _refused(lambda: services.record_outcome(user, _item(world), {
        "outcome": "interest", "enterprise": world.orgs["ent_gd"].pk}), "enterprise", "本次活动")
    _refused(lambda: services.record_outcome(user, _item(world), {
        "outcome": "won", "enterprise": world.orgs["ent_bj_soe"].pk}), "outcome")


@pytest.mark.parametrize("username", ["prov_gd_admin", "operator", "inst_bj_moe_admin", "ent_bj_soe_admin"])
def test_only_the_organiser_records_outcomes(world, username):
    with pytest.raises(PermissionDenied):
        services.record_outcome(world.user(username), _item(world), {
            "outcome": "interest", "enterprise": world.orgs["ent_bj_soe"].pk})


def test_no_outcome_before_publication(world):
    user = world.user("prov_gd_admin")
    event = world.events["ev_gd_draft"]
    services.add_patents(user, event, [world.patents["gd_library"].pk])
    item = EventPatent.objects.get(event=event)
    _refused(lambda: services.record_outcome(user, item, {"outcome": ""}), "", "发布后")


# --- reading -----------------------------------------------------------------------------------------------------

def test_an_institution_sees_its_own_patents_and_outcomes_without_enterprise_names(world, login):
    client = login(world.user("inst_gd_local_admin"))
    page = client.get(reverse("matching:event_detail", args=[world.events["ev_bj"].pk])).content.decode()
    assert world.patents["gd_library"].application_number in page
    assert world.patents["bj_moe_library"].application_number not in page
    bj = login(world.user("inst_bj_moe_admin")).get(
        reverse("matching:event_detail", args=[world.events["ev_bj"].pk])).content.decode()
    assert "已成交" in bj and "北京中央企业集团有限公司" not in bj
    client = login(world.user("inst_gd_local_admin"))
    rows = client.get("/api/v1/match-events/").json()["results"]
    ev_bj = next(r for r in rows if r["id"] == world.events["ev_bj"].pk)
    assert ev_bj["patents"] == 1 and ev_bj["deal"] == 0


def test_the_province_list_counts_patents_invitations_and_outcomes(world, login):
    client = login(world.user("prov_bj_admin"))
    rows = {r["id"]: r for r in client.get("/api/v1/match-events/").json()["results"]}
    assert set(rows) == {world.events["ev_bj"].pk, world.events["ev_platform"].pk}
    ev_bj = rows[world.events["ev_bj"].pk]
    assert (ev_bj["patents"], ev_bj["invited"], ev_bj["registered"], ev_bj["deal"]) == (2, 1, 1, 1)
    page = client.get(reverse("matching:event_list")).content.decode()
    assert "北京高校专利成果路演" in page and "广东医疗器械" not in page


def test_the_organiser_sees_conversions_or_that_none_exists(world, login):
    page = login(world.user("prov_bj_admin")).get(
        reverse("matching:event_detail", args=[world.events["ev_bj"].pk])).content.decode()
    assert "华北精密仪器制造有限公司" in page  # bj_moe_library's licence, offered for the deal
    assert "尚无转化记录" in page  # gd_library: 广东's conversions are not 北京's to see


# --- the API -----------------------------------------------------------------------------------------------------

def test_the_api_organises_an_event_end_to_end(world, login):
    _profiles(world)
    client = login(world.user("prov_bj_admin"))
    body = _values()
    body["starts_at"], body["registration_deadline"] = body["starts_at"].isoformat(), \
        body["registration_deadline"].isoformat()
    created = client.post("/api/v1/match-events/", body, content_type="application/json")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert client.patch(f"/api/v1/match-events/{pk}/", {"venue": "国家会议中心"},
                        content_type="application/json").json()["venue"] == "国家会议中心"
    added = client.post(f"/api/v1/match-events/{pk}/patents/", {"patents": [world.patents["gd_library"].pk]},
                        content_type="application/json")
    assert added.json() == {"added": 1}
    invited = client.post(f"/api/v1/match-events/{pk}/invitations/", {"by_profile": True},
                          content_type="application/json")
    assert invited.json() == {"invited": 1}
    assert client.post(f"/api/v1/match-events/{pk}/publish/").json()["status"] == "published"
    late = client.patch(f"/api/v1/match-events/{pk}/", {"title": "x"}, content_type="application/json")
    assert late.status_code == 400 and "不能再修改" in late.content.decode()
    enterprise = login(world.user("ent_bj_soe_admin"))
    registered = enterprise.post("/api/v1/match-events/register/", {"event": pk, "attendees": 2},
                                 content_type="application/json")
    assert registered.json()["created"] is True
    again = enterprise.post("/api/v1/match-events/register/", {"event": pk, "attendees": 5},
                            content_type="application/json")
    assert again.json()["created"] is False and again.json()["attendees"] == 2
    client = login(world.user("prov_bj_admin"))
    outcome = client.post(f"/api/v1/match-events/{pk}/outcomes/", {
        "patent": world.patents["gd_library"].pk, "outcome": "negotiation", "enterprise": world.orgs["ent_bj_soe"].pk},
        content_type="application/json")
    assert outcome.status_code == 200 and outcome.json()["outcome"] == "negotiation"
    assert client.get(f"/api/v1/match-events/{pk}/invitations/").json()[0]["attendees"] == 2


def test_the_api_refuses_a_late_registration_and_another_provinces_edit(world, login):
    _late(world.events["ev_platform"])
    response = login(world.user("ent_gd_admin")).post(
        "/api/v1/match-events/register/", {"event": world.events["ev_platform"].pk, "attendees": 1},
        content_type="application/json")
    assert response.status_code == 400 and "报名已于" in response.content.decode()
    gd = login(world.user("prov_gd_admin"))
    assert gd.patch(f"/api/v1/match-events/{world.events['ev_bj'].pk}/", {"title": "x"},
                    content_type="application/json").status_code == 404
    assert gd.post(f"/api/v1/match-events/{world.events['ev_bj'].pk}/outcomes/", {
        "patent": world.patents["gd_library"].pk, "outcome": "interest"},
        content_type="application/json").status_code == 404


def test_an_enterprise_cannot_create_through_the_api(world, login):
    response = login(world.user("ent_gd_admin")).post("/api/v1/match-events/", {}, content_type="application/json")
    assert response.status_code == 404
