"""Allocate the admin accounts of a sheet (DATA-STANDARD.md §4) from the command line.

    python manage.py allocate_accounts 账号分配.xlsx --actor operator --output 结果.xlsx

Prints what it did and every error with its row and column; exits non-zero when the sheet has
errors (nothing is written then). The result sheet holds one-time passwords: it is written
readable by its owner only, and should be deleted once the passwords are handed over.
"""

import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from accounts.allocation import AllocationError, allocate_accounts, preview_allocation, result_filename
from accounts.models import User
from accounts.roles import Role, role_of


class Command(BaseCommand):
    help = "Allocate organisations and admin accounts from an allocation sheet (账号分配表)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="the allocation sheet (.xlsx or .csv)")
        parser.add_argument("--actor", help="username of the platform operator recorded in the audit log")
        parser.add_argument("--output", help="where to write the result sheet (default: FILE-结果.xlsx)")
        parser.add_argument("--dry-run", action="store_true", help="check the sheet only; write nothing")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("文件不存在:%(path)s") % {"path": path})
        actor = self._actor(options.get("actor"))
        if options["dry_run"]:
            preview = preview_allocation(path, path.name)
            self._report_warnings([w.as_text() for w in preview.warnings], preview.unknown_columns)
            self._fail_if_errors(preview)
            self.stdout.write(
                _("检查通过:%(rows)d 行;将新建 %(orgs)d 个单位、%(accounts)d 个账号;%(unchanged)d 行已存在,未变更。")
                % {"rows": len(preview.rows), "orgs": preview.new_organizations,
                   "accounts": preview.new_accounts, "unchanged": preview.unchanged}
            )
            return
        try:
            result = allocate_accounts(actor=actor, path=path, original_name=path.name)
        except AllocationError as error:
            self._report_warnings([w.as_text() for w in error.preview.warnings], error.preview.unknown_columns)
            self._fail_if_errors(error.preview)
            raise
        self._report_warnings([w.as_text() for w in result.warnings], [])
        for row in result.created_organizations:
            self.stdout.write(
                _("新建单位:第%(row)d行 %(name)s") % {"row": row.row_number, "name": row.organization_name}
            )
        for row in result.created_accounts:
            self.stdout.write(
                _("新建账号:第%(row)d行 %(name)s %(username)s")
                % {"row": row.row_number, "name": row.organization_name, "username": row.username}
            )
        for row in result.unchanged:
            self.stdout.write(
                _("已存在,未变更:第%(row)d行 %(name)s %(username)s")
                % {"row": row.row_number, "name": row.organization_name, "username": row.username}
            )
        output = Path(options["output"]) if options.get("output") else path.with_name(result_filename(path.name))
        _write_private(output, result.sheet)
        self.stdout.write(
            self.style.SUCCESS(
                _("完成:新建 %(orgs)d 个单位、%(accounts)d 个账号;%(unchanged)d 行已存在,未变更。")
                % {"orgs": len(result.created_organizations), "accounts": len(result.created_accounts),
                   "unchanged": len(result.unchanged)}
            )
        )
        note = _("结果表已写入 %(path)s") % {"path": output}
        if result.created_accounts:
            note += _("(含初始密码,请妥善保管,分发后删除)")
        self.stdout.write(note)

    def _actor(self, username: str | None) -> User | None:
        if not username:
            self.stderr.write(self.style.WARNING(_("未指定 --actor:审计日志中将不记录操作人")))
            return None
        user = User.objects.filter(username=username).select_related("organization").first()
        if user is None:
            raise CommandError(_("用户“%(username)s”不存在") % {"username": username})
        if role_of(user) != Role.OPERATOR:
            raise CommandError(_("用户“%(username)s”不是平台运营人员,不能分配账号") % {"username": username})
        return user

    def _report_warnings(self, warnings: list[str], unknown_columns: list[str]) -> None:
        if unknown_columns:
            self.stderr.write(_("已忽略不属于账号分配表的列:%(columns)s") % {"columns": "、".join(unknown_columns)})
        for warning in warnings:
            self.stderr.write(self.style.WARNING(_("提示:%(message)s") % {"message": warning}))

    def _fail_if_errors(self, preview) -> None:
        if not preview.has_errors:
            return
        for message in preview.messages:
            self.stderr.write(self.style.ERROR(message))
        raise CommandError(
            _("共 %(n)d 处错误,未写入任何数据。") % {"n": len(preview.messages)}
        )


def _write_private(path: Path, content: bytes) -> None:
    """Write the result sheet readable and writable by its owner only (it holds passwords)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(content)
    os.chmod(path, 0o600)
