"""The import pipeline itself (ground.imports), with a toy format kept in the cache: the states, the
refusals, idempotency, the uploader's scope, commands without an account, and strategy choice."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from openpyxl import Workbook

from ground import imports
from ground.imports import BatchStatus, CachedBatch, CachedBatches, Job, SheetImport
from ground.imports.strategy import Strategy, choose
from ground.sheets import CellValueError, Column, SheetFormat, cells
from ground.uploads import UploadError


def whole_number(value: object) -> int:
    try:
        return int(float(cells.fold(value)))
    except ValueError:
        raise CellValueError("不是数字") from None


class NumbersFormat(SheetFormat):
    name = "numbers"
    title = "数字"
    columns = [Column("名称", "name", cells.text, required=True), Column("数量", "amount", whole_number)]


class NumbersImport(SheetImport):
    """Writes each good row's amount into `written`; a name seen before is unchanged."""

    kind = "numbers"
    sheet_format = NumbersFormat()
    events = {"upload": "numbers.upload", "commit": "numbers.commit", "cancel": "numbers.cancel"}

    def __init__(self, *, partial: bool = True, system_uploads: bool = False) -> None:
        self.batches = CachedBatches("numbers-test", timeout=60)
        self.partial = partial
        self.system_uploads = system_uploads
        self.written: dict[str, int] = {}
        self.events_recorded: list[str] = []

    def may_upload(self, actor) -> bool:
        return actor is None or actor.username != "nobody"

    def new_batch(self, actor) -> CachedBatch:
        return CachedBatch(kind=self.kind, original_name="", content=b"", created_by_id=getattr(actor, "pk", None))

    def record(self, event, *, actor, request, batch, **detail) -> None:
        self.events_recorded.append(event)

    def plan(self, job: Job, rows) -> None:
        job.plan = []
        for row in rows:
            name, amount = row.values["name"], row.values["amount"]
            if amount is not None and amount < 0:
                job.outcome.reject(row.row_number, "数量", amount, "不能为负数", raw=row.raw)
            elif self.written.get(name) == amount:
                job.outcome.unchanged += 1
            else:
                job.outcome.new += 1
                job.plan.append((name, amount))

    def apply(self, job: Job) -> dict:
        self.written.update(job.plan)
        return {"written": len(job.plan)}


def sheet(rows: list[list]) -> SimpleUploadedFile:
    workbook = Workbook()
    workbook.active.append(["名称", "数量", "备注"])
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("数字.xlsx", buffer.getvalue())


@pytest.fixture
def people(django_user_model):
    return (django_user_model.objects.create_user("alice", password="x"),
            django_user_model.objects.create_user("bob", password="x"))


def staged(importer, actor, rows):
    return imports.start_validation(importer, imports.stage(importer, actor=actor, file=sheet(rows)))


@pytest.mark.django_db
def test_validate_previews_then_commit_applies_once(people):
    alice, _bob = people
    importer = NumbersImport()
    batch = staged(importer, alice, [["甲", 1], ["乙", 2], [None, None], ["丙", -1]])
    assert batch.status == BatchStatus.VALIDATED and importer.written == {}  # the preview writes nothing
    assert (batch.counts["total"], batch.counts["new"], batch.counts["rejected"]) == (3, 2, 1)
    assert batch.counts["unknown_columns"] == ["备注"]
    assert {(p["row"], p["column"], p["level"]) for p in batch.errors} == {(1, "备注", "warning"),
                                                                           (5, "数量", "error")}
    assert batch.problem_rows["rows"] == [[5, ["丙", -1, ""]]]  # the rejected row as read, for the report
    with pytest.raises(UploadError, match="全部或不导入"):
        imports.request_commit(importer, actor=alice, batch=batch, all_or_nothing=True)
    assert importer.written == {}
    batch = imports.request_commit(importer, actor=alice, batch=batch)
    assert batch.status == BatchStatus.COMMITTED and batch.counts["written"] == 2
    assert importer.written == {"甲": 1, "乙": 2}
    importer.written["甲"] = 100  # a second confirmation (a re-delivered task) finds it done
    assert imports.request_commit(importer, actor=alice, batch=batch).status == BatchStatus.COMMITTED
    assert importer.written["甲"] == 100
    assert importer.events_recorded == ["upload", "commit"]


