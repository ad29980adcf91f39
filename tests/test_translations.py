"""The English catalogue (locale/en) is complete, keeps its placeholders, is compiled, and is used.

The source strings are Simplified Chinese; English comes from locale/en/LC_MESSAGES/django.po,
compiled to django.mo, which is committed so that a machine without gettext still serves English.
After `makemessages`, translate the new entries and run `compilemessages` again: these tests fail
while an entry is untranslated or fuzzy, or while the .mo lags behind the .po.
"""

import ast
import gettext
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

LC_MESSAGES = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"
PO = LC_MESSAGES / "django.po"
MO = LC_MESSAGES / "django.mo"

# A printf-style conversion as Python's % operator reads it: %(name)s, %(n)d, %(size).1f, %s, %%.
_CONVERSION = re.compile(
    r"%(?:\((?P<name>[^)]*)\))?[-#0 +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?(?P<type>[diouxXeEfFgGcrsa%])"
)
# The packages whose code and templates hold messages (the apps, the ground, the project, the demo).
SOURCE_PACKAGES = ("accounts", "notifications", "inventory", "ground", "patentnavi", "demo", "matching", "evaluation",
                   "reporting")
_BRACES = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")


@dataclass
class Entry:
    line: int
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)  # index 0 for a singular entry
    flags: set[str] = field(default_factory=set)

    @property
    def label(self) -> str:
        return f"django.po line {self.line}: {self.msgid!r}"


def parse_po(text: str) -> list[Entry]:
    """A small .po reader: msgctxt/msgid/msgid_plural/msgstr[/n] with continued strings and
    `#,` flags; obsolete (`#~`) entries and the header are left out."""
    reader = _PoReader()
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            reader.finish()
        elif line.startswith("#~"):
            continue
        elif line.startswith("#"):
            reader.comment(number, line)
        elif line.startswith('"'):
            reader.append(ast.literal_eval(line))
        else:
            reader.keyword(number, raw, line)
    reader.finish()
    return reader.entries


class _PoReader:
    """The state of `parse_po`: the entries read, the one being read, and the string that a
    continued line extends (("msgstr", index) or (keyword, None))."""

    def __init__(self) -> None:
        self.entries: list[Entry] = []
        self.current: Entry | None = None
        self.target: tuple[str, int | None] | None = None

    def _in_msgstr(self) -> bool:
        return self.target is not None and self.target[0] == "msgstr"

    def finish(self) -> None:
        current = self.current
        if current is not None and (current.msgid or current.msgctxt is not None):
            self.entries.append(current)
        self.current, self.target = None, None

    def append(self, value: str) -> None:
        current, target = self.current, self.target
        assert current is not None and target is not None
        name, index = target
        if name == "msgstr":
            current.msgstr[index or 0] = current.msgstr.get(index or 0, "") + value
        else:
            setattr(current, name, (getattr(current, name) or "") + value)

    def comment(self, number: int, line: str) -> None:
        if self.current is not None and self._in_msgstr():
            self.finish()  # a comment after a msgstr starts the next entry
        if self.current is None:
            self.current = Entry(line=number)
        if line.startswith("#,"):
            self.current.flags |= {flag.strip() for flag in line[2:].split(",") if flag.strip()}

    def keyword(self, number: int, raw: str, line: str) -> None:
        keyword, _, rest = line.partition(" ")
        if self.current is None or (self._in_msgstr() and not keyword.startswith("msgstr")):
            self.finish()
            self.current = Entry(line=number)
        current = self.current
        if current.line == 0:
            current.line = number
        match = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
        if match:
            self.target = ("msgstr", int(match.group(1)))
        elif keyword in {"msgctxt", "msgid", "msgid_plural", "msgstr"}:
            self.target = (keyword, None)
            if keyword in {"msgctxt", "msgid_plural"}:
                setattr(current, keyword, "")
        else:
            raise AssertionError(f"django.po line {number}: cannot read {raw!r}")
        if keyword == "msgid":
            current.line = number
        self.append(ast.literal_eval(rest))


