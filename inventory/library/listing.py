"""Listing quality (挂牌信息完整度) of a resource-library entry: what a buyer needs to see.

Vague listings are what buyers ignore, so each entry scores 0–100 on the items below and the
institution is shown what is missing. The score is stored on the record (for sorting the library)
by `score` on a single edit and by `refresh_scores` in SQL after bulk writes.

Each criterion is written twice, once in Python (one record in hand) and once in SQL (a million
records at once); tests/test_library.py checks on SQLite and PostgreSQL that both give the same score.
"""

from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.db.models import Case, Exists, IntegerField, OuterRef, Q, TextField, Value, When
from django.db.models.functions import Cast, Length
from django.db.models.lookups import Contains, GreaterThanOrEqual
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from inventory.choices import Intent, Screening
from inventory.models import Patent

# A scenarios text shorter than this says too little to a buyer.
MIN_SCENARIO_CHARS = 20
MIN_ABSTRACT_CHARS = 50
# Shown under every field where the scenarios are typed (the workbench, the inventor's form).
SCENARIO_HELP = format_lazy(_("写明可应用的产品、行业和场景;不少于 {} 字才计入挂牌信息完整度"), MIN_SCENARIO_CHARS)
# A conversion intent a buyer can act on: any but 暂无.
REAL_INTENTS = tuple(i.value for i in Intent if i != Intent.NONE)


@dataclass(frozen=True)
class Criterion:
    key: str
    label: str | Promise
    points: int
    # What the institution should add, shown beside a missing item.
    advice: str | Promise

    def met(self, record) -> bool:
        return _CHECKS[self.key](_fields_of(record))

    def condition(self):
        """The same condition in SQL, over InventoryRecord (usable in an UPDATE: no joins)."""
        return _CONDITIONS[self.key]()


CRITERIA: tuple[Criterion, ...] = (
    Criterion("scenarios", _("应用场景(不少于 20 字)"), 25, _("写明可应用的产品、行业和场景")),
    Criterion("maturity", _("技术成熟度"), 15, _("填写技术成熟度(1–9 级)")),
    Criterion("intent", _("转化意愿"), 15, _("选择转让、许可、作价入股或自行实施")),
    Criterion("terms", _("许可方式或意向价格"), 15, _("填写许可方式或意向价格(万元)")),
    Criterion("contact", _("联系人及电话或邮箱"), 15, _("填写联系人,以及联系电话或邮箱")),
    Criterion("abstract", _("摘要(不少于 50 字)"), 15, _("基础库中的摘要过短,请联系平台补充")),
)
CRITERIA_BY_KEY = {c.key: c for c in CRITERIA}

# Each check reads the values through `get(name)` ("abstract": the patent's), so that the same
# rule scores a record (`score`) and an upload's row given as values (`score_values`).
_CHECKS = {
    "scenarios": lambda get: len(get("scenarios") or "") >= MIN_SCENARIO_CHARS,
    "maturity": lambda get: get("maturity") is not None,
    "intent": lambda get: get("screening") == Screening.IN and any(i in REAL_INTENTS for i in (get("intents") or [])),
    "terms": lambda get: bool(get("license_type")) or get("asking_price") is not None,
    "contact": lambda get: bool(get("contact_name")) and bool(get("contact_phone") or get("contact_email")),
    "abstract": lambda get: len(get("abstract") or "") >= MIN_ABSTRACT_CHARS,
}


def _fields_of(record):
    """`get(name)` over a record (and its patent's abstract)."""
    return lambda name: record.patent.abstract if name == "abstract" else getattr(record, name)


def _has_real_intent():
    # The JSON list read as its text: a quoted value is an element on SQLite and PostgreSQL alike,
    # whatever spacing the writer used (exact comparison with a JSON literal depends on it on SQLite).
    text = Cast("intents", output_field=TextField())
    return reduce(or_, (Q(Contains(text, f'"{intent}"')) for intent in REAL_INTENTS))


def _abstract_long_enough():
    long_enough = Patent.objects.alias(chars=Length("abstract")).filter(
        pk=OuterRef("patent_id"), chars__gte=MIN_ABSTRACT_CHARS)
    return Q(Exists(long_enough))


_CONDITIONS = {
    "scenarios": lambda: Q(GreaterThanOrEqual(Length("scenarios"), MIN_SCENARIO_CHARS)),
    "maturity": lambda: Q(maturity__isnull=False),
    "intent": lambda: Q(screening=Screening.IN) & _has_real_intent(),
    "terms": lambda: ~Q(license_type="") | Q(asking_price__isnull=False),
    "contact": lambda: ~Q(contact_name="") & (~Q(contact_phone="") | ~Q(contact_email="")),
    "abstract": _abstract_long_enough,
}
assert sum(c.points for c in CRITERIA) == 100
_SCORED = tuple((_CHECKS[c.key], c.points) for c in CRITERIA)
assert set(_CHECKS) == set(_CONDITIONS) == set(CRITERIA_BY_KEY)


def score(record) -> int:
    return sum(c.points for c in CRITERIA if c.met(record))


def missing(record) -> list[Criterion]:
    """What the listing lacks, in the order a buyer reads it."""
    return [c for c in CRITERIA if not c.met(record)]


def score_expression():
    """The score as an SQL expression over InventoryRecord (no joins: usable in UPDATE … SET)."""
    total = Value(0)
    for criterion in CRITERIA:
        total = total + Case(When(criterion.condition(), then=Value(criterion.points)), default=Value(0),
                             output_field=IntegerField())
    return total


def refresh_scores(records) -> int:
    """Recompute the stored score of every record of the queryset whose score is out of date: one
    UPDATE, nothing read into Python. Returns the number of records whose score changed."""
    expression = score_expression()
    return records.exclude(listing_score=expression).update(listing_score=expression)


# The record fields the score reads (besides the patent's abstract).
SCORE_FIELDS = ("scenarios", "maturity", "screening", "intents", "license_type", "asking_price", "contact_name",
                "contact_phone", "contact_email")


def score_values(values: dict, abstract: str) -> int:
    """The score of a record given as field values (SCORE_FIELDS) and its patent's abstract (or its
    first MIN_ABSTRACT_CHARS characters): the upload scores its rows while validating them, so that
    the commit writes the score in the same UPDATE as the fields."""
    get = {**values, "abstract": abstract}.get
    total = 0
    for check, points in _SCORED:  # a plain loop: run on every row of an upload
        if check(get):
            total += points
    return total
