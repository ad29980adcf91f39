"""Chinese full-text search: jieba segmentation, ranking, highlighting, the index
kept current, scope by visible_to on the page, the service and the API; on PostgreSQL the GIN path."""

import csv
import datetime as dt
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from accounts.models import Organization
from inventory.choices import LegalStatus, PatentType
from inventory.models import Patent, PatentOwnership, PatentSearchDocument
from inventory.patents.base_library import import_base_library
from inventory.patents.identifiers import make_application_number
from inventory.search import services as search

from .isolation import expectations as E

TITLE_WORDS = "图像识别"


def _patent(serial: int, title: str, abstract: str = "", inventors=("王工",), patentees=("某大学",)) -> Patent:
    return Patent.objects.create(
        application_number=make_application_number(2020, "1", serial), title=title, abstract=abstract,
        patent_type=PatentType.INVENTION, application_date=dt.date(2020, 1, 2), grant_date=dt.date(2021, 3, 4),
        legal_status=LegalStatus.VALID, inventors=list(inventors), patentees=list(patentees),
    )


def _keys(world, patents) -> set[str]:
    by_pk = {patent.pk: key for key, patent in world.patents.items()}
    return {by_pk[p.pk] for p in patents if p.pk in by_pk}


# --- segmentation ---------------------------------------------------------------------------------


def test_segmentation_finds_the_phrase_inside_a_title():
    tokens = search.document_tokens("一种基于深度学习的图像识别方法", "", [], []).split()
    words = search.query_words(TITLE_WORDS)
    assert words, "the query has searchable words"
    assert set(words) <= set(tokens)
    assert "的" not in tokens and "一种" not in tokens  # function words are not indexed


def test_full_width_and_case_are_folded():
    tokens = search.document_tokens("一种ＬＥＤ灯和５Ｇ基站", "", [], []).split()
    assert set(search.query_words("led 5G")) <= set(tokens)


def test_query_words_drop_compounds_made_of_their_parts():
    assert search.query_words("图像识别") == ["图像", "识别"]
    assert search.query_words("  !!!  ") == []
    assert search.query_words("<script>") == ["script"]


# --- matching and ranking -------------------------------------------------------------------------


@pytest.fixture
def corpus(db):
    patents = {
        "title": _patent(1, "一种基于深度学习的图像识别方法", "本发明涉及计算机视觉。"),
        "abstract": _patent(2, "一种工业检测装置", "本装置通过图像识别判断零件缺陷。"),
        "battery": _patent(3, "一种锂离子电池正极材料及其制备方法", "提高电池循环寿命。"),
        "inventor": _patent(4, "一种水处理方法", "", inventors=["欧阳明"], patentees=["清华大学"]),
    }
    assert search.index_patents(Patent.objects.all()) == 4
    return patents


def test_keyword_filter_restricts_and_ranks_title_matches_first(corpus):
    found = list(search.keyword_filter(Patent.objects.all(), TITLE_WORDS).order_by("-search_rank", "pk"))
    assert [p.pk for p in found] == [corpus["title"].pk, corpus["abstract"].pk]
    assert found[0].search_rank > found[1].search_rank > 0


def test_every_query_word_must_match(corpus):
    assert list(search.keyword_filter(Patent.objects.all(), "图像识别 电池")) == []
    battery = search.keyword_filter(Patent.objects.all(), "锂离子电池")
    assert [p.pk for p in battery] == [corpus["battery"].pk]


def test_inventors_and_patentees_are_searchable(corpus):
    assert [p.pk for p in search.keyword_filter(Patent.objects.all(), "清华大学")] == [corpus["inventor"].pk]


def test_blank_query_leaves_the_queryset_and_a_wordless_one_matches_nothing(corpus):
    assert search.keyword_filter(Patent.objects.all(), "  ").count() == 4
    assert search.keyword_filter(Patent.objects.all(), "的").count() == 0


def test_keyword_filter_keeps_the_callers_scope(corpus):
    scoped = Patent.objects.filter(pk=corpus["abstract"].pk)
    assert [p.pk for p in search.keyword_filter(scoped, TITLE_WORDS)] == [corpus["abstract"].pk]


