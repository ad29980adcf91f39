"""Match cycles: starting one (daily by beat, by a province for its enterprises, by the platform),
planning it into chunks of enterprises, and running each chunk exactly once.

A chunk runs in one transaction that first locks its row: a chunk redelivered by the broker, or
queued twice by a re-run, finds `done_at` set and does nothing. Pushes are written with
`bulk_create(ignore_conflicts=True)` against the unique (enterprise, patent) constraint, so even
two runs racing never push a patent twice; candidates already pushed or dismissed are left out
before scoring. On SQLite / eager Celery the chunks run in-process, one after another.
"""

import io
import json
import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import audit
from accounts.models import Organization, Province
from ground.tasks import enqueue_follow_up
from inventory.models import InventoryRecord
from matching.choices import ANSWERED, DismissReason, PushSource, PushStatus
from matching.matcher import index, library, weights
from matching.matcher.models import MatchChunk, MatchCycle
from matching.matcher.scoring import Need, Query, Timing, score
from matching.matcher.text import segment
from matching.needs.models import EnterpriseProfile, TechnologyNeed
from matching.pushes import notices, tally
from matching.pushes.models import Push
from notifications import notify

logger = logging.getLogger(__name__)

RUN_CYCLE_TASK = "matching.run_cycle"
RUN_CHUNK_TASK = "matching.run_chunk"
MAX_SELECTED_PATENTS = 5000


class CycleRefused(ValueError):
    """A cycle that cannot be started; the message says why, in Chinese."""


# --- starting ---------------------------------------------------------------------------------


def start_cycle(kind: str, actor=None, *, province: Province | None = None, patent_ids: Sequence[int] = (),
                day=None, request=None, run: bool = True) -> MatchCycle:
    """Create a cycle and queue it (after the commit). A daily cycle is one per day: starting it
    again that day returns the one that exists. A province's cycle reaches only the province's
    enterprises, and only the selected library patents when any are given."""
    kind = MatchCycle.Kind(kind)
    patent_ids = sorted({int(pk) for pk in patent_ids})
    if kind == MatchCycle.Kind.PROVINCE and province is None:
        raise CycleRefused(_("省局组织的匹配须指定省份。"))
    if len(patent_ids) > MAX_SELECTED_PATENTS:
        raise CycleRefused(_("一次最多指定 %(n)s 件专利。") % {"n": MAX_SELECTED_PATENTS})
    if patent_ids:
        found = set(InventoryRecord.objects.filter(in_library=True, patent_id__in=patent_ids)
                    .values_list("patent_id", flat=True))
        missing = [pk for pk in patent_ids if pk not in found]
        if missing:
            raise CycleRefused(_("以下专利不在转化资源库中：%(ids)s") % {"ids": "、".join(map(str, missing[:20]))})
    organizer = getattr(actor, "organization", None) if actor is not None else None
    if kind == MatchCycle.Kind.DAILY:
        day = day or timezone.localdate()
        existing = MatchCycle.objects.filter(kind=kind, day=day).first()
        if existing:
            return existing
        try:
            with transaction.atomic():
                cycle = MatchCycle.objects.create(kind=kind, day=day, organizer=organizer)
        except IntegrityError:
            return MatchCycle.objects.get(kind=kind, day=day)
    else:
        with transaction.atomic():
            cycle = MatchCycle.objects.create(kind=kind, organizer=organizer, requested_by=actor, province=province,
                                              patent_ids=patent_ids)
            audit.record("matching.cycle_start", actor=actor, request=request, target=cycle, after={
                "kind": kind.value, "province": province.code if province else "", "patents": len(patent_ids)})
    if run:
        transaction.on_commit(lambda: enqueue_follow_up(RUN_CYCLE_TASK, cycle.pk))
    return cycle


def daily_cycle() -> MatchCycle:
    """Beat's daily cycle (one per day)."""
    return start_cycle(MatchCycle.Kind.DAILY)


# --- planning ---------------------------------------------------------------------------------


def enterprises_of(cycle: MatchCycle) -> list[int]:
    """The active enterprises a cycle reaches that state something to match: a profile or an open need."""
    enterprises = Organization.objects.filter(kind=Organization.Kind.ENTERPRISE, status=Organization.Status.ACTIVE)
    if cycle.province_id:
        enterprises = enterprises.filter(province_id=cycle.province_id)
    with_needs = TechnologyNeed.objects.open().values("enterprise_id")
    profiled = EnterpriseProfile.objects.values("enterprise_id")
    return list(enterprises.filter(Q(pk__in=profiled) | Q(pk__in=with_needs)).order_by("pk")
                .values_list("pk", flat=True))


