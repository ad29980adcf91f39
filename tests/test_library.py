"""The conversion resource library (专利转化资源库): who browses it, filters and facet counts,
the buyer's card, the listing-quality score (Python and SQL alike), the owner's quality page, the API."""

from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from inventory.choices import Intent, LicenseType, PatentType, Prospect, Screening
from inventory.library import listing
from inventory.library import services as library
from inventory.models import InventoryRecord

from .world_library import LONG_ABSTRACT, industries, library_entry

LIBRARY_USERS = ["operator", "moe_admin", "sasac_admin", "prov_bj_admin", "prov_gd_admin", "inst_bj_moe_admin",
                 "inst_bj_moe_member", "inst_bj_local_admin", "inst_gd_local_admin", "ent_bj_soe_admin",
                 "ent_gd_admin"]
REFUSED_USERS = ["expert", "sysadmin", "secadmin", "auditor"]
LONG_SCENARIOS = "适用于工业质检流水线、智慧城市安防监控以及医疗影像辅助诊断等场景"
_entry = library_entry


@pytest.fixture(autouse=True)
def _fresh_facet_cache():
    # Facet counts are cached by filter; each test builds its own library.
    cache.clear()


@pytest.fixture
def catalogue(world):
    """Library entries across two provinces and three institutions, with varied tags."""
    o = world.orgs
    _sector, ai, bio = industries()
    return {
        "ai_full": _entry(o["inst_bj_moe"], 2000001, title="智能质检视觉系统", maturity=7, prospect=Prospect.GOOD,
                          intents=[Intent.TRANSFER, Intent.LICENSE], license_type=LicenseType.ORDINARY,
                          asking_price=Decimal("120.50"), scenarios=LONG_SCENARIOS, contact_name="赵老师",
                          contact_phone="13900139000", contact_email="zhao@example.edu.cn", industries=[ai]),
        "ai_sparse": _entry(o["inst_bj_local"], 2000002, title="图像去噪算法", maturity=4, prospect=Prospect.FAIR,
                            intents=[Intent.LICENSE], license_type=LicenseType.OPEN, industries=[ai], abstract=""),
        "bio": _entry(o["inst_gd_local"], 2000003, title="肿瘤标志物检测试剂盒", maturity=7, prospect=Prospect.GOOD,
                      intents=[Intent.EQUITY], industries=[bio], patent_type=PatentType.UTILITY_MODEL,
                      contact_name="钱医生", contact_phone="020-12345678"),
        "not_in_library": _entry(o["inst_gd_local"], 2000004, title="未入库的专利", in_library=False, maturity=7),
    }


def _titles(records) -> set[str]:
    return {r.patent.title for r in records}


# --- who may browse ---------------------------------------------------------------------------------


@pytest.mark.parametrize("username", REFUSED_USERS)
def test_experts_and_the_three_admins_are_refused(world, login, username):
    client = login(world.user(username))
    assert client.get(reverse("inventory:library")).status_code == 403
    assert client.get(reverse("inventory:library_detail", args=[world.patents["gd_library"].pk])).status_code == 403
    assert not InventoryRecord.objects.visible_to(world.user(username), "library").exists()


def test_inventors_see_no_library(world, login):
    inventor = world.user("inst_bj_moe_inventor")
    assert not InventoryRecord.objects.visible_to(inventor, "library").exists()
    assert login(inventor).get(reverse("inventory:library")).status_code == 403


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("inventory:library"))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


