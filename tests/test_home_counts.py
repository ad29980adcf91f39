"""The home page's figures: one definition each (inventory.records.scope, the milestones, the
import batches), the same number on every page, and every card's link opens the list its number
counts.

The central check follows each card's link as the card's user and reads the total the opened list
states (`data-total`), for institution staff, a department's staff, a ministry, a provincial
office and the operator, in the fixture world and in the demo world. The expected numbers of the
to-do cards are written out from the world's rows independently of the code under test.
"""

import re
from datetime import date, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Department, Organization, User
from demo.builders import build_demo_world
from inventory.choices import InventoryStatus, LegalStatus, PatentType
from inventory.models import ImportBatch, InventoryRecord, Patent, PatentOwnership
from inventory.patents.identifiers import make_application_number
from inventory.records import inventory_figures

from .world_review import DEPT_A

CARD = re.compile(r'<section class="card h-100 pn-card"(.*?)</section>', re.S)
LABEL = re.compile(r'<h2 class="card-title"[^>]*>(.*?)</h2>', re.S)
VALUE = re.compile(r'data-value="(\d+)"')
LINK = re.compile(r'<a class="btn[^"]*" href="([^"]+)"')
TOTAL = re.compile(r'data-total="(\d+)"')
CAPPED = re.compile(r'id="pn-wb-count"[^>]*hx-get=')


def home_cards(client: Client) -> dict[str, tuple[int | None, str | None]]:
    """{card label: (number, link)} of the signed-in user's home page."""
    response = client.get(reverse("home"))
    assert response.status_code == 200
    cards = {}
    for body in CARD.findall(response.content.decode()):
        label = LABEL.search(body).group(1).strip()
        value, link = VALUE.search(body), LINK.search(body)
        cards[label] = (int(value.group(1)) if value else None,
                        link.group(1).replace("&amp;", "&") if link else None)
    return cards


def list_total(client: Client, url: str) -> int:
    """The total the list at `url` states (its one `data-total`), its exact count when capped."""
    response = client.get(url)
    assert response.status_code == 200, url
    text = response.content.decode()
    assert not CAPPED.search(text), f"{url}: the count is capped; the test worlds stay below the cap"
    totals = TOTAL.findall(text)
    assert len(totals) == 1, f"{url}: expected one stated total, found {totals}"
    return int(totals[0])


def mismatches(client: Client) -> list[str]:
    """Every card of the user's home page whose number differs from the total of the list it opens."""
    found = []
    checked = 0
    for label, (value, link) in home_cards(client).items():
        if value is None or link is None:
            continue
        checked += 1
        total = list_total(client, link)
        if total != value:
            found.append(f"{label}: card {value}, list {link} shows {total}")
    assert checked, "no card with a number and a link"
    return found


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- the fixture world, with lapsed, co-owned and other departments' library patents -------------


_serial = iter(range(7_100_001, 7_200_000))


def _patent(owners: list[Organization], *, status=InventoryStatus.PENDING, legal=LegalStatus.VALID,
            in_library=False, department: Department | None = None, granted=date(2020, 5, 1)) -> Patent:
    patent = Patent.objects.create(
        application_number=make_application_number(2018, "1", next(_serial)), title="计数用专利",
        patent_type=PatentType.INVENTION, application_date=date(2018, 1, 1), grant_date=granted,
        legal_status=legal, main_ipc="G06F 17/00", patentees=[o.name for o in owners],
    )
    for position, owner in enumerate(owners, start=1):
        PatentOwnership.objects.create(patent=patent, organization=owner, position=position)
    InventoryRecord.objects.create(patent=patent, institution=owners[0], status=status, in_library=in_library,
                                   department_unit=department, department=department.name if department else "")
    return patent


