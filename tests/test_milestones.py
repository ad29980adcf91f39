"""Milestones (DATA-STANDARD.md §7): every row applied to demo, pilot and other
institutions at dates around its deadline, the 90-day rule for new grants, the home card and the
national view."""

import datetime as dt
import itertools

import pytest
from django.urls import reverse

from accounts.models import Organization, Province
from inventory.choices import InventoryStatus, LegalStatus, PatentType
from inventory.milestones import services as milestones
from inventory.models import InventoryRecord, Milestone, Patent, PatentOwnership
from inventory.patents.identifiers import make_application_number

D = dt.date
_serials = itertools.count(3_000_000)


def _institution(name: str, *, demo=False, pilot=False) -> Organization:
    return Organization.objects.create(
        kind=Organization.Kind.INSTITUTION, name=name, province=Province.objects.get(code="110000"),
        is_demo_university=demo, is_pilot_university=pilot,
    )


def _patents(org: Organization, count: int, *, granted: dt.date, inventoried: int = 0,
             legal_status=LegalStatus.VALID, sleeping=False) -> list[Patent]:
    made = []
    for index in range(count):
        patent = Patent.objects.create(
            application_number=make_application_number(2018, "1", next(_serials)), title="一种测试方法",
            patent_type=PatentType.INVENTION, application_date=D(2018, 1, 1), grant_date=granted,
            legal_status=legal_status, is_sleeping=sleeping,
        )
        PatentOwnership.objects.create(patent=patent, organization=org, position=1)
        InventoryRecord.objects.create(
            patent=patent, institution=org,
            status=InventoryStatus.INVENTORIED if index < inventoried else InventoryStatus.PENDING,
        )
        made.append(patent)
    return made


def _by_name(progress) -> dict[str, milestones.MilestoneProgress]:
    return {item.milestone.name: item for item in progress.milestones}


DEMO_50 = "示范高校阶段性盘点（50%）"
DEMO_PILOT_100 = "示范高校和试点高校完成盘点"
OTHERS_30 = "其他单位阶段性盘点（30%）"
ALL_100 = "全部单位完成盘点"
ROLLING = "新授权专利授权后90日内盘点"


def test_the_seven_rows_of_the_standard_are_seeded(db):
    rows = {m.name: m for m in Milestone.objects.all()}
    assert set(rows) == {DEMO_50, DEMO_PILOT_100, OTHERS_30, ALL_100, ROLLING}
    assert (rows[DEMO_50].applies_to, rows[DEMO_50].deadline, rows[DEMO_50].target_percent) == (
        "demo", D(2024, 3, 31), 50)
    assert (rows[DEMO_PILOT_100].applies_to, rows[DEMO_PILOT_100].deadline) == ("demo_and_pilot", D(2024, 6, 30))
    assert (rows[OTHERS_30].applies_to, rows[OTHERS_30].target_percent) == ("others", 30)
    assert (rows[ALL_100].applies_to, rows[ALL_100].deadline, rows[ALL_100].target_percent) == (
        "all", D(2024, 12, 31), 100)
    assert (rows[ROLLING].days_after_grant, rows[ROLLING].granted_after, rows[ROLLING].deadline) == (
        90, D(2023, 12, 31), None)
    assert all(m.granted_until == D(2023, 12, 31) for m in rows.values() if m.deadline)


def test_which_milestones_apply_to_whom(db):
    demo, pilot, other = _institution("示范", demo=True), _institution("试点", pilot=True), _institution("其他")
    names = {org.name: set(_by_name(milestones.progress_for(org, D(2024, 1, 1)))) for org in (demo, pilot, other)}
    assert names["示范"] == {DEMO_50, DEMO_PILOT_100, ALL_100, ROLLING}
    assert names["试点"] == {DEMO_PILOT_100, ALL_100, ROLLING}
    assert names["其他"] == {OTHERS_30, ALL_100, ROLLING}


@pytest.mark.parametrize(("today", "done", "behind", "next_deadline", "target"), [
    (D(2024, 3, 31), 4, False, D(2024, 3, 31), 50),  # on the deadline day: not yet late
    (D(2024, 4, 1), 4, True, D(2024, 6, 30), 100),  # the day after, short of 50%
    (D(2024, 4, 1), 5, False, D(2024, 6, 30), 100),  # exactly 50% meets it
    (D(2024, 7, 1), 9, True, D(2024, 12, 31), 100),  # 90% by 2024-06-30 is short of 100%
    (D(2024, 7, 1), 10, False, D(2024, 12, 31), 100),
    (D(2025, 1, 1), 10, False, None, 100),  # everything done, nothing left to meet
])
def test_demo_university(db, today, done, behind, next_deadline, target):
    org = _institution("示范大学", demo=True)
    _patents(org, 10, granted=D(2022, 5, 1), inventoried=done)
    progress = milestones.progress_for(org, today)
    assert (progress.total, progress.inventoried) == (10, done)
    assert progress.behind is behind
    assert progress.next_deadline == next_deadline
    assert progress.current_target == target


