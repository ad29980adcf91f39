"""Habits of the code that a review would otherwise have to remember.

- No function is more complex than ruff's mccabe bound (C901, max-complexity 12 in
  pyproject.toml): a longer chain of branches is split into named helpers, never silenced.
- Docstrings and comments say what the code does now, not the history of how it came to be: no
  project phase or work-item numbers.
- Every module, class or function a docstring or comment names by its dotted path exists, and so
  does every project file it names by its path: a move updates the text that points at it.
- The suite times quoted above the Makefile's `test` target say when they were measured.
"""

import ast
import importlib
import io
import os
import re
import subprocess
import sys
import tokenize
import tomllib
from pathlib import Path

from django.apps import apps
from django.template import TemplateDoesNotExist
from django.template.loader import get_template

ROOT = Path(__file__).resolve().parent.parent
MAX_COMPLEXITY = 12
SKIPPED_DIRS = {".venv", ".git", "node_modules", "staticfiles", "media", "test-artifacts", "__pycache__"}
PACKAGES = ("ground", "accounts", "notifications", "inventory", "matching", "evaluation", "reporting", "patentnavi",
            "demo", "tests", "bench")
# Written so that this file does not match itself: a character class stands where the text has a digit.
HISTORY = re.compile(r"\bInventory [I]+\b|\bissue [0-9]|\bitem [0-9]", re.IGNORECASE)
_TOP = "|".join((*PACKAGES, "templates", "static", "locale", "docs"))
_DOTTED = re.compile(r"(?<![\w./-])((?:" + "|".join(PACKAGES) + r")(?:\.[A-Za-z_]\w*)+)")
_PATH = re.compile(r"(?<![\w./<-])((?:" + _TOP + r")/[\w./-]*\.[a-z]+)\b")
_FILE_SUFFIXES = (".py", ".html", ".md", ".csv", ".json", ".txt", ".xlsx", ".yaml", ".js", ".css")


def _project_files(*suffixes: str) -> list[Path]:
    """The project's files ending in `suffixes`; virtualenvs and generated folders are not walked."""
    found = []
    for folder, dirs, files in os.walk(ROOT):
        dirs[:] = [name for name in dirs if name not in SKIPPED_DIRS]
        found += [Path(folder) / name for name in files if name.endswith(suffixes)]
    return sorted(found)


def _python_sources() -> list[Path]:
    return [path for path in _project_files(".py") if "migrations" not in path.parts]


def _prose(path: Path) -> list[tuple[int, str]]:
    """(line, text) of every docstring and comment of a Python file."""
    source = path.read_text(encoding="utf-8")
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            docstring = ast.get_docstring(node, clean=False)
            if docstring:
                found.append((node.body[0].lineno, docstring))
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            found.append((token.start[0], token.string))
    return found


def test_ruff_checks_the_complexity_of_every_function():
    lint = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["ruff"]["lint"]
    assert "C901" in lint["select"] or "C90" in lint["select"], lint["select"]
    assert lint["mccabe"]["max-complexity"] == MAX_COMPLEXITY


def test_no_function_is_too_complex():
    ruff = Path(sys.executable).with_name("ruff")
    assert ruff.exists(), f"ruff is a dev dependency (pyproject.toml); not found at {ruff}"
    found = subprocess.run(
        [str(ruff), "check", "--select", "C901", "--output-format", "concise", "--no-cache", "."],
        cwd=ROOT, capture_output=True, text=True,
    )
    assert found.returncode == 0, (
        f"functions above max-complexity {MAX_COMPLEXITY}: split them into named helpers\n{found.stdout}{found.stderr}"
    )


def test_complexity_is_never_silenced():
    silenced = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in _project_files(".py")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if re.search(r"noqa:[^#\n]*\bC90", line)
    ]
    assert not silenced, "a function too complex is split, not silenced: " + ", ".join(silenced)


def test_docstrings_and_comments_describe_the_code_not_its_history():
    found = []
    for path in [*_python_sources(), *_project_files(".html"), ROOT / "Makefile"]:
        if path.suffix == ".py":
            texts = _prose(path)
        else:  # templates and the Makefile: every line (their comments are not told apart here)
            texts = list(enumerate(path.read_text(encoding="utf-8").splitlines(), start=1))
        for line, text in texts:
            found += [f"{path.relative_to(ROOT)}:{line}: {match.group(0)!r}" for match in HISTORY.finditer(text)]
    assert not found, (
        "say what the code does now (a project phase or work item means nothing to the next reader):\n"
        + "\n".join(found)
    )


def _is_permission_or_model(app_label: str, name: str) -> bool:
    """`inventory.patent` (a model label) or `inventory.self_assess_patent` (a permission)."""
    try:
        config = apps.get_app_config(app_label)
    except LookupError:
        return False
    for model in config.get_models():
        if name.lower() == model._meta.model_name:
            return True
        defaults = {f"{action}_{model._meta.model_name}" for action in model._meta.default_permissions}
        if name in defaults or name in {codename for codename, _label in model._meta.permissions}:
            return True
    return False


def _resolves(dotted: str) -> bool:
    """The longest importable module prefix of `dotted`, then its attributes."""
    parts = dotted.split(".")
    if len(parts) == 2 and _is_permission_or_model(*parts):
        return True
    for length in range(len(parts), 0, -1):
        try:
            target = importlib.import_module(".".join(parts[:length]))
        except ImportError:
            continue
        for attribute in parts[length:]:
            if not hasattr(target, attribute):
                return False
            target = getattr(target, attribute)
        return True
    return False


def _file_exists(name: str) -> bool:
    if (ROOT / name).exists():
        return True
    if name.endswith(".html"):  # a template, named as its loaders find it
        try:
            get_template(name)
        except TemplateDoesNotExist:
            return False
        return True
    return False


def test_names_in_docstrings_and_comments_exist():
    missing = []
    for path in _python_sources():
        for line, text in _prose(path):
            where = f"{path.relative_to(ROOT)}:{line}"
            for match in _DOTTED.finditer(text):
                name = match.group(1)
                if not name.endswith(_FILE_SUFFIXES) and not _resolves(name):
                    missing.append(f"{where}: {name}")
            for match in _PATH.finditer(text):
                if not _file_exists(match.group(1)):
                    missing.append(f"{where}: {match.group(1)}")
    assert not missing, "docstrings and comments name what no longer exists:\n" + "\n".join(missing)


def test_the_makefiles_suite_times_say_when_they_were_measured():
    lines = (ROOT / "Makefile").read_text(encoding="utf-8").splitlines()
    target = next(index for index, line in enumerate(lines) if line.startswith("test:"))
    comment = []
    for line in reversed(lines[:target]):
        if not line.startswith("#"):
            break
        comment.insert(0, line)
    text = "\n".join(comment)
    assert re.search(r"\d+m\d+s", text), f"no suite time above the test target:\n{text}"
    assert re.search(r"\b20\d\d-\d\d-\d\d\b", text), f"suite times without the date they were measured:\n{text}"


def test_every_transactional_test_restores_the_reference_data():
    """A transactional test flushes the database when it ends; without serialized_rollback the flush
    re-creates the content types under new ids, and the next test that restores its serialized data
    fails on PostgreSQL (duplicate content types). Every such test asks for serialized_rollback."""
    bare = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in sorted((ROOT / "tests").rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if "django_db(transaction=True" in line and "serialized_rollback=True" not in line
    ]
    assert not bare, bare