@pytest.fixture
def counted(world):
    """The world with what made the figures disagree: lapsed patents (pending and in the library),
    co-owned patents led by another institution, a patent not yet granted, and library patents of
    the institution outside the department."""
    o = world.orgs
    bj, gd = o["inst_bj_moe"], o["inst_gd_local"]
    dept_a = Department.objects.get(organization=bj, name=DEPT_A)
    _patent([bj], legal=LegalStatus.INVALID)
    _patent([bj], legal=LegalStatus.INVALID, status=InventoryStatus.INVENTORIED, in_library=True)
    _patent([bj], department=dept_a)
    _patent([bj], department=dept_a, legal=LegalStatus.INVALID)
    _patent([bj], department=dept_a, status=InventoryStatus.INVENTORIED, in_library=True)
    _patent([bj], status=InventoryStatus.INVENTORIED, in_library=True)  # no department
    _patent([bj], granted=timezone.localdate() + timedelta(days=30))
    _patent([gd, bj])  # co-owned, led by 广东省人民医院
    _patent([gd, bj], status=InventoryStatus.INVENTORIED, in_library=True)
    return world


@pytest.mark.parametrize("username", [
    "inst_bj_moe_admin", "inst_bj_moe_member", "inst_bj_moe_dept_admin", "inst_gd_local_admin",
    "moe_admin", "prov_bj_admin", "prov_gd_admin", "operator",
])
def test_every_card_number_equals_the_list_its_link_opens(counted, username):
    client = _signed_in(counted.user(username))
    assert not mismatches(client)


def _expected(institution: Organization, department: Department | None = None) -> dict[str, int]:
    """The figures written out from the rows: led by the institution (and department), valid,
    granted by today; the library whatever the legal status."""
    led = InventoryRecord.objects.filter(institution=institution)
    if department is not None:
        led = led.filter(department_unit=department)
    scope = led.filter(patent__legal_status=LegalStatus.VALID, patent__grant_date__lte=timezone.localdate())
    return {"待盘点专利": scope.filter(status=InventoryStatus.PENDING).count(),
            "已入库专利": led.filter(in_library=True).count(), "total": scope.count()}


def test_institution_cards_count_the_inventory_scope(counted, login):
    bj = counted.orgs["inst_bj_moe"]
    cards = home_cards(login(counted.user("inst_bj_moe_admin")))
    expected = _expected(bj)
    assert cards["待盘点专利"][0] == expected["待盘点专利"]
    assert cards["已入库专利"][0] == expected["已入库专利"]
    assert cards["待盘点专利"][1] == reverse("inventory:patent_list") + "?scope=inventory&status=pending"
    assert cards["已入库专利"][1] == reverse("inventory:patent_list") + "?scope=lead&in_library=yes"
    # The milestone card and the progress page count the same scope as the cards.
    page = login(counted.user("inst_bj_moe_admin")).get(reverse("home")).content.decode()
    assert f"盘点范围内共 {expected['total']} 件有效专利" in page
    assert f"/ {expected['total']} 件" in page
    ministry = login(counted.user("moe_admin")).get(reverse("inventory:milestones")).content.decode()
    row = re.search(r"<td>北京示范大学</td>\s*<td class=\"text-end\">(\d+)</td>", ministry)
    assert row and int(row.group(1)) == expected["total"]


def test_a_department_card_counts_only_its_department(counted, login):
    bj = counted.orgs["inst_bj_moe"]
    dept_a = Department.objects.get(organization=bj, name=DEPT_A)
    cards = home_cards(login(counted.user("inst_bj_moe_dept_admin")))
    expected = _expected(bj, dept_a)
    assert cards["待盘点专利"][0] == expected["待盘点专利"]
    assert cards["已入库专利"][0] == expected["已入库专利"]
    # The institution's library patents of no department, which the department browses in the
    # library, are not its own: they do not count.
    assert InventoryRecord.objects.filter(institution=bj, in_library=True).exclude(department_unit=dept_a).exists()
    assert cards["已入库专利"][0] < _expected(bj)["已入库专利"]


def test_the_workbench_says_why_its_total_differs(counted, login):
    client = login(counted.user("inst_bj_moe_admin"))
    page = client.get(reverse("inventory:patent_list")).content.decode()
    assert 'id="pn-wb-scope-hint"' in page and "?scope=inventory" in page
    total = int(TOTAL.search(page).group(1))
    assert total > _expected(counted.orgs["inst_bj_moe"])["total"]  # lapsed and co-owned patents listed
    scoped = client.get(reverse("inventory:patent_list"), {"scope": "inventory"}).content.decode()
    assert 'id="pn-wb-scope-hint"' not in scoped
    progress = login(counted.user("moe_admin")).get(reverse("inventory:milestones")).content.decode()
    assert 'id="pn-ms-scope-hint"' in progress