def test_pilot_university_is_held_to_100_percent_by_june(db):
    org = _institution("试点大学", pilot=True)
    _patents(org, 10, granted=D(2022, 5, 1), inventoried=3)
    assert not milestones.progress_for(org, D(2024, 4, 1)).behind  # the 50% row is the demo universities'
    assert milestones.progress_for(org, D(2024, 6, 30)).next_deadline == D(2024, 6, 30)
    late = milestones.progress_for(org, D(2024, 7, 1))
    assert late.behind and _by_name(late)[DEMO_PILOT_100].behind


@pytest.mark.parametrize(("today", "done", "behind"), [
    (D(2024, 6, 30), 2, False),
    (D(2024, 7, 1), 2, True),  # 20% < 30%
    (D(2024, 7, 1), 3, False),  # 30%
    (D(2024, 12, 31), 3, False),
    (D(2025, 1, 1), 9, True),  # everyone: 100% by 2024-12-31
    (D(2025, 1, 1), 10, False),
])
def test_other_institution(db, today, done, behind):
    org = _institution("市属研究院")
    _patents(org, 10, granted=D(2020, 1, 1), inventoried=done)
    progress = milestones.progress_for(org, today)
    assert progress.behind is behind
    if today <= D(2024, 6, 30):
        assert (progress.next_deadline, progress.current_target) == (D(2024, 6, 30), 30)


def test_scope_is_valid_patents_granted_by_today(db):
    org = _institution("范围大学")
    _patents(org, 4, granted=D(2021, 1, 1), inventoried=2)
    _patents(org, 3, granted=D(2021, 1, 1), legal_status=LegalStatus.INVALID)
    _patents(org, 2, granted=D(2024, 5, 1))
    before = milestones.progress_for(org, D(2024, 4, 30))
    assert (before.total, before.inventoried, before.new_total) == (4, 2, 0)
    after = milestones.progress_for(org, D(2024, 5, 2))
    assert (after.total, after.inventoried, after.new_total) == (6, 2, 2)
    stock = _by_name(after)[ALL_100]
    assert (stock.total, stock.done) == (4, 2)  # the fixed milestones measure the stock only


def test_new_grants_must_be_inventoried_within_90_days(db):
    org = _institution("新授权大学")
    _patents(org, 5, granted=D(2023, 6, 1), inventoried=5)
    pending = _patents(org, 1, granted=D(2025, 3, 1))[0]  # due 2025-05-30
    _patents(org, 1, granted=D(2025, 4, 1), inventoried=1)
    on_due_day = milestones.progress_for(org, D(2025, 5, 30))
    assert on_due_day.new_overdue == 0 and not on_due_day.behind
    assert on_due_day.next_deadline == D(2025, 5, 30)
    assert _by_name(on_due_day)[ROLLING].total == 2
    late = milestones.progress_for(org, D(2025, 5, 31))
    assert late.new_overdue == 1 and late.behind and late.next_deadline is None
    InventoryRecord.objects.filter(patent=pending).update(status=InventoryStatus.INVENTORIED)
    caught_up = milestones.progress_for(org, D(2025, 5, 31))
    assert caught_up.new_overdue == 0 and not caught_up.behind


def test_next_deadline_is_the_earliest_of_fixed_and_rolling(db):
    org = _institution("混合大学", demo=True)
    _patents(org, 2, granted=D(2023, 1, 1), inventoried=2)
    _patents(org, 1, granted=D(2024, 1, 10))  # due 2024-04-09
    progress = milestones.progress_for(org, D(2024, 4, 1))
    assert progress.next_deadline == D(2024, 4, 9)
    assert progress.days_to_next_deadline == 8


def test_inactive_and_edited_milestones_are_data(db):
    org = _institution("数据大学")
    _patents(org, 10, granted=D(2020, 1, 1), inventoried=4)
    Milestone.objects.filter(name=OTHERS_30).update(target_percent=50)
    assert milestones.progress_for(org, D(2024, 7, 1)).behind
    Milestone.objects.filter(name=OTHERS_30).update(is_active=False)
    progress = milestones.progress_for(org, D(2024, 7, 1))
    assert not progress.behind and OTHERS_30 not in _by_name(progress)


