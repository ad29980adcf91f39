"""Believable patent data: titles and abstracts, IPC codes, numbers, dates and funding.

Pure functions of a `random.Random`; nothing here touches the database.
"""

import random
from dataclasses import dataclass
from datetime import date, timedelta

from demo.fields import DESIGN_PRODUCTS, FIELDS, DesignProduct, Field, Slot
from inventory.patents import make_application_number

FIRST_YEAR, LAST_YEAR = 2008, 2023
# Patent filings grew steadily: later years weigh more.
YEAR_WEIGHTS = {year: year - 2004 for year in range(FIRST_YEAR, LAST_YEAR + 1)}
# Grants after this day are not in the demo base library.
LAST_GRANT = date(2025, 12, 31)


def _slot_text(value: Slot) -> str:
    return value if isinstance(value, str) else value[0]


def _slot_year(value: Slot) -> int:
    return 0 if isinstance(value, str) else value[1]


class _Slots(dict):
    """Fills template slots on first use, from values already usable in the filing year."""

    def __init__(self, rng: random.Random, slots: dict[str, tuple[Slot, ...]], year: int, **fixed: str) -> None:
        super().__init__(fixed)
        self.rng, self.slots, self.year = rng, slots, year

    def __missing__(self, key: str) -> str:
        values = self.slots[key]
        usable = [v for v in values if _slot_year(v) <= self.year] or sorted(values, key=_slot_year)[:1]
        text = _slot_text(self.rng.choice(usable))
        self[key] = text
        return text


@dataclass
class Text:
    title: str
    abstract: str
    main_ipc: str
    ipc_codes: list[str]


def technical_text(rng: random.Random, fld: Field, patent_type: str, year: int) -> Text:
    """Title, abstract and IPC codes of an invention or a utility model in the field."""
    invention = patent_type == "invention"
    templates = [t for t in (fld.invention if invention else fld.utility) if t.min_year <= year]
    template = rng.choice(templates)
    subject = "本发明" if invention else "本实用新型"
    slots = _Slots(rng, fld.slots, year, subject=subject)
    title = template.title.format_map(slots)
    body = rng.choice(template.bodies).format_map(slots)
    effect = rng.choice(template.effects).format_map(slots)
    named = title if not title.startswith("基于") else "一种" + title
    opener = f"{subject}公开了{named}"
    abstract = opener + ("。" if body.startswith(("本发明", "所述", "该")) else ",") + body + effect
    if rng.random() < 0.45:
        abstract += f"{subject}可应用于{rng.choice(fld.scenarios)}等领域。"
    pool = list(template.ipc) if (invention and template.ipc) else list(
        fld.ipc_invention if invention else fld.ipc_utility
    )
    # A61P (therapeutic activity) is only ever a further classification.
    main = rng.choice([c for c in pool if not c.startswith("A61P")] or pool)
    others = [c for c in dict.fromkeys(pool + list(fld.ipc_invention if invention else fld.ipc_utility)) if c != main]
    further = rng.sample(others, k=min(len(others), rng.choice([0, 1, 1, 2, 2, 3])))
    return Text(title=title, abstract=abstract, main_ipc=main, ipc_codes=[main, *further])


def design_products_for(field_keys: list[str]) -> list[DesignProduct]:
    products = [p for p in DESIGN_PRODUCTS if p.field in field_keys]
    return products or list(DESIGN_PRODUCTS)


def design_text(rng: random.Random, products: list[DesignProduct], year: int) -> Text:
    """Title and 简要说明 of a design; its classification is the Locarno class (`14-02`)."""
    product = rng.choice([p for p in products if p.min_year <= year] or list(DESIGN_PRODUCTS[:2]))
    variant = rng.choice(product.variants)
    title = f"{product.name}({variant})" if variant else product.name
    point = rng.choice(["形状", "形状", "形状与图案的结合", "形状与色彩的结合"])
    view = rng.choice(["立体图", "主视图", "立体图1"])
    abstract = (
        f"1.本外观设计产品的名称:{title}。2.本外观设计产品的用途:{product.purpose}。"
        f"3.本外观设计产品的设计要点:在于{point}。4.最能表明设计要点的图片或照片:{view}。"
    )
    return Text(title=title, abstract=abstract, main_ipc=product.locarno, ipc_codes=[product.locarno])


def field_of_design(text: Text) -> str:
    for product in DESIGN_PRODUCTS:
        if text.title.startswith(product.name):
            return product.field
    return "device"


