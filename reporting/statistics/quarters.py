"""Quarters as the statistics name them (DATA-STANDARD.md §8): "2025Q4" runs from 2025-10-01 to its
quarter end D = 2025-12-31, both included. Only a quarter that has ended can be counted."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

PATTERN = re.compile(r"^\s*(\d{4})\s*[Qq]\s*([1-4])\s*$")
# The campaign's first quarter: nothing was inventoried before the work plan (2024).
FIRST_YEAR = 2023


class QuarterError(ValueError):
    """A quarter that cannot be counted, with the Chinese message to show."""


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    number: int

    @classmethod
    def parse(cls, text: str) -> Quarter:
        """A quarter written `2025Q4` (case and spaces ignored); QuarterError for anything else."""
        match = PATTERN.match(str(text or ""))
        if not match:
            raise QuarterError(_("“%(value)s”不是季度,应写作 2025Q4 这样的年份加季度") % {"value": text})
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def containing(cls, day: datetime.date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    @classmethod
    def last_ended(cls, today: datetime.date | None = None) -> Quarter:
        """The most recent quarter whose end has passed: on 2026-01-01, 2025Q4."""
        return cls.containing(today or timezone.localdate()).previous()

    @classmethod
    def ended(cls, text: str, today: datetime.date | None = None) -> Quarter:
        """A quarter that exists and has ended (its end D before today); QuarterError otherwise."""
        quarter = cls.parse(text)
        today = today or timezone.localdate()
        if quarter.year < FIRST_YEAR:
            raise QuarterError(_("%(quarter)s 早于专项工作开始,没有统计") % {"quarter": quarter})
        if quarter.end >= today:
            raise QuarterError(_("%(quarter)s 尚未结束(季末为 %(end)s),只能统计已经结束的季度")
                               % {"quarter": quarter, "end": quarter.end.isoformat()})
        return quarter

    @property
    def start(self) -> datetime.date:
        return datetime.date(self.year, 3 * self.number - 2, 1)

    @property
    def end(self) -> datetime.date:
        """Quarter end D: the last day of the quarter."""
        return self.next().start - datetime.timedelta(days=1)

    def next(self) -> Quarter:
        return Quarter(self.year + 1, 1) if self.number == 4 else Quarter(self.year, self.number + 1)

    def previous(self) -> Quarter:
        return Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)

    def label(self) -> str:
        """2025年第4季度 (English: 2025 Q4)."""
        return _("%(year)d年第%(number)d季度") % {"year": self.year, "number": self.number}

    def __str__(self) -> str:
        return f"{self.year}Q{self.number}"


def recent(count: int, today: datetime.date | None = None) -> list[Quarter]:
    """The last `count` ended quarters, oldest first (the trend charts' axis)."""
    quarters = [Quarter.last_ended(today)]
    while len(quarters) < count:
        quarters.append(quarters[-1].previous())
    return quarters[::-1]
