"""The default indicator system of DATA-STANDARD.md §6, shipped as version 1 (current) for the
licensing-and-transfer scenario (许可转让): 法律价值 0.3, 技术价值 0.4, 经济价值 0.3, equal weights
within each dimension (rounded to three decimals; the computation divides by their sum), each
indicator with the guidance an evaluator reads beside it (what 0, 5 and 10 mean)."""

from decimal import Decimal

from django.db import migrations

SYSTEM = {"version": 1, "name": "专利价值评价指标体系", "scenario": "许可转让",
          "note": "默认指标体系(数据标准第 6 节):法律价值、技术价值、经济价值三个维度,维度内指标等权。"}

DIMENSIONS = [
    ("legal", "法律价值", "0.300", [
        ("stability", "稳定性",
         "专利权在无效宣告程序中被维持的可能性。0 分:明显缺乏新颖性或创造性,或已有在先无效请求且证据充分;"
         "5 分:检索到相关对比文件,权利要求可能需要修改才能维持;10 分:经检索无实质相关对比文件,"
         "或已经无效程序、诉讼确认有效,权利要求层次完整。"),
        ("non_circumvention", "不可规避性",
         "他人能否以替代方案绕开本专利的保护范围。0 分:稍加修改即可规避,保护范围很窄;5 分:规避需要付出一定成本"
         "或性能有所牺牲;10 分:实现该功能几乎无法绕开独立权利要求,规避在技术或经济上不可行。"),
        ("dependency", "依赖性",
         "实施本专利是否依赖他人的基础专利(是否为从属专利)。0 分:实施必须获得他人基础专利许可且难以取得;"
         "5 分:部分实施方式依赖他人专利,但可以通过许可或替代方案解决;10 分:可独立实施,不依赖任何他人专利。"),
        ("infringement_detectability", "侵权可判定性",
         "发生侵权时能否容易地发现并举证。0 分:侵权行为发生在封闭的生产过程或内部,几乎无法取证;"
         "5 分:需要通过拆解、检测或公证购买等方式才能取证;10 分:从市售产品或公开使用中可直接判定是否落入保护范围。"),
        ("remaining_term", "剩余有效期",
         "专利权剩余的保护期限(结合年费缴纳情况)。0 分:剩余不足 1 年或有未缴年费导致终止的风险;"
         "5 分:发明专利剩余约 8–10 年(实用新型约 4–5 年);10 分:发明专利剩余 15 年以上(实用新型 8 年以上)。"),
        ("multi_country", "多国申请",
         "同族专利在其他国家或地区的布局。0 分:仅在中国申请;5 分:通过 PCT 进入 1–2 个主要市场或已提交 PCT 申请;"
         "10 分:在美、欧、日等多个主要市场获得授权。"),
        ("licensing_status", "许可状况",
         "专利已有的许可、转让和权利负担情况。0 分:存在独占许可或质押等限制再许可的负担;"
         "5 分:尚无许可记录,也无权利负担;10 分:已有普通许可或开放许可实施并获得收益,可继续许可。"),
    ]),
    ("technical", "技术价值", "0.400", [
        ("advancement", "先进性",
         "与本领域现有技术相比的技术水平。0 分:落后于现有主流技术;5 分:与主流技术水平相当,有局部改进;"
         "10 分:国际领先,解决了行业长期未解决的难题或指标显著优于现有技术。"),
        ("industry_trend", "行业发展趋势",
         "专利技术是否符合所属行业的发展方向。0 分:属于正在被淘汰的技术路线;5 分:属于成熟、稳定的技术路线;"
         "10 分:代表行业未来主流方向,处于快速发展期。"),
        ("scope_of_application", "适用范围",
         "技术可以应用的产品、行业和场景的广度。0 分:只适用于某一特定产品的个别环节;5 分:适用于一个行业内的多类产品;"
         "10 分:可跨行业广泛应用,是通用或平台性技术。"),
        ("supporting_technology", "配套技术依存度",
         "实施本专利对其他配套技术、设备和工艺的依赖程度(依赖越少得分越高)。0 分:需要大量尚不成熟或难以获得的配套技术;"
         "5 分:需要一定的配套技术,市场上可以获得;10 分:可独立实施,无需额外配套技术。"),
        ("substitutability", "可替代性",
         "市场上是否存在可以替代本专利技术的方案(替代越难得分越高)。0 分:已有成熟、低成本的替代技术;"
         "5 分:存在替代方案,但效果或成本不占优;10 分:目前没有可行的替代技术。"),
        ("maturity", "成熟度",
         "技术距离产业化应用的程度(参照技术成熟度 1–9 级)。0 分:仅有原理或概念(1–2 级);"
         "5 分:完成实验室或相关环境验证、样机演示(4–6 级);10 分:已在实际环境中运行成功或批量生产(8–9 级)。"),
    ]),
    ("economic", "经济价值", "0.300", [
        ("market_application", "市场应用情况",
         "专利技术是否已经在市场上实施应用。0 分:尚未应用,也无应用计划;5 分:已有试用或小批量应用;"
         "10 分:已大规模实施,产品持续销售。"),
        ("market_size", "市场规模前景",
         "专利产品或服务潜在市场的规模和增长。0 分:市场规模很小或正在萎缩;5 分:市场规模中等(年销售额约亿元级),"
         "增长平稳;10 分:市场规模巨大(年销售额百亿元级以上)且快速增长。"),
        ("market_share", "市场占有率",
         "专利产品在目标市场中可能或已经达到的份额。0 分:几乎没有市场份额;5 分:在细分市场中占有一定份额;"
         "10 分:在细分市场中居于领先地位。"),
        ("competition", "竞争情况",
         "目标市场的竞争格局(竞争越缓和、优势越明显得分越高)。0 分:竞争者众多且实力强,本技术无明显优势;"
         "5 分:存在若干竞争者,本技术有一定优势;10 分:竞争者很少,本技术具有明显竞争优势。"),
        ("policy_fit", "政策适应性",
         "技术与国家和地方产业政策的契合程度。0 分:属于限制或淘汰类;5 分:与产业政策无明显冲突;"
         "10 分:属于国家重点鼓励发展的战略性新兴产业或重点支持领域。"),
    ]),
]