def placeholders(text: str) -> tuple[list[str], list[str]]:
    """The named conversions (%(name)s, %(n)d …) as a sorted list, and the positional ones in order."""
    named, positional = [], []
    for match in _CONVERSION.finditer(text):
        if match.group("type") == "%":
            continue
        if match.group("name") is not None:
            named.append(f"%({match.group('name')}){match.group('type')}")
        else:
            positional.append(f"%{match.group('type')}")
    return sorted(named + _BRACES.findall(text)), positional


@pytest.fixture(autouse=True)
def _keep_the_active_language():
    """LocaleMiddleware activates the request's language in the running thread and leaves it
    active; without this, a later test in the same process would see English messages."""
    with translation.override(translation.get_language()):
        yield


@pytest.fixture(scope="module")
def entries() -> list[Entry]:
    return parse_po(PO.read_text(encoding="utf-8"))


def test_the_parser_reads_the_whole_catalogue(entries):
    assert len(entries) > 100
    msgid_lines = sum(1 for line in PO.read_text(encoding="utf-8").splitlines() if line.startswith("msgid "))
    assert len(entries) == msgid_lines - 1  # every entry but the header


def test_no_entry_is_untranslated_or_fuzzy(entries):
    problems = []
    for entry in entries:
        if "fuzzy" in entry.flags:
            problems.append(f"fuzzy: {entry.label}")
        forms = range(2) if entry.msgid_plural is not None else range(1)
        if any(not entry.msgstr.get(index, "").strip() for index in forms):
            problems.append(f"untranslated: {entry.label}")
    assert not problems, "\n".join(problems)


def test_the_header_is_not_fuzzy_and_names_the_language():
    head = PO.read_text(encoding="utf-8").split('msgid ""', 1)[0].splitlines()
    assert not any(line.startswith("#,") and "fuzzy" in line for line in head)
    assert '"Language: en\\n"' in PO.read_text(encoding="utf-8")


def test_translations_keep_their_placeholders(entries):
    problems = []
    for entry in entries:
        sources = {0: entry.msgid}
        if entry.msgid_plural is not None:
            sources[1] = entry.msgid_plural
        for index, source in sources.items():
            translated = entry.msgstr.get(index, "")
            if placeholders(source) != placeholders(translated):
                problems.append(f"{entry.label}\n    msgstr[{index}] {translated!r}")
    assert not problems, "placeholders differ:\n" + "\n".join(problems)


def test_translations_keep_the_html_tags(entries):
    tag = re.compile(r"</?[a-zA-Z][^>]*>")
    problems = [
        entry.label
        for entry in entries
        for translated in entry.msgstr.values()
        if sorted(tag.findall(entry.msgid)) != sorted(tag.findall(translated))
    ]
    assert not problems, "HTML tags differ:\n" + "\n".join(problems)


def test_the_compiled_catalogue_matches_the_po(entries):
    """The committed .mo carries every entry of the .po with the same translation, so it was
    compiled after the last change to the .po (run `manage.py compilemessages -l en`)."""
    with MO.open("rb") as handle:
        catalogue = gettext.GNUTranslations(handle)
    stale = []
    for entry in entries:
        if entry.msgid_plural is not None:
            for index, n in ((0, 1), (1, 2)):
                if entry.msgctxt is None:
                    got = catalogue.ngettext(entry.msgid, entry.msgid_plural, n)
                else:
                    got = catalogue.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, n)
                if got != entry.msgstr.get(index):
                    stale.append(f"{entry.label} [{index}]: .mo has {got!r}")
        else:
            if entry.msgctxt is None:
                got = catalogue.gettext(entry.msgid)
            else:
                got = catalogue.pgettext(entry.msgctxt, entry.msgid)
            if got != entry.msgstr[0]:
                stale.append(f"{entry.label}: .mo has {got!r}")
    assert not stale, "django.mo is out of date; run compilemessages:\n" + "\n".join(stale)
    assert catalogue.info().get("language") == "en"


