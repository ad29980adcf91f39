"""python manage.py import_base_library FILE — load the national base library (DATA-STANDARD.md §2).

Reads .xlsx or .csv of any size (the browser page stops at UPLOAD_MAX_BYTES) through the one import
pipeline (inventory.patents.base_library): the file is validated first and the preview's figures
and problems printed; then, unless --dry-run, the accepted rows are committed in one transaction.
Prints the counts and the batch to download the error report from, and exits with status 1 when
rows were rejected or the file failed, so a script loading the library notices.
"""

import sys

from django.core.management.base import BaseCommand, CommandError

from ground.imports.problems import ensure_error_report
from ground.uploads import UploadError
from inventory.management.arguments import add_file_and_operator, file_and_operator
from inventory.patents import BASE_LIBRARY, BaseLibraryResult, import_base_library

# Problems printed one by one; the rest are in the batch's error report.
PRINTED_PROBLEMS = 50


class Command(BaseCommand):
    help = "导入存量专利基础库(.xlsx 或 .csv,格式见 DATA-STANDARD.md §2):先校验并打印预览,再一次性写入"

    def add_arguments(self, parser) -> None:
        add_file_and_operator(parser, "基础库文件路径")
        parser.add_argument("--chunk-size", type=int, default=BASE_LIBRARY.chunk_size,
                            help="校验时每批暂存的行数(写入总是一个事务)")
        parser.add_argument("--dry-run", action="store_true", help="只校验并打印预览,不写入(批次留待页面确认)")
        parser.add_argument("--all-or-nothing", action="store_true", help="有错误行时不写入任何数据")
        parser.add_argument("--quiet-progress", action="store_true", help="不显示进度")

    def handle(self, *args, **options) -> None:
        path, actor = file_and_operator(options)

        def progress(percent: int, message: str) -> None:
            if not options["quiet_progress"]:
                self.stderr.write(f"\r{percent:3d}% {message}", ending="")
                self.stderr.flush()

        chunk_size = BASE_LIBRARY.chunk_size
        BASE_LIBRARY.chunk_size = max(1, options["chunk_size"])
        try:
            result = import_base_library(path, path.name, actor=actor, dry_run=options["dry_run"],
                                         all_or_nothing=options["all_or_nothing"], on_progress=progress)
        except UploadError as error:
            raise CommandError(f"没有写入任何数据:{error}") from None
        finally:
            BASE_LIBRARY.chunk_size = chunk_size
        if not options["quiet_progress"]:
            self.stderr.write("")
        if result.failure:
            self.stderr.write(self.style.ERROR(f"导入失败:{result.failure}"))
            sys.exit(1)
        self.report(result, dry_run=options["dry_run"])
        if result.rejected:
            sys.exit(1)

    def report(self, result: BaseLibraryResult, *, dry_run: bool) -> None:
        write = self.stdout.write
        write(f"导入批次:{result.batch.pk}")
        write("预览(未写入任何数据):" if dry_run else "已写入(一个事务):")
        write(f"总行数:{result.total_rows}")
        write(f"新增(created):{result.created}")
        write(f"更新(updated):{result.updated}")
        write(f"未变(unchanged):{result.unchanged}")
        write(f"拒绝(rejected):{result.rejected}")
        write(f"未匹配专利权人(unmatched):{result.unmatched} 个名称,涉及 {result.unmatched_rows} 处")
        if not dry_run:
            write(f"新建盘点记录:{result.records_created}")
        for problem in (result.batch.errors or [])[:PRINTED_PROBLEMS]:
            write(f"  第 {problem['row']} 行 {problem['column']}:{problem['message']}"
                  + (f"(值:{problem['value']})" if problem.get("value") else ""))
        more = len(result.batch.errors or []) - PRINTED_PROBLEMS
        if more > 0:
            write(f"  另有 {more} 条问题")
        if ensure_error_report(result.batch, BASE_LIBRARY.batches):
            write(f"错误报告:{result.batch.error_report.path}")
        for name, (count, first_row) in list(result.unmatched_names.items())[:20]:
            write(f"  未匹配:{name}({count} 处,首见第 {first_row} 行)")
        if dry_run:
            write("确认导入:去掉 --dry-run 重新运行;以 --user 运行的预览也可由该账号"
                  f"在页面“基础库导入”中确认(批次 {result.batch.pk})")