# --- numbers ----------------------------------------------------------------------------------

# Serial ranges a real year of filings uses, by type digit.
_SERIAL_RANGES = {"1": (10000, 1399999), "2": (10000, 2399999), "3": (10000, 799999), "8": (1000, 99999)}
# First three digits of grant publication numbers: inventions by filing year (the B number keeps
# the A publication's number), utility models and designs by grant year.
_INVENTION_PREFIX = {
    2008: ("101",), 2009: ("101", "102"), 2010: ("102",), 2011: ("102", "103"), 2012: ("103",),
    2013: ("103", "104"), 2014: ("104",), 2015: ("105",), 2016: ("106",), 2017: ("107", "108"),
    2018: ("108", "109"), 2019: ("110", "111"), 2020: ("111", "112"), 2021: ("113", "114"),
    2022: ("115", "116"), 2023: ("116", "117"),
}
_UTILITY_PREFIX = {
    2008: ("201",), 2009: ("201",), 2010: ("201",), 2011: ("202",), 2012: ("202",), 2013: ("203",),
    2014: ("203", "204"), 2015: ("204",), 2016: ("205",), 2017: ("206",), 2018: ("207", "208"),
    2019: ("208", "209"), 2020: ("210", "211"), 2021: ("212", "213", "214"), 2022: ("215", "216", "217"),
    2023: ("218", "219"), 2024: ("220", "221"), 2025: ("222",),
}
_DESIGN_PREFIX = {
    2008: ("300",), 2009: ("300", "301"), 2010: ("301",), 2011: ("301",), 2012: ("302",), 2013: ("302",),
    2014: ("303",), 2015: ("303",), 2016: ("303",), 2017: ("304",), 2018: ("304", "305"), 2019: ("305",),
    2020: ("305", "306"), 2021: ("306",), 2022: ("307",), 2023: ("307", "308"), 2024: ("308", "309"),
    2025: ("309",),
}
TYPE_DIGITS = {"invention": "1", "utility_model": "2", "design": "3"}


class Numbering:
    """Hands out unique application numbers and grant publication numbers."""

    def __init__(self, rng: random.Random, taken: set[str] | None = None) -> None:
        self.rng = rng
        self.applications: set[str] = set(taken or ())
        self.grants: set[str] = set()

    def application(self, year: int, type_digit: str) -> str:
        low, high = _SERIAL_RANGES[type_digit]
        while True:
            number = make_application_number(year, type_digit, self.rng.randint(low, high))
            if number not in self.applications:
                self.applications.add(number)
                return number

    def grant(self, patent_type: str, application_year: int, grant_year: int) -> str:
        if patent_type == "invention":
            prefixes, kind = _INVENTION_PREFIX[application_year], "B"
        elif patent_type == "utility_model":
            prefixes, kind = _UTILITY_PREFIX[min(grant_year, 2025)], "U"
        else:
            prefixes, kind = _DESIGN_PREFIX[min(grant_year, 2025)], "S"
        while True:
            number = f"CN{self.rng.choice(prefixes)}{self.rng.randint(0, 999999):06d}{kind}"
            if number not in self.grants:
                self.grants.add(number)
                return number


def filing_and_grant(rng: random.Random, patent_type: str) -> tuple[date, date]:
    """An application date 2008–2023 and a grant date 1–4 years (inventions) or about 6–12 months
    (utility models, designs) later, never after LAST_GRANT."""
    years, weights = list(YEAR_WEIGHTS), list(YEAR_WEIGHTS.values())
    while True:
        year = rng.choices(years, weights=weights)[0]
        filed = date(year, 1, 1) + timedelta(days=rng.randint(0, 364))
        if patent_type == "invention":
            lag = int(rng.triangular(365, 4 * 365, 2 * 365))
        elif patent_type == "utility_model":
            lag = rng.randint(180, 365)
        else:
            lag = rng.randint(150, 330)
        granted = filed + timedelta(days=lag)
        if granted <= LAST_GRANT:
            return filed, granted


# --- funding ----------------------------------------------------------------------------------

