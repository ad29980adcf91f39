"""The base library import (存量专利基础库, DATA-STANDARD.md §2), a format of the one import pipeline
(ground.imports):

    batch = imports.stage(BASE_LIBRARY, actor=operator, file=upload)       # kept as an ImportBatch + audit
    batch = imports.start_validation(BASE_LIBRARY, batch)                  # the preview; a task above the threshold
    batch = imports.request_commit(BASE_LIBRARY, actor=operator, batch=batch)   # one transaction, or cancel

The platform operator loads the national base library, about 1.5 million rows, from an .xlsx or a
.csv. Validation streams the file: each row's cells are checked (inventory.patents.base_library_format),
its patentees matched to institutions (inventory.patents.patentees), and the accepted rows staged,
a chunk at a time, as the plan (inventory.patents.base_library_plan); nothing but the chunk in
hand, a compact index of the application numbers seen and the distinct unmatched patentee names is
kept, so memory stays flat whatever the number of rows. The preview counts the patents exactly as
the commit will: new, updated (a field or its institution owners changed), unchanged; and the
rows rejected, with every reason by row and column. Nothing is written to patents, ownerships or
records until the operator confirms; the commit then applies the whole plan in one transaction,
so a failure anywhere writes nothing, and a committed batch is never applied again. The plan
states what the file describes, so the same file uploaded again counts all unchanged.

After the commit, a follow-up task (DERIVE_TASK) derives the industries, technology fields,
search documents and listing scores of the patents it touched.

`import_base_library` runs the three steps in one call for the command line
(`manage.py import_base_library`), which takes files of any size.
"""

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.core.files import File
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ground.imports import Job, ModelBatches, register, stage, validate
from ground.imports.batches import RUNNING, BatchStatus
from ground.imports.deliveries import claim
from ground.imports.pipeline import async_threshold, commit_explained
from ground.imports.strategy import on_postgresql
from ground.sheets.formats import ParsedRow, RejectedRow
from ground.tasks import enqueue_follow_up
from inventory.models import ImportBatch
from inventory.patents.base_library_format import BLANK, PATENT_FIELDS, BaseLibraryFormat
from inventory.patents.base_library_plan import CHUNK_SIZE, PatentRow, PortablePlan
from inventory.patents.base_library_postgres import PostgresPlan
from inventory.patents.patentees import PatenteeMatcher, owners
from inventory.patents.platform_import import PlatformSheetImport

# The follow-up task that derives industries, fields, search documents and listing scores of the
# patents a commit wrote (inventory/tasks.py registers it under this name).
DERIVE_TASK = "inventory.derive_patent_data"
# Unmatched patentee names kept with the batch's counts (the page lists them, most frequent first).
MAX_STORED_UNMATCHED = 2_000
# Rows whose problems are kept one by one (the preview and the error report); beyond them only counted.
MAX_PROBLEM_ROWS = 20_000

# A base library file over the browser's limit is for the command line.
TOO_LARGE = gettext_lazy(
    "文件大小 %(size).1f MB 超过上限 %(limit).0f MB;更大的基础库请由运维人员用命令 import_base_library 导入")


def base_library_batches():
    """The base library's batches; callers scope them with visible_to / editable_by."""
    return ImportBatch.objects.filter(kind=ImportBatch.Kind.BASE_LIBRARY)


def batches_to_act_on(user):
    """The base-library batches `user` sees that wait for someone: validated and awaiting
    confirmation, failed lately or stalled (ImportBatch's `needing_attention`). The operator's home
    card and the import page's "待处理" view."""
    batches = base_library_batches().visible_to(user)
    return batches.filter(status=ImportBatch.Status.VALIDATED) | batches.needing_attention()


