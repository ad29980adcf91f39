"""What an inventory figure counts: the one definition of each, for every page that shows it.

Terms (DATA-STANDARD.md §3 and §8):

* A record is **led** by its institution, the patent's first institution patentee
  (`InventoryRecord.institution`). A user answers for the records led by the institutions it
  watches: an institution's staff its own (a department's staff: the department's), a ministry the
  institutions it supervises, a provincial office its province's, the operator all. Co-owned patents
  led by another institution are read, never counted.
* The **inventory scope** (盘点范围) is the led records of valid patents granted by the day counted
  for: the stock granted up to 2023-12-31 plus later patents as they are granted. Lapsed (失效)
  patents leave it.
* **Pending** (待盘点) and **inventoried** (已盘点) split the scope by the record's status.
* **In the library** (已入库) counts the led records in the conversion resource library, whatever
  the patent's legal status (§8 入库数: the library shows every entry it holds).

Who leads what is the scoping layer's rule (`InventoryRecord.objects.visible_to(user, "led")`).
`inventory_figures` counts all of them in one aggregate; the workbench narrows its list with the
same conditions (`led_records`, `in_scope` under its `scope` parameter), so that a number on a page
and the list it links to agree; the milestones count their windows inside `in_scope`.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from inventory.choices import InventoryStatus, LegalStatus
from inventory.records.models import InventoryRecord


def in_scope(today: datetime.date | None = None, *, patent: str = "patent__") -> Q:
    """The patent is in the inventory scope on `today`: valid, granted by then. `patent` is the path
    from the queried model to the patent ("" on Patent itself)."""
    today = today or timezone.localdate()
    return Q(**{f"{patent}legal_status": LegalStatus.VALID, f"{patent}grant_date__lte": today})


def led_records(user) -> QuerySet[InventoryRecord]:
    """The records `user` answers for (`visible_to(user, "led")`, see the module)."""
    return InventoryRecord.objects.visible_to(user, "led")


def scope_records(user, today: datetime.date | None = None) -> QuerySet[InventoryRecord]:
    """The records of `user`'s inventory scope on `today`."""
    return led_records(user).filter(in_scope(today))


@dataclass(frozen=True)
class InventoryFigures:
    total: int  # the inventory scope
    inventoried: int
    in_library: int

    @property
    def pending(self) -> int:
        return self.total - self.inventoried

    @property
    def percent(self) -> float | None:
        """Coverage (盘点覆盖率) with one decimal; None over an empty scope (shown as "—")."""
        return round(100 * self.inventoried / self.total, 1) if self.total else None


def inventory_figures(user, today: datetime.date | None = None) -> InventoryFigures:
    """The scope, inventoried and in-library figures of `user`, in one query."""
    scope = in_scope(today)
    row = led_records(user).aggregate(
        total=Count("pk", filter=scope),
        inventoried=Count("pk", filter=scope & Q(status=InventoryStatus.INVENTORIED)),
        in_library=Count("pk", filter=Q(in_library=True)),
    )
    return InventoryFigures(total=row["total"], inventoried=row["inventoried"], in_library=row["in_library"])