_PROVINCIAL_FUNDS = {
    "110000": ("北京市自然科学基金", lambda r, y: f"{r.choice('47L')}{y % 100:02d}{r.randint(1000, 9999)}"),
    "310000": ("上海市自然科学基金", lambda r, y: f"{y % 100:02d}ZR{r.randint(1400000, 1499999)}"),
    "320000": ("江苏省自然科学基金", lambda r, y: f"BK{y}{r.randint(1, 9999):04d}"),
    "330000": ("浙江省自然科学基金",
               lambda r, y: f"L{r.choice('YQ')}{y % 100:02d}{r.choice('FEHB')}{r.randint(10000, 39999):06d}"),
    "440000": ("广东省基础与应用基础研究基金", lambda r, y: f"{y}A1515{r.randint(10000, 119999):06d}"),
    "370000": ("山东省自然科学基金", lambda r, y: f"ZR{y}M{r.choice('EFH')}{r.randint(1, 399):03d}"),
    "420000": ("湖北省自然科学基金", lambda r, y: f"{y}CF{r.choice('AB')}{r.randint(100, 999)}"),
    "510000": ("四川省自然科学基金", lambda r, y: f"{y}NSFSC{r.randint(100, 1999):04d}"),
    "610000": ("陕西省自然科学基础研究计划", lambda r, y: f"{y}JM-{r.randint(10, 599):03d}"),
    "230000": ("黑龙江省自然科学基金", lambda r, y: f"LH{y}E{r.randint(1, 130):03d}"),
    "120000": ("天津市自然科学基金", lambda r, y: f"{y % 100:02d}JCYBJC{r.randint(100, 1999):05d}"),
    "460000": ("海南省自然科学基金",
               lambda r, y: f"{8 if y >= 2019 else 3}{y % 100:02d}{r.choice(['QN', 'MS', 'RC'])}{r.randint(200, 899)}"),
}


def _nsfc(rng: random.Random, fld: Field, year: int) -> str:
    department = rng.choice((fld.nsfc_department, fld.nsfc_department, *fld.nsfc_alternatives))
    kind = rng.choices(["7", "0", "3"], weights=[60, 35, 5])[0]
    return f"{department}{year % 100:02d}{kind}{rng.randint(1000, 9999)}"


def _one_project(rng: random.Random, fld: Field, filed_year: int, province: str) -> tuple[str, str]:
    year = max(2005, filed_year - rng.choice([0, 1, 1, 2, 2, 3]))
    options = [("国家自然科学基金", 50)]
    if year >= 2016:
        options.append(("国家重点研发计划", 28))
    else:
        options.append(("国家高技术研究发展计划(863计划)", 12))
        if year >= 2010:
            options.append(("国家重点基础研究发展计划(973计划)", 8))
    if 2008 <= year <= 2020:
        options.append(("国家科技重大专项", 6))
    if province in _PROVINCIAL_FUNDS:
        options.append(("provincial", 18))
    source = rng.choices([o[0] for o in options], weights=[o[1] for o in options])[0]
    if source == "国家自然科学基金":
        return _nsfc(rng, fld, year), source
    if source == "国家重点研发计划":
        letter = fld.key_rd_letter if rng.random() < 0.85 else "A"
        digits = f"{rng.randint(10, 19)}{rng.randint(0, 9)}{rng.randint(0, 9)}{rng.randint(0, 9)}00"
        return f"{year}YF{letter}{digits}", source
    if source.startswith("国家高技术"):
        return f"{year}AA{rng.randint(1, 99):02d}{rng.randint(1000, 9999)}", source
    if source.startswith("国家重点基础"):
        return f"{year}CB{rng.randint(1, 9)}{rng.randint(10, 99)}{rng.randint(0, 9)}00", source
    if source == "国家科技重大专项":
        program = rng.choice(["01", "02", "03", "04", "05", "06", "08", "09", "10", "13", "14"])
        return f"{year}ZX{program}{rng.randint(101, 999)}{rng.randint(1, 999):03d}", source
    name, make = _PROVINCIAL_FUNDS[province]
    return make(rng, year), name


def funding(rng: random.Random, fld: Field, filed_year: int, province: str) -> tuple[str, str]:
    """A funded project's number and funder; one in seven patents names two projects."""
    number, source = _one_project(rng, fld, filed_year, province)
    if rng.random() < 0.15:
        number2, source2 = _one_project(rng, fld, filed_year, province)
        if number2 != number:
            number += ";" + number2
            if source2 != source:
                source += ";" + source2
    return number, source


def field_keys_of(spec_fields: str) -> list[str]:
    keys = spec_fields.split()
    unknown = [k for k in keys if k not in FIELDS]
    if unknown:
        raise KeyError(f"unknown technical fields: {unknown}")
    return keys
