"""The charts of a dashboard, each with its table, from the rows data.load read.

Which charts an audience sees: the platform every province side by side (a ranked bar chart with
the milestones' targets, no map: no complete standard map of China could be vendored), a ministry
and a province their institutions (milestones live, ranking), an institution its own milestones;
every audience the resource library's composition, evaluation and push activity, conversions,
trends over the quarters and, beneath the nation, the comparison with the national figures.
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from inventory.choices import Intent
from inventory.classification.models import Industry
from inventory.milestones import active_milestones, progress_for_many
from inventory.models import Milestone
from reporting.dashboards import charts as c
from reporting.dashboards.charts import COUNT, RATE, TEXT, Chart, Column, Row
from reporting.dashboards.data import Dashboard, institutions_of
from reporting.statistics.definitions import rate
from reporting.statistics.models import QuarterlyStat, ScopeKind
from reporting.statistics.presentation import scope_name

# The figures an audience may rank its provinces or institutions by: key → (label, value of a row, is a rate)
RANKINGS: dict[str, tuple[str, Callable[[QuarterlyStat], object], bool]] = {
    "coverage": (gettext_lazy("盘点覆盖率"), lambda r: rate(r.inventoried, r.in_scope), True),
    "implementation_rate": (gettext_lazy("专利实施率"), lambda r: rate(r.implemented, r.valid), True),
    "industrialisation_rate": (gettext_lazy("专利产业化率"), lambda r: rate(r.industrialised, r.valid), True),
    "in_library": (gettext_lazy("入库数"), lambda r: r.in_library, False),
    "conversions": (gettext_lazy("转让和许可"), lambda r: r.transfers + r.licences, False),
}


def coverage(row: QuarterlyStat | None) -> float | None:
    return rate(row.inventoried, row.in_scope) if row is not None else None


def implementation(row: QuarterlyStat | None) -> float | None:
    return rate(row.implemented, row.valid) if row is not None else None


def industrialisation(row: QuarterlyStat | None) -> float | None:
    return rate(row.industrialised, row.valid) if row is not None else None


def build(dashboard: Dashboard, *, rank: str = "coverage") -> list[Chart]:
    if dashboard.row is None:
        return []
    active = active_milestones()
    built = [milestones(dashboard, active)]
    if dashboard.scope.kind != ScopeKind.INSTITUTION:
        built.append(ranking(dashboard, rank))
    built += [trends(dashboard, active), conversions(dashboard), activity(dashboard), *library(dashboard)]
    if dashboard.scope.kind != ScopeKind.NATIONAL and dashboard.national is not None:
        built.append(versus_national(dashboard))
    return [chart for chart in built if chart is not None]


# --- milestones --------------------------------------------------------------------------------------

def _status(item) -> str:
    if item.behind:
        return _("滞后")
    return _("已达成") if item.met else _("未到期")


def milestones(dashboard: Dashboard, active: list[Milestone]) -> Chart:
    """Progress against the milestones, deadlines drawn: the nation by province from the quarter's
    figures (targets as lines); beneath it the institutions' live progress (inventory.milestones)."""
    fixed = [m for m in active if m.deadline is not None]
    deadlines: dict[int, list[str]] = {}
    for m in fixed:
        deadlines.setdefault(m.target_percent, []).append(m.deadline.isoformat())
    # One line per target, its deadlines under it; every other label raised so that close targets
    # (30% and 50%) stay readable on a phone.
    lines = [{"xAxis": target, "name": f"{target}%\n" + "\n".join(sorted(set(days))),
              "label": {"distance": [0, 4 + 30 * (i % 2)]}}
             for i, (target, days) in enumerate(sorted(deadlines.items()))]
    if dashboard.scope.kind == ScopeKind.NATIONAL:
        return _milestones_by_province(dashboard, lines)
    progress = progress_for_many(institutions_of(dashboard), milestones=active)
    if dashboard.scope.kind == ScopeKind.INSTITUTION:
        return _milestones_of_institution(progress[0] if progress else None)
    rows = sorted(progress, key=lambda p: (p.percent, p.institution.name))
    option = c.ranked_bars([p.institution.name for p in rows], [p.percent for p in rows], rate=True, lines=True)
    option["series"][0]["markLine"] = _target_lines(lines)
    option["series"].append({"type": "scatter", "name": _("当前目标"), "symbol": "diamond", "symbolSize": 12,
                             "itemStyle": {"color": c.PALETTE[3]}, "data": [p.current_target for p in rows]})
    table = [Row([p.institution.name, p.inventoried, p.total, p.percent, p.current_target,
                  p.next_deadline.isoformat() if p.next_deadline else "—",
                  _("滞后") if p.behind else _("正常")]) for p in rows]
    return Chart("milestones", _("各单位盘点进度与里程碑(实时)"), [
        Column(_("单位"), TEXT), Column(_("已盘点")), Column(_("盘点范围")), Column(_("完成比例"), RATE),
        Column(_("当前目标(%)"), TEXT), Column(_("下一截止日"), TEXT), Column(_("状态"), TEXT)],
        table, option, categories=len(rows),
        note=_("按当前盘点记录实时计算;竖线为里程碑目标及其截止日,菱形为各单位当前适用的目标。"))


