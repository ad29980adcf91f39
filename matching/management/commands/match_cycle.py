"""Run a match cycle now, in this process: the platform's (all enterprises) or a province's."""

from django.core.management.base import BaseCommand, CommandError

from accounts.models import Province
from matching.matcher import services
from matching.matcher.models import MatchChunk, MatchCycle


class Command(BaseCommand):
    help = "运行一次匹配（全部企业，或 --province 指定省份的企业）；--resume 继续未完成的批次。"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--province", help="省份行政区划代码，如 440000")
        parser.add_argument("--patents", default="", help="指定专利 id，逗号分隔（仅省局组织对接推广）")
        parser.add_argument("--resume", type=int, help="继续运行该批次未完成的分片")

    def handle(self, *args, province=None, patents="", resume=None, **options) -> None:
        if resume:
            cycle = MatchCycle.objects.filter(pk=resume).first()
            if cycle is None:
                raise CommandError(f"没有批次 {resume}")
        else:
            region = None
            if province:
                region = Province.objects.filter(code=province).first()
                if region is None:
                    raise CommandError(f"没有代码为 {province} 的省份")
            ids = [int(pk) for pk in patents.split(",") if pk.strip()]
            try:
                cycle = services.start_cycle(MatchCycle.Kind.PROVINCE if region else MatchCycle.Kind.PLATFORM,
                                             province=region, patent_ids=ids, run=False)
            except services.CycleRefused as refused:
                raise CommandError(str(refused)) from refused
        cycle = services.run_cycle(cycle)
        for chunk_id in MatchChunk.objects.filter(cycle=cycle, done_at__isnull=True).values_list("pk", flat=True):
            services.run_chunk(chunk_id)
        cycle.refresh_from_db()
        self.stdout.write(f"批次 {cycle.pk}：{cycle.get_status_display()}，企业 {cycle.enterprises}，"
                          f"候选 {cycle.candidates}，新推送 {cycle.pushes_created}")
