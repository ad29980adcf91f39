"""Recompute every inventory record's listing-quality score (挂牌信息完整度) in SQL.

For existing data, and after writes that bypass `inventory.records.assessment` (a base library import that
changed abstracts, say). Works through the records in id ranges, one UPDATE per range, each its
own transaction, so a national run neither holds one huge transaction nor reads rows into Python.
"""

from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import Max, Min

from inventory.library import listing
from inventory.models import InventoryRecord


class Command(BaseCommand):
    help = "重新计算全部盘点记录的挂牌信息完整度(批量 SQL)"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--chunk-size", type=int, default=50_000, help="每次 UPDATE 覆盖的记录 id 范围")
        parser.add_argument("--institution", type=int, help="只计算该单位(id)的记录")

    def handle(self, *args, chunk_size: int, institution: int | None = None, **options) -> None:
        records = InventoryRecord.objects.all()
        if institution:
            records = records.filter(institution_id=institution)
        bounds = records.aggregate(low=Min("pk"), high=Max("pk"))
        changed = 0
        if bounds["low"] is not None:
            for start in range(bounds["low"], bounds["high"] + 1, chunk_size):
                with transaction.atomic():
                    changed += listing.refresh_scores(records.filter(pk__gte=start, pk__lt=start + chunk_size))
                if options.get("verbosity", 1) > 1:
                    self.stdout.write(f"{min(start + chunk_size - 1, bounds['high'])} / {bounds['high']}")
        self.stdout.write(self.style.SUCCESS(f"已更新 {changed} 条记录的挂牌信息完整度"))