def run_cycle(cycle: MatchCycle | int) -> MatchCycle:
    """Plan the cycle into chunks (once) and queue its chunks not yet done. Running it again
    resumes it: only the chunks not done are queued again."""
    cycle_id = cycle.pk if isinstance(cycle, MatchCycle) else cycle
    with transaction.atomic():
        cycle = MatchCycle.objects.select_for_update().get(pk=cycle_id)
        if cycle.status == MatchCycle.Status.QUEUED:
            started = time.perf_counter()
            index.refresh()
            ids = enterprises_of(cycle)
            size = weights.chunk_size()
            MatchChunk.objects.bulk_create([
                MatchChunk(cycle=cycle, number=number, enterprise_ids=ids[start:start + size])
                for number, start in enumerate(range(0, len(ids), size))], ignore_conflicts=True)
            cycle.chunks_total = (len(ids) + size - 1) // size
            cycle.enterprises = len(ids)
            cycle.status = MatchCycle.Status.RUNNING if ids else MatchCycle.Status.DONE
            cycle.started_at = timezone.now()
            cycle.index_seconds = round(time.perf_counter() - started, 3)
            if not ids:
                cycle.finished_at = cycle.started_at
            cycle.save()
        pending = list(cycle.chunks.filter(done_at__isnull=True).order_by("number").values_list("pk", flat=True))
    for chunk_id in pending:
        enqueue_follow_up(RUN_CHUNK_TASK, chunk_id)
    cycle.refresh_from_db()
    return cycle


# --- running a chunk ----------------------------------------------------------------------------

_library_cache: dict[str, object] = {"key": None, "library": None}


def library_for(cycle: MatchCycle) -> library.Library:
    """The library as loaded for this cycle, once per process."""
    key = (cycle.pk, cycle.started_at)
    if _library_cache["key"] != key:
        _library_cache["library"] = None  # let the old one go before the new one is built
        _library_cache["library"] = library.load()
        _library_cache["key"] = key
    return _library_cache["library"]


def forget_library() -> None:
    _library_cache.update(key=None, library=None)


@dataclass
class ChunkResult:
    pushes: int
    candidates: int
    timings: dict


def queries(enterprise_ids: Sequence[int], lib: library.Library) -> list[Query]:
    """What each enterprise states (profile, open needs), what it was pushed and how it answered."""
    by_id = {pk: Query(pk) for pk in enterprise_ids}
    for profile in EnterpriseProfile.objects.filter(enterprise_id__in=enterprise_ids).values(
            "enterprise_id", "industry_codes", "ipc_prefixes", "province_codes", "modes"):
        q = by_id[profile["enterprise_id"]]
        q.industries.update(profile["industry_codes"] or ())
        q.ipc_prefixes.extend(profile["ipc_prefixes"] or ())
        q.provinces.update(profile["province_codes"] or ())
        q.modes.update(profile["modes"] or ())
    for need in TechnologyNeed.objects.open().filter(enterprise_id__in=enterprise_ids).order_by("pk").values(
            "pk", "enterprise_id", "title", "description", "keywords", "industry_codes", "ipc_prefixes", "modes"):
        q = by_id[need["enterprise_id"]]
        q.industries.update(need["industry_codes"] or ())
        q.ipc_prefixes.extend(p for p in need["ipc_prefixes"] or () if p not in q.ipc_prefixes)
        q.modes.update(need["modes"] or ())
        keywords = " ".join(need["keywords"] or ())
        q.needs.append(Need(need["pk"], need["title"],
                            segment(f"{need['title']}\n{need['description']}\n{keywords}\n{keywords}")))
    pushed: dict[int, list[int]] = {}
    answers: list[tuple[int, int, int]] = []
    for enterprise_id, patent_id, status, reason in Push.objects.filter(enterprise_id__in=enterprise_ids) \
            .values_list("enterprise_id", "patent_id", "status", "dismiss_reason").iterator(chunk_size=10000):
        pushed.setdefault(enterprise_id, []).append(patent_id)
        if status in ANSWERED and status != PushStatus.DISMISSED:
            answers.append((enterprise_id, patent_id, 1))
        elif status == PushStatus.DISMISSED and reason == DismissReason.NOT_OUR_FIELD:
            answers.append((enterprise_id, patent_id, -1))
    for enterprise_id, ids in pushed.items():
        by_id[enterprise_id].excluded = ids
    feedback(lib, answers, by_id)
    return [by_id[pk] for pk in enterprise_ids]