def test_index_is_rewritten_when_a_patent_changes(corpus):
    patent = corpus["battery"]
    Patent.objects.filter(pk=patent.pk).update(title="一种图像识别芯片")
    assert search.index_patents(Patent.objects.filter(pk=patent.pk)) == 1
    assert PatentSearchDocument.objects.count() == 4
    assert patent.pk in {p.pk for p in search.keyword_filter(Patent.objects.all(), TITLE_WORDS)}
    assert not search.keyword_filter(Patent.objects.all(), "锂离子电池").exists()


def test_rebuild_command_indexes_every_patent(corpus):
    PatentSearchDocument.objects.all().delete()
    call_command("rebuild_search_index", processes=1, stdout=io.StringIO())
    assert PatentSearchDocument.objects.count() == Patent.objects.count() == 4
    assert search.keyword_filter(Patent.objects.all(), TITLE_WORDS).count() == 2


def test_index_task(corpus):
    from inventory.tasks import index_patents_task

    PatentSearchDocument.objects.all().delete()
    assert index_patents_task.delay([corpus["title"].pk]).get() == 1
    assert list(PatentSearchDocument.objects.values_list("pk", flat=True)) == [corpus["title"].pk]


# --- highlighting ---------------------------------------------------------------------------------


def test_highlight_escapes_html_before_marking():
    html = search.highlight('<script>alert("x")</script>图像识别 & 装置', ["图像识别", "图像", "识别"])
    assert "<script>" not in html
    assert "&lt;script&gt;" in html and "&amp;" in html
    assert "<mark>图像识别</mark>" in html


def test_snippet_centres_on_the_match():
    text = "甲" * 400 + "图像识别" + "乙" * 400
    part = search.snippet(text, ["图像识别"])
    assert "图像识别" in part and len(part) <= search.SNIPPET_LENGTH + 2


def test_search_hits_are_highlighted_and_escaped(world):
    patent = world.patents["bj_moe_private"]
    Patent.objects.filter(pk=patent.pk).update(title="<b>一种</b>图像识别装置", abstract="用于<i>图像识别</i>。")
    search.index_patents(Patent.objects.filter(pk=patent.pk))
    hits = {hit.patent.pk: hit for hit in search.search(world.users["operator"], TITLE_WORDS)}
    hit = hits[patent.pk]
    assert "<b>" not in hit.title_html and "&lt;b&gt;" in hit.title_html
    assert "<mark>图像识别</mark>" in hit.title_html
    assert "<mark>图像识别</mark>" in hit.abstract_html and "<i>" not in hit.abstract_html


# --- scope ------------------------------------------------------------------------------------------


def test_search_returns_only_visible_patents_for_every_world_user(world):
    for username in sorted(E.SIGNED_IN):
        user = world.users[username]
        expected = {key for key, viewers in E.PATENTS.items() if username in viewers}
        found = _keys(world, [hit.patent for hit in search.search(user, TITLE_WORDS, limit=100)])
        assert found == expected, username
        assert search.search_results(user, TITLE_WORDS).total == len(
            search.keyword_filter(Patent.objects.visible_to(user), TITLE_WORDS)), username


def test_search_page_shows_only_visible_patents(world, client):
    url = reverse("inventory:search")
    for username in sorted(E.SIGNED_IN):
        client.force_login(world.users[username])
        response = client.get(url, {"q": TITLE_WORDS})
        if response.status_code == 403:
            assert username in E.PLATFORM_ADMINS | {"expert", E.INVENTOR}, username
            continue
        assert response.status_code == 200, username
        text = response.content.decode()
        for key, patent in world.patents.items():
            shown = patent.application_number in text
            assert shown == (username in E.PATENTS[key]), (username, key)


