"""Give an account a new one-time password from the command line (installation, or when no second
administrator can approve a reset): printed once, to be changed at the next sign-in, audited as from
the command line.

    python manage.py reset_admin_password USERNAME
"""

from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from accounts.services import reset_password


class Command(BaseCommand):
    help = "Reset an account's password to a printed one-time password (audited as from the command line)."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, **options):
        user = User.objects.filter(username=options["username"]).select_related("organization").first()
        if user is None:
            raise CommandError(f"no account named {options['username']!r}")
        password = reset_password(actor=None, user=user, via="command_line")
        self.stdout.write(f"{user.username}: {password}")
