"""Listing quality (挂牌信息完整度) of a resource-library entry: what a buyer needs to see.

Vague listings are what buyers ignore, so each entry scores 0–100 on the items below and the
institution is shown what is missing. The score is stored on the record (for sorting the library)
by `score` on a single edit and by `refresh_scores` in SQL after bulk writes.
"""

from dataclasses import dataclass

from django.db.models import Case, F, IntegerField, Q, Value, When
from django.db.models.functions import Length
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .choices import Intent, Screening

# A scenarios text shorter than this says too little to a buyer.
MIN_SCENARIO_CHARS = 20
MIN_ABSTRACT_CHARS = 50


@dataclass(frozen=True)
class Criterion:
    key: str
    label: str | Promise
    points: int
    # The condition in SQL (on InventoryRecord) and the same condition in Python.
    condition: Q

    def met(self, record) -> bool:
        return _CHECKS[self.key](record)


CRITERIA: tuple[Criterion, ...] = (
    Criterion("scenarios", _("应用场景(不少于 20 字)"), 25, Q(scenarios_length__gte=MIN_SCENARIO_CHARS)),
    Criterion("maturity", _("技术成熟度"), 15, Q(maturity__isnull=False)),
    Criterion("intent", _("转化意愿"), 15, Q(screening=Screening.IN) & ~Q(intents=[]) & ~Q(intents=[Intent.NONE])),
    Criterion("terms", _("许可方式或意向价格"), 15, ~Q(license_type="") | Q(asking_price__isnull=False)),
    Criterion("contact", _("联系人及电话或邮箱"), 15,
              ~Q(contact_name="") & (~Q(contact_phone="") | ~Q(contact_email=""))),
    Criterion("abstract", _("摘要(不少于 50 字)"), 15, Q(abstract_length__gte=MIN_ABSTRACT_CHARS)),
)

_CHECKS = {
    "scenarios": lambda r: len(r.scenarios or "") >= MIN_SCENARIO_CHARS,
    "maturity": lambda r: r.maturity is not None,
    "intent": lambda r: r.screening == Screening.IN and bool(r.intents) and list(r.intents) != [Intent.NONE],
    "terms": lambda r: bool(r.license_type) or r.asking_price is not None,
    "contact": lambda r: bool(r.contact_name) and bool(r.contact_phone or r.contact_email),
    "abstract": lambda r: len(r.patent.abstract or "") >= MIN_ABSTRACT_CHARS,
}
assert sum(c.points for c in CRITERIA) == 100


def score(record) -> int:
    return sum(c.points for c in CRITERIA if c.met(record))


def missing(record) -> list[Criterion]:
    """What the listing lacks, in the order a buyer reads it."""
    return [c for c in CRITERIA if not c.met(record)]


def score_expression():
    """The score as an SQL expression over InventoryRecord (annotate scenarios_length and abstract_length first)."""
    total = Value(0)
    for criterion in CRITERIA:
        total = total + Case(When(criterion.condition, then=Value(criterion.points)), default=Value(0),
                             output_field=IntegerField())
    return total


def refresh_scores(records) -> int:
    """Recompute the stored score of every record of the queryset, in one UPDATE."""
    from .models import InventoryRecord

    annotated = InventoryRecord.objects.filter(pk__in=records.values("pk")).annotate(
        scenarios_length=Length("scenarios"), abstract_length=Length("patent__abstract"),
    )
    # An UPDATE cannot use annotations over joined tables portably, and there are at most a few
    # dozen distinct scores: one UPDATE per score value, over the ids that get it.
    scores = annotated.annotate(new_score=score_expression()).exclude(listing_score=F("new_score"))
    by_score: dict[int, list[int]] = {}
    for pk, new_score in scores.values_list("pk", "new_score").iterator(chunk_size=10000):
        by_score.setdefault(new_score, []).append(pk)
    updated = 0
    for new_score, ids in by_score.items():
        for start in range(0, len(ids), 10000):
            updated += InventoryRecord.objects.filter(pk__in=ids[start:start + 10000]).update(listing_score=new_score)
    return updated
