"""The needs board (需求大厅): the open needs a user may see, searched by keyword (title,
description, keywords) and filtered by industry and the enterprise's province.

The keyword search is a case-insensitive substring match on the need's `search_text`, the same on
PostgreSQL and SQLite; the board reads open needs only (tens of thousands nationally), newest
first, through the (status, updated_at) index, a page at a time.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from django.db.models import Q

from matching.needs.models import NeedQuerySet, TechnologyNeed

MAX_QUERY = 50


@dataclass(frozen=True)
class BoardQuery:
    text: str = ""
    industry: str = ""
    province: str = ""

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> "BoardQuery":
        return cls(text=(params.get("q") or "").strip()[:MAX_QUERY],
                   industry=(params.get("industry") or "").strip()[:8],
                   province=(params.get("province") or "").strip()[:6])


def board(user, query: BoardQuery) -> NeedQuerySet:
    """The open needs `user` may see that answer `query`, newest first."""
    needs = TechnologyNeed.objects.visible_to(user).open().select_related("enterprise__province")
    for word in query.text.lower().split()[:5]:
        needs = needs.filter(search_text__contains=word)
    if query.industry:
        # A sector (“1”) matches its sub-sectors (“1.5”); industry codes are stored as a JSON list.
        needs = needs.filter(Q(industry_codes__icontains=f'"{query.industry}"')
                             | Q(industry_codes__icontains=f'"{query.industry}.'))
    if query.province:
        needs = needs.filter(enterprise__province_id=query.province)
    return needs.order_by("-updated_at", "-pk")
