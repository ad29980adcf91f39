"""The plan of an inventory upload (inventory.upload.importer): what validation found would change.

One CSV line per record that would change: id, the new values of the file's fields, in_library,
then the row number, the application number, the status before, the listing score and the review
state the change leads to (inventory.records.review.state_after_edit). NULL is
\\N (only the nullable non-text fields are ever NULL); lists are JSON; booleans t/f. Kept gzipped
in the storage: the preview pages through it, and the commit applies it (on PostgreSQL through
the staging table of inventory.upload.stage, which is rebuilt from it when lost).
"""

import contextlib
import csv
import gzip
import io
import itertools
import json
import tempfile
from collections.abc import Iterator
from decimal import Decimal

from django.core.files import File
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _

from ground.uploads import UploadError
from inventory.choices import InventoryStatus, ReviewState
from inventory.models import ImportBatch, InventoryRecord
from inventory.records import history

PLAN_DIR = "import-plans"
# The layout of the lines above; a batch validated with another (its counts' "plan_version") is
# validated again before its commit.
PLAN_VERSION = 2


def plan_name(batch: ImportBatch) -> str:
    return f"{PLAN_DIR}/{batch.pk}.csv.gz"


def _field_kind(name: str) -> str:
    return InventoryRecord._meta.get_field(name).get_internal_type()


class PlanWriter:
    """Writes plan lines a chunk at a time (`end_chunk` returns the chunk's text, for the stage) to a
    gzipped temporary file, then into the storage."""

    def __enter__(self) -> "PlanWriter":
        self.file = tempfile.TemporaryFile()
        self.gzip = gzip.GzipFile(fileobj=self.file, mode="wb", compresslevel=1)
        self.text = io.TextIOWrapper(self.gzip, encoding="utf-8", newline="")
        self.chunk = io.StringIO()
        self.csv = csv.writer(self.chunk, lineterminator="\n")
        self.encoders: list[tuple[int, object]] = []
        return self

    def start(self, fields: list[str]) -> None:
        for index, name in enumerate(fields):
            kind = _field_kind(name)
            if kind == "JSONField":
                self.encoders.append((index, _encode_json))
            elif kind == "BooleanField":
                self.encoders.append((index, _encode_bool))
            elif name in NULLABLE:
                self.encoders.append((index, _encode_null))

    def write(self, record_id: int, new: list, in_library: bool, row_number: int, number: str, status: str,
              score: int, review_state: str) -> None:
        line = [record_id, *new]
        for index, encode in self.encoders:
            line[index + 1] = encode(line[index + 1])
        line += ["t" if in_library else "f", row_number, number, status, score, review_state]
        self.csv.writerow(line)

    def end_chunk(self) -> str:
        """The lines written since the last call, to be kept with `write_chunk` (by the caller's worker)."""
        text = self.chunk.getvalue()
        self.chunk = io.StringIO()
        self.csv = csv.writer(self.chunk, lineterminator="\n")
        return text

    def write_chunk(self, text: str) -> None:
        self.text.write(text)

    def save_to(self, name: str) -> None:
        self.write_chunk(self.end_chunk())
        self.text.flush()
        self.gzip.close()  # writes the gzip trailer; the underlying file stays open
        self.file.seek(0)
        default_storage.delete(name)
        saved = default_storage.save(name, File(self.file))
        if saved != name:
            default_storage.delete(saved)
            raise RuntimeError(f"the plan could not be stored as {name}")

    def __exit__(self, *exc) -> None:
        with contextlib.suppress(Exception):
            self.text.close()
        self.file.close()


NULLABLE = {"is_financially_funded", "maturity", "asking_price"}


# The lists of a file repeat (a few intents, a few industries): each is encoded once.
_ENCODED: dict[tuple, str] = {}


