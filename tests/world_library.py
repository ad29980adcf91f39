"""The fixture world's additions for the library area (called at the end of world.build_world).

`extend` creates its objects and returns {model label: [tests.isolation.objects.WorldObject]}, each with the users
who may see and change it, written out by hand (see tests/isolation/expectations.py).
`fingerprint` returns what a refused write must not change in this area.

The library needs no objects of its own in the world: its entries are the world's library patents
(bj_moe_library, gd_library), whose viewers expectations.PATENTS lists. `library_entry` builds the
richer entries the library's own tests and screenshots use.
"""

from datetime import date

from inventory.choices import Intent, LegalStatus, PatentType, ReviewState, Screening
from inventory.library import listing
from inventory.models import Industry, InventoryRecord, Patent, PatentIndustry, PatentOwnership
from inventory.patents.identifiers import make_application_number

LONG_ABSTRACT = ("本发明公开了一种基于深度学习的图像识别方法,包括采集图像、提取特征、训练网络模型和输出识别结果等步骤,"
                 "能够显著提高复杂场景下的识别准确率并降低计算量。")


def extend(world) -> dict[str, list]:
    return {}


def fingerprint() -> tuple:
    return ()


def industries() -> tuple[Industry, Industry, Industry]:
    """A sector with one sub-sector, and a second sector (whether or not the industry data is loaded)."""
    sector, _ = Industry.objects.get_or_create(code="1", defaults={"name": "新一代信息技术产业"})
    ai, _ = Industry.objects.get_or_create(code="1.5", defaults={"name": "人工智能", "parent": sector})
    bio, _ = Industry.objects.get_or_create(code="4", defaults={"name": "生物产业"})
    return sector, ai, bio


def library_entry(owner, serial: int, *, title: str = "一种测试专利", abstract: str = LONG_ABSTRACT,
                  in_library: bool = True, patent_type: str = PatentType.INVENTION, industries=(),
                  **fields) -> InventoryRecord:
    """A patent of `owner` with its approved inventory record (in the library unless told), its
    industries, and its listing score as the assessment service would store it."""
    patent = Patent.objects.create(
        application_number=make_application_number(2020, "1" if patent_type == PatentType.INVENTION else "2", serial),
        title=title, patent_type=patent_type, application_date=date(2020, 1, 1), grant_date=date(2022, 5, 1),
        legal_status=LegalStatus.VALID, abstract=abstract, patentees=[owner.name], inventors=["王五"],
    )
    PatentOwnership.objects.create(patent=patent, organization=owner, position=1)
    values = {"screening": Screening.IN, "intents": [Intent.TRANSFER], "review_state": ReviewState.APPROVED,
              "status": "inventoried"} | fields
    record = InventoryRecord.objects.create(patent=patent, institution=owner, in_library=in_library, **values)
    for industry in industries:
        PatentIndustry.objects.create(patent=patent, industry=industry)
    record.listing_score = listing.score(record)
    record.save(update_fields=["listing_score"])
    return record
