"""Industries and technology fields (DATA-STANDARD.md §5): the shipped reference data, pattern
matching, classification at scale with staff overrides that survive re-classification and
re-imports, the loader of the official concordance, its pages and the API."""

import csv
import datetime as dt

import openpyxl
import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.models import AuditEvent, Organization, Province
from ground.imports.problems import problems_of
from inventory import data
from inventory.classification.concordance import load_concordance, not_replaced
from inventory.classification.services import (
    CLASS,
    GROUP,
    SUBCLASS,
    SUBGROUP,
    Concordance,
    InvalidPattern,
    apply_overrides,
    classify_patents,
    concordance_is_provisional,
    fields_of,
    industries_of,
    parse_pattern,
)
from inventory.models import (
    ImportBatch,
    Industry,
    IndustryRule,
    InventoryRecord,
    Patent,
    PatentIndustry,
    PatentTechField,
    TechnologyField,
)
from inventory.patents.base_library import import_base_library
from inventory.patents.identifiers import make_application_number
from inventory.records.assessment import update_assessment
from inventory.records.formats import INDUSTRIES, InventoryFormat

CONCORDANCE_HEADERS = ["产业代码", "产业名称", "IPC", "不含", "关键词"]


def _links(model, patent: Patent) -> dict:
    column = "industry_id" if model is PatentIndustry else "field_id"
    return dict(model.objects.filter(patent=patent).values_list(column, "is_manual"))


def _patent(serial: int, main_ipc: str, ipc_codes=(), title: str = "一种方法", abstract: str = "") -> Patent:
    return Patent.objects.create(
        application_number=make_application_number(2021, "1", serial), title=title, patent_type="invention",
        application_date=dt.date(2021, 1, 4), grant_date=dt.date(2023, 5, 6), main_ipc=main_ipc,
        ipc_codes=list(ipc_codes), abstract=abstract,
    )


# The reference data --------------------------------------------------------------------------


@pytest.mark.django_db
def test_shipped_industries_fields_and_provisional_concordance():
    sectors = Industry.objects.filter(parent__isnull=True)
    sub_sectors = Industry.objects.filter(parent__isnull=False)
    assert sectors.count() == 9 and sub_sectors.count() == 40
    assert Industry.objects.get(code="1.5").name == "人工智能"
    assert Industry.objects.get(code="9.2").parent_id == "9"
    # One source of truth: the upload's 所属产业 column reads the same codes and names.
    assert dict(Industry.objects.values_list("code", "name")) == INDUSTRIES == data.industries()
    assert "1.5" in InventoryFormat().column("industry_codes").choices
    # Every sub-sector has at least one rule; the shipped rules are all provisional, and say so.
    covered = set(IndustryRule.objects.values_list("industry_id", flat=True))
    assert covered == set(sub_sectors.values_list("code", flat=True))
    assert not IndustryRule.objects.filter(provisional=False).exists()
    assert all("临时" in source for source in IndustryRule.objects.values_list("source", flat=True))
    assert concordance_is_provisional()
    ai = IndustryRule.objects.filter(industry_id="1.5").values_list("ipc_patterns", flat=True)
    assert {"G06N*", "G06V*", "G10L15*", "G06F40*"} <= {p for patterns in ai for p in patterns}
    pharma = IndustryRule.objects.get(industry_id="4.1")
    assert "A61K*" in pharma.ipc_patterns and "A61K8*" in pharma.exclusions
    # WIPO's 35 fields, with Chinese names and their IPC.
    assert TechnologyField.objects.count() == 35
    assert list(TechnologyField.objects.values_list("number", flat=True)) == list(range(1, 36))
    first, last = TechnologyField.objects.get(number=1), TechnologyField.objects.get(number=35)
    assert first.name == "电气机械、设备和能源" and "H01M*" not in first.ipc_patterns and "H01*" in first.ipc_patterns
    assert last.name_en == "Civil engineering" and "E21*" in last.ipc_patterns
    # Every shipped pattern is well formed.
    for patterns in [*IndustryRule.objects.values_list("ipc_patterns", "exclusions"),
                     *((f["ipc_patterns"],) for f in data.technology_fields())]:
        for group in patterns:
            for text in group:
                parse_pattern(text)