@pytest.mark.django_db
def test_the_same_file_again_is_unchanged(people):
    alice, _bob = people
    importer = NumbersImport()
    imports.request_commit(importer, actor=alice, batch=staged(importer, alice, [["甲", 1]]))
    again = staged(importer, alice, [["甲", 1]])
    assert (again.counts["new"], again.counts["unchanged"]) == (0, 1)


@pytest.mark.django_db
def test_only_the_uploader_commits_or_cancels(people):
    alice, bob = people
    importer = NumbersImport()
    batch = staged(importer, alice, [["甲", 1]])
    with pytest.raises(importer.batches.DoesNotExist):
        imports.request_commit(importer, actor=bob, batch=batch)
    with pytest.raises(importer.batches.DoesNotExist):
        imports.cancel(importer, actor=bob, batch=batch)
    assert importer.written == {}
    batch = imports.cancel(importer, actor=alice, batch=batch)
    assert batch.status == BatchStatus.CANCELLED
    with pytest.raises(UploadError, match="已取消"):
        imports.request_commit(importer, actor=alice, batch=batch)
    with pytest.raises(UploadError, match="不能取消"):
        imports.cancel(importer, actor=alice, batch=batch)


@pytest.mark.django_db
def test_a_format_without_partial_commits_refuses_any_error(people):
    alice, _bob = people
    importer = NumbersImport(partial=False)
    batch = staged(importer, alice, [["甲", 1], ["乙", -1]])
    with pytest.raises(UploadError, match="1 行错误"):
        imports.request_commit(importer, actor=alice, batch=batch)
    assert importer.written == {}
    assert imports.commit_if_clean(importer, actor=alice,
                                   batch=imports.stage(importer, actor=alice, file=sheet([["乙", -1]]))
                                   ).status == BatchStatus.VALIDATED
    clean = imports.commit_if_clean(importer, actor=alice,
                                    batch=imports.stage(importer, actor=alice, file=sheet([["甲", 1]])))
    assert clean.status == BatchStatus.COMMITTED and importer.written == {"甲": 1}


@pytest.mark.django_db
def test_unreadable_files_fail_with_a_chinese_reason(people):
    alice, _bob = people
    importer = NumbersImport()
    batch = imports.start_validation(importer, imports.stage(
        importer, actor=alice, file=SimpleUploadedFile("x.xlsx", b"not a workbook")))
    assert batch.status == BatchStatus.FAILED and batch.failure
    empty = staged(importer, alice, [])
    assert empty.status == BatchStatus.FAILED and "没有数据行" in empty.failure
    with pytest.raises(UploadError, match="空"):
        imports.stage(importer, actor=alice, file=SimpleUploadedFile("x.xlsx", b""))


@pytest.mark.django_db
def test_an_uploader_who_lost_the_right_is_refused_at_validation(people, django_user_model):
    importer = NumbersImport()
    nobody = django_user_model.objects.create_user("somebody", password="x")
    batch = imports.stage(importer, actor=nobody, file=sheet([["甲", 1]]))
    nobody.username = "nobody"
    nobody.save()
    batch = imports.start_validation(importer, batch)
    assert batch.status == BatchStatus.FAILED and "无权" in batch.failure


@pytest.mark.django_db
def test_commands_load_without_an_account_only_where_the_format_allows():
    importer = NumbersImport(system_uploads=True)
    batch = imports.commit_if_clean(importer, actor=None, batch=imports.stage(importer, actor=None,
                                                                              file=sheet([["甲", 1]])))
    assert batch.status == BatchStatus.COMMITTED and importer.written == {"甲": 1}
    strict = NumbersImport(system_uploads=False)
    batch = imports.start_validation(strict, imports.stage(strict, actor=None, file=sheet([["甲", 1]])))
    assert batch.status == BatchStatus.FAILED


def test_the_strategy_is_the_first_for_the_database_in_use():
    class Fast(Strategy):
        vendor = "postgresql"

    class Anywhere(Strategy):
        vendor = None

    assert choose([Fast, Anywhere]) is (Fast if connection.vendor == "postgresql" else Anywhere)
    with pytest.raises(LookupError):
        choose([Fast] if connection.vendor != "postgresql" else [])