# --- what supervisors have to do -------------------------------------------------------------------


def _batch(world, kind, status, age: timedelta, org_key="inst_bj_moe", user="inst_bj_moe_admin") -> ImportBatch:
    """A batch uploaded `age` ago that has not moved since."""
    moved = timezone.now() - age
    return ImportBatch.objects.create(
        kind=kind, organization=world.orgs[org_key], created_by=world.users[user], status=status,
        file="imports/world/x.xlsx", original_name="x.xlsx", sha256="0" * 64, created_at=moved,
        last_progress_at=moved)


@pytest.fixture
def supervised(world):
    """Institutions behind and on track, enterprises waiting, uploads failed, stalled and fine."""
    o, kind = world.orgs, ImportBatch.Kind
    # On track: every patent inventoried (under 教育部, in 北京).
    done = Organization.objects.create(kind=Organization.Kind.INSTITUTION, name="北京按期大学",
                                       province=o["inst_bj_moe"].province, supervisor=o["moe"])
    _patent([done], status=InventoryStatus.INVENTORIED)
    # Behind: a patent pending after every fixed deadline (under 教育部, in 北京).
    late = Organization.objects.create(kind=Organization.Kind.INSTITUTION, name="北京滞后大学",
                                       province=o["inst_bj_moe"].province, supervisor=o["moe"])
    _patent([late])
    # Enterprises waiting in 北京 (one already waits in 广东).
    for name in ("北京待审核甲公司", "北京待审核乙公司"):
        Organization.objects.create(kind=Organization.Kind.ENTERPRISE, name=name, province=o["prov_bj"].province,
                                    status=Organization.Status.PENDING)
    status = ImportBatch.Status
    _batch(world, kind.INVENTORY, status.FAILED, timedelta(hours=3))  # counted
    _batch(world, kind.INVENTORY, status.VALIDATING, timedelta(hours=2), "inst_gd_local", "inst_gd_local_admin")
    _batch(world, kind.INVENTORY, status.FAILED, timedelta(days=8))  # too old to ask for a look
    _batch(world, kind.INVENTORY, status.VALIDATING, timedelta(minutes=10))  # still working
    # Uploaded long ago, but it moved a minute ago: a long validation, still working.
    moving = _batch(world, kind.INVENTORY, status.VALIDATING, timedelta(hours=4))
    ImportBatch.objects.filter(pk=moving.pk).update(last_progress_at=timezone.now() - timedelta(minutes=1))
    _batch(world, kind.INVENTORY, status.COMMITTED, timedelta(hours=5))
    _batch(world, kind.BASE_LIBRARY, status.VALIDATED, timedelta(days=2), "platform", "operator")  # to confirm
    _batch(world, kind.BASE_LIBRARY, status.FAILED, timedelta(hours=1), "platform", "operator")
    _batch(world, kind.BASE_LIBRARY, status.COMMITTED, timedelta(days=1), "platform", "operator")
    return world


def _behind(institutions) -> set[str]:
    """Every fixed deadline of the default milestones has passed (the last, 100% by 2024-12-31):
    an institution with a pending patent in its scope is behind."""
    pending = InventoryRecord.objects.filter(
        institution__in=institutions, status=InventoryStatus.PENDING, patent__legal_status=LegalStatus.VALID,
        patent__grant_date__lte=timezone.localdate())
    return set(pending.values_list("institution__name", flat=True))


