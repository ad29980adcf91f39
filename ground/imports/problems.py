"""The problems of a validated sheet and its error report: the rows with problems as they were
read, the bad cells in red, a column of Chinese messages (ground.sheets.report).

The rows are kept when the file is validated (JSON, dates tagged, in the storage); a short report
is written when first downloaded, a long one at once, by the validation. Batches kept in the cache
(ground.imports.batches.CachedBatches) keep the rows on the batch and have their report written
on demand (`write_report`). A NUL read from a broken file is kept as "\ufffd" in the batch's
problems (PostgreSQL's jsonb cannot hold it).
"""

import datetime as dt
import gzip
import io
import json
import secrets
import tempfile
from collections import defaultdict
from typing import IO, Any

from django.core.files import File
from django.core.files.storage import default_storage

from ground.imports.outcome import Outcome
from ground.sheets import CellError, cells
from ground.sheets.report import write_error_report


def problem_dict(problem: CellError) -> dict:
    """The problem as the batch keeps it (JSON); a NUL, which PostgreSQL's jsonb cannot hold, or any
    other unstorable character shown as "\ufffd" (cells.replace_unstorable)."""
    return {"row": problem.row, "column": _storable(problem.column), "value": _storable(problem.value),
            "message": _storable(problem.message), "level": problem.level}


def _storable(text: str) -> str:
    return cells.replace_unstorable(text) if isinstance(text, str) else text


def problems_of(batch: Any) -> list[CellError]:
    return [CellError(p["row"], p["column"], p.get("value", ""), p["message"], p.get("level", "error"))
            for p in batch.errors or []]


# Reports of more rows than this are written by the validation task rather than on first download.
REPORT_EAGER_ABOVE = 5000


def _problem_rows_name(batch: Any) -> str:
    return f"import-problems/{batch.pk}.json.gz"


def _cell_json(value: object) -> object:
    if isinstance(value, str):
        # A rejected NUL or unpaired surrogate would break the JSON's encoding and the report's sheet.
        return cells.replace_unstorable(value)
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


def problem_rows_payload(outcome: Outcome) -> dict:
    """The rows with problems as read, with the file's layout: what the error report is written from."""
    return {
        "headers": outcome.headers, "header_row": outcome.header_row, "column_index": outcome.column_index,
        "rows": [[row, [_cell_json(value) for value in raw or []]] for row, raw in sorted(outcome.problem_raw.items())],
    }


def save_problem_rows(batch: Any, outcome: Outcome) -> None:
    """Keep the rows with problems of a batch kept as a model row (in the storage)."""
    payload = problem_rows_payload(outcome)
    name = _problem_rows_name(batch)
    default_storage.delete(name)
    default_storage.save(name, File(io.BytesIO(gzip.compress(json.dumps(payload, ensure_ascii=False).encode(), 1))))


def has_error_report(batch: Any) -> bool:
    if not hasattr(batch, "error_report"):  # a cached batch keeps its rows on itself
        return bool(getattr(batch, "problem_rows", None))
    return bool(batch.error_report) or default_storage.exists(_problem_rows_name(batch))


def write_report(handle: IO[bytes], batch: Any, payload: dict) -> None:
    """The error report of `batch` from its problems and `payload` (`problem_rows_payload`)."""
    problems = problems_of(batch)
    header_row = payload["header_row"]
    by_row: dict[int, list[CellError]] = defaultdict(list)
    for problem in problems:
        if problem.row > header_row:
            by_row[problem.row].append(problem)
    notes = [problem.as_text() for problem in problems if problem.row <= header_row]
    raw_rows = {row: [_cell_from_json(value) for value in raw] for row, raw in payload["rows"]}
    rows = ((row, raw_rows.get(row) or []) for row in sorted(by_row))
    write_error_report(handle, headers=payload["headers"], rows=rows, problems=by_row,
                       column_index=payload["column_index"], notes=notes)


def ensure_error_report(batch: Any, store: Any) -> bool:
    """Write the error report of a batch kept as a model row if it is not written yet (kept in its
    `error_report` file, through `store`); False when the batch has no problems.

    The report: the rows with problems as they were read, bad cells in red, messages last.
    """
    if batch.error_report:
        return True
    name = _problem_rows_name(batch)
    if not default_storage.exists(name):
        return False
    with default_storage.open(name, "rb") as handle:
        payload = json.loads(gzip.decompress(handle.read()))
    with tempfile.TemporaryFile() as handle:
        write_report(handle, batch, payload)
        handle.seek(0)
        # A random part: the name says nothing a caller could guess (the file is served only by views).
        name = f"{batch.kind}-{batch.pk}-{secrets.token_hex(8)}-errors.xlsx"
        batch.error_report.save(name, File(handle), save=False)
    store.update(batch, error_report=batch.error_report.name)
    return True


def drop_report(batch: Any, store: Any) -> None:
    """A batch validated again starts without a report."""
    if not hasattr(batch, "error_report"):
        return
    if batch.error_report:
        batch.error_report.delete(save=False)
        store.update(batch, error_report="")
    default_storage.delete(_problem_rows_name(batch))
