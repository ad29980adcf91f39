"""python manage.py flag_sleeping_patents [--date YYYY-MM-DD] — recompute the sleeping-patent flags."""

import datetime

from django.core.management.base import BaseCommand, CommandError

from inventory.patents import flag_sleeping_patents


class Command(BaseCommand):
    help = "重新标记沉睡专利(财政资助、授权满五年、有效且未实施)"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--date", help="按该日期计算(默认今天),格式 YYYY-MM-DD")

    def handle(self, *args, **options) -> None:
        today = None
        if options["date"]:
            try:
                today = datetime.date.fromisoformat(options["date"])
            except ValueError as error:
                raise CommandError(f"日期格式错误:{options['date']}(应为 YYYY-MM-DD)") from error
        counts = flag_sleeping_patents(today)
        self.stdout.write(
            f"新标记 {counts['flagged']} 件,取消标记 {counts['cleared']} 件,现有沉睡专利 {counts['sleeping']} 件"
        )