# Patterns and matching -----------------------------------------------------------------------


@pytest.mark.parametrize(("text", "level", "shown"), [
    ("G06*", CLASS, "G06*"),
    ("G06N", SUBCLASS, "G06N*"),
    ("g06n*", SUBCLASS, "G06N*"),
    ("G10L15*", GROUP, "G10L15*"),
    ("G10L 15/*", GROUP, "G10L15*"),
    ("Ｇ１０Ｌ　１５／００", GROUP, "G10L15*"),
    ("G06F9/50*", SUBGROUP, "G06F9/50*"),
    ("G06F 9/50", SUBGROUP, "G06F9/50"),
])
def test_pattern_levels(text, level, shown):
    pattern = parse_pattern(text)
    assert pattern.level == level and str(pattern) == shown


@pytest.mark.parametrize("text", ["", "G6N*", "人工智能", "G06N 3/08/1", "Z99A*"])
def test_bad_patterns_are_refused_with_the_value(text):
    with pytest.raises(InvalidPattern, match="不是有效的 IPC 参照写法"):
        parse_pattern(text)


def _concordance(*rules: dict, fields=()) -> Concordance:
    return Concordance([{"exclusions": [], "keywords": [], **rule} for rule in rules], fields)


def test_wildcards_match_by_level_not_by_string_prefix():
    concordance = _concordance(
        {"industry": "1.5", "ipc_patterns": ["G10L15*"]},
        {"industry": "1.1", "ipc_patterns": ["H04N1*"]},
        {"industry": "1.4", "ipc_patterns": ["G06F9/50*"]},
        {"industry": "1.3", "ipc_patterns": ["G06F9/44"]},
        {"industry": "6.1", "ipc_patterns": ["G21*"]},
    )
    assert concordance.classify("G10L 15/22", [])[0] == {"1.5"}
    assert concordance.classify("G10L 151/00", [])[0] == set()  # group 151 is not group 15
    assert concordance.classify("H04N 13/00", [])[0] == set()
    assert concordance.classify("h04n1/00", [])[0] == {"1.1"}
    assert concordance.classify("G06F 9/5027", [])[0] == {"1.4"}  # subgroup digits start 50
    assert concordance.classify("G06F 9/48", [])[0] == set()
    assert concordance.classify("G06F 9/44", [])[0] == {"1.3"}
    assert concordance.classify("G06F 9/445", [])[0] == set()  # no `*`: that subgroup alone
    assert concordance.classify("G21C 3/00", [])[0] == {"6.1"}
    assert concordance.classify("14-02", [])[0] == set()  # a design's Locarno class


def test_exclusions_apply_per_code_and_keywords_to_title_or_abstract():
    concordance = _concordance(
        {"industry": "4.1", "ipc_patterns": ["A61K*", "A61P*"], "exclusions": ["A61K8*"]},
        {"industry": "1.4", "ipc_patterns": ["G06Q*"], "keywords": ["云计算", "大数据"]},
    )
    assert concordance.classify("A61K 8/02", [])[0] == set()  # cosmetics
    assert concordance.classify("A61K 8/02", ["A61K 31/00"])[0] == {"4.1"}  # another code qualifies
    assert concordance.classify("A61Q 19/00", ["A61P 17/00"])[0] == {"4.1"}
    assert concordance.classify("G06Q 10/06", [], "一种排班方法", "")[0] == set()
    assert concordance.classify("G06Q 10/06", [], "一种排班方法", "基于大数据的排班")[0] == {"1.4"}
    assert concordance.classify("G06Q 10/06", [], "云计算资源计费方法", "")[0] == {"1.4"}


