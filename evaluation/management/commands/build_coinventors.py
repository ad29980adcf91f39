"""manage.py build_coinventors [--since YYYY-MM-DD | --all]: the co-inventor relation in bulk."""

import datetime as dt
import time

from django.core.management.base import BaseCommand, CommandError

from evaluation.rounds.coinventors import build_coinventors, default_since


class Command(BaseCommand):
    help = "Build or refresh the co-inventor relation (CoInventorLink) from the base library's inventor lists."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--since", help="patents applied for since this date (default: the conflict window)")
        parser.add_argument("--all", action="store_true", help="every patent, whatever its application date")

    def handle(self, *args, **options) -> None:
        if options["all"]:
            since = dt.date(1900, 1, 1)
        elif options["since"]:
            try:
                since = dt.date.fromisoformat(options["since"])
            except ValueError as error:
                raise CommandError(f"--since: {error}") from error
        else:
            since = default_since()
        started = time.monotonic()
        written = build_coinventors(since)
        self.stdout.write(f"co-inventor links written: {written} (patents since {since}) "
                          f"in {time.monotonic() - started:.1f}s")