def test_supervisors_see_what_they_have_to_do(supervised, login):
    o = supervised.orgs
    institutions = Organization.objects.filter(kind=Organization.Kind.INSTITUTION)
    moe = institutions.filter(supervisor=o["moe"])
    bj = institutions.filter(province=o["prov_bj"].province)
    assert "北京滞后大学" in _behind(moe) and "北京按期大学" not in _behind(moe)

    operator = home_cards(login(supervised.user("operator")))
    assert operator["进度滞后的单位"][0] == len(_behind(institutions))
    assert operator["高校和科研机构"][0] == institutions.count()
    assert operator["需处理的盘点上传"][0] == 2
    assert operator["待处理的基础库导入"][0] == 2
    assert operator["进度滞后的单位"][1] == reverse("inventory:milestones") + "?show=behind"

    ministry = home_cards(login(supervised.user("moe_admin")))
    assert ministry["进度滞后的单位"][0] == len(_behind(moe))
    assert ministry["高校和科研机构"][0] == moe.count()
    assert "需处理的盘点上传" not in ministry and "待审核企业" not in ministry

    province = home_cards(login(supervised.user("prov_bj_admin")))
    assert province["待审核企业"] == (2, reverse("accounts:enterprise_review") + "?status=pending")
    assert province["进度滞后的单位"][0] == len(_behind(bj))
    assert province["高校和科研机构"][0] == bj.count()

    for username in ("operator", "moe_admin", "prov_bj_admin", "prov_gd_admin"):
        assert not mismatches(_signed_in(supervised.user(username))), username


def test_the_behind_list_names_the_institutions_behind(supervised, login):
    page = login(supervised.user("moe_admin")).get(reverse("inventory:milestones"), {"show": "behind"})
    text = page.content.decode()
    assert "北京滞后大学" in text and "北京按期大学" not in text


# --- enterprises ---------------------------------------------------------------------------------


def test_an_enterprise_has_the_library_not_the_workbench(world, login):
    client = login(world.user("ent_gd_admin"))
    home = client.get(reverse("home")).content.decode()
    nav = home[home.index("<nav"):home.index("</nav>")]
    assert f'href="{reverse("inventory:patent_list")}"' not in nav
    assert f'href="{reverse("inventory:library")}"' in nav
    response = client.get(reverse("inventory:patent_list"), {"q": "图像", "status": "pending"})
    assert response.status_code == 302 and response.url == reverse("inventory:library") + "?q=%E5%9B%BE%E5%83%8F"
    followed = client.get(reverse("inventory:patent_list"), follow=True).content.decode()
    assert "盘点状态" not in followed and "审核状态" not in followed
    assert client.get(reverse("inventory:patent_count")).status_code == 403
    # Institutions keep their workbench and its entry.
    staff = login(world.user("inst_bj_moe_admin"))
    assert f'href="{reverse("inventory:patent_list")}"' in staff.get(reverse("home")).content.decode()
    assert "盘点状态" in staff.get(reverse("inventory:patent_list")).content.decode()


def test_an_expert_sees_only_the_reference_data(world, login):
    home = login(world.user("expert")).get(reverse("home")).content.decode()
    nav = home[home.index("<nav"):home.index("</nav>")]
    for name in ("inventory:patent_list", "inventory:search", "inventory:library"):
        assert f'href="{reverse(name)}"' not in nav
    assert f'href="{reverse("inventory:industries")}"' in nav


# --- the demo world ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_cards_match_their_lists_in_the_demo_world():
    build_demo_world(patents=300, institutions=5, enterprises=8)
    for username in ("demo_institution", "demo_institution_member", "demo_department", "demo_ministry",
                     "demo_province", "demo_operator", "demo_enterprise"):
        client = _signed_in(User.objects.get(username=username))
        cards = home_cards(client)
        assert not mismatches(client), username
        if username in ("demo_institution", "demo_department"):
            assert cards["待盘点专利"][0] > 0


@pytest.mark.parametrize("username", ["inst_bj_moe_admin", "inst_bj_moe_dept_admin", "moe_admin", "operator"])
def test_the_api_filters_the_same_scope(counted, username):
    user = counted.user(username)
    client = APIClient()
    client.force_authenticate(user)
    figures = inventory_figures(user)
    for params, expected in (({"scope": "inventory", "status": "pending"}, figures.pending),
                             ({"scope": "lead", "in_library": "true"}, figures.in_library),
                             ({"scope": "inventory"}, figures.total)):
        response = client.get("/api/v1/patents/", {**params, "page_size": 500})
        assert response.status_code == 200
        assert len(response.json()["results"]) == expected, params