@pytest.mark.parametrize("username", LIBRARY_USERS)
def test_the_library_is_national(world, catalogue, login, username):
    """Every library role sees every institution's entries, whatever its province or ministry."""
    user = world.user(username)
    titles = _titles(library.library_records(user))
    assert {"智能质检视觉系统", "图像去噪算法", "肿瘤标志物检测试剂盒"} <= titles
    assert "未入库的专利" not in titles
    page = login(user).get(reverse("inventory:library"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "肿瘤标志物检测试剂盒" in text and "智能质检视觉系统" in text and "未入库的专利" not in text
    detail = login(user).get(reverse("inventory:library_detail", args=[catalogue["bio"].patent_id]))
    assert detail.status_code == 200 and "钱医生" in detail.content.decode()


def test_detail_of_a_patent_outside_the_library_is_404_even_to_its_owner(world, catalogue, login):
    client = login(world.user("inst_gd_local_admin"))
    assert client.get(reverse("inventory:library_detail", args=[catalogue["not_in_library"].patent_id])
                      ).status_code == 404


# --- filters and facets ---------------------------------------------------------------------------


@pytest.mark.parametrize(("params", "expected"), [
    ({"industry": "1"}, {"智能质检视觉系统", "图像去噪算法"}),        # a sector selects its sub-sectors
    ({"industry": "1.5"}, {"智能质检视觉系统", "图像去噪算法"}),
    ({"industry": "4"}, {"肿瘤标志物检测试剂盒"}),
    ({"maturity": "7"}, {"智能质检视觉系统", "肿瘤标志物检测试剂盒"}),
    ({"prospect": "fair"}, {"图像去噪算法"}),
    ({"intent": "license"}, {"智能质检视觉系统", "图像去噪算法"}),
    ({"intent": "equity"}, {"肿瘤标志物检测试剂盒"}),
    ({"license_type": "open"}, {"图像去噪算法"}),
    ({"province": "440000"}, {"肿瘤标志物检测试剂盒"}),
    ({"patent_type": "utility_model"}, {"肿瘤标志物检测试剂盒"}),
    ({"maturity": "7", "province": "110000"}, {"智能质检视觉系统"}),
])
def test_filters(world, catalogue, params, expected):
    world_entries = {world.patents[key].title for key in ("bj_moe_library", "gd_library")}
    found = _titles(library.library_records(world.user("ent_gd_admin"), params))
    assert found - world_entries == expected


def test_institution_filter(world, catalogue):
    params = {"institution": str(world.orgs["inst_bj_local"].pk)}
    assert _titles(library.library_records(world.user("moe_admin"), params)) == {"图像去噪算法"}


def test_keyword_filter(world, catalogue):
    from inventory.search import services as search

    search.index_patents()
    found = _titles(library.library_records(world.user("ent_gd_admin"), {"q": "试剂盒"}))
    assert found == {"肿瘤标志物检测试剂盒"}


def test_invalid_filter_values_are_reported_with_the_value(world, catalogue):
    params = library.parse_params({"maturity": "12", "prospect": "excellent", "industry": "99"})
    assert "12" in params.errors["maturity"] and "excellent" in params.errors["prospect"]
    assert "99" in params.errors["industry"]
    assert params.active() == {}


def test_order_is_listing_score_first(world, catalogue):
    scores = [r.listing_score for r in library.library_records(world.user("ent_gd_admin"))]
    assert scores == sorted(scores, reverse=True)
    assert library.library_records(world.user("ent_gd_admin")).first() == catalogue["ai_full"]


def test_facet_counts_match_the_filtered_lists(world, catalogue):
    user = world.user("ent_bj_soe_admin")
    records = library.library_records(user)
    counts = library.facets(records)
    total = records.count()
    assert total == 5  # three catalogue entries and the world's two library patents
    for name, options in counts.items():
        for option in options:
            assert option.count == library.library_records(user, {name: option.value}).count(), (name, option)
    by_value = {name: {o.value: o.count for o in options} for name, options in counts.items()}
    assert by_value["industry"] == {"1": 2, "4": 1}
    assert by_value["maturity"] == {"7": 2, "4": 1}
    assert by_value["intent"] == {"transfer": 1, "license": 2, "equity": 1}
    assert by_value["province"] == {"110000": 3, "440000": 2}
    assert by_value["institution"][str(world.orgs["inst_bj_moe"].pk)] == 2
    labels = {o.value: o.label for o in counts["maturity"]}
    assert labels["7"] == "7 真实环境样机演示"


def test_facets_follow_the_filters(world, catalogue):
    counts = library.facets(library.library_records(world.user("ent_gd_admin"), {"province": "440000"}))
    assert {o.value: o.count for o in counts["intent"]} == {"equity": 1}
    assert {o.value: o.count for o in counts["province"]} == {"440000": 2}


# --- the buyer's card -------------------------------------------------------------------------------


def test_cards_show_what_a_buyer_needs(world, catalogue, login):
    text = login(world.user("ent_gd_admin")).get(reverse("inventory:library"), {"industry": "1.5"}).content.decode()
    for expected in ("智能质检视觉系统", "本发明公开了一种基于深度学习", "7 真实环境样机演示", "工业质检流水线",
                     "转让", "许可", "普通许可", "120.5", "万元", "北京示范大学", "北京市", "赵老师", "139****9000",
                     "z***@example.edu.cn", reverse("inventory:library_detail", args=[catalogue["ai_full"].patent_id]),
                     "开放许可", "北京市属研究院", "人工智能", "library-chart-data", "echarts.min.js"):
        assert expected in text, expected
    # A buyer sees no listing-quality score: that is for the listing institution; nor the contact's
    # phone and e-mail in full (personal data, masked for everyone but the institution and the operator).
    assert "挂牌信息缺少" not in text and "仅本单位可见" not in text
    assert "13900139000" not in text and "zhao@example.edu.cn" not in text


def test_detail_shows_the_full_entry(world, catalogue, login):
    record = catalogue["ai_full"]
    text = login(world.user("moe_admin")).get(reverse("inventory:library_detail", args=[record.patent_id])
                                              ).content.decode()
    for expected in (LONG_ABSTRACT, LONG_SCENARIOS, "TRL 7 真实环境样机演示", "较好", "普通许可", "120.5",
                     record.patent.application_number, "赵老师", "139****9000", "z***@example.edu.cn"):
        assert expected in text, expected
    assert 'id="listing-quality"' not in text
    assert "13900139000" not in text and "zhao@example.edu.cn" not in text
    # The listing institution and the operator read the contact in full.
    for username in ("inst_bj_moe_admin", "operator"):
        full = login(world.user(username)).get(reverse("inventory:library_detail", args=[record.patent_id]))
        assert "13900139000" in full.content.decode() and "zhao@example.edu.cn" in full.content.decode(), username


def test_the_owner_sees_score_and_missing_items(world, catalogue, login):
    record = catalogue["ai_sparse"]  # no scenarios, contact or abstract
    client = login(world.user("inst_bj_local_admin"))
    text = client.get(reverse("inventory:library")).content.decode()
    assert "挂牌信息缺少" in text and f"完整度 {record.listing_score}" in text
    detail = client.get(reverse("inventory:library_detail", args=[record.patent_id])).content.decode()
    assert 'id="listing-quality"' in detail and f"{record.listing_score} / 100" in detail
    for key in ("scenarios", "contact", "abstract"):
        assert str(listing.CRITERIA_BY_KEY[key].advice) in detail
    # Another institution's card carries no score for this user.
    other = client.get(reverse("inventory:library_detail", args=[catalogue["bio"].patent_id])).content.decode()
    assert 'id="listing-quality"' not in other


# --- listing quality ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("key", "without"), [
    ("scenarios", {"scenarios": "适用于工业质检"}),  # fewer than 20 characters
    ("maturity", {"maturity": None}),
    ("intent", {"intents": [Intent.NONE]}),
    ("intent", {"intents": []}),
    ("intent", {"screening": Screening.OUT}),
    ("terms", {"license_type": "", "asking_price": None}),
    ("contact", {"contact_name": ""}),
    ("contact", {"contact_phone": "", "contact_email": ""}),
    ("abstract", {"abstract": "摘要太短"}),
])
def test_each_criterion_counts_and_is_reported_missing(world, key, without):
    o = world.orgs
    full = {"maturity": 6, "intents": [Intent.LICENSE], "license_type": LicenseType.SOLE, "scenarios": LONG_SCENARIOS,
            "contact_name": "孙老师", "contact_phone": "13700137000", "contact_email": "sun@example.edu.cn"}
    complete = _entry(o["inst_bj_moe"], 2100001, **full)
    assert listing.score(complete) == 100 and listing.missing(complete) == []
    without = dict(without)
    abstract = without.pop("abstract", LONG_ABSTRACT)
    lacking = _entry(o["inst_bj_moe"], 2100002, abstract=abstract, **(full | without))
    criterion = listing.CRITERIA_BY_KEY[key]
    assert listing.missing(lacking) == [criterion]
    assert listing.score(lacking) == 100 - criterion.points
    _assert_sql_equals_python(InventoryRecord.objects.filter(pk__in=[complete.pk, lacking.pk]))


