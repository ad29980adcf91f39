"""python manage.py classify_patents [--all] — give patents their industries and technology fields.

Without --all only patents that have neither an industry nor a technology field yet are
classified; with --all every patent is (after the concordance changed). Staff overrides are kept.
"""

from django.core.management.base import BaseCommand

from inventory.classification import classify_patents
from inventory.models import Patent, PatentIndustry, PatentTechField


class Command(BaseCommand):
    help = "按IPC参照关系为专利分类战略性新兴产业和技术领域"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--all", action="store_true", help="重新分类全部专利(默认只分类尚未分类的专利)")
        parser.add_argument("--quiet-progress", action="store_true", help="不显示进度")

    def handle(self, *args, **options) -> None:
        patents = Patent.objects.all()
        if not options["all"]:
            patents = patents.exclude(pk__in=PatentIndustry.objects.values("patent_id")).exclude(
                pk__in=PatentTechField.objects.values("patent_id"))

        def progress(done: int, total: int) -> None:
            if not options["quiet_progress"]:
                self.stderr.write(f"\r已分类 {done}/{total}", ending="")
                self.stderr.flush()

        counts = classify_patents(patents, progress=progress)
        if not options["quiet_progress"] and counts.patents:
            self.stderr.write("")
        self.stdout.write(f"专利:{counts.patents}")
        self.stdout.write(f"有产业:{counts.with_industry}")
        self.stdout.write(f"有技术领域:{counts.with_field}")
        self.stdout.write(f"人工指定:{counts.overridden}")
        self.stdout.write(f"写入:{counts.added} 删除:{counts.removed}")
