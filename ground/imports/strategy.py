"""How a format's plan is staged and applied on the database in use: a strategy per database.

A format lists its strategies, most specific first, and the pipeline's job takes the first whose
`vendor` is the connection's (None: any database):

    class InventoryImport(SheetImport):
        strategies = (PostgresPlan, PortablePlan)     # COPY and UPDATE … FROM; bulk_update elsewhere

Every strategy of a format must write the same rows (the tests hold each fast path to the
portable one). The helpers below are what the PostgreSQL strategies share: an unlogged staging
table per batch, filled by COPY from CSV text.
"""

import io
from collections.abc import Sequence
from typing import Any

from django.db import connection


class Strategy:
    """Stages a plan while the file is validated (`open`, `stage` per chunk, `finish`; `discard` when
    the validation fails) and applies it in the commit's transaction (`apply`)."""

    vendor: str | None = None

    def __init__(self, job: Any) -> None:
        self.job = job

    def open(self) -> None:
        """Before the first chunk."""

    def stage(self, chunk: Any) -> None:
        """One chunk of the plan, as the format writes it."""

    def finish(self) -> None:
        """After the last chunk."""

    def discard(self) -> None:
        """The validation failed: nothing staged is kept."""

    def apply(self) -> dict:
        raise NotImplementedError


def choose(strategies: Sequence[type[Strategy]]) -> type[Strategy]:
    """The first strategy for the connection's database (one whose vendor is None takes any)."""
    for strategy in strategies:
        if strategy.vendor in (None, connection.vendor):
            return strategy
    raise LookupError(f"no strategy for {connection.vendor}")


def on_postgresql() -> bool:
    return connection.vendor == "postgresql"


def stage_table(cursor: Any, table: str, definition: str, *, temporary: bool = False) -> None:
    """An empty staging table (an earlier one of the same name is dropped). Unlogged: a staging
    table is a cache of a plan kept elsewhere, so it need not survive a crash."""
    cursor.execute(f'DROP TABLE IF EXISTS "{table}"')
    kind = "TEMPORARY" if temporary else "UNLOGGED"
    cursor.execute(f'CREATE {kind} TABLE "{table}" ({definition})')


def copy_csv(cursor: Any, table: str, text: str | io.TextIOBase, *, options: str = "FORMAT csv",
             columns: Sequence[str] = ()) -> None:
    """COPY CSV text (a string, read at once, or a stream) into `table`."""
    target = f'"{table}"' + (f" ({', '.join(columns)})" if columns else "")
    if isinstance(text, str):
        # One read of the whole text: each read from a Python stream retakes the GIL, 8 KB at a time.
        cursor.copy_expert(f"COPY {target} FROM STDIN WITH ({options})", io.StringIO(text), len(text) + 1)
    else:
        cursor.copy_expert(f"COPY {target} FROM STDIN WITH ({options})", text)
