"""The fixture world's additions for the conversions area (called at the end of world.build_world).

`extend` creates its objects and returns {model label: [tests.isolation.objects.WorldObject]}, each with the users
who may see and change it, written out by hand (see tests/isolation/expectations.py).
`fingerprint` returns what a refused write must not change in this area.

Conversions follow the patent's own data: the operator, the owning institutions (co-owners read),
the supervising ministry and the owners' provinces; only the first institution patentee's staff
write (the operator reads). A standing open licence is public wherever the patent is seen (its
library card included); a withdrawn one only on the owners' side. Counterparty names are not world
enterprise names (those are leak markers).
"""

from datetime import date, timedelta

from django.utils import timezone

from inventory.choices import ConversionKind, LicenseType, PaymentMode
from inventory.models import Conversion, ImportBatch, OpenLicenseDeclaration

from .isolation.expectations import INST_BJ_MOE, PATENTS
from .isolation.objects import WorldObject

BJ_MOE_LIBRARY = {"operator", "moe_admin", "prov_bj_admin", *INST_BJ_MOE}
GD_PRIVATE = {"operator", "prov_gd_admin", "inst_gd_local_admin"}
CO_OWNED = {"operator", "moe_admin", "prov_bj_admin", "prov_gd_admin", *INST_BJ_MOE, "inst_gd_local_admin"}
# A standing declaration is seen with the patent: gd_library is in the national library.
GD_LIBRARY_PUBLIC = PATENTS["gd_library"]


def _obj(key, obj, viewers, editors) -> WorldObject:
    return WorldObject(key, obj, frozenset(viewers), frozenset(editors))


def extend(world) -> dict[str, list]:
    p, o, u = world.patents, world.orgs, world.users
    licence = Conversion.objects.create(
        patent=p["bj_moe_library"], institution=o["inst_bj_moe"], kind=ConversionKind.LICENSE,
        license_type=LicenseType.ORDINARY, counterparty="华北精密仪器制造有限公司", amount=120,
        payment_mode=PaymentMode.LUMP_SUM, effective_date=date(2024, 3, 1), registration_number="2024990000123",
        registration_date=date(2024, 4, 15), license_end_date=date(2027, 2, 28),
    )
    transfer = Conversion.objects.create(
        patent=p["gd_private"], institution=o["inst_gd_local"], kind=ConversionKind.TRANSFER,
        counterparty="岭南生物医药有限公司", amount=300, payment_mode=PaymentMode.INSTALMENTS,
        effective_date=date(2024, 5, 10), registration_number="2024440000077", registration_date=date(2024, 6, 1),
    )
    own = Conversion.objects.create(
        patent=p["co_owned"], institution=o["inst_bj_moe"], kind=ConversionKind.SELF,
        effective_date=date(2023, 9, 1), industrialised=True, product_filing_number="CP2024110001",
    )
    today = timezone.localdate()
    standing = OpenLicenseDeclaration.objects.create(
        patent=p["gd_library"], institution=o["inst_gd_local"], fee_standard="一次性支付 5 万元",
        payment_mode=PaymentMode.LUMP_SUM, term_start=today, term_end=today + timedelta(days=730),
        declared_by=u["inst_gd_local_admin"],
    )
    withdrawn = OpenLicenseDeclaration.objects.create(
        patent=p["bj_moe_library"], institution=o["inst_bj_moe"], fee_standard="净销售额的 3%",
        payment_mode=PaymentMode.ROYALTY, term_start=date(2023, 1, 1), term_end=date(2025, 12, 31),
        declared_by=u["inst_bj_moe_admin"], withdrawn_at=timezone.now(),
    )
    batch = ImportBatch.objects.create(
        kind=ImportBatch.Kind.CONVERSIONS, organization=o["inst_bj_moe"], created_by=u["inst_bj_moe_admin"],
        file="imports/world/bj_moe_conversions.xlsx", original_name="bj_moe_conversions.xlsx", sha256="0" * 64,
        status=ImportBatch.Status.VALIDATED, counts={"total": 0, "new": 0, "unchanged": 0, "rejected": 0},
    )
    return {
        "inventory.conversion": [
            _obj("bj_moe_library_licence", licence, BJ_MOE_LIBRARY, INST_BJ_MOE),
            _obj("gd_private_transfer", transfer, GD_PRIVATE, {"inst_gd_local_admin"}),
            _obj("co_owned_self", own, CO_OWNED, INST_BJ_MOE),
        ],
        "inventory.openlicensedeclaration": [
            _obj("gd_library_open", standing, GD_LIBRARY_PUBLIC, {"inst_gd_local_admin"}),
            _obj("bj_moe_library_withdrawn", withdrawn, BJ_MOE_LIBRARY, INST_BJ_MOE),
        ],
        "inventory.importbatch": [
            _obj("bj_moe_conversions", batch, {"operator", *INST_BJ_MOE}, {"inst_bj_moe_admin"}),
        ],
    }


def fingerprint() -> tuple:
    return (
        tuple(Conversion.objects.order_by("pk").values_list()),
        tuple(OpenLicenseDeclaration.objects.order_by("pk").values_list()),
    )