def _encode_json(value: object) -> str:
    if not isinstance(value, list):
        return json.dumps(value, ensure_ascii=False)
    try:
        key = tuple(value)
        encoded = _ENCODED.get(key)
    except TypeError:  # an element that cannot be a key
        return _encode_list(value)
    if encoded is None:
        encoded = _encode_list(value)
        if len(_ENCODED) < 10_000:
            _ENCODED[key] = encoded
    return encoded


def _encode_list(value: list) -> str:
    # The lists here hold codes (intents, industries): joined directly, json.dumps only if one needs escaping.
    if all(isinstance(item, str) for item in value):
        plain = "".join(value)
        if '"' not in plain and "\\" not in plain and plain.isprintable():
            return '["' + '","'.join(value) + '"]' if value else "[]"
    return json.dumps(value, ensure_ascii=False)


def _encode_bool(value: object) -> str:
    return r"\N" if value is None else ("t" if value else "f")


def _encode_null(value: object) -> object:
    return r"\N" if value is None else value


def _decode(name: str, kind: str, text: str) -> object:
    if name in NULLABLE and text == r"\N":
        return None
    if kind == "JSONField":
        return json.loads(text)
    if kind == "BooleanField":
        return text == "t"
    if kind in {"PositiveSmallIntegerField", "IntegerField", "SmallIntegerField"}:
        return int(text)
    if kind == "DecimalField":
        return Decimal(text)
    return text


@contextlib.contextmanager
def _plan_lines(batch: ImportBatch) -> Iterator[Iterator[list[str]]]:
    name = plan_name(batch)
    if not default_storage.exists(name):
        yield iter(())
        return
    with default_storage.open(name, "rb") as raw, gzip.GzipFile(fileobj=raw) as unzipped:
        yield csv.reader(io.TextIOWrapper(unzipped, encoding="utf-8", newline=""))


def plan_page(batch: ImportBatch, start: int, stop: int) -> list[dict]:
    """Plan lines [start, stop): each a dict with id, values (new), in_library, row, number,
    status_before, listing_score and review_state (the state after the commit; "" in a plan of an
    earlier layout, which is validated again before any commit)."""
    fields = (batch.counts or {}).get("fields", [])
    kinds = [_field_kind(name) for name in fields]
    page = []
    with _plan_lines(batch) as lines:
        for line in itertools.islice(lines, start, stop):
            values = {name: _decode(name, kind, text)
                      for name, kind, text in zip(fields, kinds, line[1:], strict=False)}
            tail = line[len(fields) + 1:]
            state = tail[5] if len(tail) > 5 else ""
            if state and state not in ReviewState.values:
                raise UploadError(_("预览数据已损坏,请重新上传"))
            page.append({"id": int(line[0]), "values": values, "in_library": tail[0] == "t", "row": int(tail[1]),
                         "number": tail[2], "status_before": tail[3], "listing_score": int(tail[4]),
                         "review_state": state})
    return page


def delete_plan(batch: ImportBatch) -> None:
    default_storage.delete(plan_name(batch))


@contextlib.contextmanager
def plan_file(batch: ImportBatch):
    """The plan, uncompressed, as a binary stream (for COPY)."""
    name = plan_name(batch)
    if not default_storage.exists(name):
        yield io.BytesIO()
        return
    with default_storage.open(name, "rb") as raw, gzip.GzipFile(fileobj=raw) as unzipped:
        yield unzipped


def planned_changes(fields: list[str], old: dict, line: dict) -> dict[str, list]:
    """{field: [old, new]} of one plan line against the record's current values (`old`: the
    fields, status and in_library), as the change history records it."""
    changes = history.diff({name: old[name] for name in fields}, line["values"])
    if old["status"] != InventoryStatus.INVENTORIED:
        changes["status"] = [old["status"], InventoryStatus.INVENTORIED.value]
    if old["in_library"] != line["in_library"]:
        changes["in_library"] = [old["in_library"], line["in_library"]]
    if line["review_state"] and old.get("review_state", line["review_state"]) != line["review_state"]:
        changes["review_state"] = [old["review_state"], line["review_state"]]
    return changes
