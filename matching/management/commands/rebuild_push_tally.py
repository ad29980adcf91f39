"""Recompute the pushes' tally (the territory pages' counts) from the pushes, in SQL."""

import time

from django.core.management.base import BaseCommand

from matching.pushes import tally


class Command(BaseCommand):
    help = "按推送记录重新计算推送统计表（辖区推送情况页面的计数）。"

    def handle(self, *args, **options) -> None:
        started = time.perf_counter()
        rows, sector_rows = tally.rebuild()
        self.stdout.write(f"push tally: {rows} rows, sector tally: {sector_rows} rows, "
                          f"{time.perf_counter() - started:.1f} s")
