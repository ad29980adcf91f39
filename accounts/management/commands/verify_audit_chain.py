"""Verify the audit log's hash chain: `manage.py verify_audit_chain`."""

from django.core.management.base import BaseCommand, CommandError

from accounts.audit_chain import verify


class Command(BaseCommand):
    help = "Recompute the audit log's hash chain; name the first broken event and exit non-zero if it does not hold."

    def handle(self, *args, **options) -> None:
        count, broken = verify()
        if broken is not None:
            raise CommandError(
                f"audit chain BROKEN at event id={broken.event_id} sequence={broken.sequence} "
                f"at={broken.at:%Y-%m-%d %H:%M:%S%z}: {broken.reason} ({count} events before it hold)"
            )
        self.stdout.write(f"audit chain OK: {count} events")