def test_many_institutions_in_a_few_queries(db, django_assert_max_num_queries):
    orgs = [_institution(f"大学{i}", demo=i % 2 == 0) for i in range(6)]
    for org in orgs:
        _patents(org, 2, granted=D(2022, 1, 1), inventoried=1)
    with django_assert_max_num_queries(2):
        rows = milestones.progress_for_many(orgs, D(2024, 7, 1))
    assert [row.institution for row in rows] == orgs
    # 50% done: short of the demo universities' 100% by 2024-06-30, enough for the others' 30%.
    assert [row.behind for row in rows] == [i % 2 == 0 for i in range(6)]


def test_nightly_check_counts_institutions_behind(world):
    from inventory.tasks import check_milestones_task

    counts = check_milestones_task.delay().get()
    assert counts["institutions"] == Organization.objects.filter(kind=Organization.Kind.INSTITUTION).count()
    # Today every fixed deadline has passed: the world's institutions, with pending patents, are behind.
    assert counts["behind"] >= 2


def test_home_card_for_institution_staff(world, login):
    client = login(world.users["inst_bj_moe_admin"])
    page = client.get(reverse("home")).content.decode()
    assert 'id="pn-milestones-card"' in page
    assert "盘点进度" in page and "沉睡专利" in page
    progress = milestones.progress_for(world.orgs["inst_bj_moe"])
    assert f"已盘点 {progress.inventoried} / {progress.total} 件" in page
    # A department's staff see only their department: no institution-wide card.
    if "inst_bj_moe_dept_admin" in world.users:
        page = login(world.users["inst_bj_moe_dept_admin"]).get(reverse("home")).content.decode()
        assert 'id="pn-milestones-card"' not in page


def test_milestones_page_is_scoped(world, login):
    url = reverse("inventory:milestones")
    operator = login(world.users["operator"]).get(url).content.decode()
    for name in ("北京示范大学", "北京市属研究院", "广东省人民医院"):
        assert name in operator
    assert 'id="pn-ms-chart"' in operator
    province = login(world.users["prov_gd_admin"]).get(url).content.decode()
    assert "广东省人民医院" in province and "北京示范大学" not in province
    ministry = login(world.users["moe_admin"]).get(url).content.decode()
    assert "北京示范大学" in ministry and "广东省人民医院" not in ministry
    assert login(world.users["inst_bj_moe_admin"]).get(url).status_code == 403
    assert login(world.users["ent_gd_admin"]).get(url).status_code == 403


def test_milestones_page_sorts_and_filters(world, login):
    client = login(world.users["operator"])
    url = reverse("inventory:milestones")
    _patents(world.orgs["inst_bj_local"], 3, granted=D(2020, 1, 1), inventoried=3)
    InventoryRecord.objects.filter(institution=world.orgs["inst_bj_local"]).update(
        status=InventoryStatus.INVENTORIED)
    on_track = client.get(url, {"show": "on_track"}).content.decode()
    assert "北京市属研究院" in on_track and "广东省人民医院" not in on_track
    behind = client.get(url, {"show": "behind"}).content.decode()
    assert "广东省人民医院" in behind and "北京市属研究院" not in behind
    by_name = client.get(url, {"sort": "name"}).content.decode()
    positions = [by_name.index(name) for name in sorted(["北京示范大学", "北京市属研究院", "广东省人民医院"])]
    assert positions == sorted(positions)


def test_api_progress_is_scoped(world, login):
    url = reverse("milestoneprogress-list")
    names = {row["institution_name"] for row in login(world.users["operator"]).get(url).json()}
    assert names == {"北京示范大学", "北京市属研究院", "广东省人民医院"}
    rows = login(world.users["prov_gd_admin"]).get(url).json()
    assert [row["institution_name"] for row in rows] == ["广东省人民医院"]
    own = login(world.users["inst_bj_moe_admin"]).get(url).json()
    assert [row["institution_name"] for row in own] == ["北京示范大学"]
    progress = milestones.progress_for(world.orgs["inst_bj_moe"])
    assert (own[0]["total"], own[0]["inventoried"], own[0]["behind"]) == (
        progress.total, progress.inventoried, progress.behind)
    assert [item["name"] for item in own[0]["milestones"]] == [item.milestone.name for item in progress.milestones]
    assert login(world.users["ent_gd_admin"]).get(url).json() == []