def test_search_page_counts_ranks_and_marks(world, login):
    client = login(world.users["operator"])
    response = client.get(reverse("inventory:search"), {"q": TITLE_WORDS})
    text = response.content.decode()
    assert "找到 6 件专利" in text
    assert "<mark>图像识别</mark>" in text
    partial = client.get(reverse("inventory:search"), {"q": TITLE_WORDS}, headers={"HX-Request": "true"})
    assert "<html" not in partial.content.decode() and "找到 6 件专利" in partial.content.decode()
    empty = client.get(reverse("inventory:search"), {"q": "不存在的词汇组合石墨烯"})
    assert "没有找到匹配的专利" in empty.content.decode()


def test_navbar_search_box_for_business_roles(world, login):
    page = login(world.users["inst_bj_moe_admin"]).get(reverse("home")).content.decode()
    assert f'action="{reverse("inventory:search")}"' in page
    page = login(world.users["auditor"]).get(reverse("home")).content.decode()
    assert f'action="{reverse("inventory:search")}"' not in page


def test_api_search_is_scoped_and_highlighted(world, login):
    url = reverse("search-list")
    for username in ("operator", "ent_gd_admin", "inst_bj_local_admin", "prov_gd_admin"):
        client = login(world.users[username])
        body = client.get(url, {"q": TITLE_WORDS, "limit": 100}).json()
        expected = {world.patents[key].application_number for key, viewers in E.PATENTS.items()
                    if username in viewers}
        assert {hit["application_number"] for hit in body["results"]} == expected, username
        assert body["count"] == len(expected)
        assert all("<mark>" in hit["title_highlighted"] for hit in body["results"])
    client = login(world.users["operator"])
    assert client.get(url).json() == {"count": 0, "count_capped": False, "words": [], "results": []}
    page = client.get(url, {"q": TITLE_WORDS, "limit": 2, "offset": 1}).json()
    assert len(page["results"]) == 2 and page["count"] == 6
    ranks = [hit["rank"] for hit in client.get(url, {"q": TITLE_WORDS}).json()["results"]]
    assert ranks == sorted(ranks, reverse=True)


# --- application and patent numbers ---------------------------------------------------------------

NUMBER = "CN201310291010.0"
WRITTEN_FORMS = ["CN201310291010.0", "201310291010.0", "2013102910100", "ZL201310291010.0", "cn 2013 1029 1010.0",
                 "ＣＮ２０１３１０２９１０１０．０", " CN201310291010.0 "]


def test_number_prefix_reads_every_written_form():
    for written in WRITTEN_FORMS:
        assert search.number_prefix(written) == NUMBER, written
    assert search.number_prefix("201310291010") == "CN201310291010"  # no check character: a prefix
    assert search.number_prefix("2013102910") == "CN2013102910"
    assert search.number_prefix("CN2013") == "CN2013"
    assert search.number_prefix("ZL-2013-1029") == "CN20131029"
    assert search.number_prefix("2013102910109") == "CN201310291010.9"  # a wrong check: still a number
    # Words, and digits too few to be a number, are searched as words.
    for words in ["图像识别", "5G", "2013", "CN", "锂电池 2013102910"]:
        assert search.number_prefix(words) is None, words


@pytest.fixture
def numbered(corpus):
    """The corpus with CN201310291010.0 and a neighbour CN201310291011.x."""
    corpus["numbered"] = _patent(0, "一种太阳能热水器")
    Patent.objects.filter(pk=corpus["numbered"].pk).update(application_number=NUMBER)
    corpus["neighbour"] = _patent(9, "一种热水器支架")
    neighbour = make_application_number(2013, "1", 291011)
    Patent.objects.filter(pk=corpus["neighbour"].pk).update(application_number=neighbour)
    search.index_patents(Patent.objects.all())
    return corpus