def _target_lines(lines: list[dict]) -> dict:
    return {"symbol": "none", "silent": True, "lineStyle": {"color": c.PALETTE[3], "type": "dashed"},
            "label": {"formatter": "{b}", "position": "start"}, "data": lines}


def _milestones_by_province(dashboard: Dashboard, lines: list[dict]) -> Chart:
    rows = sorted(dashboard.children, key=lambda r: (coverage(r) is None, -(coverage(r) or 0), scope_name(r)))
    option = c.ranked_bars([scope_name(r) for r in rows], [coverage(r) for r in rows], rate=True, lines=True)
    option["series"][0]["markLine"] = _target_lines(lines)
    table = [Row([scope_name(r), r.inventoried, r.in_scope, coverage(r)], r.pk) for r in rows]
    return Chart("milestones", _("各省盘点覆盖率与里程碑"), [
        Column(_("省份"), TEXT), Column(_("已盘点"), figure="inventoried"),
        Column(_("盘点范围"), figure="in_scope"), Column(_("盘点覆盖率"), RATE)],
        table, option, categories=len(rows),
        note=_("季末盘点覆盖率;竖线为里程碑目标及其截止日。"))


def _milestones_of_institution(progress) -> Chart:
    items = progress.milestones if progress is not None else []
    names = [f"{item.milestone.name}" + (f"\n{item.deadline}" if item.deadline else "") for item in items]
    option = c.ranked_bars(names, [item.percent for item in items], rate=True)
    option["series"].append({"type": "scatter", "name": _("目标"), "symbol": "diamond", "symbolSize": 14,
                             "itemStyle": {"color": c.PALETTE[3]}, "data": [item.target_percent for item in items]})
    table = [Row([item.milestone.name, item.deadline.isoformat() if item.deadline else "—", item.target_percent,
                  item.done, item.total, item.percent, _status(item)]) for item in items]
    return Chart("milestones", _("本单位盘点里程碑(实时)"), [
        Column(_("里程碑"), TEXT), Column(_("截止日期"), TEXT), Column(_("目标(%)")), Column(_("已盘点")),
        Column(_("应盘点")), Column(_("完成比例"), RATE), Column(_("状态"), TEXT)],
        table, option, categories=len(items), note=_("按当前盘点记录实时计算;菱形为目标。"))


# --- ranking -----------------------------------------------------------------------------------------

def ranking(dashboard: Dashboard, rank: str) -> Chart:
    label, value_of, is_rate = RANKINGS.get(rank, RANKINGS["coverage"])
    rows = sorted(dashboard.children, key=lambda r: (value_of(r) is None, -(value_of(r) or 0), scope_name(r)))
    average = value_of(dashboard.national) if dashboard.national is not None else None
    option = c.ranked_bars([scope_name(r) for r in rows], [value_of(r) for r in rows], rate=is_rate,
                           average=average, average_label=_("全国") + (" {c}%" if is_rate else " {c}"))
    label = str(label)
    who = _("省份") if dashboard.scope.kind == ScopeKind.NATIONAL else _("单位")
    table = [Row([n, scope_name(r), r.in_scope, r.inventoried, coverage(r), r.valid, r.implemented, implementation(r),
                  r.self_reported, r.industrialised, industrialisation(r), r.in_library, r.transfers, r.licences],
                 r.pk) for n, r in enumerate(rows, start=1)]
    columns = [Column(_("名次")), Column(who, TEXT), Column(_("盘点范围"), figure="in_scope"),
               Column(_("已盘点"), figure="inventoried"), Column(_("盘点覆盖率"), RATE),
               Column(_("有效专利"), figure="valid"), Column(_("已实施"), figure="implemented"),
               Column(_("专利实施率"), RATE), Column(_("自报实施"), figure="self_reported"),
               Column(_("已产业化"), figure="industrialised"), Column(_("专利产业化率"), RATE),
               Column(_("入库数"), figure="in_library"), Column(_("转让登记"), figure="transfers"),
               Column(_("许可备案"), figure="licences")]
    title = _("各省排名:%(figure)s") if dashboard.scope.kind == ScopeKind.NATIONAL else _("各单位排名:%(figure)s")
    return Chart("ranking", title % {"figure": label}, columns, table, option, categories=len(rows),
                 note=_("虚线为全国水平;自报实施单列,不计入实施率。"), extra={"rank": rank})


