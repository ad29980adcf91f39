"""The pushes' tally: kept by delta in the transaction of every write to the pushes (the matcher's
bulk write, single creations, the enterprise's answers), it always equals the tally rebuilt from
the pushes; the territory page read from it gives what the aggregate over the pushes gave."""

import threading

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.db.models import Count, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from matching.choices import DismissReason, PushStatus
from matching.matcher import services as matcher
from matching.matcher.models import MatchCycle
from matching.models import Push, PushSectorTally, PushTally
from matching.needs import offers
from matching.needs import services as needs
from matching.pushes import services, tally

from .test_matching_needs import need_values
from .world_library import industries, library_entry

pytestmark = pytest.mark.django_db

TERRITORY_USERS = ("prov_gd_admin", "moe_admin", "operator")


def _tally_state() -> tuple[dict, dict]:
    """Both tables as {bucket: n}, zero rows left out (a bucket emptied by a move stays at 0)."""
    pushes = {row[:-1]: row[-1] for row in PushTally.objects.filter(n__gt=0).values_list(
        "institution_id", "enterprise_province", "institution_province", "status", "dismiss_reason", "viewed", "n")}
    sectors = {row[:-1]: row[-1] for row in PushSectorTally.objects.filter(n__gt=0).values_list(
        "institution_id", "enterprise_province", "institution_province", "sector", "status", "viewed", "n")}
    return pushes, sectors


def _assert_incremental_equals_rebuilt() -> None:
    assert not PushTally.objects.filter(n__lt=0).exists()
    incremental = _tally_state()
    tally.rebuild()
    assert _tally_state() == incremental


RESPONSE_COUNTS = services.RESPONSE_COUNTS


def _old_breakdown(user) -> dict:
    """The territory's counts as the aggregate over the pushes computed them (the reference)."""
    pushes = Push.objects.visible_to(user).order_by()
    groups = (pushes.values("institution_id", "institution__name", "status", "dismiss_reason")
              .annotate(n=Count("pk"), viewed=Count("pk", filter=Q(viewed_at__isnull=False))))
    keys = {PushStatus.INTERESTED: "interests", PushStatus.EVALUATION_REQUESTED: "evaluations",
            PushStatus.DISMISSED: "dismissals"}
    empty = dict.fromkeys(RESPONSE_COUNTS, 0)
    totals, institutions, reasons = dict(empty), {}, {}
    for row in groups:
        institution = institutions.setdefault(row["institution_id"], {
            "institution_id": row["institution_id"], "institution__name": row["institution__name"], **empty})
        for counts in (totals, institution):
            counts["pushes"] += row["n"]
            counts["views"] += row["viewed"]
            if row["status"] in keys:
                counts[keys[row["status"]]] += row["n"]
        if row["status"] == PushStatus.DISMISSED:
            reasons[row["dismiss_reason"]] = reasons.get(row["dismiss_reason"], 0) + row["n"]
    sectors = list(
        pushes.annotate(sector=Coalesce("patent__industry_links__industry__parent_id",
                                        "patent__industry_links__industry_id"))
        .values("sector").annotate(**RESPONSE_COUNTS).order_by("-pushes", "sector"))
    top = sorted(institutions.values(), key=lambda r: (-r["pushes"], r["institution_id"]))[:services.TOP_INSTITUTIONS]
    return {"totals": totals, "sectors": sorted(sectors, key=lambda r: (-r["pushes"], r["sector"] or "")),
            "institutions": top,
            "reasons": [{"dismiss_reason": reason, "n": n} for reason, n in
                        sorted(reasons.items(), key=lambda item: (-item[1], item[0]))]}


def _new_breakdown(user) -> dict:
    data = services.territory_breakdown(user)
    return {**data, "sectors": sorted(data["sectors"], key=lambda r: (-r["pushes"], r["sector"] or ""))}


def _grow(world) -> list[Push]:
    """Patents with two industries of one sector, one of another and none; pushed by the matcher's
    bulk write to enterprises of both provinces, and one pushed through the ORM."""
    sector, ai, bio = industries()
    o = world.orgs
    entries = [library_entry(o["inst_bj_moe"], 3100001, industries=[sector, ai]),
               library_entry(o["inst_gd_local"], 3100002, industries=[bio]),
               library_entry(o["inst_gd_local"], 3100003),
               library_entry(o["inst_bj_moe"], 3100004, industries=[ai, bio])]
    cycle = MatchCycle.objects.create(kind=MatchCycle.Kind.PLATFORM)
    enterprises = [o["ent_gd"], o["ent_bj_soe"]]
    rows = [(e.patent_id, ent.pk, e.institution_id, ent.province_id, e.institution.province_id, None, 0.8,
             [{"kind": "industry", "text": "行业匹配"}]) for e in entries for ent in enterprises]
    assert matcher.write_pushes(cycle, rows) == len(rows)
    assert matcher.write_pushes(cycle, rows) == 0  # a second write adds nothing, to the tally neither
    return list(Push.objects.filter(cycle=cycle).order_by("pk"))


