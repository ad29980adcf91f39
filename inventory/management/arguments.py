"""What the platform's import commands take from their command line: a file, and the operator
account the import is recorded under."""

from pathlib import Path

from django.core.management.base import CommandError

from accounts.models import User
from accounts.roles import Role, role_of


def add_file_and_operator(parser, file_help: str) -> None:
    parser.add_argument("file", help=file_help)
    parser.add_argument("--user", help="记在导入批次和审计日志上的平台运营账号(用户名)")


def file_and_operator(options: dict) -> tuple[Path, User | None]:
    """The existing file and the operator account named by --user (None without it)."""
    path = Path(options["file"])
    if not path.is_file():
        raise CommandError(f"文件不存在:{path}")
    if not options["user"]:
        return path, None
    actor = User.objects.filter(username=options["user"]).first()
    if actor is None or role_of(actor) != Role.OPERATOR:
        raise CommandError(f"“{options['user']}”不是平台运营账号")
    return path, actor
