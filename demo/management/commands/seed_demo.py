import time
import unicodedata

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import ProtectedError

from demo.builders import DEMO_PASSWORD, DemoError, build_demo_world, reset_demo_world

COUNT_LABELS = [
    ("institutions", "高校和科研机构"),
    ("enterprises", "企业"),
    ("enterprises_pending", "  其中待审核企业"),
    ("experts", "评价专家"),
    ("users", "账号(含演示账号)"),
    ("patents", "专利"),
    ("inventions", "  发明"),
    ("utility_models", "  实用新型"),
    ("designs", "  外观设计"),
    ("funded", "  财政资助"),
    ("ownerships", "专利权属(机构)"),
    ("inventory_records", "盘点记录"),
    ("inventoried", "  已盘点"),
    ("in_library", "  已入库(转化资源库)"),
    ("approved", "  已审核通过"),
    ("submitted", "  待二级单位审核"),
    ("department_reviewed", "  待学校审核"),
    ("returned", "  已退回"),
    ("scored", "  已计算挂牌完整度(库内)"),
    ("departments", "二级单位"),
    ("department_records", "  已归属二级单位的盘点记录"),
    ("conversions", "转化记录"),
    ("transfers", "  转让"),
    ("licences", "  许可"),
    ("product_filings", "  专利产品备案"),
    ("open_licences", "开放许可声明(有效)"),
    ("invitations", "发明人自评邀请(进行中)"),
    ("with_industry", "已归入战略性新兴产业的专利"),
    ("search_documents", "全文检索索引"),
    ("sleeping", "沉睡专利"),
]


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


class Command(BaseCommand):
    help = ("Build the demo world: institutions and their departments, enterprises, experts, demo logins, patents, "
            "inventory records and their review, conversions, open licences and self-assessment.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=2024, help="random seed (same seed, same world)")
        parser.add_argument("--patents", type=int, default=5000)
        parser.add_argument("--institutions", type=int, default=20)
        parser.add_argument("--enterprises", type=int, default=50)
        parser.add_argument("--experts", type=int, default=15)
        parser.add_argument("--reset", action="store_true", help="remove the demo world first (demo rows only)")

    def handle(self, *args, **options) -> None:
        started = time.monotonic()
        if options["reset"]:
            try:
                deleted = reset_demo_world()
            except ProtectedError as exc:
                raise CommandError(f"the demo world is referenced by other data and cannot be removed: {exc}") from exc
            self.stdout.write(
                f"Removed the demo world: {deleted['organizations']} organisations, "
                f"{deleted['users']} accounts, {deleted['patents']} patents."
            )
        try:
            result = build_demo_world(
                seed=options["seed"],
                patents=options["patents"],
                institutions=options["institutions"],
                enterprises=options["enterprises"],
                experts=options["experts"],
            )
        except DemoError as exc:
            raise CommandError(str(exc)) from exc
        if result.created:
            self.stdout.write(self.style.SUCCESS(f"Demo world created in {time.monotonic() - started:.1f} s."))
        else:
            self.stdout.write(self.style.WARNING(
                "A demo world already exists: nothing was created. Run with --reset to rebuild it."
            ))
        self.print_logins(result.logins)
        self.print_counts(result.counts)

    def print_logins(self, logins: list[tuple[str, str, str]]) -> None:
        if not logins:
            return
        headers = ("用户名", "角色", "所属机构")
        widths = [max(_width(row[i]) for row in [headers, *logins]) for i in range(3)]
        self.stdout.write("")
        self.stdout.write("  ".join(_pad(h, w) for h, w in zip(headers, widths, strict=True)))
        self.stdout.write("  ".join("-" * w for w in widths))
        for row in logins:
            self.stdout.write("  ".join(_pad(c, w) for c, w in zip(row, widths, strict=True)))
        self.stdout.write(f"\n密码 (all demo accounts): {DEMO_PASSWORD}")

    def print_counts(self, counts: dict[str, int]) -> None:
        self.stdout.write("")
        width = max(_width(label) for _, label in COUNT_LABELS)
        for key, label in COUNT_LABELS:
            self.stdout.write(f"{_pad(label, width)}  {counts.get(key, 0):>6}")
