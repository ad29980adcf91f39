"""The matcher's weights: what each score component measures and how much it counts.

The weights are data: settings.MATCHING_WEIGHTS overrides any of DEFAULTS. Each component is a
number between 0 and 1 (feedback between -1 and 1); a push's score is the weighted sum. A
patent is a candidate only when it is relevant to the enterprise at all: an industry, an IPC
field or a need's words in common; the other components order the relevant ones.
"""

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Component:
    key: str
    label: str
    measures: str
    example: str


COMPONENTS: tuple[Component, ...] = (
    Component("industry", _("产业匹配"),
              _("企业画像与未关闭需求的关注产业，与专利所属产业（分类结果与机构标注）相同：子产业一致计 1，"
                "同一大类计 0.5。"),
              _("企业关注 1.5 人工智能，专利属于 1.5：1；专利只属于大类 1 新一代信息技术产业：0.5。")),
    Component("ipc", _("IPC 领域深度"),
              _("企业画像与需求的 IPC 前缀，与专利分类号一致的最深层级：小组 1，大组 0.7，小类 0.4。"),
              _("企业填 G06V 10/82，专利分类号 G06V 10/82：1；G06V 10/44：0.7；G06V 20/52：0.4。")),
    Component("text", _("需求文本相似度"),
              _("企业未关闭需求（名称、描述、关键词）与专利名称、摘要、应用场景的 TF-IDF 余弦相似度，"
                "按需求分别计算取最高，相似度 0.5 及以上计满分。"),
              _("需求“工业视觉缺陷检测”与一件“基于深度学习的表面缺陷检测方法”共有缺陷、检测、视觉等词：约 0.6。")),
    Component("readiness", _("技术成熟度"),
              _("机构标注的技术成熟度（TRL 1–9）除以 9；未标注计 0.3。"),
              _("TRL 7 真实环境样机演示：0.78。")),
    Component("mode", _("合作方式契合"),
              _("企业可接受的合作方式（画像与需求）能否满足机构的转化意愿：能满足计 1，企业未说明计 0.5，"
                "都不满足计 0。"),
              _("企业接受许可，机构意愿为许可：1；机构只愿转让：0。")),
    Component("region", _("地区"),
              _("机构所在省份在企业优先地区之列计 1；企业未填优先地区计 0.5；否则 0。"),
              _("企业优先广东，专利权人为广东的高校：1。")),
    Component("listing", _("挂牌信息质量"),
              _("资源库挂牌信息完整度（0–100）除以 100。"),
              _("完整度 80：0.8。")),
    Component("feedback", _("企业反馈"),
              _("企业对同一 IPC 小类或产业的既往响应：每次“不属于本企业领域”的不感兴趣减 0.5，每次有意向"
                "或申请评价加 0.5，合计在 −1 与 1 之间。"),
              _("企业两次以“不属于本企业领域”驳回 A01B 的推送：A01B 的专利 −1。")),
)

DEFAULTS: dict[str, float] = {
    "industry": 2.0,
    "ipc": 2.0,
    "text": 5.0,
    "readiness": 0.5,
    "mode": 1.0,
    "region": 0.5,
    "listing": 0.5,
    "feedback": 2.0,
}


def current() -> dict[str, float]:
    """The weights in force: the defaults with settings.MATCHING_WEIGHTS over them."""
    return DEFAULTS | {key: float(value) for key, value in getattr(settings, "MATCHING_WEIGHTS", {}).items()
                       if key in DEFAULTS}


def max_pushes_per_cycle() -> int:
    return int(getattr(settings, "MATCHING_MAX_PUSHES_PER_CYCLE", 20))


def min_score() -> float:
    return float(getattr(settings, "MATCHING_MIN_SCORE", 2.0))


def chunk_size() -> int:
    return int(getattr(settings, "MATCHING_CHUNK_SIZE", 200))
