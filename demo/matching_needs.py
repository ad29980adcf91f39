"""The demo enterprises' profiles and technology needs (matching.needs): the first enterprise (the
demo_enterprise login) gets a full profile and three needs, a few other active enterprises one
need each, so that the needs board, the profile page and institutions' offers have something to
show. Written in bulk; the same seed gives the same result. Removed with the enterprises (the
rows cascade)."""

import random
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from accounts.models import Organization
from matching.choices import BudgetBand, CooperationMode
from matching.needs.models import EnterpriseProfile, TechnologyNeed
from matching.needs.services import search_text

NEEDS = [
    ("锂电池低温快充技术",
     "需要在零下二十摄氏度环境中实现快速充电的锂离子电池技术,充电效率不低于百分之八十,可用于北方地区电动汽车。",
     ["锂电池", "低温", "快充"], ["5.2"], ["H01M 10"]),
    ("工业视觉表面缺陷检测",
     "面向钢板和铝板生产线的在线表面缺陷视觉检测系统,检出率达到百分之九十九,单帧处理时间小于五十毫秒。",
     ["机器视觉", "缺陷检测"], ["1.5", "2.1"], ["G06T 7", "G01N 21"]),
    ("中药复方缓释制剂工艺", "寻求适用于中药复方的缓释制剂工艺,释放时间不少于十二小时,能够在现有生产线上规模化生产。",
     ["缓释", "中药制剂"], ["4.1"], ["A61K 9", "A61K 36"]),
    ("光伏组件高效封装材料", "需要耐候性好、透光率高的光伏组件封装胶膜材料,满足二十五年户外使用寿命要求并降低成本。",
     ["光伏", "封装材料"], ["6.3", "3.6"], ["H01L 31", "C08L"]),
    ("污水处理低能耗膜技术",
     "针对工业园区污水处理,需要低能耗、抗污染的分离膜材料及组件,吨水能耗较现有工艺降低百分之二十。",
     ["膜分离", "污水处理"], ["7.2"], ["C02F", "B01D 69"]),
    ("轨道交通轴承状态监测", "需要基于振动与温度多源信号的轨道交通轴承故障早期预警技术,误报率低于百分之五。",
     ["故障诊断", "轴承"], ["2.4"], ["G01M 13", "B61K"]),
]


def build(seed: int, enterprise_ids: list[int], demo_user=None) -> int:
    """Profiles and needs for the given enterprises (the first is the demo enterprise); returns
    how many needs were written."""
    rng = random.Random(seed + 7)
    enterprises = list(Organization.objects.filter(pk__in=enterprise_ids, status=Organization.Status.ACTIVE)
                       .order_by("pk")[:5])
    if not enterprises:
        return 0
    now = timezone.now()
    first = enterprises[0]
    EnterpriseProfile.objects.bulk_create([
        EnterpriseProfile(enterprise=first, industry_codes=["5.2", "1.5", "4.1"], ipc_prefixes=["H01M", "G06T 7"],
                          province_codes=[first.province_id] if first.province_id else [],
                          modes=[CooperationMode.LICENCE, CooperationMode.JOINT_RD], budget_band=BudgetBand.FROM_50,
                          allow_direct_contact=True, updated_at=now),
        *[EnterpriseProfile(enterprise=e, industry_codes=[NEEDS[3 + i % 3][3][0]], modes=[CooperationMode.ASSIGNMENT],
                            updated_at=now) for i, e in enumerate(enterprises[1:])],
    ], ignore_conflicts=True)
    owners = [first, first, first, *enterprises[1:]]
    needs = []
    for index, (enterprise, (title, description, keywords, industries, ipc)) in enumerate(
            zip(owners, NEEDS, strict=False)):
        values = {"title": title, "description": description, "keywords": keywords}
        needs.append(TechnologyNeed(
            enterprise=enterprise, title=title, description=description, keywords=keywords,
            industry_codes=industries, ipc_prefixes=ipc,
            modes=[CooperationMode.LICENCE, CooperationMode.JOINT_RD] if index % 2 else [CooperationMode.ASSIGNMENT],
            budget=Decimal(rng.choice([30, 50, 80, 120, 200])),
            deadline=timezone.localdate() + timedelta(days=rng.randint(60, 365)) if index % 3 else None,
            contact_name=rng.choice(["王工", "李经理", "张主任"]), contact_phone=f"139{rng.randint(0, 99_999_999):08d}",
            allow_direct_contact=index % 2 == 0, created_by=demo_user, created_at=now - timedelta(days=index),
            updated_at=now - timedelta(days=index), search_text=search_text(values)))
    return len(TechnologyNeed.objects.bulk_create(needs, ignore_conflicts=True))
