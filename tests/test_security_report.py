"""The control list (accounts.security_controls, `manage.py security_report`) names tests that exist,
and every test named after a control (test_control_*) is in it."""

import ast
import io
from pathlib import Path

from django.conf import settings
from django.core.management import call_command

from accounts.security_controls import AREAS, CONTROLS

ROOT = Path(settings.BASE_DIR)


def _test_functions(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")}


def test_every_listed_test_exists():
    missing = []
    for control in CONTROLS:
        assert control.tests, f"{control.requirement}: no test proves it"
        for node in control.tests:
            file, _, name = node.partition("::")
            path = ROOT / file
            if not path.exists() or name not in _test_functions(path):
                missing.append(node)
    assert not missing, missing


def test_every_control_test_is_listed():
    listed = {node for control in CONTROLS for node in control.tests}
    unlisted = [
        f"{path.relative_to(ROOT)}::{name}"
        for path in sorted((ROOT / "tests").rglob("test_*.py"))
        for name in sorted(_test_functions(path))
        if name.startswith("test_control_") and f"{path.relative_to(ROOT)}::{name}" not in listed
    ]
    assert not unlisted, unlisted


def test_every_listed_setting_exists():
    assert [(c.requirement, name) for c in CONTROLS for name in c.settings if not hasattr(settings, name)] == []


def test_the_report_prints_every_area_control_setting_and_test():
    out = io.StringIO()
    call_command("security_report", stdout=out)
    report = out.getvalue()
    for area in AREAS:
        if any(control.area is area for control in CONTROLS):
            assert f"{area.clause} {area.name}" in report
    for control in CONTROLS:
        assert str(control.requirement) in report
        for name in control.settings:
            assert name in report
        for node in control.tests:
            assert node in report
