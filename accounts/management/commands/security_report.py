"""`manage.py security_report`: the level-3 controls the software meets (accounts.security_controls),
each with its clause, how it is met, the settings in force and the tests that prove it.

    manage.py security_report              # the list, to read or print
    manage.py security_report --run-tests  # the same, then runs the named tests with pytest
"""

import subprocess
import sys

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from accounts.security_controls import AREAS, CONTROLS, Control

# Settings whose value is a secret or too long to print: only whether they are set.
_NOT_PRINTED = {"AUTH_PASSWORD_VALIDATORS", "PASSWORD_HASHERS"}


def setting_value(name: str) -> str:
    if not hasattr(settings, name):
        return _("(未设置)")
    value = getattr(settings, name)
    if name in _NOT_PRINTED:
        names = [item["NAME"] if isinstance(item, dict) else item for item in value]
        return ", ".join(str(entry).rsplit(".", 1)[-1] for entry in names)
    return str(value)


def describe(control: Control) -> list[str]:
    lines = [f"  {control.area.clause} {control.item}) {control.requirement}", f"      {control.implementation}"]
    for name in control.settings:
        lines.append(f"      {_('设置')} {name} = {setting_value(name)}")
    for test in control.tests:
        lines.append(f"      {_('测试')} {test}")
    return lines


class Command(BaseCommand):
    help = "Lists the level-3 (GB/T 22239-2019) controls the platform meets, their settings and tests."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--run-tests", action="store_true", help="run the named tests with pytest afterwards")

    def handle(self, *args, run_tests: bool = False, **options) -> None:
        self.stdout.write(_("网络安全等级保护 2.0 第三级(GB/T 22239-2019)安全计算环境:本平台软件实现的控制项"))
        for area in AREAS:
            controls = [control for control in CONTROLS if control.area is area]
            if not controls:
                continue
            self.stdout.write(f"\n{area.clause} {area.name}")
            for control in controls:
                self.stdout.write("\n".join(describe(control)))
        tests = sorted({test for control in CONTROLS for test in control.tests})
        self.stdout.write("\n" + _("共 %(controls)d 项控制,%(tests)d 个测试。") % {
            "controls": len(CONTROLS), "tests": len(tests)})
        if run_tests:
            result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *tests],
                                    check=False)
            if result.returncode:
                sys.exit(result.returncode)
