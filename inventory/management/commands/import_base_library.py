"""python manage.py import_base_library FILE — load the national base library (DATA-STANDARD.md §2).

Reads .xlsx or .csv of any size (the browser page stops at UPLOAD_MAX_BYTES), prints the counts and
where the error report is, and exits with status 1 when rows were rejected or the file failed, so
a script loading the library notices.
"""

import sys

from django.core.management.base import BaseCommand

from inventory.management.arguments import add_file_and_operator, file_and_operator
from inventory.patents import CHUNK_SIZE, BaseLibraryResult, import_base_library


class Command(BaseCommand):
    help = "导入存量专利基础库(.xlsx 或 .csv,格式见 DATA-STANDARD.md §2)"

    def add_arguments(self, parser) -> None:
        add_file_and_operator(parser, "基础库文件路径")
        parser.add_argument("--chunk-size", type=int, default=CHUNK_SIZE, help="每个事务写入的行数")
        parser.add_argument("--quiet-progress", action="store_true", help="不显示进度")

    def handle(self, *args, **options) -> None:
        path, actor = file_and_operator(options)

        def progress(result: BaseLibraryResult) -> None:
            if not options["quiet_progress"]:
                self.stderr.write(f"\r已处理 {result.total_rows} 行", ending="")
                self.stderr.flush()

        result = import_base_library(path, path.name, actor=actor, chunk_size=options["chunk_size"],
                                     progress=progress)
        if not options["quiet_progress"] and result.total_rows:
            self.stderr.write("")
        if result.failure:
            self.stderr.write(self.style.ERROR(f"导入失败:{result.failure}"))
            sys.exit(1)
        self.stdout.write(f"导入批次:{result.batch.pk}")
        self.stdout.write(f"总行数:{result.total_rows}")
        self.stdout.write(f"新增(created):{result.created}")
        self.stdout.write(f"更新(updated):{result.updated}")
        self.stdout.write(f"未变(unchanged):{result.unchanged}")
        self.stdout.write(f"拒绝(rejected):{result.rejected}")
        self.stdout.write(f"未匹配专利权人(unmatched):{result.unmatched} 个名称,涉及 {result.unmatched_rows} 处")
        self.stdout.write(f"新建盘点记录:{result.records_created}")
        if result.report_path:
            self.stdout.write(f"错误报告:{result.report_path}")
        for name, (count, first_row) in list(result.unmatched_names.items())[:20]:
            self.stdout.write(f"  未匹配:{name}({count} 处,首见第 {first_row} 行)")
        if result.rejected:
            sys.exit(1)