def test_terms_met_by_a_price_alone_and_contact_by_email_alone(world):
    o = world.orgs
    record = _entry(o["inst_bj_moe"], 2100003, asking_price=Decimal("0"), contact_name="李老师",
                    contact_email="li@example.edu.cn")
    assert not {"terms", "contact"} & {c.key for c in listing.missing(record)}
    _assert_sql_equals_python(InventoryRecord.objects.filter(pk=record.pk))


def _assert_sql_equals_python(records):
    live = records.annotate(sql_score=listing.score_expression()).select_related("patent")
    for record in live:
        assert record.sql_score == listing.score(record), (record.patent.title, record.sql_score, listing.score(record))


def test_sql_score_equals_python_score_on_varied_records(world, catalogue):
    o = world.orgs
    variants = [
        {}, {"intents": [Intent.NONE]}, {"intents": [Intent.NONE, Intent.SELF]}, {"intents": ["self"]},
        {"intents": [Intent.EQUITY, Intent.TRANSFER, Intent.LICENSE, Intent.SELF]},
        {"scenarios": "一" * 19}, {"scenarios": "一" * 20}, {"scenarios": "a" * 25},
        {"maturity": 1}, {"license_type": LicenseType.OPEN}, {"asking_price": Decimal("3.00")},
        {"contact_name": "周", "contact_phone": "13600136000"}, {"contact_phone": "13600136000"},
        {"screening": Screening.OUT, "intents": [Intent.TRANSFER]}, {"screening": "", "intents": []},
    ]
    for n, fields in enumerate(variants):
        _entry(o["inst_gd_local"], 2200000 + n, abstract="摘" * (49 + n % 3), in_library=n % 2 == 0, **fields)
    # Intents written with other JSON spacing than Django's (as a raw SQL writer might).
    odd = _entry(o["inst_gd_local"], 2200100, intents=["none"])
    none_only = _entry(o["inst_gd_local"], 2200101, intents=["transfer"])
    with connection.cursor() as cursor:
        cursor.execute(f'UPDATE "{InventoryRecord._meta.db_table}" SET intents = %s WHERE id = %s',
                       ['[ "none" ,  "license" ]', odd.pk])
        cursor.execute(f'UPDATE "{InventoryRecord._meta.db_table}" SET intents = %s WHERE id = %s',
                       ['[ "none" ]', none_only.pk])
    odd.refresh_from_db()
    none_only.refresh_from_db()
    assert odd.intents == ["none", "license"] and listing.CRITERIA_BY_KEY["intent"].met(odd)
    assert none_only.intents == ["none"] and not listing.CRITERIA_BY_KEY["intent"].met(none_only)
    _assert_sql_equals_python(InventoryRecord.objects.all())
    assert InventoryRecord.objects.count() > 20