def indicator_weight(count: int) -> Decimal:
    return (Decimal(1) / count).quantize(Decimal("0.001"))


def ship_default(apps, schema_editor) -> None:
    IndicatorSystem = apps.get_model("evaluation", "IndicatorSystem")
    Dimension = apps.get_model("evaluation", "Dimension")
    Indicator = apps.get_model("evaluation", "Indicator")
    if IndicatorSystem.objects.filter(version=SYSTEM["version"]).exists():
        return
    system = IndicatorSystem.objects.create(is_current=not IndicatorSystem.objects.filter(is_current=True).exists(),
                                            **SYSTEM)
    for position, (code, name, weight, indicators) in enumerate(DIMENSIONS, start=1):
        dimension = Dimension.objects.create(system=system, code=code, name=name, weight=Decimal(weight),
                                             position=position)
        Indicator.objects.bulk_create([
            Indicator(dimension=dimension, code=icode, name=iname, guidance=guidance,
                      weight=indicator_weight(len(indicators)), position=ipos)
            for ipos, (icode, iname, guidance) in enumerate(indicators, start=1)])


def remove_default(apps, schema_editor) -> None:
    IndicatorSystem = apps.get_model("evaluation", "IndicatorSystem")
    Evaluation = apps.get_model("evaluation", "Evaluation")
    if not Evaluation.objects.filter(system__version=SYSTEM["version"]).exists():
        IndicatorSystem.objects.filter(version=SYSTEM["version"]).delete()


class Migration(migrations.Migration):

    dependencies = [("evaluation", "0002_experts_batch")]

    operations = [migrations.RunPython(ship_default, remove_default)]