def test_technology_fields_take_the_most_specific_pattern():
    concordance = Concordance([], data.technology_fields())

    def fields(code: str) -> set[int]:
        return concordance.classify(code, [])[1]

    assert fields("G01N 21/00") == {10}
    assert fields("G01N 33/574") == {11}
    assert fields("G01T 1/00") == {24}
    assert fields("A61K 31/00") == {16}
    assert fields("A61K 8/02") == {14}
    assert fields("G06Q 10/06") == {7}
    assert fields("G06V 10/82") == {6}
    assert fields("H04N 21/2343") == {4}
    assert fields("H04N 1/00") == {3}
    assert fields("H04N 5/232") == {2}
    assert fields("B01D 53/34") == {24}
    assert fields("B01D 29/00") == {23}
    assert fields("H01L 21/02") == {8}
    assert fields("H01M 10/0525") == {1}
    assert fields("E01F 8/00") == {24}
    assert fields("E01D 19/00") == {35}
    assert concordance.classify("H01M 10/0525", ["B60L 58/12"])[1] == {1, 32}


# Classification in the database ---------------------------------------------------------------


@pytest.mark.django_db
def test_classify_real_looking_patents_and_rerun_writes_nothing():
    ai = _patent(1000101, "G06V 10/82", ["G06N 3/08"], "一种基于深度学习的图像识别方法")
    drug = _patent(1000102, "A61K 31/4745", ["A61P 35/00"], "一种抗肿瘤化合物及其用途")
    cosmetic = _patent(1000103, "A61K 8/02", ["A61Q 19/00"], "一种美白化妆品")
    battery = _patent(1000104, "H01M 10/0525", ["B60L 58/12"], "一种锂离子动力电池")
    cloud = _patent(1000105, "G06F 9/5027", [], "一种资源调度方法", "在云计算集群中调度虚拟机。")
    design = _patent(1000106, "14-02", [], "手机")
    counts = classify_patents(Patent.objects.all())
    assert counts.patents == 6
    assert _links(PatentIndustry, ai) == {"1.5": False}
    assert _links(PatentIndustry, drug) == {"4.1": False}
    assert _links(PatentIndustry, cosmetic) == {}
    assert set(_links(PatentIndustry, battery)) == {"5.2"}
    assert set(_links(PatentIndustry, cloud)) == {"1.4"}  # its 9/50 code is excluded from 1.3
    assert _links(PatentIndustry, design) == {} and _links(PatentTechField, design) == {}
    assert _links(PatentTechField, ai) == {6: False}
    assert _links(PatentTechField, drug) == {16: False}
    assert _links(PatentTechField, cosmetic) == {14: False}
    assert _links(PatentTechField, battery) == {1: False, 32: False}
    assert counts.with_industry == 4 and counts.with_field == 5
    assert [item["code"] for item in industries_of(ai)] == ["1.5"]
    assert industries_of(ai)[0]["name"] == "人工智能" and industries_of(ai)[0]["sector"] == "1"
    assert fields_of(drug) == [{"number": 16, "name": "药品", "is_manual": False}]
    again = classify_patents(Patent.objects.all())
    assert (again.added, again.removed) == (0, 0)
    # A changed IPC code moves the patent on the next run, and only its rows change.
    Patent.objects.filter(pk=ai.pk).update(main_ipc="H04W 72/04", ipc_codes=[])
    moved = classify_patents(Patent.objects.all())
    assert _links(PatentIndustry, ai) == {"1.1": False} and _links(PatentTechField, ai) == {4: False}
    assert (moved.added, moved.removed) == (2, 2)


@pytest.mark.django_db
def test_chunks_cover_every_patent(monkeypatch):
    monkeypatch.setattr("inventory.classification.services.chunk_size", lambda: 3)
    patents = [_patent(1000200 + n, "G06N 3/08") for n in range(8)]
    counts = classify_patents(Patent.objects.all())
    assert counts.patents == 8
    assert PatentIndustry.objects.filter(industry_id="1.5").count() == 8
    assert set(PatentTechField.objects.values_list("patent_id", flat=True)) == {p.pk for p in patents}