def test_refresh_scores_updates_only_stale_records_in_sql(world, catalogue, django_assert_max_num_queries):
    InventoryRecord.objects.update(listing_score=0)
    with django_assert_max_num_queries(1):
        changed = listing.refresh_scores(InventoryRecord.objects.all())
    assert changed == InventoryRecord.objects.exclude(listing_score=0).count() > 0
    for record in InventoryRecord.objects.select_related("patent"):
        assert record.listing_score == listing.score(record)
    assert listing.refresh_scores(InventoryRecord.objects.all()) == 0


def test_refresh_listing_scores_command(world, catalogue, capsys):
    InventoryRecord.objects.update(listing_score=3)
    call_command("refresh_listing_scores", "--chunk-size", "2")
    for record in InventoryRecord.objects.select_related("patent"):
        assert record.listing_score == listing.score(record)
    assert "已更新" in capsys.readouterr().out


def test_quality_page_lists_only_the_own_entries_lowest_first(world, catalogue, login):
    o = world.orgs
    extra = _entry(o["inst_bj_moe"], 2300001, title="信息很少的入库专利", abstract="", intents=[Intent.SELF])
    text = login(world.user("inst_bj_moe_admin")).get(reverse("inventory:library_quality")).content.decode()
    assert "信息很少的入库专利" in text and "智能质检视觉系统" in text
    assert text.index("信息很少的入库专利") < text.index("智能质检视觉系统")
    assert "肿瘤标志物检测试剂盒" not in text and "图像去噪算法" not in text
    for criterion in listing.missing(extra):
        assert str(criterion.label) in text