def test_any_sequence_of_writes_keeps_the_tally_equal_to_the_rebuilt_one(world):
    _assert_incremental_equals_rebuilt()  # the world's pushes, created one at a time
    pushes = _grow(world)
    _assert_incremental_equals_rebuilt()
    gd, soe = world.user("ent_gd_admin"), world.user("ent_bj_soe_admin")
    mine = [p for p in pushes if p.enterprise_id == world.orgs["ent_gd"].pk]
    theirs = [p for p in pushes if p.enterprise_id == world.orgs["ent_bj_soe"].pk]
    assert services.mark_viewed(gd, mine[0])
    assert not services.mark_viewed(gd, mine[0])  # viewed already: no move
    services.dismiss(gd, mine[0], DismissReason.PRICE)
    services.dismiss(gd, mine[1], DismissReason.OTHER, "不需要")  # dismissed unviewed: viewed and dismissed
    services.express_interest(soe, theirs[0])
    services.mark_viewed(soe, theirs[0])  # answered: keeps its answer
    services.request_evaluation(soe, theirs[1])
    with pytest.raises(services.PushError):
        services.dismiss(soe, theirs[1], DismissReason.PRICE)  # answered already: nothing moves
    _assert_incremental_equals_rebuilt()
    # An ORM creation counts too.
    extra = library_entry(world.orgs["inst_gd_local"], 3100005, industries=industries()[2:])
    Push.objects.create(patent=extra.patent, enterprise=world.orgs["ent_bj_soe"],
                        institution=world.orgs["inst_gd_local"], institution_province_id="440000",
                        created_at=timezone.now())
    _assert_incremental_equals_rebuilt()
    # An institution's offer answering a need (a bulk creation), then its answer.
    need = needs.create_need(gd, world.orgs["ent_gd"], need_values())
    offered = library_entry(world.orgs["inst_bj_moe"], 3100006, industries=[industries()[1]])
    (push,) = offers.offer_patents(world.user("inst_bj_moe_admin"), need, [offered.patent_id])
    _assert_incremental_equals_rebuilt()
    services.express_interest(gd, push)
    _assert_incremental_equals_rebuilt()


def test_territory_reads_the_same_as_the_aggregate_over_the_pushes(world, login):
    pushes = _grow(world)
    gd = world.user("ent_gd_admin")
    for push in pushes:
        if push.enterprise_id == gd.organization_id:
            services.mark_viewed(gd, push)
    services.dismiss(gd, pushes[0], DismissReason.PRICE)
    for username in TERRITORY_USERS:
        user = world.user(username)
        assert _new_breakdown(user) == _old_breakdown(user), username
    assert services.territory_breakdown(world.user("ent_gd_admin"))["totals"]["pushes"] == 0


def test_rebuild_command(world, capsys):
    _grow(world)
    before = _tally_state()
    PushTally.objects.all().delete()
    PushSectorTally.objects.update(n=99)
    call_command("rebuild_push_tally")
    assert "push tally:" in capsys.readouterr().out
    assert _tally_state() == before


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="SQLite lets one writer at a time: the answers are serialised by its database lock")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_answers_keep_the_tally_exact(world):
    pushes = _grow(world)
    users = {world.orgs["ent_gd"].pk: world.user("ent_gd_admin"), world.orgs["ent_bj_soe"].pk:
             world.user("ent_bj_soe_admin")}
    start = threading.Barrier(len(pushes) * 2)
    errors = []

    def answer(call) -> None:
        try:
            start.wait()
            call()
        except services.PushError:
            pass  # the second answer to a push is refused
        except Exception as error:  # reported by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    calls = []
    for index, push in enumerate(pushes):
        user = users[push.enterprise_id]
        calls.append(lambda user=user, push=push: services.mark_viewed(user, push))
        if index % 2:
            calls.append(lambda user=user, push=push: services.dismiss(user, push, DismissReason.PRICE))
        else:
            calls.append(lambda user=user, push=push: services.express_interest(user, push))
    threads = [threading.Thread(target=answer, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    _assert_incremental_equals_rebuilt()


def test_beat_rebuilds_the_tally_every_night_righting_a_deletion(world, settings):
    """Pushes deleted behind the tally's back (a cascade, a repair in SQL) leave it counting them
    until the nightly rebuild, which beat schedules and which sets it right."""
    from matching.pushes.tasks import REBUILD_TALLY_TASK, rebuild_push_tally_task

    assert REBUILD_TALLY_TASK in {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    _grow(world)
    operator = world.user("operator")
    Push.objects.filter(pk__in=Push.objects.order_by("pk").values("pk")[:2]).delete()
    assert _new_breakdown(operator) != _old_breakdown(operator)
    rebuild_push_tally_task.delay().get()
    for username in TERRITORY_USERS:
        user = world.user(username)
        assert _new_breakdown(user) == _old_breakdown(user), username