@pytest.mark.django_db
def test_override_wins_and_survives_reclassification(world):
    patent = world.patents["bj_moe_private"]  # G06V 10/82: 人工智能
    classify_patents(Patent.objects.all())
    assert _links(PatentIndustry, patent) == {"1.5": False}
    InventoryRecord.objects.filter(patent=patent).update(industry_codes=["4.1", "4.2"])
    apply_overrides(InventoryRecord.objects.filter(patent=patent))
    assert _links(PatentIndustry, patent) == {"4.1": True, "4.2": True}
    assert _links(PatentTechField, patent) == {6: False}  # no field override: still derived
    counts = classify_patents(Patent.objects.all())
    assert _links(PatentIndustry, patent) == {"4.1": True, "4.2": True}
    assert counts.overridden == 1
    assert [item["is_manual"] for item in industries_of(patent)] == [True, True]
    # Fields overridden too; unknown numbers are ignored rather than stored.
    InventoryRecord.objects.filter(patent=patent).update(field_numbers=[13, "16", 99])
    classify_patents(Patent.objects.filter(pk=patent.pk))
    assert _links(PatentTechField, patent) == {13: True, 16: True}
    # Clearing the override gives the concordance's classification back.
    InventoryRecord.objects.filter(patent=patent).update(industry_codes=[], field_numbers=[])
    apply_overrides(InventoryRecord.objects.filter(patent=patent))
    assert _links(PatentIndustry, patent) == {"1.5": False}
    assert _links(PatentTechField, patent) == {6: False}


@pytest.mark.django_db
def test_an_assessment_edit_of_industries_applies_the_override(world):
    patent = world.patents["bj_moe_private"]
    classify_patents(Patent.objects.all())
    record = InventoryRecord.objects.get(patent=patent)
    update_assessment(actor=world.user("inst_bj_moe_admin"), record=record, values={"industry_codes": ["8.2"]})
    assert _links(PatentIndustry, patent) == {"8.2": True}
    update_assessment(actor=world.user("inst_bj_moe_admin"), record=InventoryRecord.objects.get(pk=record.pk),
                      values={"field_numbers": [2]})
    assert _links(PatentTechField, patent) == {2: True}
    assert _links(PatentIndustry, patent) == {"8.2": True}


BASE_HEADERS = [
    "申请号", "专利名称", "申请日", "授权公告日", "法律状态", "专利权人", "发明人", "主分类号", "分类号", "摘要",
]


def _base_library_csv(path, rows: list[list]) -> str:
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(BASE_HEADERS)
        writer.writerows(rows)
    return str(path)


@pytest.mark.django_db
def test_base_library_import_classifies_and_keeps_overrides(tmp_path, django_capture_on_commit_callbacks):
    Organization.objects.create(kind=Organization.Kind.INSTITUTION, name="华南理工示范大学",
                                province=Province.objects.get(code="440000"), institution_type="university")
    first, second = make_application_number(2022, "1", 3000001), make_application_number(2022, "1", 3000002)

    def rows(first_ipc: str, second_ipc: str) -> list[list]:
        return [
            [first, "一种基于神经网络的语音识别方法", "2022-01-05", "2023-06-01", "有效", "华南理工示范大学", "张三",
             first_ipc, "", ""],
            [second, "一种风力发电机组的变桨控制方法", "2022-02-05", "2023-07-01", "有效", "华南理工示范大学", "李四",
             second_ipc, "", ""],
        ]

    # The commit queues the derivation of industries and fields once it is committed.
    with django_capture_on_commit_callbacks(execute=True):
        result = import_base_library(_base_library_csv(tmp_path / "a.csv", rows("G10L 15/16", "F03D 7/04")))
    assert not result.failure and result.created == 2
    one, two = Patent.objects.get(application_number=first), Patent.objects.get(application_number=second)
    assert _links(PatentIndustry, one) == {"1.5": False}
    assert _links(PatentIndustry, two) == {"6.2": False} and _links(PatentTechField, two) == {27: False}
    # Staff override the first patent (the upload's 所属产业 column writes the record the same way).
    InventoryRecord.objects.filter(patent=one).update(industry_codes=["8.4"])
    apply_overrides(InventoryRecord.objects.filter(patent=one))
    # Re-import with new IPC codes: the record is untouched, so the override stays; the other moves.
    with django_capture_on_commit_callbacks(execute=True):
        result = import_base_library(_base_library_csv(tmp_path / "b.csv", rows("G06N 3/08", "H02S 40/38")))
    assert result.updated == 2
    assert InventoryRecord.objects.get(patent=one).industry_codes == ["8.4"]
    assert _links(PatentIndustry, one) == {"8.4": True}
    assert _links(PatentTechField, one) == {6: False}
    assert _links(PatentIndustry, two) == {"6.3": False} and _links(PatentTechField, two) == {1: False}