class RowChecker:
    """Reads a validation's rows: each rejected row's reasons kept, each accepted one matched to its
    institution owners and handed on as a PatentRow, a chunk at a time; the patentees that look
    like institutions but matched none are counted by name."""

    def __init__(self, job: Job) -> None:
        self.job = job
        self.matcher = PatenteeMatcher()
        self.unmatched: Counter[str] = Counter()
        self.first_rows: dict[str, int] = {}
        self.non_institution = 0
        self.untold = 0

    def chunks(self, size: int) -> Iterator[list[PatentRow]]:
        chunk: list[PatentRow] = []
        for item in self.job.rows():
            self.job.outcome.total += 1
            row = self.accept(item)
            if row is None:
                continue
            chunk.append(row)
            if len(chunk) >= size:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    def accept(self, item: ParsedRow | RejectedRow) -> PatentRow | None:
        if isinstance(item, RejectedRow):
            self.job.outcome.rejected_rows.add(item.row_number)
            self.keep(item.row_number, item.raw, item.errors)
            return None
        if item.warnings:
            self.keep(item.row_number, item.raw, item.warnings)
        values = item.values
        matches = self.matcher.match(values["patentees"], values.get("patentee_credit_codes") or ())
        for match in matches:
            if match.is_unmatched_institution:
                self.unmatched[match.name] += 1
                self.first_rows.setdefault(match.name, item.row_number)
            elif match.organization_id is None:
                self.non_institution += 1
        # Every field is carried (blanks for absent columns, which a new patent needs); only the
        # compared ones are updated on an existing patent.
        return PatentRow(item.row_number, values["application_number"],
                         {name: BLANK[name] if values.get(name) is None else values[name] for name in PATENT_FIELDS},
                         owners(matches))

    def keep(self, row: int, raw: list | None, problems: list) -> None:
        outcome = self.job.outcome
        if len(outcome.problem_raw) >= MAX_PROBLEM_ROWS and row not in outcome.problem_raw:
            self.untold += 1
            return
        outcome.problems.extend(problems)
        outcome.problem_raw[row] = raw or []

    def finish(self) -> None:
        outcome = self.job.outcome
        names = self.unmatched.most_common()
        outcome.extra.update(
            unmatched=len(names), unmatched_rows=sum(self.unmatched.values()),
            non_institution_patentees=self.non_institution,
            unmatched_names=[[name, count, self.first_rows[name]] for name, count in names[:MAX_STORED_UNMATCHED]],
        )
        if self.untold:
            outcome.warn(outcome.header_row, "", "", _(
                "另有 %(n)d 行有问题,未逐一列出(只列出前 %(kept)d 行);请修正已列出的问题后重新上传"
            ) % {"n": self.untold, "kept": MAX_PROBLEM_ROWS})


class BaseLibraryImport(PlatformSheetImport):
    kind = ImportBatch.Kind.BASE_LIBRARY
    sheet_format = BaseLibraryFormat()
    batches = ModelBatches(base_library_batches)
    events = {"upload": "inventory.base_library_upload", "commit": "inventory.base_library_import",
              "cancel": "inventory.base_library_cancel"}
    recheck_on_commit = False
    upload_prefix = "base-library"
    too_large = TOO_LARGE
    strategies = (PostgresPlan, PortablePlan)
    chunk_size = CHUNK_SIZE

    @property
    def async_above(self) -> int:
        return async_threshold()

    def unknown_column_message(self) -> str:
        return _("不是基础库格式的列,已忽略")

    def check(self, job: Job) -> None:
        """Stream the rows: check each, stage the accepted ones chunk by chunk, then count them
        against the database (the strategy's `finish`)."""
        job.open_sheet()
        present = set(job.layout.present_keys)
        job.outcome.extra["fields"] = [name for name in PATENT_FIELDS if name == "patent_type" or name in present]
        plan = job.strategy()
        job.plan = plan
        checker = RowChecker(job)
        plan.open()
        try:
            for chunk in checker.chunks(self.chunk_size):
                plan.stage(chunk)
                job.report(90 * job.outcome.total / job.estimated_rows,
                           _("已校验 %(n)d 行") % {"n": job.outcome.total})
            job.report(92, _("正在与基础库比对"), force=True)
            plan.finish()
        except BaseException:
            plan.discard()
            raise
        checker.finish()

    def apply(self, job: Job) -> dict:
        counts = job.strategy().apply()
        since = job.started.isoformat()
        # The industries, fields, search documents and listing scores of the patents written: a
        # follow-up task once the commit is visible (at national scale it outlasts the import).
        transaction.on_commit(lambda: enqueue_follow_up(DERIVE_TASK, updated_since=since))
        return counts

    def commit_audit(self, job: Job, counts: dict) -> dict:
        names = ("new", "updated", "unchanged", "rejected", "unmatched", "ownerships_added", "ownerships_removed",
                 "records_created")
        return {"after": {name: counts.get(name, 0) for name in names}, "file": job.batch.original_name,
                "all_or_nothing": job.all_or_nothing}

    def discard(self, batch) -> None:
        PortablePlan.drop(batch)
        if on_postgresql():
            PostgresPlan.drop(batch)

    def committing_message(self, batch) -> str:
        return _("正在写入基础库:新增 %(new)d 件、更新 %(updated)d 件") % {
            "new": batch.counts.get("new", 0), "updated": batch.counts.get("updated", 0)}


