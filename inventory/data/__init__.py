"""Reference data shipped in the repository (DATA-STANDARD.md §5), read from the files beside this module.

- `industries.csv`: the 9 sectors and 40 sub-sectors of 战略性新兴产业分类 (2018), code and name.
- `industry_concordance_provisional.csv`: the platform's provisional IPC concordance, in the
  columns of the official table's sheet (产业代码, 产业名称, IPC, 不含, 关键词), loaded until the official
  2021 rows replace it (inventory.classification.concordance).
- `technology_fields.csv`: WIPO's 35 technology fields and their IPC concordance.

These files are the one source of truth: migration 0004 loads them into the database, and the
inventory format's 所属产业 column (inventory.records.formats.INDUSTRIES) reads its codes from here.
The Chinese names are the standard's data, not interface text, so they are not translated.
"""

import csv
import re
from functools import lru_cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent
INDUSTRIES_FILE = DATA_DIR / "industries.csv"
PROVISIONAL_CONCORDANCE_FILE = DATA_DIR / "industry_concordance_provisional.csv"
TECHNOLOGY_FIELDS_FILE = DATA_DIR / "technology_fields.csv"

# Stored on each provisional IndustryRule (IndustryRule.source) and shown on the concordance page.
PROVISIONAL_SOURCE = (
    "临时参照:平台按 IPC 小类和大组编制,待以《战略性新兴产业分类与国际专利分类参照关系表(2021)(试行)》"
    "正式行替换"
)
OFFICIAL_SOURCE = "《战略性新兴产业分类与国际专利分类参照关系表(2021)(试行)》"

# The list separators of the exchange sheets (ground.sheets.cells.LIST_SEPARATORS).
_LIST = re.compile(r"[;；、,，]")


def split_list(text: str) -> list[str]:
    return [item.strip() for item in _LIST.split(text or "") if item.strip()]


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


@lru_cache(maxsize=1)
def industries() -> dict[str, str]:
    """code -> name, sectors and sub-sectors in code order ("1", "1.1", …, "9.2")."""
    return {row["代码"].strip(): row["名称"].strip() for row in _rows(INDUSTRIES_FILE)}


def parent_code(code: str) -> str | None:
    """The sector of a sub-sector ("1.5" -> "1"); None for a sector."""
    return code.split(".")[0] if "." in code else None


def provisional_concordance() -> list[dict]:
    """The provisional concordance's rows: {industry, ipc_patterns, exclusions, keywords}."""
    return [
        {
            "industry": row["产业代码"].strip(),
            "ipc_patterns": split_list(row["IPC"]),
            "exclusions": split_list(row["不含"]),
            "keywords": split_list(row["关键词"]),
        }
        for row in _rows(PROVISIONAL_CONCORDANCE_FILE)
    ]


@lru_cache(maxsize=1)
def technology_fields() -> tuple[dict, ...]:
    """WIPO's 35 fields: {number, name, name_en, sector, ipc_patterns}, in number order."""
    return tuple(
        {
            "number": int(row["编号"]),
            "name": row["名称"].strip(),
            "name_en": row["英文名称"].strip(),
            "sector": row["领域大类"].strip(),
            "ipc_patterns": split_list(row["IPC"]),
        }
        for row in _rows(TECHNOLOGY_FIELDS_FILE)
    )