# --- over the quarters -------------------------------------------------------------------------------

def trends(dashboard: Dashboard, active: list[Milestone]) -> Chart:
    """Coverage, implementation and industrialisation over the quarters, the scope against the nation,
    with the milestones' deadlines that fall in the quarters shown."""
    quarters = [q for q, _own, _nat in dashboard.trend]
    own_name = scope_name(dashboard.row)
    series = [(f"{own_name} · {_('盘点覆盖率')}", [coverage(o) for _q, o, _n in dashboard.trend]),
              (f"{own_name} · {_('专利实施率')}", [implementation(o) for _q, o, _n in dashboard.trend]),
              (f"{own_name} · {_('专利产业化率')}", [industrialisation(o) for _q, o, _n in dashboard.trend])]
    if dashboard.scope.kind != ScopeKind.NATIONAL:
        series += [(f"{_('全国')} · {_('盘点覆盖率')}", [coverage(n) for _q, _o, n in dashboard.trend]),
                   (f"{_('全国')} · {_('专利实施率')}", [implementation(n) for _q, _o, n in dashboard.trend])]
    option = {
        "toolbox": c.toolbox(), "tooltip": {**c.TOOLTIP, "axisPointer": {"type": "line"}},
        "legend": {"top": 0, "left": 0, "right": 40, "type": "scroll"},
        "grid": {"left": 8, "right": 24, "top": 56, "bottom": 8, "containLabel": True},
        "xAxis": {"type": "category", "data": quarters},
        "yAxis": {"type": "value", "max": 100, "axisLabel": {"formatter": "{value}%"}},
        "series": [{"name": name, "type": "line", "data": data, "connectNulls": False,
                    "itemStyle": {"color": c.PALETTE[i % len(c.PALETTE)]},
                    **({"lineStyle": {"type": "dashed"}} if i >= 3 else {})}
                   for i, (name, data) in enumerate(series)],
    }
    deadlines = [{"xAxis": q, "name": _("截止 %(day)s · %(target)d%%") % {"day": m.deadline,
                                                                       "target": m.target_percent}}
                 for m in active if m.deadline for q in [_quarter_of(m.deadline)] if q in quarters]
    if deadlines and option["series"]:
        option["series"][0]["markLine"] = {"symbol": "none", "silent": True, "data": deadlines,
                                           "lineStyle": {"color": c.PALETTE[3], "type": "dotted"},
                                           "label": {"formatter": "{b}", "position": "insideEndTop"}}
    table = [Row([q, coverage(o), implementation(o), o.self_reported if o else None, industrialisation(o),
                  coverage(n), implementation(n), industrialisation(n)], o.pk if o else None)
             for q, o, n in dashboard.trend]
    return Chart("trends", _("各季度趋势"), [
        Column(_("季度"), TEXT), Column(_("盘点覆盖率"), RATE), Column(_("专利实施率"), RATE),
        Column(_("自报实施"), figure="self_reported"), Column(_("专利产业化率"), RATE),
        Column(_("全国盘点覆盖率"), RATE), Column(_("全国专利实施率"), RATE), Column(_("全国专利产业化率"), RATE)],
        table, option, note=_("点线为里程碑截止日所在季度;自报实施单列,不计入实施率。"))


def _quarter_of(day) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def conversions(dashboard: Dashboard) -> Chart:
    trend = dashboard.trend
    quarters = [q for q, _o, _n in trend]
    pick = [("transfers", _("转让登记数")), ("licences", _("许可备案数")), ("open_licences", _("其中开放许可")),
            ("product_filings", _("专利产品备案数"))]
    series = [(label, [getattr(o, key) if o else None for _q, o, _n in trend]) for key, label in pick]
    table = [Row([q, *(getattr(o, key) if o else None for key, _l in pick)], o.pk if o else None)
             for q, o, _n in trend]
    return Chart("conversions", _("转化:转让、许可和产品备案"),
                 [Column(_("季度"), TEXT), *(Column(label, figure=key) for key, label in pick)],
                 table, c.category_bars(quarters, series), note=_("许可备案数含开放许可。"))


