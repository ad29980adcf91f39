"""Hundreds of generated hostile files (tests/hostile_sheets.py, seeded) through the inventory upload
and the base-library import at service level, and a handful over HTTP: every file ends validated
(then committed) or failed with a Chinese message; nothing raises, a failed file writes nothing,
and the reading stays within the child's memory."""

import re
import resource
from collections import Counter
from itertools import islice

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ground import imports
from ground.uploads import UploadError
from inventory.models import ImportBatch, InventoryChange, InventoryRecord, Patent, PatentOwnership
from inventory.patents import base_library
from inventory.upload.importer import INVENTORY

from . import hostile_sheets as hostile
from .test_base_library import HEADERS as LIBRARY_HEADERS
from .test_base_library import good_rows
from .test_inventory_upload import HEADERS, good_row

UPLOAD_FILES = 300
LIBRARY_FILES = 220
HTTP_FILES = 12
CHINESE = re.compile(r"[\u4e00-\u9fff]")
Status = ImportBatch.Status


def written() -> tuple[int, ...]:
    return (InventoryRecord.objects.count(), InventoryChange.objects.count(), Patent.objects.count(),
            PatentOwnership.objects.count())


def settle(outcomes: Counter, problems: list, kind: str, batch, before: tuple[int, ...]) -> None:
    """Count the batch's end; note any end the contract forbids."""
    outcomes[(kind, batch.status)] += 1
    if batch.status == Status.FAILED:
        if not CHINESE.search(batch.failure or ""):
            problems.append((kind, "failed without a Chinese message", batch.failure))
        if written() != before:
            problems.append((kind, "a failed file wrote rows", written(), before))
    elif batch.status not in (Status.VALIDATED, Status.COMMITTED):
        problems.append((kind, "ended in", batch.status))


def inventory_rows(world) -> list[list]:
    return [[good_row(world.patents[name]).get(h) for h in HEADERS] for name in ("bj_moe_private",)]


def test_hostile_files_through_the_inventory_upload(world, bj):
    outcomes: Counter = Counter()
    problems: list = []
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for kind, name, content in islice(hostile.hostile_files(14, HEADERS, inventory_rows(world)), UPLOAD_FILES):
        before = written()
        try:
            batch = imports.stage(INVENTORY, actor=bj, file=SimpleUploadedFile(name, content))
            batch = imports.start_validation(INVENTORY, batch)
            if batch.status == Status.VALIDATED and not batch.counts.get("rejected"):
                before = written()
                batch = imports.request_commit(INVENTORY, actor=bj, batch=batch)
        except UploadError as error:  # refused before anything is kept (an empty file)
            outcomes[(kind, "refused")] += 1
            assert CHINESE.search(str(error))
            continue
        except Exception as error:
            problems.append((kind, "raised", repr(error)))
            continue
        settle(outcomes, problems, kind, batch, before)
    print(sorted(outcomes.items()))
    assert problems == []
    assert sum(n for (_kind, status), n in outcomes.items() if status == Status.FAILED) > UPLOAD_FILES / 2
    # Parsing happens in the children: this process grows by what it keeps, not by what it parses.
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak < 300 * 1024  # KB


def test_hostile_files_through_the_base_library_import(db, tmp_path):
    outcomes: Counter = Counter()
    problems: list = []
    for number, (kind, name, content) in enumerate(
            islice(hostile.hostile_files(2024, LIBRARY_HEADERS, good_rows()), LIBRARY_FILES)):
        path = tmp_path / f"{number}-{name}"
        path.write_bytes(content)
        before = written()
        try:
            result = base_library.import_base_library(path, name)
        except UploadError as error:
            outcomes[(kind, "refused")] += 1
            assert CHINESE.search(str(error))
            continue
        except Exception as error:
            problems.append((kind, "raised", repr(error)))
            continue
        settle(outcomes, problems, kind, result.batch, before)
    print(sorted(outcomes.items()))
    assert problems == []


def test_hostile_files_over_http(world, bj, client):
    client.force_login(bj)
    for kind, name, content in islice(hostile.hostile_files(1, HEADERS, inventory_rows(world)), HTTP_FILES):
        before = written()
        response = client.post(reverse("inventory:upload_new"), {"file": SimpleUploadedFile(name, content)})
        assert response.status_code in (200, 302), (kind, response.status_code)
        if response.status_code == 302:
            page = client.get(response["Location"])
            assert page.status_code == 200
            batch = ImportBatch.objects.latest("pk")
            if batch.status == Status.FAILED:
                assert batch.failure and batch.failure in page.content.decode(), kind
                assert written() == before, kind
