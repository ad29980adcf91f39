"""The top navigation (ground.registry.Registry.menu_for, templates/base.html): a role with many
entries sees them gathered in one drop-down menu per stage of the work, every entry exactly once,
the page's entry and its menu marked; a role with a few entries sees them side by side."""

import pytest
from django.urls import reverse

from accounts.roles import role_of
from ground.registry import NAV_FLAT_MAX, collect, site

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def collected():
    collect()  # as the URLconf does when it loads


MANY = ("operator", "prov_bj_admin", "moe_admin", "inst_bj_moe_admin", "ent_gd_admin")
FEW = ("sysadmin", "secadmin", "auditor")


def _flattened(menu: list[dict]) -> list[str]:
    return [entry["url_name"] for item in menu for entry in item.get("entries", [item])]


@pytest.mark.parametrize("username", MANY)
def test_many_entries_are_gathered_in_menus_each_entry_once(world, username):
    user = world.user(username)
    entries = site.entries_for(user, role_of(user))
    menu = site.menu_for(user, role_of(user), "inventory:search")
    assert len(entries) > NAV_FLAT_MAX
    assert len(menu) <= NAV_FLAT_MAX, [item["label"] for item in menu]
    assert sorted(_flattened(menu)) == sorted(e["url_name"] for e in entries)
    assert menu[0]["url_name"] == "home" and "entries" not in menu[0]
    menus = [item for item in menu if "entries" in item]
    assert menus and all(len(item["entries"]) > 1 for item in menus)
    # A menu holds one stage: its entries share their group.
    assert all(len({e["group"] for e in item["entries"]}) == 1 for item in menus)
    active = [item for item in menu if item["active"]]
    assert len(active) == 1 and [e["url_name"] for e in active[0]["entries"] if e["active"]] == ["inventory:search"]


@pytest.mark.parametrize("username", FEW)
def test_a_few_entries_stay_side_by_side(world, username):
    user = world.user(username)
    entries = site.entries_for(user, role_of(user))
    assert len(entries) <= NAV_FLAT_MAX
    assert site.menu_for(user, role_of(user)) == [{**e, "active": False} for e in entries]


def test_the_page_shows_the_menus_and_marks_the_current_one(world, login):
    client = login(world.user("prov_bj_admin"))
    page = client.get(reverse("reporting:spotcheck_list")).content.decode()
    assert 'id="pn-nav-reporting"' in page and 'id="pn-nav-matching"' in page
    toggle = page[page.index('id="pn-nav-reporting"') - 200:page.index('id="pn-nav-reporting"')]
    assert "dropdown-toggle" in toggle and " active" in toggle
    assert f'class="dropdown-item active" aria-current="page" href="{reverse("reporting:spotcheck_list")}"' in page
    # Every entry still links from every page: a link inside a menu is a link.
    for entry in site.entries_for(world.user("prov_bj_admin"), "province"):
        assert f'href="{entry["url"]}"' in page, entry["url_name"]


def test_an_enterprise_calls_the_patent_stage_by_its_own_name(world, login):
    page = login(world.user("ent_gd_admin")).get(reverse("home")).content.decode()
    assert "专利资源" in page and "专利与盘点" not in page
