"""The demo world's quarterly statistics, computed through the real services so that the
statistics, dashboards and reports have quarters to show on a fresh `make demo`: the last six
ended quarters, each counted for every scope; all but the latest published with their bulletin
(the latest stays a draft for the platform to publish), and 北京's office (demo_province) and 教育部
(demo_ministry) signed off the latest. Removed with the demo world: a run holding rows of demo
organisations is the demo's, published or not."""

from django.db.models import Q

from accounts.models import User
from reporting.statistics import services
from reporting.statistics.models import Bulletin, QuarterlyStat, SignOff, StatRun
from reporting.statistics.quarters import recent

QUARTERS = 6


def build(operator: User, province_user: User, ministry_user: User) -> int:
    """Compute, publish and sign off; returns how many runs were made."""
    runs = [services.compute_quarter(quarter) for quarter in recent(QUARTERS)]
    for run in runs[:-1]:
        services.publish(run, user=operator, summary="各地高校和科研机构存量专利盘点持续推进。")
    for user in (province_user, ministry_user):
        services.sign_off(runs[-1], user=user, note="已核对本单位数据")
    return len(runs)


def remove(org_ids: list[int]) -> None:
    """The runs with rows of demo organisations (their rows, sign-offs and bulletins first)."""
    run_ids = list(QuarterlyStat.objects.filter(Q(organization_id__in=org_ids) | Q(ministry_id__in=org_ids))
                   .values_list("run_id", flat=True).distinct())
    SignOff.objects.filter(run_id__in=run_ids).delete()
    Bulletin.objects.filter(run_id__in=run_ids).delete()
    QuarterlyStat.objects.filter(run_id__in=run_ids).delete()
    StatRun.objects.filter(pk__in=run_ids).delete()
