"""Give a platform account its platform role at installation, from the command line.

    python manage.py set_platform_role USERNAME system_admin|security_admin|audit_admin|operator|none

The two-person rule (accounts.two_person) needs two administrators; before there are two, whoever
runs the installation sets the roles here. The change keeps the platform's rules (platform accounts
only; never the last holder of an administrator role) and is audited as from the command line.
"""

from django.core.management.base import BaseCommand, CommandError

from accounts.administration import apply_permissions
from accounts.models import User


class Command(BaseCommand):
    help = "Set a platform account's platform role (installation; audited as from the command line)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("role", choices=[*User.PlatformRole.values, "none"])

    def handle(self, *args, **options):
        user = User.objects.filter(username=options["username"]).select_related("organization").first()
        if user is None:
            raise CommandError(f"no account named {options['username']!r}")
        role = "" if options["role"] == "none" else options["role"]
        try:
            changed = apply_permissions(actor=None, user=user, is_org_admin=user.is_org_admin, platform_role=role,
                                        via="command_line")
        except ValueError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"{user.username}: {role or 'none'}" + ("" if changed else " (unchanged)"))
