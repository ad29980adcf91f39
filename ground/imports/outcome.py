"""What validating a sheet found, and the progress a polling page shows while it runs."""

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ground.sheets import CellError, cells
from ground.sheets.formats import ParsedRow, RejectedRow


@dataclass
class Outcome:
    """The counts of a validated sheet, every problem, and the rows with problems as they were read
    (for the error report). Formats add their own figures to `extra` (kept in the batch's counts)."""

    total: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    rejected_rows: set[int] = field(default_factory=set)
    problems: list[CellError] = field(default_factory=list)
    problem_raw: dict[int, list] = field(default_factory=dict)
    unknown_columns: list[str] = field(default_factory=list)
    header_row: int = 1
    headers: list[str] = field(default_factory=list)
    column_index: dict[str, int] = field(default_factory=dict)
    extra: dict = field(default_factory=dict)

    def take(self, item: ParsedRow | RejectedRow) -> bool:
        """Count one row as the sheet's cells gave it: its warnings, or its errors (the row
        rejected), kept with the row as read. True when its cells passed."""
        self.total += 1
        if item.__class__ is ParsedRow:
            if item.warnings:
                self.problems.extend(item.warnings)
                self.problem_raw[item.row_number] = item.raw
            return True
        self.rejected_rows.add(item.row_number)
        self.problems.extend(item.errors)
        self.problem_raw[item.row_number] = item.raw
        return False

    def reject(self, row: int, column: str, value: object, message: str, raw: list | None = None) -> None:
        """A row refused, with one reason (call again for more)."""
        self.rejected_rows.add(row)
        self.problems.append(CellError(row, column, "" if value is None else str(value), str(message)))
        if raw is not None:
            self.problem_raw[row] = raw

    def warn(self, row: int, column: str, value: object, message: str, raw: list | None = None) -> None:
        self.problems.append(CellError(row, column, "" if value is None else str(value), str(message),
                                       level="warning"))
        if raw is not None:
            self.problem_raw[row] = raw

    @property
    def rejected(self) -> int:
        return len(self.rejected_rows)

    @property
    def warnings(self) -> int:
        return sum(1 for p in self.problems if p.level == "warning")

    @property
    def changes(self) -> int:
        return self.new + self.updated

    def counts(self) -> dict:
        return {
            "total": self.total, "new": self.new, "updated": self.updated, "unchanged": self.unchanged,
            "skipped": self.skipped, "rejected": self.rejected, "warnings": self.warnings,
            # A header read from a broken file may hold a NUL, which PostgreSQL's jsonb cannot.
            "unknown_columns": [cells.replace_unstorable(name) for name in self.unknown_columns], **self.extra,
        }


class Progress:
    """Keeps progress on the batch through `save(percent, message)`, at most twice a second."""

    def __init__(self, save: Callable[[int, str], None]) -> None:
        self.save = save
        self.last = 0.0

    def __call__(self, percent: int, message: str, *, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self.last >= 0.5:
            self.last = now
            self.save(max(0, min(99, int(percent))), str(message)[:200])
