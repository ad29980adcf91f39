"""The matcher: its score components and reasons, IPC depth, mode/intent fit, feedback, no second
push, the cap per cycle, idempotent cycles and chunks, province cycles, the incremental index."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from inventory.choices import Intent
from inventory.models import Industry, InventoryRecord
from matching.choices import CooperationMode, DismissReason, PushStatus
from matching.matcher import index, library, services
from matching.matcher.models import LibraryDocument, LibraryTerm, MatchChunk, MatchCycle
from matching.matcher.scoring import Need, Query, score
from matching.matcher.text import segment
from matching.matcher.weights import DEFAULTS
from matching.needs.models import EnterpriseProfile, TechnologyNeed
from matching.pushes.models import Push

from .world_library import industries, library_entry

VISION = "基于深度学习的工业视觉表面缺陷检测方法，采集产品图像，提取缺陷特征并分类。"
SOIL = "一种盐碱地土壤改良剂及其制备方法，提高作物产量。"


@pytest.fixture(autouse=True)
def _fresh_library():
    services.forget_library()
    yield
    services.forget_library()


@pytest.fixture
def lib_world(world):
    o = world.orgs
    # The other matching areas' world objects (profiles, needs, pushes) would take part in every
    # cycle: these tests set out the enterprises' profiles and needs they score.
    EnterpriseProfile.objects.all().delete()
    TechnologyNeed.objects.all().delete()
    Push.objects.all().delete()
    # The world's own library patents (G06V 10/82, no text) leave the library: these tests build theirs.
    InventoryRecord.objects.filter(patent__in=[world.patents["bj_moe_library"], world.patents["gd_library"]]) \
        .update(in_library=False)
    sector, ai, _bio = industries()
    agri, _ = Industry.objects.get_or_create(code="9", defaults={"name": "相关服务业"})
    entries = {
        "vision": library_entry(o["inst_bj_moe"], 3000001, title="工业视觉缺陷检测方法", abstract=VISION,
                                industries=[ai], maturity=7, intents=[Intent.LICENSE], scenarios="工业质检流水线"),
        "vision2": library_entry(o["inst_gd_local"], 3000002, title="图像缺陷检测装置", abstract=VISION,
                                 industries=[ai], maturity=3, intents=[Intent.TRANSFER]),
        "soil": library_entry(o["inst_gd_local"], 3000003, title="土壤改良剂", abstract=SOIL, industries=[agri],
                              maturity=5, intents=[Intent.TRANSFER]),
    }
    ipc = {"vision": ["G06V 10/82", "G06T 7/00"], "vision2": ["G06V 10/44"], "soil": ["A01B 79/02"]}
    for key, codes in ipc.items():
        patent = entries[key].patent
        patent.main_ipc, patent.ipc_codes = codes[0], codes
        patent.save(update_fields=["main_ipc", "ipc_codes"])
    return {"entries": entries, "ai": ai, "sector": sector}


def _profile(enterprise, **fields) -> EnterpriseProfile:
    return EnterpriseProfile.objects.update_or_create(enterprise=enterprise, defaults=fields)[0]


def _need(enterprise, title="工业视觉缺陷检测", description="需要对产品表面图像进行缺陷检测", **fields):
    return TechnologyNeed.objects.create(enterprise=enterprise, title=title, description=description, **fields)


def _load() -> library.Library:
    index.refresh()
    return library.load()


def _weights(**only) -> dict[str, float]:
    return DEFAULTS | only


def _score(lib, q, **kw):
    return score(lib, [q], kw.pop("weights", DEFAULTS), limit=kw.pop("limit", 20),
                 min_score=kw.pop("min_score", 0.0), **kw)[0]


def test_ipc_levels_and_depth():
    assert library.ipc_levels("G06V10/82") == {"subclass": "G06V", "group": "G06V10", "subgroup": "G06V10/82"}
    assert library.ipc_levels("G06V10") == {"subclass": "G06V", "group": "G06V10"}
    assert library.ipc_levels("G06V") == {"subclass": "G06V"}
    assert library.normalise_ipc(" g06v 10/82 ") == "G06V10/82"


def test_deeper_ipc_match_scores_more(lib_world, world):
    lib = _load()
    only_ipc = _weights(industry=0, text=0, readiness=0, mode=0, region=0, listing=0)
    q = Query(world.orgs["ent_gd"].pk, ipc_prefixes=["G06V 10/82"])
    _q, matches, candidates = _score(lib, q, weights=only_ipc)
    scores = {m.patent_id: m.score for m in matches}
    vision, vision2 = (lib_world["entries"][k].patent_id for k in ("vision", "vision2"))
    assert candidates == 2
    assert scores[vision] == pytest.approx(2.0)  # subgroup 1.0 × 2
    assert scores[vision2] == pytest.approx(1.4)  # main group 0.7 × 2
    texts = {m.patent_id: [r["text"] for r in m.reasons] for m in matches}
    assert "IPC G06V 10/82 小组一致" in texts[vision]
    assert "IPC G06V 10 大组一致" in texts[vision2]
    q = Query(world.orgs["ent_gd"].pk, ipc_prefixes=["G06V"])
    _q, matches, _c = _score(lib, q, weights=only_ipc)
    assert [m.score for m in matches] == pytest.approx([0.8, 0.8])
    assert "IPC G06V 小类一致" in [r["text"] for r in matches[0].reasons]


def test_industry_sub_sector_counts_more_than_sector(lib_world, world):
    lib = _load()
    only = _weights(ipc=0, text=0, readiness=0, mode=0, region=0, listing=0)
    exact = _score(lib, Query(1, industries={"1.5"}), weights=only)[1]
    sector = _score(lib, Query(1, industries={"1"}), weights=only)[1]
    assert [m.score for m in exact] == pytest.approx([2.0, 2.0])
    assert [m.score for m in sector] == pytest.approx([1.0, 1.0])
    assert exact[0].reasons[0] == {"kind": "industry", "text": "行业匹配：人工智能"}
    assert "同属大类" in sector[0].reasons[0]["text"]


def test_need_text_similarity_and_reason(lib_world, world):
    lib = _load()
    need = Need(7, "工业视觉缺陷检测", segment("工业视觉缺陷检测 需要对产品表面图像进行缺陷检测"))
    _q, matches, _c = _score(lib, Query(1, needs=[need]))
    soil = lib_world["entries"]["soil"].patent_id
    assert soil not in {m.patent_id for m in matches}
    best = matches[0]
    assert best.need_id == 7
    reason = next(r["text"] for r in best.reasons if r["kind"] == "need")
    assert reason.startswith("需求“工业视觉缺陷检测”命中：")
    assert "缺陷" in reason and "检测" in reason


def test_mode_and_intent_fit(lib_world, world):
    lib = _load()
    only = _weights(readiness=0, region=0, listing=0, text=0, ipc=0)
    vision, vision2 = (lib_world["entries"][k].patent_id for k in ("vision", "vision2"))
    licence = {m.patent_id: m for m in _score(lib, Query(1, industries={"1.5"}, modes={CooperationMode.LICENCE}),
                                              weights=only)[1]}
    assert licence[vision].score == pytest.approx(3.0) and licence[vision2].score == pytest.approx(2.0)
    assert {"kind": "mode", "text": "合作方式契合：机构意愿许可"} in licence[vision].reasons
    joint = {m.patent_id: m.score for m in _score(
        lib, Query(1, industries={"1.5"}, modes={CooperationMode.JOINT_RD}), weights=only)[1]}
    assert joint[vision] == joint[vision2] == pytest.approx(3.0)
    unstated = {m.patent_id: m.score for m in _score(lib, Query(1, industries={"1.5"}), weights=only)[1]}
    assert unstated[vision] == pytest.approx(2.5)


def test_region_readiness_and_listing_reasons(lib_world, world):
    lib = _load()
    _q, matches, _c = _score(lib, Query(1, industries={"1.5"}, provinces={"110000"}))
    vision = next(m for m in matches if m.patent_id == lib_world["entries"]["vision"].patent_id)
    kinds = {r["kind"]: r["text"] for r in vision.reasons}
    assert kinds["region"] == "地区：北京市"
    assert kinds["readiness"] == "技术成熟度 TRL 7：真实环境样机演示"
    assert matches[0].patent_id == vision.patent_id  # the preferred province and riper technology rank first


def test_feedback_lowers_and_raises(lib_world, world):
    lib = _load()
    vision = lib_world["entries"]["vision"].patent_id
    plain = {m.patent_id: m.score for m in _score(lib, Query(1, industries={"1.5"}))[1]}
    down = _score(lib, Query(1, industries={"1.5"}, feedback={("ipc", "G06V"): -1}))[1]
    up = _score(lib, Query(1, industries={"1.5"}, feedback={("industry", "1.5"): 1}))[1]
    assert {m.patent_id: m.score for m in down}[vision] == pytest.approx(plain[vision] - 1.0)
    assert {m.patent_id: m.score for m in up}[vision] == pytest.approx(plain[vision] + 1.0)
    assert any(r["kind"] == "feedback" for r in down[0].reasons)


def _cycle(kind=MatchCycle.Kind.PLATFORM, **kw) -> MatchCycle:
    cycle = services.start_cycle(kind, run=False, **kw)
    return services.run_cycle(cycle)


def test_cycle_pushes_with_reasons_and_never_again(lib_world, world, settings):
    settings.MATCHING_MIN_SCORE = 1.0
    ent = world.orgs["ent_gd"]
    _profile(ent, industry_codes=["1.5"], ipc_prefixes=["G06V 10/82"], province_codes=["440000"])
    _need(ent)
    cycle = _cycle()
    assert cycle.status == MatchCycle.Status.DONE and cycle.chunks_done == cycle.chunks_total == 1
    pushes = Push.objects.filter(enterprise=ent)
    assert {p.patent_id for p in pushes} == {lib_world["entries"][k].patent_id for k in ("vision", "vision2")}
    push = pushes.get(patent=lib_world["entries"]["vision"].patent)
    assert push.cycle == cycle and push.need.title == "工业视觉缺陷检测"
    assert push.institution == world.orgs["inst_bj_moe"] and push.institution_province_id == "110000"
    assert push.enterprise_province_id == ent.province_id
    texts = [r["text"] for r in push.reasons]
    assert "行业匹配：人工智能" in texts and "IPC G06V 10/82 小组一致" in texts
    assert cycle.pushes_created == 2 and cycle.enterprises == 1
    # Dismissed or not, a pushed patent is never pushed again.
    push.status, push.dismiss_reason = PushStatus.DISMISSED, DismissReason.NOT_OUR_FIELD
    push.save()
    again = _cycle()
    assert again.pushes_created == 0 and Push.objects.filter(enterprise=ent).count() == 2


def test_cap_per_cycle(lib_world, world, settings):
    settings.MATCHING_MAX_PUSHES_PER_CYCLE = 1
    settings.MATCHING_MIN_SCORE = 0.5
    _profile(world.orgs["ent_gd"], industry_codes=["1.5"])
    assert _cycle().pushes_created == 1
    assert _cycle().pushes_created == 1  # the next one on the next cycle
    assert Push.objects.filter(enterprise=world.orgs["ent_gd"]).count() == 2


def test_minimum_score(lib_world, world, settings):
    settings.MATCHING_MIN_SCORE = 50
    _profile(world.orgs["ent_gd"], industry_codes=["1.5"])
    cycle = _cycle()
    assert cycle.pushes_created == 0 and cycle.candidates == 2


def test_rerun_and_redelivered_chunk_create_nothing_twice(lib_world, world, settings):
    settings.MATCHING_MIN_SCORE = 0.5
    _profile(world.orgs["ent_gd"], industry_codes=["1.5"])
    _profile(world.orgs["ent_bj_soe"], industry_codes=["1"])
    cycle = services.start_cycle(MatchCycle.Kind.PLATFORM, run=False)
    cycle = services.run_cycle(cycle)
    chunk = MatchChunk.objects.get(cycle=cycle)
    before = Push.objects.count()
    assert services.run_chunk(chunk.pk) is None  # the redelivered chunk task finds it done
    from matching.matcher.tasks import run_chunk_task

    assert run_chunk_task(chunk.pk) == 0
    assert services.run_cycle(cycle).chunks_done == 1
    cycle.refresh_from_db()
    assert Push.objects.count() == before == cycle.pushes_created == 4


def test_chunk_run_twice_before_done_marked(lib_world, world, settings):
    """A chunk whose first run wrote pushes but did not commit its done mark writes none again."""
    settings.MATCHING_MIN_SCORE = 0.5
    _profile(world.orgs["ent_gd"], industry_codes=["1.5"])
    cycle = services.run_cycle(services.start_cycle(MatchCycle.Kind.PLATFORM, run=False))
    chunk = MatchChunk.objects.get(cycle=cycle)
    MatchChunk.objects.filter(pk=chunk.pk).update(done_at=None)
    services.forget_library()
    assert services.run_chunk(chunk.pk).candidates == 0  # what it pushed is no candidate any more
    assert Push.objects.count() == 2


def test_daily_cycle_once_a_day(lib_world, world):
    first = services.start_cycle(MatchCycle.Kind.DAILY, run=False)
    assert services.start_cycle(MatchCycle.Kind.DAILY, run=False) == first
    assert MatchCycle.objects.filter(kind=MatchCycle.Kind.DAILY, day=timezone.localdate()).count() == 1


def test_province_cycle_reaches_only_its_enterprises_and_selected_patents(lib_world, world, settings):
    settings.MATCHING_MIN_SCORE = 0.5
    for key in ("ent_gd", "ent_bj_soe"):
        _profile(world.orgs[key], industry_codes=["1.5", "9"])
    vision2 = lib_world["entries"]["vision2"].patent_id
    gd = world.orgs["ent_gd"].province
    cycle = _cycle(MatchCycle.Kind.PROVINCE, province=gd, patent_ids=[vision2], actor=world.user("prov_gd_admin"))
    assert cycle.organizer == world.orgs["prov_gd"]
    assert list(Push.objects.values_list("enterprise_id", "patent_id")) == [(world.orgs["ent_gd"].pk, vision2)]
    from accounts.models import AuditEvent

    assert AuditEvent.objects.filter(action="matching.cycle_start", target_id=str(cycle.pk)).exists()


def test_selected_patents_must_be_in_the_library(lib_world, world):
    cycles = MatchCycle.objects.count()
    with pytest.raises(services.CycleRefused, match="不在转化资源库中"):
        services.start_cycle(MatchCycle.Kind.PROVINCE, province=world.orgs["ent_gd"].province, patent_ids=[999999])
    assert MatchCycle.objects.count() == cycles


def test_feedback_from_answers_in_a_cycle(lib_world, world, settings):
    settings.MATCHING_MIN_SCORE = 0.5
    ent = world.orgs["ent_gd"]
    _profile(ent, industry_codes=["1.5"])
    lib = _load()
    soil = lib_world["entries"]["soil"]
    Push.objects.create(patent=soil.patent, enterprise=ent, institution=soil.institution, status=PushStatus.DISMISSED,
                        dismiss_reason=DismissReason.NOT_OUR_FIELD)
    vision = lib_world["entries"]["vision"]
    Push.objects.create(patent=vision.patent, enterprise=ent, institution=vision.institution,
                        status=PushStatus.INTERESTED)
    q = services.queries([ent.pk], lib)[0]
    assert q.feedback[("ipc", "A01B")] == -1 and q.feedback[("ipc", "G06V")] == 1
    assert q.feedback[("industry", "1.5")] == 1
    assert set(q.excluded) == {soil.patent_id, vision.patent_id}


def test_index_is_incremental(lib_world, world):
    first = index.refresh()
    assert first["segmented"] == 3
    assert index.refresh() == {"removed": 0, "segmented": 0, "unchanged": 0}
    terms = LibraryTerm.objects.count()
    soil = lib_world["entries"]["soil"]
    soil.patent.abstract = "一种全新的量子纠缠通信中继装置"
    soil.patent.updated_at = timezone.now()
    soil.patent.save()
    assert index.refresh()["segmented"] == 1
    assert LibraryTerm.objects.count() > terms
    soil.in_library = False
    soil.save()
    assert index.refresh()["removed"] == 1
    assert LibraryDocument.objects.count() == 2


def test_management_command(lib_world, world, settings, capsys):
    settings.MATCHING_MIN_SCORE = 0.5
    _profile(world.orgs["ent_gd"], industry_codes=["1.5"])
    _profile(world.orgs["ent_bj_soe"], industry_codes=["1.5"])
    call_command("match_cycle", "--province", "440000")
    assert set(Push.objects.values_list("enterprise_id", flat=True)) == {world.orgs["ent_gd"].pk}
    assert "新推送 2" in capsys.readouterr().out