def test_a_department_sees_the_quality_of_its_own_entries(world, catalogue, login):
    from accounts.models import Department

    department = Department.objects.get(organization=world.orgs["inst_bj_moe"], name="计算机学院")
    ours = _entry(world.orgs["inst_bj_moe"], 2300002, title="计算机学院的入库专利", department_unit=department)
    client = login(world.user("inst_bj_moe_dept_admin"))
    text = client.get(reverse("inventory:library_quality")).content.decode()
    assert "计算机学院的入库专利" in text
    assert "智能质检视觉系统" not in text  # the institution's, not the department's
    # The national library stays national for department staff.
    assert {ours.patent.title, "智能质检视觉系统", "肿瘤标志物检测试剂盒"} <= _titles(
        library.library_records(world.user("inst_bj_moe_dept_admin")))


@pytest.mark.parametrize("username", ["operator", "moe_admin", "prov_bj_admin", "ent_gd_admin", "expert", "auditor",
                                      "inst_bj_moe_inventor"])
def test_quality_page_is_for_institutions_only(world, login, username):
    assert login(world.user(username)).get(reverse("inventory:library_quality")).status_code == 403


# --- API ----------------------------------------------------------------------------------------------


def test_api_lists_filters_and_counts(world, catalogue, login):
    client = login(world.user("ent_gd_admin"))
    data = client.get("/api/v1/library/", {"maturity": 7}).json()
    titles = {row["title"] for row in data["results"]}
    assert titles == {"智能质检视觉系统", "肿瘤标志物检测试剂盒"}
    row = next(r for r in data["results"] if r["title"] == "智能质检视觉系统")
    assert row["maturity"] == 7 and row["maturity_name"] == "真实环境样机演示"
    assert row["institution_name"] == "北京示范大学" and row["province"] == "110000"
    assert row["intents"] == ["transfer", "license"] and row["asking_price"] == "120.50"
    # Contacts are personal data: the API masks them (the library's pages show them).
    assert row["contact_phone"] == "139****9000" and row["contact_email"] == "z***@example.edu.cn"
    assert "zhao@example.edu.cn" not in str(data) and "13900139000" not in str(data)
    assert row["url"].endswith(reverse("inventory:library_detail", args=[catalogue["ai_full"].patent_id]))
    facets = client.get("/api/v1/library/facets/", {"province": "110000"}).json()
    assert facets["count"] == 3
    assert {o["value"]: o["count"] for o in facets["facets"]["maturity"]} == {"7": 1, "4": 1}
    bad = client.get("/api/v1/library/", {"maturity": "12"})
    assert bad.status_code == 400 and "12" in str(bad.json())


@pytest.mark.parametrize("username", REFUSED_USERS)
def test_api_refuses_experts_and_the_three_admins(world, catalogue, login, username):
    client = login(world.user(username))
    assert client.get("/api/v1/library/").status_code == 403
    assert client.get("/api/v1/library/facets/").status_code == 403


def test_api_lists_library_entries_only(world, catalogue, login):
    data = login(world.user("inst_bj_moe_admin")).get("/api/v1/library/", {"page_size": 200}).json()
    titles = {row["title"] for row in data["results"]}
    assert "未入库的专利" not in titles and "肿瘤标志物检测试剂盒" in titles and data["count"] == 5


def test_browse_page_queries_do_not_grow_with_the_entries(world, catalogue, login, django_assert_max_num_queries):
    client = login(world.user("inst_bj_moe_admin"))
    client.get(reverse("inventory:library"))  # warm the session and reference caches
    o = world.orgs
    _sector, ai, _bio = industries()
    for n in range(15):
        _entry(o["inst_bj_moe"], 2400000 + n, title=f"批量专利{n}", maturity=5, industries=[ai])
    with django_assert_max_num_queries(25):
        response = client.get(reverse("inventory:library"))
    assert response.content.decode().count('class="card pn-library-card') == 20


def test_page_names_an_invalid_filter_value(world, catalogue, login):
    client = login(world.user("ent_gd_admin"))
    response = client.get(reverse("inventory:library"), {"maturity": "12", "prospect": "good"})
    text = response.content.decode()
    assert response.status_code == 200
    assert "技术成熟度" in text and "“12”无效" in text
    # The valid filter still applies.
    assert "智能质检视觉系统" in text and "图像去噪算法" not in text