def test_keyword_filter_finds_a_patent_by_any_written_number(numbered):
    for written in WRITTEN_FORMS:
        found = search.keyword_filter(Patent.objects.all(), written)
        assert [p.pk for p in found] == [numbered["numbered"].pk], written
    # A prefix lists the patents whose numbers start with it, and only those.
    assert {p.pk for p in search.keyword_filter(Patent.objects.all(), "2013102910")} == {
        numbered["numbered"].pk, numbered["neighbour"].pk}
    assert search.keyword_filter(Patent.objects.all(), "CN2020").count() == 4
    assert search.keyword_filter(Patent.objects.all(), "2013102910109").count() == 0
    # Still scoped by the caller, and the matching ids (the library's filter) agree.
    scoped = Patent.objects.exclude(pk=numbered["numbered"].pk)
    assert not search.keyword_filter(scoped, NUMBER).exists()
    ids = Patent.objects.filter(pk__in=search.matching_patent_ids("201310291010.0"))
    assert [p.pk for p in ids] == [numbered["numbered"].pk]


def test_search_results_list_numbers_in_order(world):
    operator = world.users["operator"]
    neighbour = make_application_number(2013, "1", 291011)
    for serial, number in ((0, neighbour), (9, NUMBER)):
        Patent.objects.filter(pk=_patent(serial, "一种太阳能热水器").pk).update(application_number=number)
    results = search.search_results(operator, "20131029101")
    assert results.number == "CN20131029101"
    assert [hit.patent.application_number for hit in results.hits] == [NUMBER, neighbour]
    assert (results.total, results.capped) == (2, False)
    assert search.search_results(operator, "CN201310291010.0").total == 1
    assert [hit.patent.application_number for hit in search.search(operator, "20131029101", offset=1)] == [neighbour]


def test_search_page_and_api_find_a_patent_by_its_number(world, login):
    patent = world.patents["bj_moe_private"]
    digits = patent.application_number[2:].replace(".", "")
    client = login(world.users["inst_bj_moe_admin"])
    for written in (patent.application_number, digits, "ZL" + patent.application_number[2:], digits[:9]):
        text = client.get(reverse("inventory:search"), {"q": written}).content.decode()
        assert patent.title in text or patent.application_number in text, written
        assert "没有找到匹配的专利" not in text and "没有可检索的词" not in text, written
    text = client.get(reverse("inventory:search"), {"q": digits}).content.decode()
    assert "找到 1 件专利" in text
    body = client.get(reverse("search-list"), {"q": digits}).json()
    assert [hit["application_number"] for hit in body["results"]] == [patent.application_number]
    assert body["words"] == [patent.application_number] and body["count"] == 1
    # A number does not reach beyond what the user may see.
    outsider = login(world.users["inst_gd_local_admin"])
    assert "bj_moe_private" in E.PATENTS and "inst_gd_local_admin" not in E.PATENTS["bj_moe_private"]
    assert outsider.get(reverse("search-list"), {"q": digits}).json()["count"] == 0
    assert "没有找到匹配的专利" in outsider.get(reverse("inventory:search"), {"q": digits}).content.decode()


def _plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("EXPLAIN " + sql, params)
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        return "\n".join(str(row[-1] if connection.vendor != "postgresql" else row[0]) for row in cursor.fetchall())


def test_a_number_is_found_through_an_index_never_a_scan(numbered):
    plan = _plan(search.keyword_filter(Patent.objects.all(), "2013102910").values("pk"))
    if connection.vendor == "postgresql":
        assert "Seq Scan" not in plan and "Index" in plan, plan
        with connection.cursor() as cursor:
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'patent_number_prefix'")
            (definition,) = cursor.fetchone()
        # The pattern class: LIKE 'prefix%' is served whatever the database's collation.
        assert "application_number varchar_pattern_ops" in definition
    else:
        assert "SEARCH" in plan and "INDEX" in plan and "SCAN inventory_patent" not in plan, plan


# --- the segmenter's dictionary is loaded as a web or worker process starts ------------------------


def _python(code: str) -> str:
    root = Path(__file__).resolve().parent.parent
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "patentnavi.settings"}
    return subprocess.run([sys.executable, "-c", code], cwd=root, env=environment, capture_output=True, text=True,
                          check=True, timeout=120).stdout.strip().splitlines()[-1]