@pytest.mark.django_db
def test_classify_patents_command(capsys):
    done = _patent(1000301, "G06N 3/08")
    classify_patents(Patent.objects.filter(pk=done.pk))
    PatentIndustry.objects.filter(patent=done).update(industry_id="9.2")  # stale: only --all fixes it
    fresh = _patent(1000302, "A61B 5/00")
    call_command("classify_patents", "--quiet-progress")
    out = capsys.readouterr().out
    assert "专利:1" in out
    assert _links(PatentIndustry, fresh) == {"4.2": False}
    assert _links(PatentIndustry, done) == {"9.2": False}
    call_command("classify_patents", "--all", "--quiet-progress")
    assert "专利:2" in capsys.readouterr().out
    assert _links(PatentIndustry, done) == {"1.5": False}


# The loader of the official concordance ------------------------------------------------------


def _sheet(path, rows: list[list], headers=CONCORDANCE_HEADERS, title: str | None = "参照关系表") -> str:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    if title:
        sheet.append([title])
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return str(path)


def _errors(batch) -> list:
    return [problem for problem in problems_of(batch) if problem.level == "error"]


def _rules() -> list[tuple]:
    return list(IndustryRule.objects.order_by("pk").values_list(
        "industry_id", "ipc_patterns", "exclusions", "keywords", "provisional"))


GOOD_ROWS = [
    ["1.5", "人工智能", "G06N; G06V 10/*", "", ""],
    [1.5, "人工智能", "G10L 15/00", "", "语音"],  # a number cell
    ["4.1.1", "化学药品与原料药制造", "A61K*(不含 A61K 8/*); A61P*", "A61K 36/*", ""],  # a finer code
    ["６．２", "风能产业", "F03D*", "", ""],  # full width
]


@pytest.mark.django_db
def test_loader_replaces_the_concordance_with_official_rows(tmp_path):
    path = _sheet(tmp_path / "official.xlsx", GOOD_ROWS)
    result = load_concordance(path, "参照关系表2021.xlsx")
    assert result.status == ImportBatch.Status.COMMITTED and not _errors(result) and result.counts["new"] == 4
    assert _rules() == [
        ("1.5", ["G06N*", "G06V10*"], [], [], False),
        ("1.5", ["G10L15*"], [], ["语音"], False),
        ("4.1", ["A61K*", "A61P*"], ["A61K8*", "A61K36*"], [], False),
        ("6.2", ["F03D*"], [], [], False),
    ]
    assert "参照关系表2021.xlsx 第3行" in IndustryRule.objects.order_by("pk").first().source
    assert not concordance_is_provisional()
    assert "1.1" in result.counts["uncovered"] and "1.5" not in result.counts["uncovered"]
    assert AuditEvent.objects.filter(action="inventory.industry_concordance_load").exists()
    # Classification follows the new rules.
    speech = _patent(1000401, "G10L 15/22", [], "一种方法", "")
    herbal = _patent(1000402, "A61K 36/185", ["A61K 31/00"], "一种中药组合物")
    classify_patents(Patent.objects.all())
    assert _links(PatentIndustry, speech) == {}  # the keyword rule wants 语音
    assert _links(PatentIndustry, herbal) == {"4.1": False}