def activity(dashboard: Dashboard) -> Chart:
    trend = dashboard.trend
    quarters = [q for q, _o, _n in trend]
    counts = [("enterprise_evaluations", _("企业评价数")), ("expert_evaluations", _("专家评价数")),
              ("pushes", _("推送数")), ("pushes_viewed", _("已查看推送数")), ("pushes_interested", _("有意向推送数"))]

    def viewed(o):
        return rate(o.pushes_viewed, o.pushes) if o else None

    def interested(o):
        return rate(o.pushes_interested, o.pushes) if o else None

    series = [(label, [getattr(o, key) if o else None for _q, o, _n in trend]) for key, label in counts[:3]]
    lines = [(_("推送查看率"), [viewed(o) for _q, o, _n in trend]),
             (_("意向率"), [interested(o) for _q, o, _n in trend])]
    table = [Row([q, *(getattr(o, key) if o else None for key, _l in counts), viewed(o), interested(o)],
                 o.pk if o else None) for q, o, _n in trend]
    return Chart("activity", _("评价和推送"), [
        Column(_("季度"), TEXT), *(Column(label, figure=key) for key, label in counts),
        Column(_("推送查看率"), RATE), Column(_("意向率"), RATE)],
        table, c.category_bars(quarters, series, lines=lines))


# --- composition and comparison ----------------------------------------------------------------------

def library(dashboard: Dashboard) -> list[Chart]:
    breakdown = dashboard.row.breakdown or {}
    intents = dict(Intent.choices)
    sectors = dict(Industry.objects.filter(parent__isnull=True).values_list("code", "name"))
    built = []
    for key, title, name_of, shape in (
            ("library_by_intent", _("资源库构成:按转化意愿"), lambda code: intents.get(code, code), "pie"),
            ("library_by_industry", _("资源库构成:按所属产业"), lambda code: sectors.get(code) or _("未分类"), "bars"),
            ("library_by_maturity", _("资源库构成:按技术成熟度"),
             lambda code: _("%(level)s 级") % {"level": code} if code not in ("", "none", None) else _("未填"),
             "bars")):
        counts = breakdown.get(key) or {}
        ordered = sorted(counts.items(), key=lambda item: (_sort_key(item[0]) if shape != "pie" else -item[1]))
        items = [(str(name_of(code)), n) for code, n in ordered]
        option = c.pie(items) if shape == "pie" else c.ranked_bars([i[0] for i in items], [i[1] for i in items],
                                                                   rate=False, colour=c.PALETTE[1])
        total = sum(n for _name, n in items)
        table = [Row([name, n, rate(n, total)]) for name, n in items]
        built.append(Chart(key, title, [Column(_("分类"), TEXT), Column(_("入库专利数")), Column(_("占比"), RATE)],
                           table, option, categories=len(items) if shape != "pie" else 0))
    return built


def _sort_key(code: str) -> tuple:
    parts = str(code).split(".")
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in parts)


def versus_national(dashboard: Dashboard) -> Chart:
    own, nation = dashboard.row, dashboard.national
    figures = [
        (_("盘点覆盖率"), coverage),
        (_("专利实施率"), implementation),
        (_("专利产业化率"), industrialisation),
        (_("推送查看率"), lambda r: rate(r.pushes_viewed, r.pushes)),
        (_("意向率"), lambda r: rate(r.pushes_interested, r.pushes)),
    ]
    names = [label for label, _f in figures]
    own_name = scope_name(own)
    option = {
        "toolbox": c.toolbox(), "tooltip": c.TOOLTIP, "legend": {"top": 0, "left": 0},
        "grid": {"left": 8, "right": 16, "top": 40, "bottom": 8, "containLabel": True},
        "xAxis": {"type": "category", "data": names, "axisLabel": {"interval": 0}},
        "yAxis": {"type": "value", "max": 100, "axisLabel": {"formatter": "{value}%"}},
        "series": [{"name": own_name, "type": "bar", "data": [f(own) for _l, f in figures],
                    "itemStyle": {"color": c.PALETTE[0]}, "label": {"show": True, "position": "top",
                                                                    "formatter": "{c}%"}},
                   {"name": _("全国"), "type": "bar", "data": [f(nation) for _l, f in figures],
                    "itemStyle": {"color": c.PALETTE[8]}, "label": {"show": True, "position": "top",
                                                                    "formatter": "{c}%"}}],
    }
    table = [Row([label, f(own), f(nation)]) for label, f in figures]
    table.insert(2, Row([_("自报实施(不计入实施率)"), own.self_reported, nation.self_reported],
                        kinds=[TEXT, COUNT, COUNT]))
    return Chart("national", _("与全国水平比较"), [Column(_("指标"), TEXT), Column(own_name, RATE),
                                                   Column(_("全国"), RATE)], table, option,
                 extra={"mixed": True})
