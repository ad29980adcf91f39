"""Archive old audit events to a signed file: `manage.py archive_audit --before YYYY-MM-DD --out FILE`,
or check an archive: `manage.py archive_audit --verify FILE`."""

from datetime import datetime, time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts.audit_chain import ArchiveError, archive, retention_days, signature_path, verify_archive


class Command(BaseCommand):
    help = ("Move the audit events older than --before (at least AUDIT_RETENTION_DAYS, never under 180 days) to a "
            "JSON-lines file signed with HMAC-SHA256 (FILE and FILE.sig), then remove them; or --verify an archive.")

    def add_arguments(self, parser) -> None:
        parser.add_argument("--before", help="archive the events before this date (YYYY-MM-DD, local time)")
        parser.add_argument("--out", help="the archive file to write (its signature goes to FILE.sig)")
        parser.add_argument("--verify", metavar="FILE", help="check an archive's signature and chain")

    def handle(self, *args, **options) -> None:
        if options["verify"]:
            try:
                count = verify_archive(Path(options["verify"]))
            except (ArchiveError, OSError, ValueError, KeyError) as error:
                raise CommandError(f"archive NOT valid: {error}") from None
            self.stdout.write(f"archive OK: {count} events, signature valid")
            return
        if not options["before"] or not options["out"]:
            raise CommandError("give --before YYYY-MM-DD and --out FILE (or --verify FILE)")
        try:
            day = datetime.strptime(options["before"], "%Y-%m-%d").date()
        except ValueError:
            raise CommandError("--before must be a date YYYY-MM-DD") from None
        out = Path(options["out"])
        if out.exists() or signature_path(out).exists():
            raise CommandError(f"{out} or its signature exists already: not overwriting an archive")
        try:
            entry = archive(timezone.make_aware(datetime.combine(day, time.min)), out)
        except ArchiveError as error:
            raise CommandError(str(error)) from None
        if entry is None:
            self.stdout.write(f"nothing to archive before {day} (events are kept {retention_days()} days)")
            return
        self.stdout.write(f"archived {entry.count} events (sequence {entry.first_sequence}–{entry.last_sequence}) "
                          f"to {out} and {signature_path(out).name}; removed from the database")