@pytest.mark.django_db
def test_loader_names_bad_rows_and_replaces_nothing(tmp_path):
    before = _rules()
    path = _sheet(tmp_path / "bad.xlsx", [
        *GOOD_ROWS,
        ["10.1", "不存在", "G06N*", "", ""],
        ["1.5", "人工智能", "G6N*", "", ""],
        ["1.5", "人工智能", "", "", ""],
        ["2.2", "航空装备产业", "B64C*", "B64-D*", ""],
    ])
    result = load_concordance(path, "bad.xlsx")
    assert result.status == ImportBatch.Status.VALIDATED and "参照关系未替换" in not_replaced(result)
    found = {(error.row, error.column, error.value) for error in _errors(result)}
    assert found == {(7, "产业代码", "10.1"), (8, "IPC", "G6N*"), (9, "IPC", ""), (10, "不含", "B64-D*")}
    messages = {error.row: error.as_text() for error in _errors(result)}
    assert "第7行「产业代码」列" in messages[7] and "不是战略性新兴产业分类代码" in messages[7]
    assert "G6N*" in messages[8] and "必填项为空" in messages[9]
    assert _rules() == before
    assert concordance_is_provisional()


@pytest.mark.django_db
def test_loader_refuses_a_sheet_without_the_columns(tmp_path):
    before = _rules()
    path = _sheet(tmp_path / "other.xlsx", [["1.5", "G06N*"]], headers=["代码", "分类号"])
    result = load_concordance(path, "other.xlsx")
    assert result.status == ImportBatch.Status.FAILED and "IPC" in not_replaced(result)
    assert _rules() == before


@pytest.mark.django_db
def test_load_command(tmp_path, capsys):
    _patent(1000501, "F03D 7/04", [], "一种风机")
    with pytest.raises(SystemExit) as exit_info:
        call_command("load_industry_concordance", _sheet(tmp_path / "bad.xlsx", [["99", "", "G06N*", "", ""]]))
    assert exit_info.value.code == 1
    assert "第3行「产业代码」列" in capsys.readouterr().err
    call_command("load_industry_concordance", _sheet(tmp_path / "good.xlsx", GOOD_ROWS))
    out = capsys.readouterr().out
    assert "已导入参照关系 4 条" in out and "已重新分类专利 1 件" in out
    assert PatentIndustry.objects.filter(industry_id="6.2", is_manual=False).count() == 1


# Pages and API -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_concordance_page_shows_the_provisional_banner_to_everyone(world, login):
    url = reverse("inventory:industries")
    for username in ("ent_gd_admin", "expert", "inst_bj_moe_member", "auditor"):
        response = login(world.user(username)).get(url)
        assert response.status_code == 200, username
        text = response.content.decode()
        assert 'id="pn-concordance-provisional"' in text and "临时参照关系" in text
        assert "1.5 人工智能" in text and "G10L15*" in text and "A61K8*" in text
        assert "生物材料分析" in text and "G01N33*" in text
    assert 'href="/inventory/industries/concordance/load/"' not in text
    operator_page = login(world.user("operator")).get(url).content.decode()
    assert reverse("inventory:industries_load") in operator_page


@pytest.mark.django_db
def test_concordance_page_needs_a_role(world, client):
    assert client.get(reverse("inventory:industries")).status_code == 302  # to the login page
    client.force_login(world.user("ent_gd_pending_admin"))  # an enterprise awaiting approval has no role
    response = client.get(reverse("inventory:industries"))
    assert response.status_code == 403 or response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.django_db
