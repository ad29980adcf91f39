"""The error report of an inventory upload: the rows with problems as they were read, the bad
cells in red, a column of Chinese messages (ground.sheets.report).

The rows are kept when the file is validated (JSON, dates tagged); a short report is written when
first downloaded, a long one at once, by the validation task.
"""

import datetime as dt
import gzip
import io
import json
import tempfile
from collections import defaultdict
from typing import TYPE_CHECKING

from django.core.files import File
from django.core.files.storage import default_storage

from ground.sheets import CellError
from ground.sheets.report import write_error_report
from inventory.models import ImportBatch

if TYPE_CHECKING:
    from inventory.upload.check import Outcome


def problem_dict(problem: CellError) -> dict:
    return {"row": problem.row, "column": problem.column, "value": problem.value, "message": problem.message,
            "level": problem.level}


def problems_of(batch: ImportBatch) -> list[CellError]:
    return [CellError(p["row"], p["column"], p.get("value", ""), p["message"], p.get("level", "error"))
            for p in batch.errors or []]


# Reports of more rows than this are written by the validation task rather than on first download.
REPORT_EAGER_ABOVE = 5000


def _problem_rows_name(batch: ImportBatch) -> str:
    return f"import-problems/{batch.pk}.json.gz"


def _cell_json(value: object) -> object:
    if isinstance(value, dt.datetime | dt.date):
        return {"date": value.isoformat()}
    if isinstance(value, dt.time | dt.timedelta):
        return str(value)
    return value


def _cell_from_json(value: object) -> object:
    if isinstance(value, dict) and "date" in value:
        text = value["date"]
        return dt.datetime.fromisoformat(text) if "T" in text else dt.date.fromisoformat(text)
    return value


def save_problem_rows(batch: ImportBatch, outcome: "Outcome") -> None:
    payload = {
        "headers": outcome.headers, "header_row": outcome.header_row, "column_index": outcome.column_index,
        "rows": [[row, [_cell_json(value) for value in raw or []]] for row, raw in sorted(outcome.problem_raw.items())],
    }
    name = _problem_rows_name(batch)
    default_storage.delete(name)
    default_storage.save(name, File(io.BytesIO(gzip.compress(json.dumps(payload, ensure_ascii=False).encode(), 1))))


def has_error_report(batch: ImportBatch) -> bool:
    return bool(batch.error_report) or default_storage.exists(_problem_rows_name(batch))


def ensure_error_report(batch: ImportBatch) -> bool:
    """Write the batch's error report if it is not written yet; False when the batch has no problems.

    The report: the rows with problems as they were read, bad cells in red, messages last.
    """
    if batch.error_report:
        return True
    name = _problem_rows_name(batch)
    if not default_storage.exists(name):
        return False
    with default_storage.open(name, "rb") as handle:
        payload = json.loads(gzip.decompress(handle.read()))
    problems = problems_of(batch)
    header_row = payload["header_row"]
    by_row: dict[int, list[CellError]] = defaultdict(list)
    for problem in problems:
        if problem.row > header_row:
            by_row[problem.row].append(problem)
    notes = [problem.as_text() for problem in problems if problem.row <= header_row]
    raw_rows = {row: [_cell_from_json(value) for value in raw] for row, raw in payload["rows"]}
    rows = ((row, raw_rows.get(row) or []) for row in sorted(by_row))
    with tempfile.TemporaryFile() as handle:
        write_error_report(handle, headers=payload["headers"], rows=rows, problems=by_row,
                           column_index=payload["column_index"], notes=notes)
        handle.seek(0)
        batch.error_report.save(f"inventory-{batch.pk}-errors.xlsx", File(handle), save=False)
    ImportBatch.objects.filter(pk=batch.pk).update(error_report=batch.error_report.name)
    return True


def drop_report(batch: ImportBatch) -> None:
    """A batch validated again starts without a report."""
    if batch.error_report:
        batch.error_report.delete(save=False)
        ImportBatch.objects.filter(pk=batch.pk).update(error_report="")
    default_storage.delete(_problem_rows_name(batch))