def feedback(lib: library.Library, answers: Iterable[tuple[int, int, int]], by_id: dict[int, Query]) -> None:
    """Each answer counts for the patent's main IPC subclass and each of its industries."""
    answers = list(answers)
    if not answers:
        return
    rows = {int(lib.patent_ids[row]): row for row in lib.rows_of(patent_id for _, patent_id, _ in answers)}
    for enterprise_id, patent_id, sign in answers:
        row = rows.get(patent_id)
        if row is None:
            continue
        q = by_id[enterprise_id]
        keys = []
        if lib.main_subclass[row] >= 0:
            keys.append(("ipc", lib.ipc_codes["subclass"].names[lib.main_subclass[row]]))
        keys += [("industry", lib.industry_codes.names[c]) for c in lib.industry[row].indices]
        for key in keys:
            q.feedback[key] = q.feedback.get(key, 0) + sign


def run_chunk(chunk_id: int) -> ChunkResult | None:
    """Score one chunk's enterprises and write their pushes, once: None when the chunk was done already."""
    with transaction.atomic():
        chunk = MatchChunk.objects.select_for_update().select_related("cycle").get(pk=chunk_id)
        if chunk.done_at is not None:
            return None
        cycle = chunk.cycle
        started = time.perf_counter()
        lib = library_for(cycle)
        loaded = time.perf_counter()
        ids = list(chunk.enterprise_ids)
        qs = queries(ids, lib)
        allowed = lib.rows_of(cycle.patent_ids) if cycle.patent_ids else None
        timing = Timing()
        results = score(lib, qs, weights.current(), limit=weights.max_pushes_per_cycle(),
                        min_score=weights.min_score(), allowed_rows=allowed, timing=timing)
        scored = time.perf_counter()
        provinces = dict(Organization.objects.filter(pk__in=ids).values_list("pk", "province_id"))
        rows = [
            (match.patent_id, q.enterprise_id, int(lib.institution_ids[match.row]), provinces.get(q.enterprise_id),
             lib.province_codes[lib.provinces[match.row]] if lib.provinces[match.row] >= 0 else None,
             match.need_id, match.score, match.reasons)
            for q, matches, _count in results for match in matches]
        created = write_pushes(cycle, rows)
        if created:
            notices.cycle_pushes_written(cycle.pk, ids)
        written = time.perf_counter()
        candidates = sum(count for _, _, count in results)
        timings = {"load": round(loaded - started, 3), "queries": round(scored - loaded - timing.candidates
                                                                           - timing.scoring, 3),
                   "candidates": round(timing.candidates, 3), "scoring": round(timing.scoring, 3),
                   "writing": round(written - scored, 3)}
        chunk.done_at = timezone.now()
        chunk.pushes_created = created
        chunk.candidates = candidates
        chunk.seconds = round(written - started, 3)
        chunk.timings = timings
        chunk.save(update_fields=["done_at", "pushes_created", "candidates", "seconds", "timings"])
        MatchCycle.objects.filter(pk=cycle.pk).update(
            chunks_done=F("chunks_done") + 1, candidates=F("candidates") + candidates,
            pushes_created=F("pushes_created") + created)
        cycle.refresh_from_db()
        if cycle.chunks_done >= cycle.chunks_total and cycle.status == MatchCycle.Status.RUNNING:
            cycle.status = MatchCycle.Status.DONE
            cycle.finished_at = timezone.now()
            cycle.save(update_fields=["status", "finished_at"])
            if cycle.requested_by_id:
                notify([cycle.requested_by_id], "match.cycle_done",
                       _("匹配批次 #%(id)d 已完成:新推送 %(n)d 件") % {"id": cycle.pk, "n": cycle.pushes_created},
                       url=reverse("matching:cycle_detail", args=[cycle.pk]))
    return ChunkResult(created, candidates, timings)