def test_the_web_process_loads_the_dictionary_as_it_starts():
    shown = _python(
        "import threading, patentnavi.wsgi\n"
        "from inventory.search import services\n"
        "warming = [t for t in threading.enumerate() if t.name == services.WARM_UP_THREAD]\n"
        "loaded_at_once = services._tokenizer is not None\n"
        "[t.join() for t in warming]\n"
        "print(bool(warming) or loaded_at_once, services._tokenizer is not None)\n"
    )
    assert shown == "True True"


def test_commands_that_do_not_search_do_not_load_it():
    shown = _python(
        "import sys, django\n"
        "django.setup()\n"
        "from django.core.management import call_command\n"
        "call_command('check', verbosity=0)\n"
        "from inventory.search import services\n"
        "print('jieba' in sys.modules, services._tokenizer is None)\n"
    )
    assert shown == "False True"


def test_a_worker_loads_it_as_it_starts_and_a_search_waits_for_that_load(monkeypatch):
    from celery.signals import worker_init

    monkeypatch.setattr(search, "_tokenizer", None)
    worker_init.send(sender=None)
    loaded = search._tokenizer
    assert loaded is not None
    monkeypatch.setattr(search, "_tokenizer", None)
    thread = search.warm_up()
    assert thread is not None and thread.name == search.WARM_UP_THREAD
    assert search.query_words(TITLE_WORDS) == ["图像", "识别"]  # waits for the load under way
    thread.join()
    assert search.warm_up() is None  # loaded: nothing more to do


# --- the base library import keeps the index current ---------------------------------------------


def test_base_library_import_indexes_the_patents_it_touched(world, settings, tmp_path,
                                                             django_capture_on_commit_callbacks):
    settings.MEDIA_ROOT = tmp_path / "media"
    headers = ["申请号", "专利名称", "专利类型", "申请日", "授权公告日", "法律状态", "专利权人", "发明人",
               "主分类号", "摘要"]
    number = make_application_number(2022, "1", 7654321)
    path = tmp_path / "base.csv"
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(headers)
        writer.writerow([number, "一种石墨烯散热膜的制备方法", "发明", "2022-01-05", "2023-04-06", "有效",
                         "北京示范大学", "钱七", "C01B 32/184", "本发明公开了一种石墨烯散热膜。"])
    with django_capture_on_commit_callbacks(execute=True):  # the follow-up task runs once the commit is visible
        import_base_library(path, "base.csv")
    patent = Patent.objects.get(application_number=number)
    assert PatentSearchDocument.objects.filter(pk=patent.pk).exists()
    found = search.search(world.users["inst_bj_moe_admin"], "石墨烯")
    assert [hit.patent.pk for hit in found] == [patent.pk]
    assert search.search(world.users["inst_gd_local_admin"], "石墨烯") == []


# --- PostgreSQL: the GIN index serves the match --------------------------------------------------


postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL full-text path")


@postgres_only
def test_postgres_match_uses_the_gin_index(db):
    org = Organization.objects.filter(kind=Organization.Kind.PLATFORM).first()
    assert org is not None
    titles = ["一种基于深度学习的图像识别方法", "一种锂离子电池正极材料", "一种污水处理装置", "一种中药提取工艺"]
    Patent.objects.bulk_create([
        Patent(application_number=make_application_number(2021, "1", 2000000 + i),
               title=f"{titles[i % 4]}{i}" if i else "一种钙钛矿太阳能电池",
               patent_type=PatentType.INVENTION, application_date=dt.date(2021, 1, 1), grant_date=dt.date(2022, 1, 1))
        for i in range(3000)
    ])
    assert search.index_patents(Patent.objects.all()) == 3000
    # The stored vector is the database's own to_tsvector of the tokens (a generated column).
    assert PatentSearchDocument.objects.extra(
        where=["search_vector = to_tsvector('simple'::regconfig, tokens)"]).count() == 3000
    queryset = search.keyword_filter(Patent.objects.all(), TITLE_WORDS)
    sql, params = queryset.query.sql_with_params()
    assert '"search_vector" @@ plainto_tsquery(\'simple\'::regconfig' in sql
    assert queryset.count() == 749
    best = queryset.order_by("-search_rank").first()
    assert TITLE_WORDS in best.title
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE inventory_patentsearchdocument")
    # The GIN index on the stored vector answers the match.
    rare = search.keyword_filter(Patent.objects.all(), "钙钛矿")
    assert [patent.title for patent in rare] == ["一种钙钛矿太阳能电池"]
    sql, params = rare.query.sql_with_params()
    with connection.cursor() as cursor:
        # At 3,000 rows walking the table is cheaper still; left only bitmaps, the match must be
        # one the GIN index answers (its expression is the query's).
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "inventory_searchdoc_owner_vector_gin" in plan, plan
    # A common word: inside prefer_index() the planner still reads the GIN index, never the whole table.
    common = search._matching_documents(["方法"])
    common = common.values_list("patent_id", flat=True)[:100]
    sql, params = common.query.sql_with_params()
    with search.prefer_index(), connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Seq Scan" not in plan, plan


