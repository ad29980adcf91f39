"""`manage.py seed_demo`: builds the demo world (demo/builders.py) and prints its logins and counts,
in the active language through Django's translation (Chinese unless LANGUAGE_CODE says otherwise)."""

import time
import unicodedata

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import ProtectedError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from demo.builders import DEMO_PASSWORD, DemoError, build_demo_world, reset_demo_world

COUNT_LABELS = [
    ("institutions", "", gettext_lazy("高校和科研机构")),
    ("enterprises", "", gettext_lazy("企业")),
    ("enterprises_pending", "  ", gettext_lazy("其中待审核企业")),
    ("experts", "", gettext_lazy("评价专家")),
    ("users", "", gettext_lazy("账号(含演示账号)")),
    ("patents", "", gettext_lazy("专利")),
    ("inventions", "  ", gettext_lazy("发明")),
    ("utility_models", "  ", gettext_lazy("实用新型")),
    ("designs", "  ", gettext_lazy("外观设计")),
    ("funded", "  ", gettext_lazy("财政资助")),
    ("ownerships", "", gettext_lazy("专利权属(机构)")),
    ("inventory_records", "", gettext_lazy("盘点记录")),
    ("inventoried", "  ", gettext_lazy("已盘点")),
    ("in_library", "  ", gettext_lazy("已入库(转化资源库)")),
    ("approved", "  ", gettext_lazy("已审核通过")),
    ("submitted", "  ", gettext_lazy("待二级单位审核")),
    ("department_reviewed", "  ", gettext_lazy("待学校审核")),
    ("returned", "  ", gettext_lazy("已退回")),
    ("scored", "  ", gettext_lazy("已计算挂牌完整度(库内)")),
    ("departments", "", gettext_lazy("二级单位")),
    ("department_records", "  ", gettext_lazy("已归属二级单位的盘点记录")),
    ("conversions", "", gettext_lazy("转化记录")),
    ("transfers", "  ", gettext_lazy("转让")),
    ("licences", "  ", gettext_lazy("许可")),
    ("product_filings", "  ", gettext_lazy("专利产品备案")),
    ("open_licences", "", gettext_lazy("开放许可声明(有效)")),
    ("invitations", "", gettext_lazy("发明人自评邀请(进行中)")),
    ("with_industry", "", gettext_lazy("已归入战略性新兴产业的专利")),
    ("search_documents", "", gettext_lazy("全文检索索引")),
    ("sleeping", "", gettext_lazy("沉睡专利")),
    ("notifications", "", gettext_lazy("演示账号的站内通知")),
    ("match_events", "", gettext_lazy("对接活动")),
    ("event_patents", "  ", gettext_lazy("路演专利")),
    ("event_enterprises", "  ", gettext_lazy("受邀或报名企业")),
]


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


class Command(BaseCommand):
    help = gettext_lazy("生成演示数据:高校和科研机构及其二级单位、企业、评价专家、演示账号、专利、盘点记录及其审核、"
                        "转化记录、开放许可和发明人自评。")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=2024, help=_("随机种子(种子相同,生成的数据相同)"))
        parser.add_argument("--patents", type=int, default=5000, help=_("专利数"))
        parser.add_argument("--institutions", type=int, default=20, help=_("高校和科研机构数"))
        parser.add_argument("--enterprises", type=int, default=50, help=_("企业数"))
        parser.add_argument("--experts", type=int, default=15, help=_("评价专家数"))
        parser.add_argument("--reset", action="store_true", help=_("先删除已有的演示数据(只删演示数据)"))

    def handle(self, *args, **options) -> None:
        started = time.monotonic()
        if options["reset"]:
            try:
                deleted = reset_demo_world()
            except ProtectedError as exc:
                raise CommandError(_("演示数据被其他数据引用,无法删除:%(error)s") % {"error": exc}) from exc
            self.stdout.write(_("已删除演示数据:%(organizations)d 个机构、%(users)d 个账号、%(patents)d 件专利。") % {
                "organizations": deleted["organizations"], "users": deleted["users"], "patents": deleted["patents"]})
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
            self.stdout.write(self.style.SUCCESS(
                _("演示数据已生成,用时 %(seconds).1f 秒。") % {"seconds": time.monotonic() - started}))
        else:
            self.stdout.write(self.style.WARNING(_("演示数据已存在,没有重复生成。如需重建,请加 --reset 运行。")))
        self.print_logins(result.logins)
        self.print_counts(result.counts)

    def print_logins(self, logins: list[tuple[str, str, str]]) -> None:
        if not logins:
            return
        headers = (_("用户名"), _("角色"), _("所属机构"))
        widths = [max(_width(row[i]) for row in [headers, *logins]) for i in range(3)]
        self.stdout.write("")
        self.stdout.write("  ".join(_pad(h, w) for h, w in zip(headers, widths, strict=True)))
        self.stdout.write("  ".join("-" * w for w in widths))
        for row in logins:
            self.stdout.write("  ".join(_pad(c, w) for c, w in zip(row, widths, strict=True)))
        self.stdout.write("\n" + _("全部演示账号的密码:%(password)s") % {"password": DEMO_PASSWORD})
        self.stdout.write(_("两步验证:平台运营和三员账号平时须在首次登录时绑定验证器应用;make demo 以 "
                            "TWO_FACTOR_REQUIRED=false 启动,演示账号只需密码,也可在用户菜单“两步验证”中自行启用。"))

    def print_counts(self, counts: dict[str, int]) -> None:
        self.stdout.write("")
        labels = [(key, indent + str(label)) for key, indent, label in COUNT_LABELS]
        width = max(_width(label) for _key, label in labels)
        for key, label in labels:
            self.stdout.write(f"{_pad(label, width)}  {counts.get(key, 0):>6}")