PUSH_COLUMNS = ("patent_id", "enterprise_id", "institution_id", "enterprise_province_id", "institution_province_id",
                "need_id", "score", "reasons")


def write_pushes(cycle: MatchCycle, rows: list[tuple]) -> int:
    """Insert the pushes, skipping any (enterprise, patent) already pushed, and add the new ones to
    the pushes' tally in the same transaction; returns how many were new. PostgreSQL: COPY into a
    temporary table, then one statement: INSERT … ON CONFLICT DO NOTHING RETURNING the new rows,
    which two upserts of the tally sum up (matching.pushes.tally)."""
    if not rows:
        return 0
    now = timezone.now()
    if connection.vendor != "postgresql":
        pushes = [Push(**dict(zip(PUSH_COLUMNS, row, strict=True)), source=PushSource.CYCLE, cycle=cycle,
                       created_at=now) for row in rows]
        with transaction.atomic():
            last = tally.last_push_id()
            Push.objects.bulk_create(pushes, ignore_conflicts=True, batch_size=2000)
            tally.add_pushes_after(last)
            return Push.objects.filter(pk__gt=last).count()
    buffer = io.StringIO()
    for row in rows:
        values = [_copy_value(value) for value in row[:7]]
        values.append(json.dumps(row[7], ensure_ascii=False).replace("\\", "\\\\"))
        buffer.write("\t".join(values) + "\n")
    buffer.seek(0)
    table = Push._meta.db_table
    # One transaction (the chunk's, or its own): the staged rows live until its commit.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE IF NOT EXISTS matcher_push_stage (patent_id integer, enterprise_id "
                       "integer, institution_id integer, enterprise_province_id varchar(6), institution_province_id "
                       "varchar(6), need_id integer, score double precision, reasons jsonb) ON COMMIT DELETE ROWS")
        cursor.copy_expert(f"COPY matcher_push_stage ({', '.join(PUSH_COLUMNS)}) FROM STDIN", buffer)
        by_push, by_sector = tally.add_statements("inserted")
        cursor.execute(
            f"WITH inserted AS (INSERT INTO {table} ({', '.join(PUSH_COLUMNS)}, source, cycle_id, status, "
            f"dismiss_reason, dismiss_note, created_at) SELECT {', '.join(PUSH_COLUMNS)}, %s, %s, %s, '', '', %s "
            f"FROM matcher_push_stage ON CONFLICT (enterprise_id, patent_id) DO NOTHING "
            f"RETURNING {', '.join(tally.SOURCE_COLUMNS)}), "
            f"by_push AS ({by_push}), by_sector AS ({by_sector}) SELECT COUNT(*) FROM inserted",
            [PushSource.CYCLE, cycle.pk, PushStatus.DELIVERED, now])
        created = cursor.fetchone()[0]
        cursor.execute("TRUNCATE matcher_push_stage")
    return created


def _copy_value(value) -> str:
    return "\\N" if value is None else str(value)


def chunk_failed(chunk_id: int, error: BaseException) -> None:
    """Note a chunk's failure on its cycle; the chunk stays to do, and running the cycle again resumes it."""
    logger.exception("match chunk %s failed", chunk_id, exc_info=error)
    chunk = MatchChunk.objects.filter(pk=chunk_id).first()
    if chunk is None:
        return
    MatchCycle.objects.filter(pk=chunk.cycle_id).update(
        errors=F("errors") + 1, error=_("分片 %(number)s：%(error)s") % {"number": chunk.number, "error": error})


def progress(cycle: MatchCycle) -> dict:
    """What the cycle page shows beside the cycle's counters: the time each step took in all chunks."""
    totals: dict[str, float] = {}
    for timings in cycle.chunks.filter(done_at__isnull=False).values_list("timings", flat=True):
        for key, value in (timings or {}).items():
            totals[key] = totals.get(key, 0.0) + float(value)
    elapsed = None
    if cycle.started_at:
        elapsed = ((cycle.finished_at or timezone.now()) - cycle.started_at).total_seconds()
    percent = round(100 * cycle.chunks_done / cycle.chunks_total) if cycle.chunks_total else (
        100 if cycle.status == MatchCycle.Status.DONE else 0)
    return {"timings": {key: round(value, 1) for key, value in totals.items()}, "elapsed": elapsed,
            "percent": percent}