def test_load_page_is_for_the_operator_and_replaces_only_a_valid_sheet(world, login, tmp_path):
    url = reverse("inventory:industries_load")
    before = _rules()
    for username in ("inst_bj_moe_admin", "prov_bj_admin", "sysadmin"):
        client = login(world.user(username))
        assert client.get(url).status_code == 403
        with open(_sheet(tmp_path / "good.xlsx", GOOD_ROWS), "rb") as handle:
            assert client.post(url, {"file": handle}).status_code == 403
    assert _rules() == before
    client = login(world.user("operator"))
    assert client.get(url).status_code == 200
    with open(_sheet(tmp_path / "bad.xlsx", [["1.5", "", "G6N*", "", ""]]), "rb") as handle:
        response = client.post(url, {"file": handle})
    text = response.content.decode()
    assert response.status_code == 200 and "G6N*" in text and "参照关系未替换" in text
    assert _rules() == before
    with open(_sheet(tmp_path / "good.xlsx", GOOD_ROWS), "rb") as handle:
        response = client.post(url, {"file": handle})
    assert response.status_code == 302 and response["Location"] == reverse("inventory:industries")
    assert len(_rules()) == 4 and not concordance_is_provisional()
    # The re-classification ran (Celery eager in tests): the world's G06V patents are 人工智能.
    assert PatentIndustry.objects.filter(industry_id="1.5").count() == len(world.patents)
    page = client.get(reverse("inventory:industries")).content.decode()
    assert 'id="pn-concordance-provisional"' not in page and 'id="pn-concordance-official"' in page


@pytest.mark.django_db
def test_api_serves_industries_and_fields_to_any_signed_in_user(world, client):
    assert client.get("/api/v1/industries/").status_code in (401, 403)
    client.force_login(world.user("ent_gd_admin"))
    industries = client.get("/api/v1/industries/").json()
    assert len(industries) == 49
    ai = client.get("/api/v1/industries/1.5/").json()
    assert ai["name"] == "人工智能" and ai["parent"] == "1" and not ai["is_sector"]
    assert ai["rules"] and all(rule["provisional"] for rule in ai["rules"])
    assert client.get("/api/v1/industries/1/").json()["is_sector"] is True
    assert client.get("/api/v1/industries/10.1/").status_code == 404
    fields = client.get("/api/v1/technology-fields/").json()
    assert len(fields) == 35 and fields[10]["name"] == "生物材料分析"
    assert client.get("/api/v1/technology-fields/6/").json()["ipc_patterns"][0] == "G06*"
    assert client.post("/api/v1/industries/", {"code": "10", "name": "x"}).status_code == 405


@pytest.mark.django_db
def test_the_concordance_downloads_as_a_sheet_the_loader_reads_back(world, login, tmp_path):
    response = login(world.user("ent_gd_admin")).get(reverse("inventory:industries_export"))
    assert response.status_code == 200
    path = tmp_path / "export.xlsx"
    path.write_bytes(b"".join(response.streaming_content))
    sheet = openpyxl.load_workbook(path).worksheets[0]
    assert [cell.value for cell in sheet[1]] == CONCORDANCE_HEADERS
    assert AuditEvent.objects.filter(action="export.industry_concordance", actor=world.user("ent_gd_admin")).exists()
    before = [rule[:4] for rule in _rules()]
    result = load_concordance(path, "export.xlsx")
    assert result.status == ImportBatch.Status.COMMITTED and result.counts["new"] == len(before)
    assert not result.counts["uncovered"]
    assert sorted(rule[:4] for rule in _rules()) == sorted(before)


@pytest.mark.django_db
def test_a_broker_down_after_the_load_keeps_the_concordance_and_says_the_patents_wait(world, login, tmp_path,
                                                                                      monkeypatch):
    """The concordance is replaced; the re-classification could not be queued: the operator is told
    how to start it, not shown a server error."""
    from ground.tasks import QueueUnavailable
    from inventory.classification import views

    def unreachable(name, *args, **kwargs):
        raise QueueUnavailable(name)

    monkeypatch.setattr(views, "enqueue", unreachable)
    client = login(world.user("operator"))
    with open(_sheet(tmp_path / "good.xlsx", GOOD_ROWS), "rb") as handle:
        response = client.post(reverse("inventory:industries_load"), {"file": handle}, follow=True)
    assert response.status_code == 200
    assert len(_rules()) == 4 and not concordance_is_provisional()
    assert "后台任务队列暂时无法连接" in response.content.decode()
