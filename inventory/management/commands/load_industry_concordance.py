"""python manage.py load_industry_concordance FILE — replace the provisional IPC concordance with
the official table's rows (columns 产业代码, 产业名称, IPC, 不含, 关键词), then re-classify every patent.

Nothing is replaced when any row is wrong: the errors are printed with their row and column and
the command exits with status 1.
"""

import sys

from django.core.management.base import BaseCommand

from ground.imports.problems import problems_of
from inventory.classification import classify_patents, load_concordance, not_replaced
from inventory.management.arguments import add_file_and_operator, file_and_operator
from inventory.models import ImportBatch, Patent


class Command(BaseCommand):
    help = "导入《战略性新兴产业分类与国际专利分类参照关系表(2021)》并重新分类全部专利"

    def add_arguments(self, parser) -> None:
        add_file_and_operator(parser, "参照关系表文件(.xlsx 或 .csv)")
        parser.add_argument("--no-classify", action="store_true", help="只替换参照关系,不重新分类专利")

    def handle(self, *args, **options) -> None:
        path, actor = file_and_operator(options)
        batch = load_concordance(path, path.name, actor=actor)
        for problem in problems_of(batch):
            style = self.style.WARNING if problem.level == "warning" else self.style.ERROR
            self.stderr.write(style(problem.as_text()))
        if batch.status != ImportBatch.Status.COMMITTED:
            self.stderr.write(self.style.ERROR(not_replaced(batch)))
            sys.exit(1)
        self.stdout.write(f"已导入参照关系 {batch.counts['new']} 条")
        if batch.counts.get("uncovered"):
            self.stdout.write(f"没有参照关系的产业:{'、'.join(batch.counts['uncovered'])}")
        if options["no_classify"]:
            return
        counts = classify_patents(Patent.objects.all())
        self.stdout.write(f"已重新分类专利 {counts.patents} 件(有产业 {counts.with_industry} 件,"
                          f"人工指定 {counts.overridden} 件)")
