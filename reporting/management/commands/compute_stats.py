"""manage.py compute_stats 2025Q4 [--note TEXT]: count a past quarter for every scope, as beat does
on the first day of each quarter. A quarter already published gets a correction beside it."""

import time

from django.core.management.base import BaseCommand, CommandError

from reporting.statistics.quarters import Quarter, QuarterError
from reporting.statistics.services import compute_quarter


class Command(BaseCommand):
    help = "Compute the quarterly statistics (DATA-STANDARD.md §8) of an ended quarter for every scope."

    def add_arguments(self, parser) -> None:
        parser.add_argument("quarter", nargs="?", default="", help="e.g. 2025Q4 (default: the last ended quarter)")
        parser.add_argument("--note", default="", help="why (a correction of a published quarter)")

    def handle(self, *args, **options) -> None:
        try:
            quarter = Quarter.ended(options["quarter"]) if options["quarter"] else Quarter.last_ended()
        except QuarterError as error:
            raise CommandError(str(error)) from error
        started = time.monotonic()
        run = compute_quarter(quarter, note=options["note"])
        self.stdout.write(f"{run.quarter} revision {run.revision} ({run.get_status_display()}): "
                          f"{run.stats.count()} rows in {time.monotonic() - started:.2f} s")