BASE_LIBRARY = register(BaseLibraryImport())


def drop_abandoned_plans(*, keep_days: int) -> list[int]:
    """Drop the plans (staging tables, plan files) of batches validated more than `keep_days` ago
    and never confirmed, and on PostgreSQL every staging table no batch waits on (its batch failed,
    cancelled, committed or gone: a worker killed before it could drop it); returns their ids.
    Confirming an old preview later validates its file again (the commit finds no plan: StalePlan)
    and asks for the new preview to be confirmed."""
    cutoff = timezone.now() - dt.timedelta(days=keep_days)
    dropped = []
    for batch in base_library_batches().filter(status=BatchStatus.VALIDATED, validated_at__lt=cutoff).only("pk"):
        BASE_LIBRARY.discard(batch)
        dropped.append(batch.pk)
    if on_postgresql():
        waiting = base_library_batches().filter(
            Q(status=BatchStatus.VALIDATED, validated_at__gte=cutoff) | Q(status__in=list(RUNNING)))
        for batch_id in sorted(set(PostgresPlan.staged_batch_ids()) - set(waiting.values_list("pk", flat=True))):
            PostgresPlan.drop(ImportBatch(pk=batch_id))
            dropped.append(batch_id)
    return dropped


@dataclass
class BaseLibraryResult:
    """A batch's figures as the command prints them."""

    batch: ImportBatch

    def _count(self, name: str) -> int:
        return int((self.batch.counts or {}).get(name, 0))

    @property
    def total_rows(self) -> int:
        return self.batch.total_rows

    @property
    def failure(self) -> str:
        return self.batch.failure if self.batch.status == BatchStatus.FAILED else ""

    @property
    def committed(self) -> bool:
        return self.batch.status == BatchStatus.COMMITTED

    created = property(lambda self: self._count("new"))
    updated = property(lambda self: self._count("updated"))
    unchanged = property(lambda self: self._count("unchanged"))
    rejected = property(lambda self: self._count("rejected"))
    unmatched = property(lambda self: self._count("unmatched"))
    unmatched_rows = property(lambda self: self._count("unmatched_rows"))
    records_created = property(lambda self: self._count("records_created"))
    ownerships_added = property(lambda self: self._count("ownerships_added"))
    ownerships_removed = property(lambda self: self._count("ownerships_removed"))

    @property
    def unmatched_names(self) -> dict[str, list[int]]:
        """name → [rows it appears in, the first of them], most frequent first."""
        return {name: [count, first] for name, count, first in (self.batch.counts or {}).get("unmatched_names", [])}

    def counts(self) -> dict:
        return dict(self.batch.counts or {})


def import_base_library(path: str | Path, original_name: str | None = None, *, actor=None, dry_run: bool = False,
                        all_or_nothing: bool = False,
                        on_progress: Callable[[int, str], None] | None = None) -> BaseLibraryResult:
    """Keep, validate and (unless `dry_run`) commit a base library file as `actor` (None: the
    platform itself), inline: the command line's way, for files of any size. A file that cannot be
    read fails its batch (the reason in `failure`); otherwise the accepted rows are committed in
    one transaction. Raises UploadError, in Chinese, when the commit is refused (all or nothing with
    rejected rows) or fails (nothing is written then; the batch stays validated, with the reason)."""
    path = Path(path)
    with open(path, "rb") as handle:
        batch = stage(BASE_LIBRARY, actor=actor, file=File(handle, name=original_name or path.name), check_size=False)
    # Claimed like a worker's validation: reading a national file may outlast the stall period
    # before its first progress, and the sweeper must not hand it to a worker meanwhile.
    with claim(batch.pk):
        batch = validate(BASE_LIBRARY, batch.pk, on_progress=on_progress)
    if batch.status == BatchStatus.VALIDATED and not dry_run:
        if on_progress is not None:
            on_progress(99, BASE_LIBRARY.committing_message(batch))
        batch = commit_explained(BASE_LIBRARY, actor=actor, batch=batch, all_or_nothing=all_or_nothing)
    return BaseLibraryResult(batch)
