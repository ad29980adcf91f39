"""python manage.py load_industry_concordance FILE — replace the provisional IPC concordance with
the official table's rows (columns 产业代码, 产业名称, IPC, 不含, 关键词), then re-classify every patent.

Nothing is replaced when any row is wrong: the errors are printed with their row and column and
the command exits with status 1.
"""

import sys

from django.core.management.base import BaseCommand

from inventory.classification import classify_patents, load_concordance
from inventory.management.arguments import add_file_and_operator, file_and_operator
from inventory.models import Patent


class Command(BaseCommand):
    help = "导入《战略性新兴产业分类与国际专利分类参照关系表(2021)》并重新分类全部专利"

    def add_arguments(self, parser) -> None:
        add_file_and_operator(parser, "参照关系表文件(.xlsx 或 .csv)")
        parser.add_argument("--no-classify", action="store_true", help="只替换参照关系,不重新分类专利")

    def handle(self, *args, **options) -> None:
        path, actor = file_and_operator(options)
        result = load_concordance(path, path.name, actor=actor)
        for warning in result.warnings:
            self.stderr.write(self.style.WARNING(warning.as_text()))
        if not result.applied:
            for error in result.errors:
                self.stderr.write(self.style.ERROR(error.as_text()))
            self.stderr.write(self.style.ERROR(result.failure))
            sys.exit(1)
        self.stdout.write(f"已导入参照关系 {result.rows} 条")
        if result.uncovered:
            self.stdout.write(f"没有参照关系的产业:{'、'.join(result.uncovered)}")
        if options["no_classify"]:
            return
        counts = classify_patents(Patent.objects.all())
        self.stdout.write(f"已重新分类专利 {counts.patents} 件(有产业 {counts.with_industry} 件,"
                          f"人工指定 {counts.overridden} 件)")
