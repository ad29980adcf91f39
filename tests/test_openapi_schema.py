"""docs/openapi.yaml is the API's schema exactly as the code generates it.

The file is committed so that a change to the API shows in review as a change to its contract.
These tests regenerate the schema in-process (the same command `make openapi` runs) and fail,
with the difference, while the committed file lags behind the code. The schema must come out
the same on every run and on every database: SQLite and PostgreSQL report different integer
ranges for the same column, so a bound the schema shows is stated in the serializer, never left
to the database.
"""

import contextlib
import difflib
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import translation
from drf_spectacular.drainage import GENERATOR_STATS

ROOT = Path(__file__).resolve().parent.parent
COMMITTED = ROOT / "docs" / "openapi.yaml"
REFRESH = "make openapi"
MAX_DIFF_LINES = 150
# Integer bounds that only the database can have put there: a column's range as SQLite
# (64-bit for every integer type) or PostgreSQL (smallint, integer, bigint) reports it.
_DATABASE_BOUND = re.compile(
    r"^\s*(?:maximum|minimum): -?(?:9223372036854775807|9223372036854775808|2147483647|2147483648|32767|32768)$",
    re.MULTILINE,
)


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> tuple[str, str]:
    """(the schema as `make openapi` writes it, drf-spectacular's warnings and errors)."""
    out = tmp_path_factory.mktemp("openapi") / "openapi.yaml"
    GENERATOR_STATS.reset()  # its counts are global: a schema served earlier in this process left some
    warnings = io.StringIO()
    with translation.override(settings.LANGUAGE_CODE), contextlib.redirect_stderr(warnings):
        call_command("spectacular", "--file", str(out), "--validate")
    found = warnings.getvalue() if GENERATOR_STATS else ""
    return out.read_text(encoding="utf-8"), found


def _diff(committed: str, current: str) -> str:
    lines = list(difflib.unified_diff(
        committed.splitlines(), current.splitlines(), "docs/openapi.yaml (committed)", "generated now", lineterm="",
    ))
    if len(lines) > MAX_DIFF_LINES:
        lines = [*lines[:MAX_DIFF_LINES], f"… {len(lines) - MAX_DIFF_LINES} more lines of difference"]
    return "\n".join(lines)


def test_the_committed_schema_is_the_one_the_code_generates(generated):
    current, _ = generated
    committed = COMMITTED.read_text(encoding="utf-8") if COMMITTED.exists() else ""
    if committed != current:
        pytest.fail(
            f"docs/openapi.yaml is not the schema the code generates. Refresh it with `{REFRESH}` "
            "(manage.py spectacular --file docs/openapi.yaml --validate), check the difference is the API "
            f"change you meant, and commit it.\n\n{_diff(committed, current)}",
            pytrace=False,
        )


def test_the_schema_generates_without_warnings(generated):
    _, warnings = generated
    assert not warnings, f"drf-spectacular could not describe part of the API; annotate it (extend_schema):\n{warnings}"


def test_no_bound_in_the_schema_comes_from_the_database(generated):
    current, _ = generated
    found = sorted({match.group(0).strip() for match in _DATABASE_BOUND.finditer(current)})
    assert not found, (
        "the schema shows an integer column's database range, which differs between SQLite and PostgreSQL; "
        f"state the bounds in the serializer (min_value / max_value) instead: {found}"
    )


def test_the_schema_is_the_same_in_another_process(generated):
    """Another interpreter, with another hash seed: set and dict orders must not leak into the file."""
    current, _ = generated
    env = {**os.environ, "PYTHONHASHSEED": "4321"}
    other = subprocess.run(
        [sys.executable, "manage.py", "spectacular", "--lang", settings.LANGUAGE_CODE],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True,
    )
    assert other.stdout.rstrip("\n") == current.rstrip("\n"), _diff(current, other.stdout)