def test_counts_and_ranking_stop_at_their_limits(world, login, monkeypatch):
    operator = world.users["operator"]
    monkeypatch.setattr(search, "COUNT_LIMIT", 3)
    monkeypatch.setattr(search, "RANK_CANDIDATES", 2)
    results = search.search_results(operator, TITLE_WORDS)
    assert (results.total, results.capped) == (3, True)  # "more than 3"
    assert len(results.hits) == 2
    page = login(operator).get(reverse("inventory:search"), {"q": TITLE_WORDS}).content.decode()
    assert "找到超过 3 件专利" in page
    body = login(operator).get(reverse("search-list"), {"q": TITLE_WORDS}).json()
    assert (body["count"], body["count_capped"]) == (3, True)


def test_matching_patent_ids_is_a_subquery(corpus):
    ids = search.matching_patent_ids(TITLE_WORDS)
    assert set(Patent.objects.filter(pk__in=ids).values_list("pk", flat=True)) == {
        corpus["title"].pk, corpus["abstract"].pk}
    assert not Patent.objects.filter(pk__in=search.matching_patent_ids("的")).exists()


@postgres_only
def test_postgres_documents_know_their_owners_whatever_writes_the_ownerships(db):
    """owner_ids, which narrows an institution's keyword filter inside the index, follows every
    ownership written or removed after the document (triggers), and is taken when it is written."""
    province = Organization.objects.filter(kind=Organization.Kind.INSTITUTION).values_list("province", flat=True)
    first, second = (Organization.objects.create(kind=Organization.Kind.INSTITUTION, name=name,
                                                 province_id=province.first() or "110000")
                     for name in ("甲大学", "乙研究院"))
    patent = Patent.objects.create(
        application_number=make_application_number(2021, "1", 2100001), title="一种钙钛矿太阳能电池",
        patent_type=PatentType.INVENTION, application_date=dt.date(2021, 1, 1), grant_date=dt.date(2022, 1, 1))
    PatentOwnership.objects.create(patent=patent, organization=first)
    search.index_patents(Patent.objects.filter(pk=patent.pk))

    def owners() -> list[int]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT owner_ids FROM inventory_patentsearchdocument WHERE patent_id = %s", [patent.pk])
            return cursor.fetchone()[0]

    def found_by(org) -> list[int]:
        scope = Patent.objects.filter(ownerships__organization=org)
        return list(search.keyword_filter(scope, "钙钛矿", owner_id=org.pk).values_list("pk", flat=True))

    assert owners() == [first.pk] and found_by(first) == [patent.pk] and found_by(second) == []
    PatentOwnership.objects.bulk_create([PatentOwnership(patent=patent, organization=second)])
    assert owners() == sorted([first.pk, second.pk]) and found_by(second) == [patent.pk]
    PatentOwnership.objects.filter(organization=first).delete()
    assert owners() == [second.pk] and found_by(first) == []
    # The hint never widens the scope: another institution's id finds nothing outside its patents.
    scope = Patent.objects.filter(ownerships__organization=first)
    assert list(search.keyword_filter(scope, "钙钛矿", owner_id=second.pk)) == []