def test_key_strings_come_out_in_english():
    with translation.override("en"):
        assert translation.gettext("工作台") == "Dashboard"
        assert translation.gettext("存量专利") == "Stock patents"
        assert translation.gettext("评价专家") == "Evaluation expert"
        assert translation.gettext("系统管理员") == "System administrator"
        assert translation.gettext("安全管理员") == "Security administrator"
        assert translation.gettext("审计管理员") == "Audit administrator"
        assert translation.gettext("统一社会信用代码") == "Unified social credit code"
        assert translation.gettext("第 %(number)s / %(total)s 页") % {"number": 2, "total": 5} == "Page 2 of 5"
        singular = "只导入正确的行(写入 %(n)s 条有变化的记录)"
        assert translation.ngettext(singular, singular, 1) % {"n": 1} == (
            "Import only the valid rows (writes 1 changed record)"
        )
        assert translation.ngettext(singular, singular, 3) % {"n": 3} == (
            "Import only the valid rows (writes 3 changed records)"
        )
    with translation.override("zh-hans"):
        assert translation.gettext("工作台") == "工作台"


@pytest.mark.django_db
def test_login_page_in_english_when_chosen(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
    page = response.content.decode()
    assert '<html lang="en">' in page
    for label in (
        "User login",
        "Username",
        "Password",
        "Log in",
        "National Patent Navigation Comprehensive Service Platform",
    ):
        assert label in page
    assert "用户登录" not in page


@pytest.mark.django_db
def test_an_english_browser_still_gets_chinese(client):
    # The browser's Accept-Language does not switch; only the user's choice does.
    page = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="zh-hans">' in page and "用户登录" in page


@pytest.mark.django_db
def test_login_page_defaults_to_chinese(client):
    page = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert "用户登录" in page
    assert "User login" not in page


@pytest.mark.django_db
def test_set_language_switches_the_interface_to_english(client):
    login = reverse("accounts:login")
    response = client.post(reverse("set_language"), {"language": "en", "next": login})
    assert response.status_code == 302
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    page = client.get(login).content.decode()
    assert "User login" in page and "Log in" in page
    assert "用户登录" not in page

    client.post(reverse("set_language"), {"language": "zh-hans", "next": login})
    assert "用户登录" in client.get(login).content.decode()


@pytest.mark.django_db
def test_dashboard_in_english_for_a_signed_in_user(world, login):
    client = login(world.user("inst_bj_moe_admin"))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(reverse("home"))
    assert response.status_code == 200
    page = response.content.decode()
    for label in ("Dashboard", "Patents pending inventory", "Start inventory", "Log out"):
        assert label in page
    for chinese in ("工作台", "待盘点专利", "退出"):
        assert chinese not in page


def test_every_string_of_the_code_is_in_the_catalogue(tmp_path):
    """makemessages, run over a copy of the project, finds no message the committed catalogue
    lacks: a new gettext string fails here until it is translated (not only once someone runs
    makemessages)."""
    if shutil.which("xgettext") is None:
        pytest.skip("needs GNU gettext's xgettext (apt-get install gettext) to extract the messages")
    base = Path(settings.BASE_DIR)
    for name in ("manage.py", "locale", "templates", *SOURCE_PACKAGES):
        source = base / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
        elif source.exists():
            shutil.copy2(source, tmp_path / name)
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "en", "--no-obsolete", "--verbosity", "0"],
        cwd=tmp_path, check=True, capture_output=True,
        env={**os.environ, "PYTHONPATH": str(tmp_path)},
    )
    committed = {(entry.msgctxt, entry.msgid) for entry in parse_po(PO.read_text(encoding="utf-8"))}
    extracted = parse_po((tmp_path / "locale/en/LC_MESSAGES/django.po").read_text(encoding="utf-8"))
    missing = sorted(entry.msgid for entry in extracted if (entry.msgctxt, entry.msgid) not in committed)
    assert not missing, f"{len(missing)} strings are not in locale/en/LC_MESSAGES/django.po: {missing}"
